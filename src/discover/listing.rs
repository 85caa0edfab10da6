//! The folder-listing cache (git's "untracked cache"): each folder's names
//! and types as the last walk read them, with the folder's stat identity,
//! kept in the output folder as `.hoso.folders`.
//!
//! Adding, removing or renaming an entry changes its folder's mtime and
//! ctime, so a folder whose identity is unchanged holds the names it held.
//! The walk then stats it by its path from the root instead of opening and
//! reading it: one system call for four (open, two reads, close). Its
//! files are still stat-ed, by path from the root too, as their sizes and
//! times tell the content cache what changed (measured on 9,847 dossier
//! folders, one thread: 64 ms read afresh; 41 ms opened `O_PATH` and
//! fstat-ed; 35 ms stat-ed by path, the way taken).
//!
//! A folder changed in the clock tick its listing was read in keeps its
//! times: one whose mtime or ctime is not older than the last walk's start
//! less [`RACY_MARGIN_NS`] is read again, as [`crate::cache::Cache`] does
//! with files. A missing, damaged, foreign (another root, user or set of
//! groups) or other-version file is ignored: it can cost time, never a
//! listing.
//!
//! The file is flat, read with no decoding: a fixed head, then the
//! folders, entries and names as arrays, all checked by one checksum
//! (10,000 dossiers: 0.9 MB, loaded in well under a millisecond).

use super::sys::Meta;
use crate::cache::RACY_MARGIN_NS;
use std::collections::{HashMap, VecDeque};
use std::ffi::CStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

pub const FILE_NAME: &str = ".hoso.folders";

// Layout, little-endian. The head: MAGIC, then the checksum (xxh3-64) of
// everything after it. Then FIXED bytes: version u32, credentials u32,
// started_ns i64, root dev u64, root ino u64, root path length u32, folder
// count u32, entry count u32, names length u32. Then the root path, the folders
// (FOLDER bytes each, the root first), the entries (ENTRY bytes each, a
// folder's together and sorted by name) and the names (each NUL-ended,
// each once: a batch's dossiers hold files of the same few names).
const MAGIC: &[u8; 8] = b"hosodirs";
/// 2: the user field is [`super::sys::credentials`], no longer the uid.
const VERSION: u32 = 2;
const HEAD: usize = 16;
const FIXED: usize = 48;
/// dev u64, ino u64, mtime ns i64, ctime ns i64, first entry u32, entries u32.
const FOLDER: usize = 40;
/// Name offset u32, child folder u32 ([`NO_CHILD`]: none kept), d_type u8.
const ENTRY: usize = 9;
const NO_CHILD: u32 = u32::MAX;

/// What of a folder's stat changes whenever an entry is added, removed or
/// renamed in it (or the folder is replaced).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Identity {
    dev: u64,
    ino: u64,
    mtime_ns: i64,
    ctime_ns: i64,
}

impl Identity {
    pub fn of(m: &Meta) -> Identity {
        let ns = |sec: i64, nsec: i64| sec.saturating_mul(1_000_000_000).saturating_add(nsec);
        Identity {
            dev: m.dev,
            ino: m.ino,
            mtime_ns: ns(m.mtime_sec, m.mtime_nsec),
            ctime_ns: ns(m.ctime_sec, m.ctime_nsec),
        }
    }
}

/// An entry of a kept listing.
pub(super) struct Kept<'a> {
    pub name: &'a CStr,
    pub d_type: u8,
    /// The subfolder's own listing, if one was kept.
    pub child: Option<u32>,
}

