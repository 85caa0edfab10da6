//! The walk on Linux, through `sys`: each folder opened once relative to
//! the root (no `opendir` stat, no whole-path lookups), its entries read in
//! large batches with their types, and only files stat-ed, beside their
//! folder. Gives what `portable` gives, with a tenth fewer
//! system calls and a quarter less CPU time (10,000 dossiers: 83 ms for
//! 112 ms), and in nearly the order it is finally sorted in.
//!
//! Given the listings the last walk kept ([`super::listing`]), a folder
//! unchanged since is not opened or read at all: it is stat-ed by its path
//! from the root, and so are its files.

use super::listing::{Fresh, Identity, Last, Listings, Node, now_ns};
use super::sys::{Dir, Links, Meta, entries};
use super::{Entry, MAX_DEPTH, Problem, Stat, cannot_read, component_text};
use rayon::prelude::*;
use std::cell::Cell;
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

/// Room for a few hundred entries per read; most folders take one.
const READ_BUFFER: usize = 32 * 1024;

thread_local! {
    /// Each walking thread's read buffer, reused from folder to folder.
    static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Every entry below the folder `root`.
pub(super) fn walk(root: &Path) -> Vec<Entry> {
    walk_keeping(root, None, false).0
}

/// [`walk`], reusing the listings of `last` for the folders unchanged
/// since, and giving this walk's.
pub(super) fn walk_reusing(root: &Path, last: Option<Last>) -> (Vec<Entry>, Option<Listings>) {
    walk_keeping(root, last, true)
}

fn walk_keeping(root: &Path, last: Option<Last>, keep: bool) -> (Vec<Entry>, Option<Listings>) {
    // Before any folder is stat-ed: what the next walk's racy test counts from.
    let started_ns = now_ns();
    let opened = CString::new(root.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
        .and_then(|path| Dir::open(None, &path));
    let root_dir = match opened {
        Ok(dir) => dir,
        Err(e) => {
            return (
                vec![Entry::at(root, root, Some(cannot_read(&e)), None)],
                None,
            );
        }
    };
    let root_meta = keep.then(|| root_dir.meta().ok()).flatten();
    let last = last.filter(|last| {
        let user = super::sys::credentials();
        root_meta.is_some_and(|m| last.is_of(root, user, m.dev, m.ino))
    });
    let walker = Walker {
        root,
        root_dir,
        last: last.as_ref(),
        keep,
    };
    let top = Folder {
        prefix: String::new(),
        raw: CString::default(),
        exact: true,
        depth: 0,
        kept: last.as_ref().map(|_| 0),
        entry: 0,
    };
    let mut found = Vec::new();
    let tree = walker.folder(&top, &mut found);
    let listings = tree
        .zip(root_meta)
        .map(|(tree, meta)| Listings::new(started_ns, root, &meta, tree, last));
    (found, listings)
}

struct Walker<'a> {
    root: &'a Path,
    /// Open for the whole walk: every folder is opened relative to it.
    root_dir: Dir,
    /// The last walk's listings of this root.
    last: Option<&'a Last>,
    /// Whether to keep this walk's listings.
    keep: bool,
}

/// A folder to read.
struct Folder {
    /// Its [`Entry::rel`] and a `/`: what the rel of each entry in it
    /// starts with ("" at the root).
    prefix: String,
    /// The bytes of its path below the root ("" at the root).
    raw: CString,
    /// Whether `prefix` is `raw` and a `/` (every name on the way is UTF-8).
    exact: bool,
    depth: usize,
    /// Its listing in [`Walker::last`], if one was kept.
    kept: Option<u32>,
    /// Its entry's index in its parent's listing.
    entry: u32,
}

/// What an entry of a folder turned out to be.
enum Kind {
    Folder,
    Found(io::Result<Meta>),
}

impl Walker<'_> {
    /// The entries of `folder` and, in parallel, of its subfolders, in
    /// path order (but for a folder that could not be read, which comes
    /// where its entries would have been): the final sort then only checks.
    /// Gives the folder's listings when they are kept and it was read whole.
    fn folder(&self, folder: &Folder, out: &mut Vec<Entry>) -> Option<Node> {
        let mut files = Vec::new();
        let (mut subfolders, mut node) = self.read(folder, &mut files);
        if folder.depth + 1 >= MAX_DEPTH && !subfolders.is_empty() {
            let why = Problem::TooDeep;
            let too_deep = subfolders.drain(..).map(|sub| self.at(&sub, Some(why)));
            files.extend(too_deep);
        }
        files.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
        // By prefix, "a/" after "a-b/": all of a folder's entries start so.
        subfolders.sort_unstable_by(|a, b| a.prefix.cmp(&b.prefix));
        let below: Vec<(Vec<Entry>, Option<Node>)> = match subfolders.as_slice() {
            [] => Vec::new(),
            [only] => vec![self.entries_below(only)],
            _ => subfolders
                .par_iter()
                .map(|sub| self.entries_below(sub))
                .collect(),
        };
        out.reserve(files.len() + below.iter().map(|(found, _)| found.len()).sum::<usize>());
        let mut files = files.into_iter().peekable();
        for (sub, (found, listed)) in subfolders.iter().zip(below) {
            while let Some(file) = files.next_if(|f| *f.rel < *sub.prefix) {
                out.push(file);
            }
            out.extend(found);
            if let (Some(node), Some(listed)) = (node.as_mut(), listed) {
                node.add_child(sub.entry, listed);
            }
        }
        out.extend(files);
        node
    }

    fn entries_below(&self, folder: &Folder) -> (Vec<Entry>, Option<Node>) {
        let mut found = Vec::new();
        let node = self.folder(folder, &mut found);
        (found, node)
    }

    /// Puts the files of `folder` in `out`; gives its subfolders, and its
    /// listing when listings are kept.
    fn read(&self, folder: &Folder, out: &mut Vec<Entry>) -> (Vec<Folder>, Option<Node>) {
        let (Some(last), Some(index), true) = (self.last, folder.kept, self.keep) else {
            return self.read_afresh(folder, None, out);
        };
        let here = if folder.depth == 0 {
            c"."
        } else {
            folder.raw.as_c_str()
        };
        let Ok(now) = self.root_dir.stat(here, Links::Follow) else {
            return self.read_afresh(folder, None, out);
        };
        let identity = Identity::of(&now);
        let Some(kept) = last.unchanged(index, identity) else {
            return self.read_afresh(folder, Some(now), out);
        };
        let mut lister = Lister::new(self, folder, out);
        let mut path = Vec::with_capacity(folder.raw.as_bytes().len() + 256);
        let mut stat = |name: &CStr, links| {
            let below = below(&mut path, &folder.raw, name)?;
            self.root_dir.stat(below, links)
        };
        for (i, entry) in (0..).zip(&kept) {
            lister.add(entry.name, entry.d_type, &mut stat, || (i, entry.child));
        }
        (lister.subfolders, Some(Node::kept(identity, index)))
    }

    /// [`Walker::read`] by reading the folder. Its stat, when listings are
    /// kept, is `now` or taken once it is open: before its names are read,
    /// so that a change made while they are read shows as one next time.
    fn read_afresh(
        &self,
        folder: &Folder,
        now: Option<Meta>,
        out: &mut Vec<Entry>,
    ) -> (Vec<Folder>, Option<Node>) {
        let opened;
        let dir = if folder.depth == 0 {
            &self.root_dir
        } else {
            match Dir::open(Some(&self.root_dir), &folder.raw) {
                Ok(dir) => {
                    opened = dir;
                    &opened
                }
                Err(e) => {
                    out.push(self.at(folder, Some(cannot_read(&e))));
                    return (Vec::new(), None);
                }
            }
        };
        let now = match now {
            Some(meta) => Some(meta),
            None if self.keep => dir.meta().ok(),
            None => None,
        };
        let mut fresh = now.map(|_| Fresh::default());
        let mut buffer = BUFFER.take();
        buffer.resize(READ_BUFFER, 0);
        let mut lister = Lister::new(self, folder, out);
        let mut stat = |name: &CStr, links| dir.stat(name, links);
        loop {
            let n = match dir.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    lister.out.push(self.at(folder, Some(cannot_read(&e))));
                    // Only a whole listing is kept.
                    fresh = None;
                    break;
                }
            };
            for (name, d_type) in entries(buffer.get(..n).unwrap_or_default()) {
                if matches!(name.to_bytes(), b"." | b"..") {
                    continue;
                }
                let entry = fresh.as_mut().map_or(0, |f| f.push(name, d_type));
                let kept = || {
                    let last = self.last?;
                    last.child_named(folder.kept?, name)
                };
                lister.add(name, d_type, &mut stat, || (entry, kept()));
            }
        }
        BUFFER.set(buffer);
        let node = fresh
            .zip(now)
            .map(|(fresh, meta)| Node::listed(Identity::of(&meta), fresh));
        (lister.subfolders, node)
    }

    /// The entry for `folder` itself, with a problem.
    fn at(&self, folder: &Folder, problem: Option<Problem>) -> Entry {
        if folder.depth == 0 {
            return Entry::at(self.root, self.root, problem, None);
        }
        Entry {
            rel: Arc::from(folder.prefix.strip_suffix('/').unwrap_or(&folder.prefix)),
            exact: (!folder.exact).then(|| {
                self.root
                    .join(OsStr::from_bytes(folder.raw.as_bytes()))
                    .into()
            }),
            problem,
            stat: None,
        }
    }

    /// Whether a linked folder (`target`) is `folder` or one of the folders
    /// above it up to the root: following it would never end. Looked up
    /// only when a link to a folder is met, which is rare.
    fn is_ancestor(&self, folder: &Folder, target: &Meta) -> bool {
        let mut raw = folder.raw.as_bytes();
        loop {
            let path = if raw.is_empty() {
                c".".to_owned()
            } else {
                CString::new(raw).unwrap_or_default()
            };
            if self
                .root_dir
                .stat(&path, Links::Follow)
                .is_ok_and(|m| m.dev == target.dev && m.ino == target.ino)
            {
                return true;
            }
            match raw.iter().rposition(|&b| b == b'/') {
                Some(slash) => raw = raw.get(..slash).unwrap_or_default(),
                None if raw.is_empty() => return false,
                None => raw = b"",
            }
        }
    }
}

