//! Discover: walk a batch folder and list every file in it, in byte-wise
//! path order (the order duplicates are judged in, domain.md §5 decision 4).
//!
//! Nothing is filtered here: every file found, and every entry that could not
//! be walked (a symlink loop, a folder we may not read), comes out, so that
//! later stages can account for all of them.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
mod listing;
#[cfg(any(test, not(target_os = "linux")))]
mod portable;
#[cfg(target_os = "linux")]
mod sys;

use std::path::{Path, PathBuf};
use std::sync::Arc;

#[cfg(target_os = "linux")]
pub use listing::Listings;

/// Off Linux no listings are kept: the portable walk reads every folder.
#[cfg(not(target_os = "linux"))]
pub enum Listings {}

#[cfg(not(target_os = "linux"))]
impl Listings {
    pub fn pack(self) -> Listings {
        match self {}
    }

    pub fn save(&self, _out: &Path) -> anyhow::Result<()> {
        match *self {}
    }
}

#[derive(Clone, Debug)]
pub struct FoundFile {
    /// Path relative to the batch root, `/`-separated; bytes of a name that
    /// are not UTF-8 are shown as `\xff`. Shared: dossiers, verdicts and
    /// sources point at this one copy (a batch can hold 300,000 files).
    pub rel: Arc<str>,
    /// The batch root, shared by every file of the walk.
    root: Arc<Path>,
    /// Where the file is when `root/rel` is not it (a single-file batch, a
    /// name that is not UTF-8): rare, so the common case costs no path.
    exact: Option<Box<Path>>,
    /// Why this entry cannot be read at all (walk error), if so.
    pub problem: Option<Problem>,
}

impl FoundFile {
    /// Where to open the file.
    pub fn path(&self) -> PathBuf {
        match &self.exact {
            Some(path) => path.to_path_buf(),
            None => self.root.join(&*self.rel),
        }
    }

    /// The folder part of `rel` ("" at the root).
    pub fn folder(&self) -> &str {
        parent_of(&self.rel)
    }

    pub fn file_name(&self) -> &str {
        name_of(&self.rel)
    }
}

/// The last part of a `/`-separated path: its file name.
pub fn name_of(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// The folder part of a `/`-separated path ("" at the root). A plain scan
/// back from the end: `rsplit_once`'s searcher spent more setting up than
/// scanning, a sixth of assembling a batch (callgrind).
pub fn parent_of(rel: &str) -> &str {
    rel.bytes()
        .rposition(|b| b == b'/')
        .and_then(|i| rel.get(..i))
        .unwrap_or("")
}

/// Size and modification time of a regular file, as the walk saw them:
/// the cache's "unchanged" test, taken here because the walk's `fstatat`
/// beside each directory entry costs a fraction of a second `stat` of the
/// whole path later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub size: u64,
    /// Nanoseconds since the Unix epoch (negative before).
    pub mtime_ns: i64,
}

impl Stat {
    pub fn of(m: &std::fs::Metadata) -> Option<Stat> {
        let mtime = m.modified().ok()?;
        let ns = match mtime.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_nanos()).ok()?,
            Err(e) => -i64::try_from(e.duration().as_nanos()).ok()?,
        };
        Some(Stat {
            size: m.len(),
            mtime_ns: ns,
        })
    }

    /// From a Unix stat's size and modification time, as [`Stat::of`]
    /// gives them from the same stat.
    #[cfg(target_os = "linux")]
    fn from_epoch(size: u64, sec: i64, nsec: i64) -> Option<Stat> {
        let ns = i128::from(sec) * 1_000_000_000 + i128::from(nsec);
        // `Stat::of` negates a positive count, so cannot reach i64::MIN.
        (ns > i128::from(i64::MIN)).then_some(())?;
        Some(Stat {
            size,
            mtime_ns: i64::try_from(ns).ok()?,
        })
    }
}

/// Every file below `root`; `root` may also be a single file.
pub fn walk(root: &Path) -> Vec<FoundFile> {
    walk_with_stats(root).0
}

