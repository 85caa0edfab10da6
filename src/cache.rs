//! Incremental re-runs: what was read from each file, and the verdict
//! given to each applicant, kept in the output folder, so that re-checking
//! a batch after a few corrections only reads and judges what changed.
//!
//! Files are keyed by their content hash; a file whose size and
//! modification time are unchanged is taken as unchanged without being read
//! (as git's index does). Verdicts are keyed by a hash of what the
//! applicant's verdict is made from (its row and dossier as matched, their
//! whole parts by checksum), so an unchanged applicant is not judged again.
//! Both are salted with the rule file's hash and hoso's version, so a
//! changed vocabulary or rule never reuses stale results. A missing, damaged
//! or foreign cache is simply empty: the cache can only save time, never
//! change a verdict.
//!
//! Two files: `.hoso.cache`, the index (per file its stat, hash and where
//! its slimmed content is; per verdict key where its verdict is), written
//! atomically at the end of a run; and `.hoso.blobs`, the run's [`Spill`]:
//! slimmed contents, whole document parts and verdicts, appended to and
//! never rewritten in place, so the
//! index of the last completed run stays valid whatever happens to this
//! one. Blobs carry a checksum. The blob file is locked for the run: a second
//! `hoso check` into the same folder runs without the cache.
//!
//! Why our own format: blobs are postcard (compact and fast), the index is
//! fixed-width numbers (`Pack::encode`: read and written as plain
//! copies), xxh3 is fast (we need speed, not cryptographic strength: a
//! collision would need an adversary who can also edit the output folder),
//! and the index only ever holds what matching needs, so memory does not
//! grow with the documents' text.

use crate::ingest::file::Content;
use crate::report::{Rendered, RenderedRef};
use crate::spill::{Blob, Spill};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use xxhash_rust::xxh3::xxh3_128;

const FILE_NAME: &str = ".hoso.cache";
const BLOBS_NAME: &str = ".hoso.blobs";
/// Larger indexes are not loaded (a batch of 100,000 dossiers stays below).
const MAX_BYTES: u64 = 1 << 30;
/// The blob file starts afresh when less than a third of it is still used
/// (it only grows by what changed, so this is rare).
const GARBAGE_RATIO: u64 = 3;
const GARBAGE_FLOOR: u64 = 64 << 20;

/// A file as last read: its stat, content hash and where its (slimmed)
/// content waits in the blob file, read back only when the file is
/// unchanged. The index in memory thus costs under a hundred bytes a file
/// besides its name: holding the contents encoded cost 250 MB at 100,000
/// dossiers.
#[derive(Clone, Debug, PartialEq)]
struct FileEntry {
    size: u64,
    /// Nanoseconds since the epoch, as [`crate::discover::Stat`].
    mtime_ns: i64,
    /// The content hash in two halves: a `u128` field would align the
    /// entry to 16 bytes, 16 more per file (5 MB at 100,000 dossiers).
    hash: [u64; 2],
    content: Blob,
    /// Bytes of the blob file the entry uses, its content's included (to
    /// tell garbage).
    blob_bytes: u64,
}

/// The index's layout; part of the salt, so an index of another layout is
/// never read as this one.
const FORMAT: &str = "index 9";

#[derive(Default)]
struct Pack {
    salt: String,
    /// When the run that wrote this index started (nanoseconds since the
    /// epoch): files modified after, or shortly before, may have changed
    /// again since they were read without their stat showing it.
    started_ns: i64,
    /// The blob file's length when this index was written.
    blobs_len: u64,
    /// Files by [`path_key`], in key order.
    files: Vec<(u128, FileEntry)>,
    verdicts: Vec<(u128, Blob)>,
}

/// The index's bytes: the salt, then every number little-endian at a fixed
/// width, each entry the same length. Why not postcard, as the blobs: its
/// variable-length numbers (hashes and checksums take ten bytes each) were
/// most of loading and saving 31,000 entries, a tenth of a re-run's time
/// on one core; fixed widths read and write as plain copies.
impl Pack {
    const FILE_BYTES: usize = 16 + 8 + 8 + 16 + BLOB_BYTES + 8;
    const VERDICT_BYTES: usize = 16 + BLOB_BYTES;