/// One folder's entries as they are met: files go to `out`, subfolders
/// are kept to be walked.
struct Lister<'a> {
    walker: &'a Walker<'a>,
    folder: &'a Folder,
    /// The rel of the entry at hand (the folder's prefix, then its name).
    rel: String,
    out: &'a mut Vec<Entry>,
    subfolders: Vec<Folder>,
}

impl<'a> Lister<'a> {
    fn new(walker: &'a Walker<'a>, folder: &'a Folder, out: &'a mut Vec<Entry>) -> Self {
        Lister {
            walker,
            folder,
            rel: folder.prefix.clone(),
            out,
            subfolders: Vec::new(),
        }
    }

    /// Takes the entry `name` of type `d_type`, stat-ed through `stat`.
    /// `place` tells, for a subfolder, its entry's index in this folder's
    /// listing and its own listing kept by the last walk.
    fn add(
        &mut self,
        name: &CStr,
        d_type: u8,
        stat: &mut impl FnMut(&CStr, Links) -> io::Result<Meta>,
        place: impl FnOnce() -> (u32, Option<u32>),
    ) {
        let folder = self.folder;
        self.rel.truncate(folder.prefix.len());
        let utf8 = match name.to_str() {
            Ok(text) => {
                self.rel.push_str(text);
                true
            }
            Err(_) => {
                self.rel
                    .push_str(&component_text(OsStr::from_bytes(name.to_bytes())));
                false
            }
        };
        let meta = match kind(stat, name, d_type) {
            Kind::Folder => return self.subfolder(name, utf8, place),
            Kind::Found(meta) => meta,
        };
        let (problem, stat) = match meta {
            Ok(m) if m.is_dir() => {
                if self.walker.is_ancestor(folder, &m) {
                    (Some(Problem::LinkLoop), None)
                } else {
                    return self.subfolder(name, utf8, place);
                }
            }
            Ok(m) if m.is_file() => (None, Stat::from_epoch(m.size, m.mtime_sec, m.mtime_nsec)),
            Ok(_) => (Some(Problem::NotRegular), None),
            Err(e) => (Some(cannot_read(&e)), None),
        };
        let exact = if folder.exact && utf8 {
            None
        } else {
            let raw = join(&folder.raw, name);
            Some(
                self.walker
                    .root
                    .join(OsStr::from_bytes(raw.as_bytes()))
                    .into(),
            )
        };
        self.out.push(Entry {
            rel: Arc::from(self.rel.as_str()),
            exact,
            problem,
            stat,
        });
    }