/// The listings the last walk kept, as read from the file.
pub(super) struct Last {
    bytes: Vec<u8>,
    started_ns: i64,
    user: u32,
    root_dev: u64,
    root_ino: u64,
    folders: u32,
    root_at: usize,
    folders_at: usize,
    entries_at: usize,
    names_at: usize,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

fn i64_at(bytes: &[u8], at: usize) -> Option<i64> {
    Some(i64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// `count` records of `size` bytes from `at`: where they end.
fn after(at: usize, count: u32, size: usize) -> Option<usize> {
    at.checked_add(usize::try_from(count).ok()?.checked_mul(size)?)
}

impl Last {
    /// The listings kept in `out`, if any can be trusted to be ours.
    pub fn load(out: &Path) -> Option<Last> {
        Last::parse(std::fs::read(out.join(FILE_NAME)).ok()?)
    }

    fn parse(bytes: Vec<u8>) -> Option<Last> {
        if bytes.get(..MAGIC.len())? != MAGIC
            || xxh3_64(bytes.get(HEAD..)?) != u64_at(&bytes, MAGIC.len())?
            || u32_at(&bytes, HEAD)? != VERSION
        {
            return None;
        }
        let root_len = u32_at(&bytes, HEAD + 32)?;
        let folders = u32_at(&bytes, HEAD + 36)?;
        let entries = u32_at(&bytes, HEAD + 40)?;
        let names_len = u32_at(&bytes, HEAD + 44)?;
        let root_at = HEAD + FIXED;
        let folders_at = after(root_at, root_len, 1)?;
        let entries_at = after(folders_at, folders, FOLDER)?;
        let names_at = after(entries_at, entries, ENTRY)?;
        (after(names_at, names_len, 1)? == bytes.len()).then_some(())?;
        Some(Last {
            user: u32_at(&bytes, HEAD + 4)?,
            started_ns: i64_at(&bytes, HEAD + 8)?,
            root_dev: u64_at(&bytes, HEAD + 16)?,
            root_ino: u64_at(&bytes, HEAD + 24)?,
            folders,
            root_at,
            folders_at,
            entries_at,
            names_at,
            bytes,
        })
    }

    /// Whether these listings were kept under the credentials `user`
    /// ([`super::sys::credentials`]) walking `root`, the folder
    /// `root_dev`/`root_ino`.
    pub fn is_of(&self, root: &Path, user: u32, root_dev: u64, root_ino: u64) -> bool {
        self.bytes.get(self.root_at..self.folders_at) == Some(root.as_os_str().as_bytes())
            && (self.user, self.root_dev, self.root_ino) == (user, root_dev, root_ino)
    }

    /// The identity and entry range of folder `index`.
    fn folder(&self, index: u32) -> Option<(Identity, u32, u32)> {
        let at = self.folders_at + usize::try_from(index).ok()?.checked_mul(FOLDER)?;
        (index < self.folders).then_some(())?;
        let b = &self.bytes;
        let identity = Identity {
            dev: u64_at(b, at)?,
            ino: u64_at(b, at + 8)?,
            mtime_ns: i64_at(b, at + 16)?,
            ctime_ns: i64_at(b, at + 24)?,
        };
        Some((identity, u32_at(b, at + 32)?, u32_at(b, at + 36)?))
    }

    fn entry(&self, index: u32) -> Option<Kept<'_>> {
        let at = self.entries_at + usize::try_from(index).ok()?.checked_mul(ENTRY)?;
        (at < self.names_at).then_some(())?;
        let b = &self.bytes;
        let offset = usize::try_from(u32_at(b, at)?).ok()?;
        // The names come last: the NUL found is within them.
        let name = CStr::from_bytes_until_nul(b.get(self.names_at.checked_add(offset)?..)?).ok()?;
        // A name is one path component: one that is not could lead the
        // walk's stats out of the folder.
        if name.is_empty() || name.to_bytes().contains(&b'/') {
            return None;
        }
        let child = u32_at(b, at + 4)?;
        Some(Kept {
            name,
            d_type: *b.get(at + 8)?,
            child: (child != NO_CHILD).then_some(child),
        })
    }

    /// The entries of folder `index`, if the folder still has the
    /// identity `now` and had it long enough before the last walk began
    /// for no change to have hidden in the same clock tick.
    pub fn unchanged(&self, index: u32, now: Identity) -> Option<Vec<Kept<'_>>> {
        let (kept, first, count) = self.folder(index)?;
        let trust_before = self.started_ns.saturating_sub(RACY_MARGIN_NS);
        let settled = now.mtime_ns < trust_before && now.ctime_ns < trust_before;
        (kept == now && settled).then_some(())?;
        (first..first.checked_add(count)?)
            .map(|i| self.entry(i))
            .collect()
    }

    /// The kept listing of the subfolder `name` of folder `index` (whose
    /// own listing changed), found by its name among the sorted entries.
    pub fn child_named(&self, index: u32, name: &CStr) -> Option<u32> {
        let (_, first, count) = self.folder(index)?;
        let (mut low, mut high) = (first, first.checked_add(count)?);
        while low < high {
            let mid = low + (high - low) / 2;
            let entry = self.entry(mid)?;
            match entry.name.cmp(name) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return entry.child,
            }
        }
        None
    }
}