    /// Writes the pack to `out` (a buffered writer: at 100,000 dossiers
    /// the index is 27 MB, which a whole copy in memory would add to the
    /// run's peak).
    fn encode(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        out.write_all(&(self.salt.len() as u64).to_le_bytes())?;
        out.write_all(self.salt.as_bytes())?;
        out.write_all(&self.started_ns.to_le_bytes())?;
        out.write_all(&self.blobs_len.to_le_bytes())?;
        out.write_all(&(self.files.len() as u64).to_le_bytes())?;
        let mut entry = Vec::with_capacity(Pack::FILE_BYTES);
        for (key, e) in &self.files {
            entry.clear();
            entry.extend_from_slice(&key.to_le_bytes());
            entry.extend_from_slice(&e.size.to_le_bytes());
            entry.extend_from_slice(&e.mtime_ns.to_le_bytes());
            entry.extend_from_slice(&e.hash[0].to_le_bytes());
            entry.extend_from_slice(&e.hash[1].to_le_bytes());
            put_blob(&mut entry, e.content);
            entry.extend_from_slice(&e.blob_bytes.to_le_bytes());
            out.write_all(&entry)?;
        }
        out.write_all(&(self.verdicts.len() as u64).to_le_bytes())?;
        for (key, blob) in &self.verdicts {
            entry.clear();
            entry.extend_from_slice(&key.to_le_bytes());
            put_blob(&mut entry, *blob);
            out.write_all(&entry)?;
        }
        Ok(())
    }

    /// The pack in `bytes`, or `None` if they are not one whole (a damaged
    /// or truncated index reads as an empty cache).
    fn decode(bytes: &[u8]) -> Option<Pack> {
        let mut r = Reader(bytes);
        let salt_len = usize::try_from(r.u64()?).ok()?;
        let salt = std::str::from_utf8(r.take(salt_len)?).ok()?.to_string();
        let started_ns = r.u64()? as i64;
        let blobs_len = r.u64()?;
        let files = r
            .entries(Pack::FILE_BYTES)?
            .map(|mut e| {
                let key = e.u128()?;
                let entry = FileEntry {
                    size: e.u64()?,
                    mtime_ns: e.u64()? as i64,
                    hash: [e.u64()?, e.u64()?],
                    content: e.blob()?,
                    blob_bytes: e.u64()?,
                };
                Some((key, entry))
            })
            .collect::<Option<Vec<_>>>()?;
        let verdicts = r
            .entries(Pack::VERDICT_BYTES)?
            .map(|mut e| Some((e.u128()?, e.blob()?)))
            .collect::<Option<Vec<_>>>()?;
        r.0.is_empty().then_some(Pack {
            salt,
            started_ns,
            blobs_len,
            files,
            verdicts,
        })
    }
}

const BLOB_BYTES: usize = 8 + 4 + 8;

fn put_blob(out: &mut Vec<u8>, blob: Blob) {
    out.extend_from_slice(&blob.offset.to_le_bytes());
    out.extend_from_slice(&blob.len.to_le_bytes());
    out.extend_from_slice(&blob.check.to_le_bytes());
}

/// Reads the index's fixed-width numbers from the front of its bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    fn u128(&mut self) -> Option<u128> {
        self.array().map(u128::from_le_bytes)
    }

    fn blob(&mut self) -> Option<Blob> {
        Some(Blob {
            offset: self.u64()?,
            len: self.array().map(u32::from_le_bytes)?,
            check: self.u64()?,
        })
    }

    /// A count, then that many entries of `width` bytes each (checked
    /// against the bytes left before anything is allocated).
    fn entries(&mut self, width: usize) -> Option<impl Iterator<Item = Reader<'a>>> {
        let count = usize::try_from(self.u64()?).ok()?;
        let all = self.take(count.checked_mul(width)?)?;
        Some(all.chunks_exact(width).map(Reader))
    }
}