    fn subfolder(&mut self, name: &CStr, utf8: bool, place: impl FnOnce() -> (u32, Option<u32>)) {
        let (entry, kept) = place();
        let folder = self.folder;
        self.subfolders.push(Folder {
            prefix: format!("{}/", self.rel),
            raw: join(&folder.raw, name),
            exact: folder.exact && utf8,
            depth: folder.depth + 1,
            kept,
            entry,
        });
    }
}

/// What the entry `name` is, from its `d_type` when the file system gives
/// one, else from a stat (through `stat`). Symbolic links are followed, as
/// a clerk's file manager does; a real folder needs no stat.
fn kind(stat: &mut impl FnMut(&CStr, Links) -> io::Result<Meta>, name: &CStr, d_type: u8) -> Kind {
    match d_type {
        libc::DT_DIR => Kind::Folder,
        libc::DT_LNK => Kind::Found(stat(name, Links::Follow)),
        libc::DT_UNKNOWN => match stat(name, Links::NoFollow) {
            Ok(m) if m.is_symlink() => Kind::Found(stat(name, Links::Follow)),
            Ok(m) if m.is_dir() => Kind::Folder,
            other => Kind::Found(other),
        },
        _ => Kind::Found(stat(name, Links::NoFollow)),
    }
}

/// `name` in the folder `folder` (a path below the root), as a path from
/// the root, made in `path`.
fn below<'p>(path: &'p mut Vec<u8>, folder: &CStr, name: &CStr) -> io::Result<&'p CStr> {
    path.clear();
    if !folder.is_empty() {
        path.extend_from_slice(folder.to_bytes());
        path.push(b'/');
    }
    path.extend_from_slice(name.to_bytes_with_nul());
    CStr::from_bytes_with_nul(path).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// `parent/name` below the root (`name` at the root).