/// A folder as this walk listed it, with its subfolders walked: the next
/// walk's listings.
pub(super) struct Node {
    identity: Identity,
    names: Names,
    /// Subfolders walked, by their entry's index in `names`.
    children: Vec<(u32, Node)>,
}

enum Names {
    /// The entries of the last walk's folder of this index, unchanged.
    Kept(u32),
    /// Read afresh (boxed: most folders of a re-run are kept).
    Listed(Box<Fresh>),
}

/// A folder's names as read, in the order read.
#[derive(Default)]
pub(super) struct Fresh {
    /// Each NUL-ended.
    names: Vec<u8>,
    /// Where each name starts in `names`, and its d_type.
    entries: Vec<(usize, u8)>,
}

impl Fresh {
    /// Adds an entry; gives its index.
    pub fn push(&mut self, name: &CStr, d_type: u8) -> u32 {
        self.entries.push((self.names.len(), d_type));
        self.names.extend_from_slice(name.to_bytes_with_nul());
        u32::try_from(self.entries.len() - 1).unwrap_or(u32::MAX)
    }

    fn get(&self, index: usize) -> Option<(&CStr, u8)> {
        let &(at, d_type) = self.entries.get(index)?;
        let name = CStr::from_bytes_until_nul(self.names.get(at..)?).ok()?;
        Some((name, d_type))
    }
}

impl Node {
    /// A folder whose entries are those of the last walk's folder `index`.
    pub fn kept(identity: Identity, index: u32) -> Node {
        Node {
            identity,
            names: Names::Kept(index),
            children: Vec::new(),
        }
    }

    pub fn listed(identity: Identity, fresh: Fresh) -> Node {
        Node {
            identity,
            names: Names::Listed(Box::new(fresh)),
            children: Vec::new(),
        }
    }

    /// Adds the walked subfolder of entry `entry`.
    pub fn add_child(&mut self, entry: u32, child: Node) {
        self.children.push((entry, child));
    }

    /// How many folders the tree holds, and how many were read afresh.
    fn count(&self) -> (u32, u32) {
        let own = (1, u32::from(matches!(self.names, Names::Listed(_))));
        self.children.iter().fold(own, |(all, fresh), (_, child)| {
            let (a, f) = child.count();
            (all.saturating_add(a), fresh.saturating_add(f))
        })
    }

    /// The entries, in index order.
    fn entries<'a>(&'a self, last: Option<&'a Last>) -> Option<Vec<(&'a CStr, u8)>> {
        match &self.names {
            Names::Listed(fresh) => (0..fresh.entries.len()).map(|i| fresh.get(i)).collect(),
            Names::Kept(index) => {
                let last = last?;
                let (_, first, count) = last.folder(*index)?;
                (first..first.checked_add(count)?)
                    .map(|i| last.entry(i).map(|e| (e.name, e.d_type)))
                    .collect()
            }
        }
    }
}

/// What a walk learnt of its batch's folders, for the next walk of the
/// same batch: [`Listings::save`] it once the run is done.
pub struct Listings {
    started_ns: i64,
    user: u32,
    root: Vec<u8>,
    root_dev: u64,
    root_ino: u64,
    /// This walk's listings; `None` when they are the last walk's, which
    /// the file holds already (nothing is then held through the run).
    tree: Option<Node>,
    /// The listings this walk reused, which its `Kept` names point into.
    last: Option<Last>,
    /// `tree` encoded as the file holds it ([`Listings::pack`]), the tree
    /// and `last` then dropped.
    packed: Option<Vec<u8>>,
}

impl Listings {
    pub(super) fn new(
        started_ns: i64,
        root: &Path,
        root_meta: &Meta,
        tree: Node,
        last: Option<Last>,
    ) -> Listings {
        let (folders, fresh) = tree.count();
        let unchanged = fresh == 0 && last.as_ref().is_some_and(|l| l.folders == folders);
        let (tree, last) = if unchanged {
            (None, None)
        } else {
            (Some(tree), last)
        };
        Listings {
            started_ns,
            user: super::sys::credentials(),
            root: root.as_os_str().as_bytes().to_vec(),
            root_dev: root_meta.dev,
            root_ino: root_meta.ino,
            tree,
            last,
            packed: None,
        }
    }