/// A file's key in the index: a hash of its path relative to the batch.
/// Paths themselves are not kept: at 100,000 dossiers they were half of the
/// index's memory.
fn path_key(rel: &str) -> u128 {
    xxh3_128(rel.as_bytes())
}

pub struct Cache {
    path: PathBuf,
    salt: String,
    spill: Arc<Spill>,
    /// The last run's files and verdicts, sorted by key and looked up by
    /// binary search: a hash map of 300,000 entries cost twice the memory.
    files: Vec<(u128, FileEntry)>,
    verdicts: Vec<(u128, Blob)>,
    /// Files modified since this (the last run's start, less
    /// [`RACY_MARGIN_NS`]) are not taken as unchanged by their stat alone.
    trust_stat_before_ns: i64,
    /// When this run started, for the next one.
    started_ns: i64,
    /// Which of `files` this run reused unchanged, and what it read anew:
    /// together, the next index.
    reused: Vec<AtomicBool>,
    fresh_files: Mutex<Vec<(u128, FileEntry)>>,
    fresh_verdicts: Mutex<Vec<(u128, Blob)>>,
    /// Set when a blob of an earlier run was found damaged: nothing of the
    /// last run is used or kept any more.
    distrusted: AtomicBool,
}

/// `entries` sorted by key, without repeats (a damaged index may be
/// neither).
fn sorted<T>(mut entries: Vec<(u128, T)>) -> Vec<(u128, T)> {
    if !entries.is_sorted_by(|a, b| a.0 < b.0) {
        entries.sort_by_key(|(key, _)| *key);
        entries.dedup_by_key(|(key, _)| *key);
    }
    entries
}

/// How far before the last run's start a file's modification time must be
/// for its stat alone to prove it unchanged (git's "racily clean" entries).
/// A file written in the same clock tick as it was read, after the read,
/// keeps its size and time: ext4 stamps files from a clock that ticks every
/// few milliseconds, FAT (USB sticks) every 2 seconds. Such a file is read
/// and hashed again; its content is still reused when the hash is the same.
pub const RACY_MARGIN_NS: i64 = 2_000_000_000;

