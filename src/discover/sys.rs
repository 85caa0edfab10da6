//! The few Linux system calls the walk makes itself, each behind a safe
//! function: opening a folder relative to another, reading its entries in
//! large batches, and stat-ing a name inside it. All `unsafe` of the walk
//! is here.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// An open folder; closed when dropped.
pub(super) struct Dir(OwnedFd);

/// What the walk needs of a stat: the kind, size, times and identity.
#[derive(Clone, Copy, Debug)]
pub(super) struct Meta {
    mode: u32,
    pub size: u64,
    pub mtime_sec: i64,
    pub mtime_nsec: i64,
    /// A folder's listing is trusted only while its ctime too is unchanged.
    pub ctime_sec: i64,
    pub ctime_nsec: i64,
    pub dev: u64,
    pub ino: u64,
}

impl Meta {
    fn kind(&self) -> u32 {
        self.mode & libc::S_IFMT
    }
    pub fn is_dir(&self) -> bool {
        self.kind() == libc::S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.kind() == libc::S_IFREG
    }
    pub fn is_symlink(&self) -> bool {
        self.kind() == libc::S_IFLNK
    }
}

/// Whether a stat follows a symbolic link at the name or describes the link.
#[derive(Clone, Copy)]
pub(super) enum Links {
    Follow,
    NoFollow,
}

