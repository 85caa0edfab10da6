//! Incremental re-runs: what was read from each file, and what the rules
//! said about each set of facts, kept in the output folder
//! (`<out>/.hoso.cache`), so that re-checking a batch after a few
//! corrections only reads and judges what changed.
//!
//! Files are keyed by their content hash; a file whose size and
//! modification time are unchanged is taken as unchanged without being read
//! (as git's index does). Judgements are keyed by a hash of the applicant's
//! facts and their sources. Both are salted with the rule file's hash and
//! hoso's version, so a changed vocabulary or rule never reuses stale
//! results. A missing, damaged or foreign cache is simply empty: the cache
//! can only save time, never change a verdict.
//!
//! Why our own format: the cache is one file, written atomically, encoded
//! with postcard (compact, fast) and hashed with xxh3 (we need speed, not
//! cryptographic strength: a collision would need an adversary who can also
//! edit the output folder).

use crate::evaluate::Outcome;
use crate::ingest::file::Content;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use xxhash_rust::xxh3::xxh3_128;

const FILE_NAME: &str = ".hoso.cache";
/// Larger caches are not loaded (a batch of 100,000 dossiers stays below).
const MAX_BYTES: u64 = 2 << 30;

/// A file as last read: its stat, content hash and content.
#[derive(Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub size: u64,
    pub mtime_ns: i128,
    pub hash: u128,
    pub content: Content,
}

#[derive(Default, Serialize, Deserialize)]
struct Pack {
    salt: String,
    files: Vec<(String, FileEntry)>,
    judgements: Vec<(u128, Vec<Outcome>)>,
}

pub struct Cache {
    path: PathBuf,
    salt: String,
    files: HashMap<String, FileEntry>,
    judgements: HashMap<u128, Vec<Outcome>>,
    /// What this run read anew, and the unchanged files it reused, to be saved.
    fresh_files: Mutex<Vec<(String, FileEntry)>>,
    reused_files: Mutex<Vec<String>>,
    fresh_judgements: Mutex<Vec<(u128, Vec<Outcome>)>>,
}

impl Cache {
    /// The cache in `out`, or an empty one. `salt` names everything besides
    /// file content that results depend on (rule-set hash, version).
    pub fn load(out: &Path, salt: &str) -> Cache {
        let path = out.join(FILE_NAME);
        let pack = std::fs::metadata(&path)
            .ok()
            .filter(|m| m.len() <= MAX_BYTES)
            .and_then(|_| std::fs::read(&path).ok())
            .and_then(|bytes| postcard::from_bytes::<Pack>(&bytes).ok())
            .filter(|p| p.salt == salt)
            .unwrap_or_default();
        Cache {
            path,
            salt: salt.to_string(),
            files: pack.files.into_iter().collect(),
            judgements: pack.judgements.into_iter().collect(),
            fresh_files: Mutex::new(Vec::new()),
            reused_files: Mutex::new(Vec::new()),
            fresh_judgements: Mutex::new(Vec::new()),
        }
    }

    /// The entry of a file whose size and modification time are unchanged.
    pub fn unchanged(&self, rel: &str, size: u64, mtime_ns: i128) -> Option<&FileEntry> {
        self.files
            .get(rel)
            .filter(|e| e.size == size && e.mtime_ns == mtime_ns)
    }

    /// The entry of a file whose content is unchanged (touched, copied back).
    pub fn same_content(&self, rel: &str, hash: u128) -> Option<&FileEntry> {
        self.files.get(rel).filter(|e| e.hash == hash)
    }

    pub fn judgement(&self, key: u128) -> Option<&Vec<Outcome>> {
        self.judgements.get(&key)
    }

    /// Records that this run reused a file's entry unchanged.
    pub fn keep_unchanged(&self, rel: &str) {
        if let Ok(mut reused) = self.reused_files.lock() {
            reused.push(rel.to_string());
        }
    }

    /// Records what this run read of a new or changed file: the saved cache
    /// holds exactly the files of the last run.
    pub fn keep_file(&self, rel: &str, entry: FileEntry) {
        if let Ok(mut fresh) = self.fresh_files.lock() {
            fresh.push((rel.to_string(), entry));
        }
    }

    pub fn keep_judgement(&self, key: u128, outcomes: Vec<Outcome>) {
        if let Ok(mut fresh) = self.fresh_judgements.lock() {
            fresh.push((key, outcomes));
        }
    }

    /// Writes the cache for the next run (atomically). Judgements of this
    /// run are kept; older ones are dropped so the cache does not grow
    /// without bound.
    pub fn save(self, used_judgements: &[u128]) -> anyhow::Result<()> {
        let mut old_files = self.files;
        let mut files = self.fresh_files.into_inner().unwrap_or_default();
        let reused = self.reused_files.into_inner().unwrap_or_default();
        let fresh_judgements = self.fresh_judgements.into_inner().unwrap_or_default();
        // Nothing read or judged anew, and no file gone: the cache on disk
        // is already this run's (rewriting it would cost more than the run).
        if files.is_empty() && fresh_judgements.is_empty() && reused.len() == old_files.len() {
            return Ok(());
        }
        for rel in reused {
            if let Some(entry) = old_files.remove(&rel) {
                files.push((rel, entry));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut fresh: HashMap<u128, Vec<Outcome>> = fresh_judgements.into_iter().collect();
        let mut old = self.judgements;
        let mut judgements: Vec<(u128, Vec<Outcome>)> = used_judgements
            .iter()
            .filter_map(|k| fresh.remove(k).or_else(|| old.remove(k)).map(|o| (*k, o)))
            .collect();
        judgements.sort_by_key(|(k, _)| *k);
        judgements.dedup_by_key(|(k, _)| *k);
        let pack = Pack {
            salt: self.salt,
            files,
            judgements,
        };
        let bytes = postcard::to_stdvec(&pack)?;
        crate::report::write_atomic(&self.path, &bytes)
    }
}

/// The content hash of a file's bytes.
pub fn hash(bytes: &[u8]) -> u128 {
    xxh3_128(bytes)
}

/// The key of a judgement: a hash of everything the rules read.
pub fn judgement_key<T: Serialize>(inputs: &T) -> Option<u128> {
    postcard::to_stdvec(inputs).ok().map(|b| xxh3_128(&b))
}

/// Size and modification time (nanoseconds since the epoch) of a file.
pub fn stat(path: &Path) -> Option<(u64, i128)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime = m.modified().ok()?;
    let ns = match mtime.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    Some((m.len(), ns))
}