    /// The listings as [`Listings::save`] writes them, encoded now and what
    /// the walk built freed: held through a run of 100,000 dossiers, the
    /// tree of every folder's names was 25 MB of its peak, the bytes 10.
    pub fn pack(mut self) -> Listings {
        if let Some(bytes) = self.tree.as_ref().and_then(|tree| self.encode(tree)) {
            self.packed = Some(bytes);
            self.tree = None;
            self.last = None;
        }
        self
    }

    /// Writes the listings into `out` (atomically) as `.hoso.folders`,
    /// unless every folder was found unchanged: the file there is then
    /// this walk's already (its older start only makes the next walk
    /// distrust more folders, never fewer).
    ///
    /// Not flushed to the disk: the checksum tells a file cut short by a
    /// crash, which is then ignored.
    pub fn save(&self, out: &Path) -> anyhow::Result<()> {
        if let Some(bytes) = &self.packed {
            return crate::report::write_atomic_unsynced(&out.join(FILE_NAME), bytes);
        }
        let Some(tree) = &self.tree else {
            return Ok(());
        };
        let bytes = self
            .encode(tree)
            .ok_or_else(|| anyhow::anyhow!("the batch's folders are too many to keep"))?;
        crate::report::write_atomic_unsynced(&out.join(FILE_NAME), &bytes)
    }

    fn encode(&self, tree: &Node) -> Option<Vec<u8>> {
        let mut folders = Vec::new();
        let mut entries = Vec::new();
        let mut names = Vec::new();
        let mut named: HashMap<&CStr, u32> = HashMap::new();
        let (mut folder_count, mut entry_count) = (1u32, 0u32);
        // Breadth first, so that each child's index is known when its
        // parent's entries are written.
        let mut queue = VecDeque::from([tree]);
        while let Some(node) = queue.pop_front() {
            let listed = node.entries(self.last.as_ref())?;
            let mut children: Vec<Option<&Node>> = vec![None; listed.len()];
            for (entry, child) in &node.children {
                *children.get_mut(usize::try_from(*entry).ok()?)? = Some(child);
            }
            let mut order: Vec<usize> = (0..listed.len()).collect();
            order.sort_unstable_by_key(|&i| listed.get(i).map(|(name, _)| *name));
            let first = entry_count;
            for i in order {
                let (name, d_type) = *listed.get(i)?;
                let child = match children.get(i).copied().flatten() {
                    Some(child) => {
                        queue.push_back(child);
                        folder_count = folder_count.checked_add(1)?;
                        folder_count - 1
                    }
                    None => NO_CHILD,
                };
                let offset = match named.get(name) {
                    Some(&offset) => offset,
                    None => {
                        let offset = u32::try_from(names.len()).ok()?;
                        names.extend_from_slice(name.to_bytes_with_nul());
                        named.insert(name, offset);
                        offset
                    }
                };
                entries.extend_from_slice(&offset.to_le_bytes());
                entries.extend_from_slice(&child.to_le_bytes());
                entries.push(d_type);
                entry_count = entry_count.checked_add(1)?;
            }
            let id = node.identity;
            folders.extend_from_slice(&id.dev.to_le_bytes());
            folders.extend_from_slice(&id.ino.to_le_bytes());
            folders.extend_from_slice(&id.mtime_ns.to_le_bytes());
            folders.extend_from_slice(&id.ctime_ns.to_le_bytes());
            folders.extend_from_slice(&first.to_le_bytes());
            folders.extend_from_slice(&(entry_count - first).to_le_bytes());
        }
        let mut bytes = Vec::with_capacity(
            HEAD + FIXED + self.root.len() + folders.len() + entries.len() + names.len(),
        );
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&self.user.to_le_bytes());
        bytes.extend_from_slice(&self.started_ns.to_le_bytes());
        bytes.extend_from_slice(&self.root_dev.to_le_bytes());
        bytes.extend_from_slice(&self.root_ino.to_le_bytes());
        let root_len = u32::try_from(self.root.len()).ok()?;
        let names_len = u32::try_from(names.len()).ok()?;
        for n in [root_len, folder_count, entry_count, names_len] {
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        bytes.extend_from_slice(&self.root);
        bytes.extend_from_slice(&folders);
        bytes.extend_from_slice(&entries);
        bytes.extend_from_slice(&names);
        let sum = xxh3_64(bytes.get(HEAD..)?);
        bytes
            .get_mut(MAGIC.len()..HEAD)?
            .copy_from_slice(&sum.to_le_bytes());
        Some(bytes)
    }
}