impl Dir {
    /// Opens the folder `path` (relative to `at`, or to the working folder
    /// when `at` is `None`), following symbolic links as `opendir` does.
    pub fn open(at: Option<&Dir>, path: &CStr) -> io::Result<Dir> {
        let at = at.map_or(libc::AT_FDCWD, |d| d.0.as_raw_fd());
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NONBLOCK | libc::O_CLOEXEC;
        // SAFETY: `path` is a valid NUL-terminated string for the call.
        let fd = unsafe { libc::openat(at, path.as_ptr(), flags) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened and is owned by nobody else.
        Ok(Dir(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Fills `buf` with the next entries (`linux_dirent64` records, read
    /// by [`entries`]); 0 bytes at the end of the folder.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                self.0.as_raw_fd(),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        usize::try_from(n).map_err(|_| io::Error::last_os_error())
    }

    /// The stat of `name` inside this folder (`"."`: the folder itself;
    /// a path with `/` is looked up below it).
    pub fn stat(&self, name: &CStr, links: Links) -> io::Result<Meta> {
        let flags = match links {
            Links::Follow => 0,
            Links::NoFollow => libc::AT_SYMLINK_NOFOLLOW,
        };
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `name` is NUL-terminated and `st` has room for a stat.
        let rc =
            unsafe { libc::fstatat(self.0.as_raw_fd(), name.as_ptr(), st.as_mut_ptr(), flags) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fstatat returned 0, so it filled `st`.
        Ok(Meta::of(unsafe { st.assume_init() }))
    }

    /// The stat of this folder itself, without a lookup of any name.
    pub fn meta(&self) -> io::Result<Meta> {
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `st` has room for a stat.
        if unsafe { libc::fstat(self.0.as_raw_fd(), st.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fstat returned 0, so it filled `st`.
        Ok(Meta::of(unsafe { st.assume_init() }))
    }
}

impl Meta {
    fn of(st: libc::stat) -> Meta {
        Meta {
            mode: st.st_mode,
            size: u64::try_from(st.st_size).unwrap_or(0),
            mtime_sec: st.st_mtime,
            mtime_nsec: st.st_mtime_nsec,
            ctime_sec: st.st_ctime,
            ctime_nsec: st.st_ctime_nsec,
            dev: st.st_dev,
            ino: st.st_ino,
        }
    }
}

/// Who this process acts as, as one number: what it may read depends on
/// its user and on every group it is in, so a folder listing kept under one
/// set of credentials is not reused under another (a clerk taken out of the
/// group that may read a folder must no longer see its names).
pub(super) fn credentials() -> u32 {
    // SAFETY: geteuid and getegid have no preconditions and cannot fail.
    let (user, group) = unsafe { (libc::geteuid(), libc::getegid()) };
    credentials_of(user, group, supplementary_groups())
}

/// The fingerprint of a user, its effective group and its other groups,
/// whatever their order or repeats.
fn credentials_of(user: u32, group: u32, mut groups: Vec<u32>) -> u32 {
    groups.push(group);
    groups.sort_unstable();
    groups.dedup();
    let mut bytes = Vec::with_capacity(4 * (groups.len() + 2));
    bytes.extend_from_slice(&user.to_le_bytes());
    bytes.extend_from_slice(&group.to_le_bytes());
    groups
        .iter()
        .for_each(|g| bytes.extend_from_slice(&g.to_le_bytes()));
    // Truncated: a listing is trusted only with its root, device and inode
    // the same too, and the worst a collision does is show names of a
    // folder its files could still not be read from.
    xxhash_rust::xxh3::xxh3_64(&bytes) as u32
}

/// The process's supplementary groups (none if they cannot be read: the
/// fingerprint then changes, and listings are read afresh).
fn supplementary_groups() -> Vec<u32> {
    // SAFETY: with a size of 0, getgroups only counts the groups.
    let count = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    let mut groups = vec![0; usize::try_from(count).unwrap_or(0)];
    let len = libc::c_int::try_from(groups.len()).unwrap_or(0);
    // SAFETY: `groups` has room for `len` group ids.
    let filled = unsafe { libc::getgroups(len, groups.as_mut_ptr()) };
    groups.truncate(usize::try_from(filled).unwrap_or(0));
    groups
}

/// The `(name, d_type)` of each `linux_dirent64` record in `buf` (what
/// [`Dir::read`] filled), "." and ".." included.
pub(super) fn entries(buf: &[u8]) -> impl Iterator<Item = (&CStr, u8)> {
    // struct linux_dirent64 { u64 d_ino; i64 d_off; u16 d_reclen;
    //                         u8 d_type; char d_name[]; }
    const RECLEN: usize = 16;
    const TYPE: usize = 18;
    const NAME: usize = 19;
    let mut rest = buf;
    std::iter::from_fn(move || {
        let reclen = usize::from(u16::from_ne_bytes([
            *rest.get(RECLEN)?,
            *rest.get(RECLEN + 1)?,
        ]));
        let record = rest.get(..reclen)?;
        rest = rest.get(reclen..)?;
        let name = CStr::from_bytes_until_nul(record.get(NAME..)?).ok()?;
        Some((name, *record.get(TYPE)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_tell_users_and_group_sets_apart_in_any_order() {
        let base = credentials_of(1000, 1000, vec![27, 100]);
        assert_eq!(base, credentials_of(1000, 1000, vec![100, 27, 100, 1000]));
        assert_ne!(base, credentials_of(1001, 1000, vec![27, 100]));
        assert_ne!(base, credentials_of(1000, 1000, vec![100]));
        assert_ne!(base, credentials_of(1000, 1000, vec![27, 100, 4]));
        assert_ne!(base, credentials_of(1000, 27, vec![1000, 100]));
        assert_eq!(credentials(), credentials());
    }

    #[test]
    fn records_cut_short_or_of_length_zero_end_the_list() {
        let mut record = vec![0u8; 24];
        record[16] = 24; // d_reclen
        record[18] = libc::DT_REG;
        record[19..22].copy_from_slice(b"ab\0");
        let mut buf = record.clone();
        buf.extend_from_slice(&record[..20]);
        let names: Vec<_> = entries(&buf).map(|(n, t)| (n.to_owned(), t)).collect();
        assert_eq!(names, [(c"ab".to_owned(), libc::DT_REG)]);
        assert_eq!(entries(&[0u8; 40]).count(), 0);
    }
}
