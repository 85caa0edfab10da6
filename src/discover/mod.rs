//! Discover: walk a batch folder and list every file in it, in byte-wise
//! path order (the order duplicates are judged in, domain.md §5 decision 4).
//!
//! Nothing is filtered here: every file found, and every entry that could not
//! be walked (a symlink loop, a folder we may not read), comes out, so that
//! later stages can account for all of them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use walkdir::WalkDir;

/// Folders deeper than this are not a batch layout but an accident (or an attack).
const MAX_DEPTH: usize = 32;

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
    pub problem: Option<String>,
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
        self.rel.rsplit('/').next().unwrap_or(&self.rel)
    }
}

pub fn parent_of(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

/// Every file below `root`; `root` may also be a single file.
pub fn walk(root: &Path) -> Vec<FoundFile> {
    let shared_root: Arc<Path> = Arc::from(root);
    let found_at = |path: &Path, problem: Option<String>| {
        let (rel, exact) = relative(root, path);
        FoundFile {
            rel: rel.into(),
            root: shared_root.clone(),
            exact: (!exact).then(|| path.into()),
            problem,
        }
    };
    let mut found = Vec::new();
    for entry in WalkDir::new(root).follow_links(true).max_depth(MAX_DEPTH) {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => {
                let problem = (!e.file_type().is_file()).then(|| "not a regular file".to_string());
                found.push(found_at(e.path(), problem));
            }
            Err(err) => {
                let path = err.path().unwrap_or(root);
                let why = if err.loop_ancestor().is_some() {
                    "symbolic link loop: not followed".to_string()
                } else if let Some(io) = err.io_error() {
                    format!("cannot read: {}", io.kind())
                } else {
                    "cannot read".to_string()
                };
                found.push(found_at(path, Some(why)));
            }
        }
    }
    found.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    // Kept until the batch is judged: no slack.
    found.shrink_to_fit();
    found
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
                .any(|f| &*f.rel == "b/x/loop"
                    && f.problem.as_deref().unwrap_or("").contains("loop"))
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
}