fn join(parent: &CStr, name: &CStr) -> CString {
    let parent = parent.to_bytes();
    let mut bytes = Vec::with_capacity(parent.len() + 1 + name.to_bytes().len());
    if !parent.is_empty() {
        bytes.extend_from_slice(parent);
        bytes.push(b'/');
    }
    bytes.extend_from_slice(name.to_bytes());
    // Names from the kernel and their joins hold no NUL: never the default.
    CString::new(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(dir: &Dir, name: &CStr, d_type: u8) -> Result<bool, std::io::ErrorKind> {
        match kind(&mut |n, l| dir.stat(n, l), name, d_type) {
            Kind::Folder => Ok(true),
            Kind::Found(Ok(meta)) => Ok(meta.is_dir()),
            Kind::Found(Err(e)) => Err(e.kind()),
        }
    }

    /// Some file systems give no type with the names: each is stat-ed, and
    /// links still followed.
    #[test]
    fn without_types_from_the_folder_a_stat_tells() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"abc").unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::os::unix::fs::symlink("f", dir.path().join("to_f")).unwrap();
        std::os::unix::fs::symlink("d", dir.path().join("to_d")).unwrap();
        std::os::unix::fs::symlink("gone", dir.path().join("broken")).unwrap();
        let path = CString::new(dir.path().as_os_str().as_bytes()).unwrap();
        let opened = Dir::open(None, &path).unwrap();
        let unknown = |name: &CStr| kind_of(&opened, name, libc::DT_UNKNOWN);
        assert_eq!(unknown(c"f"), Ok(false));
        assert_eq!(unknown(c"d"), Ok(true));
        assert_eq!(unknown(c"to_f"), Ok(false));
        assert_eq!(unknown(c"to_d"), Ok(true));
        assert_eq!(unknown(c"broken"), Err(std::io::ErrorKind::NotFound));
        match kind(&mut |n, l| opened.stat(n, l), c"to_f", libc::DT_UNKNOWN) {
            Kind::Found(Ok(meta)) => assert_eq!((meta.is_file(), meta.size), (true, 3)),
            _ => panic!("to_f is a link to a file"),
        }
        // The same answers from the types a folder gives.
        assert_eq!(kind_of(&opened, c"to_d", libc::DT_LNK), Ok(true));
        assert_eq!(kind_of(&opened, c"d", libc::DT_DIR), Ok(true));
        assert_eq!(kind_of(&opened, c"f", libc::DT_REG), Ok(false));
    }

    #[test]
    fn a_folder_that_is_gone_is_reported_not_walked() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let found = walk(&gone);
        assert_eq!(found.len(), 1);
        assert_eq!(&*found[0].rel, "gone");
        assert_eq!(
            found[0].problem,
            Some(Problem::CannotRead(std::io::ErrorKind::NotFound))
        );
    }
}