/// Locks `file`, waiting up to half a second for a lock held a moment
/// longer than its run: a program started at that instant by another
/// thread of the same process holds a copy of the run's descriptors until
/// it has started (seen with tests running side by side). A run still
/// going keeps its lock far longer, and the second then goes without.
fn lock_soon(file: &std::fs::File) -> Result<(), std::fs::TryLockError> {
    for _ in 0..50 {
        match file.try_lock() {
            Err(std::fs::TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            done => return done,
        }
    }
    file.try_lock()
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

/// The entry of `key` in `entries` (sorted by key). Keys are hashes, spread
/// evenly, so the search starts where the key would be if they were evenly
/// spaced and gallops out from there: a step or two, in memory near at
/// hand, where a binary search of 31,000 entries took fifteen, most of them
/// cache misses (a sixth of reading back a batch's contents). Keys that are
/// not spread evenly (an index someone made) are only found slower.
fn find<T>(entries: &[(u128, T)], key: u128) -> Option<(usize, &T)> {
    let n = entries.len();
    let top = (key >> 64) as u64;
    let guess = ((u128::from(top) * n as u128) >> 64) as usize;
    let at = |i: usize| entries.get(i).map(|(k, _)| *k);
    // Bracket the key between `lo` (first possible) and `hi` (one past the
    // last), doubling the step away from the guess.
    let (mut lo, mut hi) = (guess, guess.saturating_add(1).min(n));
    let mut step = 1usize;
    while lo > 0 && at(lo).is_none_or(|k| k > key) {
        hi = lo;
        lo = lo.saturating_sub(step);
        step = step.saturating_mul(2);
    }
    step = 1;
    while hi < n && at(hi - 1).is_some_and(|k| k < key) {
        lo = hi;
        hi = hi.saturating_add(step).min(n);
        step = step.saturating_mul(2);
    }
    let slice = entries.get(lo..hi)?;
    let i = lo + slice.binary_search_by_key(&key, |(k, _)| *k).ok()?;
    Some((i, &entries.get(i)?.1))
}

impl Cache {
    /// The cache in `out`, or an empty one. `salt` names everything besides
    /// file content that results depend on (rule-set hash, version). Fails
    /// only when the blob file cannot be opened or is in use by another run.
    pub fn load(out: &Path, salt: &str) -> anyhow::Result<Cache> {
        // Before anything of the batch is read (the walk may have begun:
        // the margin covers it).
        let started_ns = now_ns();
        std::fs::create_dir_all(out)?;
        let path = out.join(FILE_NAME);
        let salt = format!("{FORMAT} {salt}");
        let blobs_path = out.join(BLOBS_NAME);
        let blobs = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&blobs_path)?;
        lock_soon(&blobs).map_err(|e| match e {
            std::fs::TryLockError::WouldBlock => {
                anyhow::anyhow!("another hoso check is writing to {}", out.display())
            }
            std::fs::TryLockError::Error(e) => e.into(),
        })?;
        let blobs_len = blobs.metadata()?.len();
        let pack = std::fs::metadata(&path)
            .ok()
            .filter(|m| m.len() <= MAX_BYTES)
            .and_then(|_| std::fs::read(&path).ok())
            .and_then(|bytes| Pack::decode(&bytes))
            .filter(|p| p.salt == salt && p.blobs_len <= blobs_len)
            .unwrap_or_default();
        let live: u64 = pack.files.iter().map(|(_, e)| e.blob_bytes).sum::<u64>()
            + pack
                .verdicts
                .iter()
                .map(|(_, b)| u64::from(b.len))
                .sum::<u64>();
        let (pack, end) = if blobs_len > GARBAGE_FLOOR && blobs_len > live * GARBAGE_RATIO {
            // Start afresh. The index goes first: a run killed in between
            // must not leave an index pointing into a truncated file.
            let _ = std::fs::remove_file(&path);
            blobs.set_len(0)?;
            (Pack::default(), 0)
        } else {
            (pack, blobs_len)
        };
        let spill = Spill::over(blobs, end);
        // Unchanged files' contents and kept verdicts are read from here.
        spill.map_written();
        Ok(Cache {
            path,
            salt,
            spill: Arc::new(spill),
            trust_stat_before_ns: pack.started_ns.saturating_sub(RACY_MARGIN_NS),
            started_ns,
            reused: pack.files.iter().map(|_| AtomicBool::new(false)).collect(),
            files: sorted(pack.files),
            verdicts: sorted(pack.verdicts),
            fresh_files: Mutex::new(Vec::new()),
            fresh_verdicts: Mutex::new(Vec::new()),
            distrusted: AtomicBool::new(false),
        })
    }

    /// Where this run's whole document parts go (the blob file).
    pub fn spill(&self) -> Arc<Spill> {
        Arc::clone(&self.spill)
    }

    /// What was read from a file whose size and modification time are
    /// unchanged; its entry is then kept for the next run as it is.
    pub fn unchanged(&self, rel: &str, size: u64, mtime_ns: i64) -> Option<Content> {
        let (i, entry) = find(&self.files, path_key(rel))?;
        if entry.size != size || entry.mtime_ns != mtime_ns || mtime_ns >= self.trust_stat_before_ns
        {
            return None;
        }
        let content = self.intact(entry)?;
        self.reused[i].store(true, Ordering::Relaxed);
        Some(content)
    }

    /// What was read from a file whose content is unchanged (touched,
    /// copied back).
    pub fn same_content(&self, rel: &str, hash: u128) -> Option<Content> {
        find(&self.files, path_key(rel))
            .map(|(_, e)| e)
            .filter(|e| e.hash == halves(hash))
            .and_then(|e| self.intact(e))
    }

    /// The entry's content, if it reads back intact and every part it left
    /// in the blob file is still within it. The parts themselves are
    /// checked when read (only to judge an applicant whose verdict is not
    /// kept: reading every one here was a quarter of a re-run); one found
    /// damaged then makes the run start again without the cache
    /// ([`Cache::distrust`]): a damaged cache costs time, never a run or a
    /// verdict.
    fn intact(&self, entry: &FileEntry) -> Option<Content> {
        if self.distrusted.load(Ordering::Relaxed) {
            return None;
        }
        let content: Content = self.spill.get_value(entry.content).ok()?;
        let intact = blobs_of(&content).all(|b| self.spill.within(b));
        intact.then_some(content)
    }

    /// Forgets the last run's files and verdicts, and what this run kept so
    /// far: for a run that found the blob file damaged and starts again.
    pub fn distrust(&self) {
        self.distrusted.store(true, Ordering::Relaxed);
        for r in &self.reused {
            r.store(false, Ordering::Relaxed);
        }
        if let Ok(mut fresh) = self.fresh_files.lock() {
            fresh.clear();
        }
        if let Ok(mut fresh) = self.fresh_verdicts.lock() {
            fresh.clear();
        }
    }

    /// Where the verdict given for `key` ([`crate::matching::Assembly::verdict_key`])
    /// lies, as it was rendered, checked whole: read it with
    /// [`Spill::with_checked`]. `None` also when it is damaged (it is then
    /// judged again).
    pub fn verdict(&self, key: u128) -> Option<Blob> {
        if self.distrusted.load(Ordering::Relaxed) {
            return None;
        }
        let (_, blob) = find(&self.verdicts, key)?;
        self.spill
            .checked(*blob, |bytes| RenderedRef::parse(bytes).is_some())
            .then_some(*blob)
    }

    /// Makes room for the entries of a batch of `files` files (a list
    /// grown by doubling holds both copies for a moment).
    pub fn expect_files(&self, files: usize) {
        if let Ok(mut fresh) = self.fresh_files.lock() {
            fresh.reserve_exact(files.saturating_sub(self.files.len()));
        }
    }

    /// Records what this run read of a new or changed file: the saved cache
    /// holds exactly the files of the last run.
    pub fn keep_file(&self, rel: &str, size: u64, mtime_ns: i64, hash: u128, content: &Content) {
        let Ok(blob) = self.spill.put_value(content) else {
            return;
        };
        let blob_bytes = blobs_of(content)
            .chain([blob])
            .map(|b| u64::from(b.len))
            .sum();
        let entry = FileEntry {
            size,
            mtime_ns,
            hash: halves(hash),
            content: blob,
            blob_bytes,
        };
        if let Ok(mut fresh) = self.fresh_files.lock() {
            fresh.push((path_key(rel), entry));
        }
    }

    /// Keeps the verdict for `key`, rendered (one that cannot be written is
    /// simply judged again next time): a re-run writes a kept verdict's
    /// rendering, and reads the verdict back from it only when asked to.
    pub fn keep_verdict(&self, key: u128, verdict: &Rendered) {
        if let Ok(blob) = self.spill.put(verdict.bytes())
            && let Ok(mut fresh) = self.fresh_verdicts.lock()
        {
            fresh.push((key, blob));
        }
    }

    /// Writes the index for the next run (atomically). Verdicts of this run
    /// are kept; older ones are dropped so the cache does not grow without
    /// bound.
    ///
    /// The blob file is not flushed first (that was 30 ms of a 1.4 s run):
    /// after a crash the index may point at blobs that never reached the
    /// disk, but every blob is checked when read (its checksum, or the
    /// file's length against the index's), so they are read again or the
    /// run starts over without the cache; never used.
    pub fn save(self, used_verdicts: &[u128]) -> anyhow::Result<()> {
        let files = self.fresh_files.into_inner().unwrap_or_default();
        let fresh_verdicts = self.fresh_verdicts.into_inner().unwrap_or_default();
        let all_reused = self.reused.iter().all(|r| r.load(Ordering::Relaxed));
        // Nothing read or judged anew, and no file gone: the index on disk
        // is already this run's (rewriting it would cost more than the run).
        if files.is_empty() && fresh_verdicts.is_empty() && all_reused {
            return Ok(());
        }
        // The few fresh entries merged into the reused ones, in key order
        // (sorting all 31,000 again cost the save more than its writing).
        let fresh_files = sorted(files);
        let reused = self
            .files
            .into_iter()
            .zip(&self.reused)
            .filter(|(_, r)| r.load(Ordering::Relaxed))
            .map(|(entry, _)| entry);
        let files = merge_by_key(fresh_files, reused);
        let mut fresh: HashMap<u128, Blob> = fresh_verdicts.into_iter().collect();
        let old = if self.distrusted.load(Ordering::Relaxed) {
            Vec::new()
        } else {
            self.verdicts
        };
        let verdicts: Vec<(u128, Blob)> = used_verdicts
            .iter()
            .filter_map(|&k| {
                fresh
                    .remove(&k)
                    .or_else(|| find(&old, k).map(|(_, b)| *b))
                    .map(|b| (k, b))
            })
            .collect();
        let verdicts = sorted(verdicts);
        let pack = Pack {
            salt: self.salt,
            started_ns: self.started_ns,
            blobs_len: self.spill.end(),
            files,
            verdicts,
        };
        // Not flushed to the disk: after a crash the index may be lost or
        // point to blobs that never reached it, which reads as an empty
        // cache or a damaged blob (checksummed): a slower run, never a
        // wrong one. Waiting for the disk was a re-run's last 5–10 ms.
        crate::report::write_atomic_unsynced_with(&self.path, |file| {
            let mut out = std::io::BufWriter::with_capacity(1 << 18, file);
            pack.encode(&mut out)?;
            std::io::Write::flush(&mut out)?;
            Ok(())
        })
    }
}

/// Two lists sorted by key as one, without repeats: `first`'s entry wins a
/// key both hold (a file read anew over its old entry cannot happen, as
/// each file is either reused or read, but the index must stay a set).
fn merge_by_key<T>(
    first: Vec<(u128, T)>,
    second: impl Iterator<Item = (u128, T)>,
) -> Vec<(u128, T)> {
    // Room for all of `second` at once: the reused entries come filtered,
    // whose lower bound is 0, and growing 31,000 entries by doubling was a
    // fifth of saving the index.
    let (least, most) = second.size_hint();
    let mut out = Vec::with_capacity(first.len() + most.unwrap_or(least));
    let mut first = first.into_iter().peekable();
    for entry in second {
        out.extend(std::iter::from_fn(|| first.next_if(|f| f.0 <= entry.0)));
        if out.last().is_none_or(|last: &(u128, T)| last.0 != entry.0) {
            out.push(entry);
        }
    }
    out.extend(first);
    out
}

/// Every blob a (slimmed) content points to.
fn blobs_of(content: &Content) -> Box<dyn Iterator<Item = Blob> + '_> {
    match content {
        Content::Word { parts } => Box::new(parts.iter().filter_map(|p| p.spilled)),
        Content::Spreadsheet { tables, .. } => Box::new(
            tables
                .iter()
                .flat_map(|t| t.records.iter().filter_map(|r| r.spilled)),
        ),
        Content::Other { .. } | Content::Unreadable(_) => Box::new(std::iter::empty()),
    }
}