/// [`walk`], with each regular file's [`Stat`] (in the same order).
///
/// Why not walkdir any more: it walks one folder at a time and gives no
/// stat without another lookup of the whole path; a batch of 10,000
/// dossiers is 10,000 folders, walked here in parallel (rayon, so `--jobs`
/// holds) with each entry's stat taken beside its folder (on Linux through
/// the system calls themselves: see `linux.rs`).
pub fn walk_with_stats(root: &Path) -> (Vec<FoundFile>, Vec<Option<Stat>>) {
    shared(root, entries_at(root, walk_folder))
}

/// [`walk_with_stats`], reusing the listings of the folders unchanged since
/// the last walk, kept in the output folder `out` (a re-run reads no
/// folder that did not change); gives this walk's, to [`Listings::save`]
/// there once the run is done.
pub fn walk_reusing(
    root: &Path,
    out: &Path,
) -> (Vec<FoundFile>, Vec<Option<Stat>>, Option<Listings>) {
    let mut listings = None;
    let found = entries_at(root, |root| {
        let (found, kept) = walk_folder_reusing(root, out);
        listings = kept;
        found
    });
    let (files, stats) = shared(root, found);
    (files, stats, listings)
}

/// The entries at `root`, a folder (walked by `walk_folder`) or a file,
/// sorted.
fn entries_at(root: &Path, walk_folder: impl FnOnce(&Path) -> Vec<Entry>) -> Vec<Entry> {
    let mut found = match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => walk_folder(root),
        Ok(m) if m.is_file() => vec![Entry::at(root, root, None, Stat::of(&m))],
        Ok(_) => vec![Entry::at(root, root, Some(Problem::NotRegular), None)],
        Err(e) => vec![Entry::at(root, root, Some(cannot_read(&e)), None)],
    };
    // Ties only between names that differ in bytes shown alike (`\xff`
    // written out); the exact path keeps their order the same every run.
    // Stable: the walk gives ordered runs, which this sort only merges.
    found.sort_by(|a, b| a.rel.cmp(&b.rel).then_with(|| a.exact.cmp(&b.exact)));
    found
}

/// The sorted entries as found files sharing `root`, and their stats.
fn shared(root: &Path, found: Vec<Entry>) -> (Vec<FoundFile>, Vec<Option<Stat>>) {
    // The root is shared once here, on one thread: cloned beside each
    // entry on every walking thread, its count was a contended cache line.
    let shared_root: Arc<Path> = Arc::from(root);
    // Kept through reading (300,000 files at 100,000 dossiers): no slack.
    let mut files = Vec::with_capacity(found.len());
    let mut stats = Vec::with_capacity(found.len());
    for entry in found {
        files.push(FoundFile {
            rel: entry.rel,
            root: shared_root.clone(),
            exact: entry.exact,
            problem: entry.problem,
        });
        stats.push(entry.stat);
    }
    (files, stats)
}

#[cfg(target_os = "linux")]
fn walk_folder(root: &Path) -> Vec<Entry> {
    linux::walk(root)
}

#[cfg(not(target_os = "linux"))]
fn walk_folder(root: &Path) -> Vec<Entry> {
    portable::walk(root)
}

#[cfg(target_os = "linux")]
fn walk_folder_reusing(root: &Path, out: &Path) -> (Vec<Entry>, Option<Listings>) {
    // Loaded here, on the walking thread: the walk runs beside the rules
    // and the content cache loading.
    linux::walk_reusing(root, listing::Last::load(out))
}

#[cfg(not(target_os = "linux"))]
fn walk_folder_reusing(root: &Path, _out: &Path) -> (Vec<Entry>, Option<Listings>) {
    (portable::walk(root), None)
}

/// One entry of the walk, before it is sorted and shares the root.
struct Entry {
    rel: Arc<str>,
    exact: Option<Box<Path>>,
    problem: Option<Problem>,
    stat: Option<Stat>,
}

impl Entry {
    /// The entry at `path` below (or at) `root`, named as [`relative`] says.
    fn at(root: &Path, path: &Path, problem: Option<Problem>, stat: Option<Stat>) -> Entry {
        let (rel, exact) = relative(root, path);
        Entry {
            rel: rel.into(),
            exact: (!exact).then(|| path.into()),
            problem,
            stat,
        }
    }
}

