//! The walk through `std::fs` alone, for systems without the Linux one
//! (and, in tests, the reference the Linux walk must agree with).

use super::{Entry, MAX_DEPTH, Problem, Stat, cannot_read};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Every entry below the folder `root`.
pub(super) fn walk(root: &Path) -> Vec<Entry> {
    let mut found = Vec::new();
    Walker { root }.folder(root, 0, &mut found);
    found
}

struct Walker<'a> {
    root: &'a Path,
}

impl Walker<'_> {
    fn found(&self, path: &Path, problem: Option<Problem>, stat: Option<Stat>) -> Entry {
        Entry::at(self.root, path, problem, stat)
    }

    /// The entries of the folder `dir` (at `depth` below the root) and,
    /// in parallel, of its subfolders.
    fn folder(&self, dir: &Path, depth: usize, out: &mut Vec<Entry>) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => return out.push(self.found(dir, Some(cannot_read(&e)), None)),
        };
        let mut subfolders = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    out.push(self.found(dir, Some(cannot_read(&e)), None));
                    break;
                }
            };
            let path = entry.path();
            // Symbolic links are followed, as a clerk's file manager does.
            let meta = match entry.file_type() {
                Ok(t) if t.is_symlink() => std::fs::metadata(&path),
                Ok(t) if t.is_dir() => {
                    subfolders.push(path);
                    continue;
                }
                _ => entry.metadata(),
            };
            match meta {
                Ok(m) if m.is_dir() => {
                    if self.is_ancestor(dir, &m) {
                        out.push(self.found(&path, Some(Problem::LinkLoop), None));
                    } else {
                        subfolders.push(path);
                    }
                }
                Ok(m) if m.is_file() => out.push(self.found(&path, None, Stat::of(&m))),
                Ok(_) => out.push(self.found(&path, Some(Problem::NotRegular), None)),
                Err(e) => out.push(self.found(&path, Some(cannot_read(&e)), None)),
            }
        }
        if depth + 1 >= MAX_DEPTH {
            let why = Problem::TooDeep;
            out.extend(subfolders.iter().map(|p| self.found(p, Some(why), None)));
            return;
        }
        let below: Vec<Vec<Entry>> = subfolders
            .par_iter()
            .map(|sub: &PathBuf| {
                let mut found = Vec::new();
                self.folder(sub, depth + 1, &mut found);
                found
            })
            .collect();
        out.extend(below.into_iter().flatten());
    }

    /// Whether a linked folder (`target`'s metadata) is `dir` or one of the
    /// folders above it up to the root: following it would never end.
    /// Looked up only when a link to a folder is met, which is rare.
    fn is_ancestor(&self, dir: &Path, target: &std::fs::Metadata) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mut at = Some(dir);
            while let Some(p) = at {
                if std::fs::metadata(p)
                    .is_ok_and(|m| m.dev() == target.dev() && m.ino() == target.ino())
                {
                    return true;
                }
                if p == self.root {
                    break;
                }
                at = p.parent();
            }
            false
        }
        #[cfg(not(unix))]
        {
            let _ = (dir, target);
            false
        }
    }
}