/// Now, in nanoseconds since the epoch.
pub(super) fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{Problem, Stat, walk_reusing, walk_with_stats};
    use std::ffi::CString;
    use std::path::PathBuf;
    use std::time::{Duration, SystemTime};

    /// Everything the walk says of an entry.
    type Said = Vec<(String, PathBuf, Option<Problem>, Option<Stat>)>;

    fn said(found: (Vec<crate::discover::FoundFile>, Vec<Option<Stat>>)) -> Said {
        let (files, stats) = found;
        files
            .iter()
            .zip(stats)
            .map(|(f, s)| (f.rel.to_string(), f.path(), f.problem, s))
            .collect()
    }

    /// The walk without listings.
    fn plain(root: &Path) -> Said {
        said(walk_with_stats(root))
    }

    /// Sets every real folder's mtime an hour back: a change made after
    /// then always gives its folder another mtime, even in the clock tick
    /// the folder was listed in.
    fn backdate(root: &Path) {
        let old = SystemTime::now() - Duration::from_secs(3600);
        for entry in walkdir::WalkDir::new(root) {
            let entry = entry.unwrap();
            if entry.file_type().is_dir() {
                let dir = std::fs::File::open(entry.path()).unwrap();
                dir.set_modified(old).unwrap();
            }
        }
    }

    /// Moves the listings' start past the racy margin of every folder
    /// made so far, as a run begun a few seconds later would have it.
    fn settle(listings: &mut Listings) {
        listings.started_ns += RACY_MARGIN_NS + 1_000_000_000;
    }

    /// Walks `root` reusing the listings in `out`, then keeps this walk's
    /// there, settled; gives what the walk said and how many folders it
    /// did not read again.
    fn walk(root: &Path, out: &Path) -> (Said, u32) {
        let (files, stats, listings) = walk_reusing(root, out);
        let mut listings = listings.expect("listings of a folder");
        let reused = match &listings.tree {
            Some(tree) => {
                let (all, fresh) = tree.count();
                all - fresh
            }
            // All reused: the file holds them.
            None => Last::load(out).unwrap().folders,
        };
        settle(&mut listings);
        // Packed first, as `hoso check` saves them.
        listings.pack().save(out).unwrap();
        (said((files, stats)), reused)
    }

    fn rels(said: &Said) -> Vec<&str> {
        said.iter().map(|(rel, ..)| rel.as_str()).collect()
    }

    /// Three dossiers (and the root): four folders.
    fn batch() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (folder, file) in [("a", "don.docx"), ("b", "x.docx"), ("c", "z.docx")] {
            std::fs::create_dir(dir.path().join(folder)).unwrap();
            std::fs::write(dir.path().join(folder).join(file), folder).unwrap();
        }
        std::fs::write(dir.path().join("danh-sach.xlsx"), b"list").unwrap();
        backdate(dir.path());
        dir
    }

    #[test]
    fn a_folder_gaining_losing_or_renaming_a_file_is_read_again() {
        let dir = batch();
        let out = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(walk(root, out.path()), (plain(root), 0));
        assert_eq!(walk(root, out.path()), (plain(root), 4), "all reused");

        std::fs::write(root.join("a/new.docx"), b"n").unwrap();
        std::fs::rename(root.join("b/x.docx"), root.join("b/y.docx")).unwrap();
        std::fs::remove_file(root.join("c/z.docx")).unwrap();
        // A file's content changing is no change to its folder, but its
        // new stat is given all the same.
        std::fs::write(root.join("danh-sach.xlsx"), b"longer list").unwrap();
        let (said, reused) = walk(root, out.path());
        assert_eq!(said, plain(root));
        assert_eq!(reused, 1, "only the root is unchanged");
        assert_eq!(
            rels(&said),
            ["a/don.docx", "a/new.docx", "b/y.docx", "danh-sach.xlsx"]
        );
        assert_eq!(said[3].3.map(|s| s.size), Some(11));
        // The new listings are kept: nothing is read again next time.
        assert_eq!(walk(root, out.path()), (plain(root), 4));
    }

    #[test]
    fn a_folder_changed_in_the_tick_it_was_listed_in_is_read_again() {
        let dir = batch();
        let root = dir.path();
        let (_, _, listings) = walk_reusing(root, Path::new("/nonexistent"));
        let mut listings = listings.unwrap();
        // As if `late.docx` had come in the clock tick `a` was listed in,
        // after: `a`'s listing lacks it, yet its identity is `a`'s now.
        std::fs::write(root.join("a/late.docx"), b"late").unwrap();
        let tree = listings.tree.as_mut().unwrap();
        let names = tree.entries(None).unwrap();
        let a = names.iter().position(|(n, _)| *n == c"a").unwrap();
        let (_, node) = tree
            .children
            .iter_mut()
            .find(|(entry, _)| *entry as usize == a)
            .unwrap();
        let dir_a = CString::new(root.join("a").as_os_str().as_bytes()).unwrap();
        let now = super::super::sys::Dir::open(None, &dir_a)
            .and_then(|d| d.stat(c".", super::super::sys::Links::Follow))
            .unwrap();
        node.identity = Identity::of(&now);

        // Were the listing trusted, the file would be missed: what the
        // racy margin prevents.
        let trusted = tempfile::tempdir().unwrap();
        settle(&mut listings);
        listings.save(trusted.path()).unwrap();
        let (said, _) = walk(root, trusted.path());
        assert!(!rels(&said).contains(&"a/late.docx"), "{said:?}");

        let racy = tempfile::tempdir().unwrap();
        listings.started_ns -= RACY_MARGIN_NS + 1_000_000_000;
        listings.save(racy.path()).unwrap();
        let (said, _) = walk(root, racy.path());
        assert!(rels(&said).contains(&"a/late.docx"), "{said:?}");
        assert_eq!(said, plain(root));
    }

    #[test]
    fn listings_of_another_root_are_ignored() {
        let dir = batch();
        let out = tempfile::tempdir().unwrap();
        walk(dir.path(), out.path());
        // The same folder by another path: its listings would even fit.
        let other = tempfile::tempdir().unwrap();
        let link = other.path().join("batch");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        assert_eq!(walk(&link, out.path()), (plain(&link), 0));
        // And a folder that is not it.
        let other_batch = batch();
        let out = tempfile::tempdir().unwrap();
        walk(dir.path(), out.path());
        let root = other_batch.path();
        assert_eq!(walk(root, out.path()), (plain(root), 0));
    }

    #[test]
    fn damaged_or_foreign_listings_are_ignored() {
        let dir = batch();
        let root = dir.path();
        let out = tempfile::tempdir().unwrap();
        walk(root, out.path());
        let file = out.path().join(FILE_NAME);
        let good = std::fs::read(&file).unwrap();
        let len = good.len();
        let mut flipped = good.clone();
        // The last byte of the last name ("z.docx" or another).
        flipped[len - 2] ^= 0x20;
        let mut other_version = good.clone();
        other_version[HEAD..HEAD + 4].copy_from_slice(&(VERSION + 1).to_le_bytes());
        let sum = xxh3_64(&other_version[HEAD..]);
        other_version[MAGIC.len()..HEAD].copy_from_slice(&sum.to_le_bytes());
        let damaged = [
            flipped,
            other_version,
            good[..len - 1].to_vec(),
            good[..len / 2].to_vec(),
            good[..20].to_vec(),
            Vec::new(),
            b"{\"not\": \"ours\"}".to_vec(),
        ];
        for (i, bytes) in damaged.into_iter().enumerate() {
            std::fs::write(&file, bytes).unwrap();
            assert_eq!(walk(root, out.path()), (plain(root), 0), "case {i}");
        }
        std::fs::write(&file, &good).unwrap();
        assert_eq!(walk(root, out.path()), (plain(root), 4), "intact again");
    }

    #[test]
    fn the_walk_through_listings_says_what_the_walk_says() {
        let dir = crate::discover::tests::odd_tree();
        let root = dir.path();
        backdate(root);
        let out = tempfile::tempdir().unwrap();
        let (first, _) = walk(root, out.path());
        let (second, reused) = walk(root, out.path());
        assert_eq!(first, plain(root));
        assert_eq!(second, plain(root));
        // Every folder reused: the root, a, a/b, a-b, bad\xffdir, big,
        // empty, deep and the 30 walked below it, link_to_a and link_to_a/b.
        assert_eq!(reused, 40);
        assert_eq!(second.len(), 600 + 13);
        // A subfolder changed below a folder whose listing is reused.
        std::fs::write(root.join("a/b/g.docx"), b"g").unwrap();
        let (third, reused) = walk(root, out.path());
        assert_eq!(third, plain(root));
        assert!(rels(&third).contains(&"link_to_a/b/g.docx"));
        assert_eq!(reused, 38, "a/b and link_to_a/b read again");
    }
}