fn halves(hash: u128) -> [u64; 2] {
    [(hash >> 64) as u64, hash as u64]
}

/// The content hash of a file's bytes.
pub fn hash(bytes: &[u8]) -> u128 {
    xxh3_128(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn found(entries: &[(u128, u32)], key: u128) -> Option<u32> {
        find(entries, key).map(|(i, v)| {
            assert_eq!(entries[i].1, *v);
            *v
        })
    }

    proptest! {
        /// Whatever the keys (even ones not spread at all), `find` finds
        /// what a plain binary search finds.
        #[test]
        fn find_agrees_with_a_binary_search(
            mut keys in prop::collection::vec(any::<u128>(), 0..300),
            spread in any::<bool>(),
            probes in prop::collection::vec(any::<u128>(), 0..40),
        ) {
            if !spread {
                // Crowded at one end, as a made-up index could be.
                keys.iter_mut().for_each(|k| *k >>= 100);
            }
            let entries = sorted(keys.iter().enumerate().map(|(i, k)| (*k, i as u32)).collect());
            for key in keys.iter().chain(&probes) {
                let expected = entries
                    .binary_search_by_key(key, |(k, _)| *k)
                    .ok()
                    .map(|i| entries[i].1);
                prop_assert_eq!(found(&entries, *key), expected);
            }
        }
    }

    proptest! {
        #[test]
        fn merging_gives_the_sorted_union_with_the_first_lists_entries(
            first in prop::collection::btree_set(0u128..60, 0..20),
            second in prop::collection::btree_set(0u128..60, 0..40),
        ) {
            let first: Vec<(u128, char)> = first.into_iter().map(|k| (k, 'f')).collect();
            let second: Vec<(u128, char)> = second.into_iter().map(|k| (k, 's')).collect();
            let mut expected: std::collections::BTreeMap<u128, char> = second.iter().copied().collect();
            expected.extend(first.iter().copied());
            let merged = merge_by_key(first, second.into_iter());
            prop_assert_eq!(merged, expected.into_iter().collect::<Vec<_>>());
        }
    }

    fn entry(n: u64) -> FileEntry {
        FileEntry {
            size: n,
            mtime_ns: (n as i64).wrapping_neg(),
            hash: [n, u64::MAX - n],
            content: Blob {
                offset: n.wrapping_mul(3),
                len: n as u32,
                check: n ^ 0xdead,
            },
            blob_bytes: n.wrapping_mul(7),
        }
    }

    proptest! {
        /// The index reads back as it was written, and any shorter or
        /// longer bytes read as no index at all (an empty cache), never as
        /// part of one.
        #[test]
        fn an_index_reads_back_whole_or_not_at_all(
            salt in ".{0,12}",
            files in prop::collection::vec((any::<u128>(), any::<u64>()), 0..20),
            verdicts in prop::collection::vec((any::<u128>(), any::<u64>()), 0..20),
            cut in any::<prop::sample::Index>(),
            extra in any::<u8>(),
        ) {
            let pack = Pack {
                salt,
                started_ns: -5,
                blobs_len: 1 << 40,
                files: files.iter().map(|&(k, n)| (k, entry(n))).collect(),
                verdicts: verdicts.iter().map(|&(k, n)| (k, entry(n).content)).collect(),
            };
            let mut bytes = Vec::new();
            pack.encode(&mut bytes).unwrap();
            let back = Pack::decode(&bytes).expect("reads back");
            prop_assert_eq!(&back.salt, &pack.salt);
            prop_assert_eq!((back.started_ns, back.blobs_len), (pack.started_ns, pack.blobs_len));
            prop_assert_eq!(&back.files, &pack.files);
            prop_assert_eq!(&back.verdicts, &pack.verdicts);
            let short = &bytes[..cut.index(bytes.len())];
            prop_assert!(Pack::decode(short).is_none());
            let mut long = bytes.clone();
            long.push(extra);
            prop_assert!(Pack::decode(&long).is_none());
        }
    }

    #[test]
    fn an_index_claiming_more_entries_than_it_holds_is_refused_before_allocating() {
        let mut bytes = Vec::new();
        Pack::default().encode(&mut bytes).unwrap();
        // The file count, after the empty salt, the start and the length.
        bytes[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Pack::decode(&bytes).is_none());
    }

    #[test]
    fn find_finds_every_path_key_and_no_other() {
        let entries = sorted(
            (0..31_000u32)
                .map(|i| (path_key(&format!("xã-{i}/đơn.docx")), i))
                .collect(),
        );
        for i in (0..31_000u32).step_by(7) {
            assert_eq!(
                found(&entries, path_key(&format!("xã-{i}/đơn.docx"))),
                Some(i)
            );
        }
        assert_eq!(found(&entries, path_key("khác.docx")), None);
        assert_eq!(found(&entries, 0), None);
        assert_eq!(found(&entries, u128::MAX), None);
        assert_eq!(found(&[], 5), None);
    }
}