/// Folders deeper than this are not a batch layout but an accident (or an attack).
pub const MAX_DEPTH: usize = 32;

/// Why an entry was not taken further: what reading it will report, worded
/// from the kind by the rule file ([`crate::ingest::IngestError`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A device, a pipe, a socket.
    NotRegular,
    /// A link back into a folder above it.
    LinkLoop,
    /// Below [`MAX_DEPTH`] folders.
    TooDeep,
    /// The entry could not be opened or statted.
    CannotRead(std::io::ErrorKind),
}

fn cannot_read(e: &std::io::Error) -> Problem {
    Problem::CannotRead(e.kind())
}

/// `path` relative to `root` as text, and whether `root/text` is `path`
/// again (true for every UTF-8 path below a root folder).
fn relative(root: &Path, path: &Path) -> (String, bool) {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = if rel.as_os_str().is_empty() {
        path.file_name().map(Path::new).unwrap_or(path)
    } else {
        rel
    };
    // The common case, a UTF-8 path below the root, in one allocation.
    #[cfg(unix)]
    if let Some(text) = rel.to_str()
        && rel.is_relative()
        && !text.contains("//")
        && !text.split('/').any(|c| c == "." || c.is_empty())
    {
        return (text.to_string(), path.starts_with(root) && path != root);
    }
    let text = rel
        .components()
        .map(|c| component_text(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/");
    (text, false)
}

/// A path component as text. Bytes that are not UTF-8 are written `\xff`
/// rather than replaced, so two names that differ only there stay two.
fn component_text(name: &std::ffi::OsStr) -> String {
    if let Some(text) = name.to_str() {
        return text.to_string();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    name.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_in_byte_order_and_reports_loops() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/x")).unwrap();
        std::fs::write(dir.path().join("b/x/2.docx"), b"").unwrap();
        std::fs::write(dir.path().join("a.xlsx"), b"").unwrap();
        std::fs::write(dir.path().join("B.txt"), b"").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("b"), dir.path().join("b/x/loop")).unwrap();
        let found = walk(dir.path());
        let rels: Vec<&str> = found.iter().map(|f| &*f.rel).collect();
        assert_eq!(&rels[..3], &["B.txt", "a.xlsx", "b/x/2.docx"]);
        #[cfg(unix)]
        assert!(
            found
                .iter()
                .any(|f| &*f.rel == "b/x/loop" && f.problem == Some(Problem::LinkLoop))
        );
    }

    #[test]
    fn a_single_file_is_its_own_batch() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("don.docx");
        std::fs::write(&file, b"x").unwrap();
        let found = walk(&file);
        assert_eq!(found.len(), 1);
        assert_eq!(&*found[0].rel, "don.docx");
        assert_eq!(found[0].path(), file);
    }

    #[test]
    fn stats_match_the_files_and_nothing_is_skipped_silently() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.docx"), b"12345").unwrap();
        let mut deep = dir.path().to_path_buf();
        for i in 0..40 {
            deep.push(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("lost.docx"), b"x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("broken")).unwrap();
        let (found, stats) = walk_with_stats(dir.path());
        assert_eq!(found.len(), stats.len());
        let a = found.iter().position(|f| &*f.rel == "a.docx").unwrap();
        let m = std::fs::metadata(dir.path().join("a.docx")).unwrap();
        assert_eq!(stats[a], Stat::of(&m));
        assert_eq!(stats[a].unwrap().size, 5);
        let too_deep: Vec<_> = found
            .iter()
            .filter(|f| f.problem == Some(Problem::TooDeep))
            .collect();
        assert_eq!(too_deep.len(), 1, "{found:?}");
        assert!(too_deep[0].rel.ends_with("/d31"), "{}", too_deep[0].rel);
        #[cfg(unix)]
        {
            let broken = found.iter().find(|f| &*f.rel == "broken").unwrap();
            assert_eq!(
                broken.problem,
                Some(Problem::CannotRead(std::io::ErrorKind::NotFound))
            );
            assert_eq!(
                stats[found.iter().position(|f| &*f.rel == "broken").unwrap()],
                None
            );
        }
    }

    /// Everything an entry says, for comparing two walks.
    type Said = (String, Option<Box<Path>>, Option<Problem>, Option<Stat>);

    fn said(entries: Vec<Entry>) -> Vec<Said> {
        let mut said: Vec<Said> = entries
            .into_iter()
            .map(|e| (e.rel.to_string(), e.exact, e.problem, e.stat))
            .collect();
        said.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        said
    }

    /// A tree with every oddity the walk must report as before.
    #[cfg(unix)]
    pub(super) fn odd_tree() -> tempfile::TempDir {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let at = |rel: &str| dir.path().join(rel);
        std::fs::create_dir_all(at("a/b")).unwrap();
        std::fs::write(at("a/b/f.docx"), b"1234567").unwrap();
        std::fs::create_dir(at("a-b")).unwrap();
        std::fs::write(at("a-b/g.docx"), b"").unwrap();
        std::fs::write(at("a.txt"), b"z").unwrap();
        let bad = dir.path().join(OsStr::from_bytes(b"bad\xffdir"));
        std::fs::create_dir(&bad).unwrap();
        std::fs::write(bad.join(OsStr::from_bytes(b"in\xfe.docx")), b"1").unwrap();
        std::fs::write(bad.join("ok.docx"), b"2").unwrap();
        let mut deep = at("deep");
        for i in 0..35 {
            deep.push(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        // More names than one read of the folder takes.
        std::fs::create_dir(at("big")).unwrap();
        for i in 0..600 {
            std::fs::write(at(&format!("big/{}{i:04}.docx", "n".repeat(80))), b"").unwrap();
        }
        symlink(at("a"), at("link_to_a")).unwrap();
        symlink(at("a.txt"), at("link_to_file")).unwrap();
        symlink(at("gone"), at("broken")).unwrap();
        symlink("..", at("a/b/up")).unwrap();
        symlink(".", at("self")).unwrap();
        symlink("/dev/null", at("device")).unwrap();
        std::fs::create_dir(at("empty")).unwrap();
        dir
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_linux_walk_says_what_the_portable_walk_says() {
        let dir = odd_tree();
        let linux = said(linux::walk(dir.path()));
        assert_eq!(linux, said(portable::walk(dir.path())));
        assert_eq!(linux.len(), 600 + 13, "{linux:?}");
        // A folder below the root as the root: no path is cut wrongly.
        let a = dir.path().join("a");
        assert_eq!(said(linux::walk(&a)), said(portable::walk(&a)));
    }

    #[test]
    #[cfg(unix)]
    fn a_name_with_a_byte_below_the_slash_sorts_before_the_folder() {
        let dir = odd_tree();
        let (found, stats) = walk_with_stats(dir.path());
        let rels: Vec<&str> = found.iter().map(|f| &*f.rel).collect();
        let mut sorted = rels.clone();
        sorted.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        assert_eq!(rels, sorted);
        let at = |rel: &str| rels.iter().position(|r| *r == rel).unwrap();
        assert!(at("a-b/g.docx") < at("a.txt") && at("a.txt") < at("a/b/f.docx"));
        let bad = &found[at("bad\\xffdir/in\\xfe.docx")];
        assert_eq!(std::fs::read(bad.path()).unwrap(), b"1");
        assert_eq!(stats[at("link_to_a/b/f.docx")].unwrap().size, 7);
        let problem = |rel: &str| found[at(rel)].problem;
        assert_eq!(problem("a/b/up"), Some(Problem::LinkLoop));
        assert_eq!(problem("self"), Some(Problem::LinkLoop));
        assert_eq!(problem("device"), Some(Problem::NotRegular));
        assert!(matches!(problem("broken"), Some(Problem::CannotRead(_))));
        assert!(
            problem(&format!(
                "deep/{}",
                (0..31)
                    .map(|i| format!("d{i}"))
                    .collect::<Vec<_>>()
                    .join("/")
            )) == Some(Problem::TooDeep)
        );
    }
}
