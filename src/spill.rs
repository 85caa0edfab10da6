//! Spill: what was read from each document, kept on disk between reading and
//! judging, so that memory does not grow with the batch.
//!
//! Matching only needs who each document names (name and birth date) and
//! what kind it is; the rules need everything else (every label field, the
//! transcript's subjects, the copy mark, the signing date). So a document
//! part is read once, written here whole, and kept in memory only slimmed
//! ([`DocPart::slim`](crate::ingest::dossier_doc::DocPart::slim)); each applicant's parts are read back, one applicant at
//! a time, when the applicant is judged.
//!
//! The spill is a temporary file in the output folder, or, when the cache is
//! on, the cache's blob file (`.hoso.blobs`), appended to across runs so that
//! unchanged files keep pointing at the parts written by an earlier run.
//!
//! Why not a crate: we need append, read-at-offset and a checksum per blob;
//! an embedded database would add a format and a dependency for that.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use xxhash_rust::xxh3::xxh3_64;

/// Where one blob lies in a spill file, and its checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blob {
    pub offset: u64,
    pub len: u32,
    pub check: u64,
}

/// A spill file: blobs are appended by any thread and read back by offset.
///
/// Writers only claim their place at the end (an atomic add); writes are
/// positional (`pwrite`). What was written before a stage that reads many
/// blobs is mapped into memory ([`Spill::map_written`]): a blob is then
/// checked and decoded where it lies, with no system call or copy, which was
/// a third of a cached re-run's reading (one `pread` per file). Blobs past
/// the map are read with `pread`.
pub struct Spill {
    file: File,
    /// Where the next blob goes.
    end: AtomicU64,
    /// What is mapped, in order: each call of [`Spill::map_written`] maps
    /// only what was written since the last (mapping it all again threw
    /// away the pages a re-run had read, to fault them in again).
    ///
    /// Slots filled once each, read without a lock: a read lock taken for
    /// each blob read (31,000 contents on two threads, then 10,000 kept
    /// verdicts read by three writers at once) is a write to one cache
    /// line that every reading core must own in turn.
    mapped: [OnceLock<Mapped>; MAPS],
    /// Held while a slot is filled.
    mapping: Mutex<()>,
}

/// The bytes of a spill from `start` on, mapped.
struct Mapped {
    start: u64,
    map: memmap2::Mmap,
}

impl Mapped {
    fn end(&self) -> u64 {
        self.start + self.map.len() as u64
    }

    /// The blob's bytes, if it lies wholly in this map.
    fn bytes(&self, blob: Blob) -> Option<&[u8]> {
        let from = usize::try_from(blob.offset.checked_sub(self.start)?).ok()?;
        self.map.get(from..from.checked_add(blob.len as usize)?)
    }
}

/// Maps a spill can have (see [`Spill::map_written`]).
const MAPS: usize = 8;

/// The largest spill mapped. The pages of a map count as the process's
/// memory once read, and reading a large batch's parts back touches nearly
/// all of them: 10,000 dossiers spill about 50 MB; 100,000 spill 500 MB and
/// are read with `pread`, keeping within their memory bound.
const MAP_AT_MOST: usize = 128 << 20;

#[derive(Debug, thiserror::Error)]
pub enum SpillError {
    #[error("cannot write the spill file: {0}")]
    Write(std::io::Error),
    #[error("cannot read back the spill file: {0}")]
    Read(std::io::Error),
    #[error("the spill file is damaged (a checksum does not match)")]
    Damaged,
    #[error("cannot encode a document part: {0}")]
    Encode(postcard::Error),
}

impl Spill {
    /// A spill in an unnamed temporary file in `dir` (deleted on exit).
    pub fn temporary(dir: &std::path::Path) -> std::io::Result<Spill> {
        std::fs::create_dir_all(dir)?;
        Ok(Spill::over(tempfile::tempfile_in(dir)?, 0))
    }

    /// A spill appending to `file`, whose first `end` bytes are kept.
    pub fn over(file: File, end: u64) -> Spill {
        Spill {
            file,
            end: AtomicU64::new(end),
            mapped: Default::default(),
            mapping: Mutex::new(()),
        }
    }

    /// The length of the file: where the next blob goes.
    pub fn end(&self) -> u64 {
        self.end.load(Ordering::Acquire)
    }

    /// Maps everything written so far into memory, for the reads to come,
    /// if it is at most `MAP_AT_MOST` bytes. Call it between stages, when
    /// no blob is being written. Without a map (too large, empty, or the map
    /// failed) blobs are read with `pread`, as ever.
    pub fn map_written(&self) {
        let end = self.end();
        if usize::try_from(end).is_ok_and(|len| len > MAP_AT_MOST) {
            return;
        }
        let Ok(_mapping) = self.mapping.lock() else {
            return;
        };
        let Some(slot) = self.mapped.iter().find(|slot| slot.get().is_none()) else {
            // Every slot taken (a run maps twice or three times): the rest
            // is read with `pread`.
            return;
        };
        let start = self.maps().last().map_or(0, Mapped::end);
        let Some(len) = end
            .checked_sub(start)
            .and_then(|len| usize::try_from(len).ok())
            .filter(|&len| len > 0)
        else {
            return;
        };
        // SAFETY: a mapped file must not shrink or change under the map.
        // This one is only ever appended to past `end` (blobs are never
        // rewritten), by this process alone: the cache's blob file is
        // locked for the run (another hoso runs without it) and a temporary
        // spill has no name. Only a program ignoring the lock and cutting
        // the file could make a read fault, the risk of any mapped file
        // (ripgrep maps its inputs alike).
        let map = unsafe {
            memmap2::MmapOptions::new()
                .offset(start)
                .len(len)
                .map(&self.file)
        };
        if let Ok(map) = map {
            let _ = slot.set(Mapped { start, map });
        }
    }

    /// The maps made, in order.
    fn maps(&self) -> impl Iterator<Item = &Mapped> {
        self.mapped.iter().map_while(OnceLock::get)
    }

    pub fn put(&self, bytes: &[u8]) -> Result<Blob, SpillError> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| SpillError::Write(std::io::Error::other("blob over 4 GiB")))?;
        let check = xxh3_64(bytes);
        let offset = self.end.fetch_add(u64::from(len), Ordering::AcqRel);
        // A failed write leaves a hole no blob points to: garbage, as any
        // blob no index uses.
        write_at(&self.file, bytes, offset).map_err(SpillError::Write)?;
        Ok(Blob { offset, len, check })
    }

    /// The blob's bytes, checked, to `decode`: where they lie in the map,
    /// or read into a buffer.
    fn with_bytes<T>(
        &self,
        blob: Blob,
        decode: impl FnOnce(&[u8]) -> Result<T, SpillError>,
    ) -> Result<T, SpillError> {
        self.with_bytes_checked(blob, true, decode)
    }

    /// The bytes of a blob checked already ([`Spill::checked`]) to `read`,
    /// unchecked: read where they lie, as `Spill::with_bytes`, without
    /// hashing them again (the report writers read each kept verdict five
    /// times). Whatever `read` makes of them must not trust them further
    /// than a checked length: they could have been damaged since, by a
    /// program ignoring the blob file's lock.
    pub fn with_checked<T>(
        &self,
        blob: Blob,
        read: impl FnOnce(&[u8]) -> Result<T, SpillError>,
    ) -> Result<T, SpillError> {
        self.with_bytes_checked(blob, false, read)
    }

    /// Whether the blob's bytes are whole (their checksum) and `valid`.
    pub fn checked(&self, blob: Blob, valid: impl FnOnce(&[u8]) -> bool) -> bool {
        self.with_bytes(blob, |bytes| Ok(valid(bytes)))
            .unwrap_or(false)
    }

    fn with_bytes_checked<T>(
        &self,
        blob: Blob,
        check: bool,
        decode: impl FnOnce(&[u8]) -> Result<T, SpillError>,
    ) -> Result<T, SpillError> {
        if !self.within(blob) {
            return Err(SpillError::Damaged);
        }
        let checked = |bytes: &[u8]| match !check || xxh3_64(bytes) == blob.check {
            true => decode(bytes),
            false => Err(SpillError::Damaged),
        };
        if let Some(bytes) = self.maps().find_map(|m| m.bytes(blob)) {
            return checked(bytes);
        }
        let mut bytes = vec![0; blob.len as usize];
        read_at(&self.file, &mut bytes, blob.offset).map_err(|e| match e.kind() {
            // The file is shorter than its index says: damaged, not unreadable.
            std::io::ErrorKind::UnexpectedEof => SpillError::Damaged,
            _ => SpillError::Read(e),
        })?;
        checked(&bytes)
    }

    pub fn get(&self, blob: Blob) -> Result<Vec<u8>, SpillError> {
        self.with_bytes(blob, |bytes| Ok(bytes.to_vec()))
    }

    /// The blob lies within what was written (its bytes are not read).
    pub fn within(&self, blob: Blob) -> bool {
        blob.offset
            .checked_add(u64::from(blob.len))
            .is_some_and(|last| last <= self.end())
    }

    pub fn put_value<T: Serialize>(&self, value: &T) -> Result<Blob, SpillError> {
        self.put(&postcard::to_stdvec(value).map_err(SpillError::Encode)?)
    }

    pub fn get_value<T: for<'de> Deserialize<'de>>(&self, blob: Blob) -> Result<T, SpillError> {
        self.with_bytes(blob, |bytes| {
            postcard::from_bytes(bytes).map_err(|_| SpillError::Damaged)
        })
    }
}

#[cfg(unix)]
fn read_at(file: &File, bytes: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset)
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut bytes: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        match file.seek_read(bytes, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                bytes = &mut bytes[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(windows)]
fn write_at(file: &File, mut bytes: &[u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        let n = file.seek_write(bytes, offset)?;
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

/// Values kept in order and read back in the same order, as often as
/// wanted: the verdicts of a run, between judging and the report writers.
/// The first values are simply held; past `hold_at_most` all of them go to a
/// temporary file (100,000 verdicts held until written cost 64 MB), each
/// record its length, its checksum and its postcard bytes. Holding a small
/// run's verdicts spares encoding them once and decoding them once per
/// writer: a tenth of a cached re-run of 10,000 dossiers.
pub struct Tape<T> {
    held: Vec<T>,
    hold_at_most: usize,
    dir: std::path::PathBuf,
    out: Option<std::io::BufWriter<File>>,
    count: usize,
}

/// A finished [`Tape`], to be read ([`Reel::each`]) by any number of
/// readers at once, each at its own place.
pub struct Reel<T> {
    held: Vec<T>,
    /// The records on disk, if the tape went there (then `held` is empty).
    file: Option<File>,
    count: usize,
}

impl<T: Serialize> Tape<T> {
    /// A tape holding up to `hold_at_most` values, then going to an unnamed
    /// temporary file in `dir` (deleted on exit).
    pub fn new(dir: &std::path::Path, hold_at_most: usize) -> Tape<T> {
        Tape {
            held: Vec::new(),
            hold_at_most,
            dir: dir.to_path_buf(),
            out: None,
            count: 0,
        }
    }

    /// Room for `count` values in memory when they are to be held there
    /// (growing the list of 10,000 verdicts cost the one thread that keeps
    /// them a fault for each new page).
    pub fn reserve(&mut self, count: usize) {
        if count <= self.hold_at_most {
            self.held
                .reserve_exact(count.saturating_sub(self.held.len()));
        }
    }

    pub fn push(&mut self, value: T) -> Result<(), SpillError> {
        self.count += 1;
        let out = match &mut self.out {
            Some(out) => out,
            None if self.held.len() < self.hold_at_most => {
                self.held.push(value);
                return Ok(());
            }
            None => {
                let file = std::fs::create_dir_all(&self.dir)
                    .and_then(|_| tempfile::tempfile_in(&self.dir))
                    .map_err(SpillError::Write)?;
                let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
                for held in std::mem::take(&mut self.held) {
                    write_record(&mut out, &held)?;
                }
                self.out.insert(out)
            }
        };
        write_record(out, &value)
    }

    /// Records written so far.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Ends writing: what was written can now be read.
    pub fn finish(self) -> Result<Reel<T>, SpillError> {
        let file = match self.out {
            Some(out) => Some(
                out.into_inner()
                    .map_err(|e| SpillError::Write(e.into_error()))?,
            ),
            None => None,
        };
        Ok(Reel {
            held: self.held,
            file,
            count: self.count,
        })
    }
}

fn write_record<T: Serialize>(out: &mut impl Write, value: &T) -> Result<(), SpillError> {
    let bytes = postcard::to_stdvec(value).map_err(SpillError::Encode)?;
    let len = u32::try_from(bytes.len())
        .map_err(|_| SpillError::Write(std::io::Error::other("record over 4 GiB")))?;
    out.write_all(&len.to_le_bytes())
        .and_then(|_| out.write_all(&xxh3_64(&bytes).to_le_bytes()))
        .and_then(|_| out.write_all(&bytes))
        .map_err(SpillError::Write)
}

impl<T: for<'de> Deserialize<'de>> Reel<T> {
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Calls `f` with every record, in the order written.
    pub fn each<E: From<SpillError>>(
        &self,
        mut f: impl FnMut(&T) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some(file) = &self.file else {
            return self.held.iter().try_for_each(f);
        };
        let mut from = std::io::BufReader::with_capacity(1 << 16, At { file, pos: 0 });
        let mut bytes = Vec::new();
        for _ in 0..self.count {
            let mut head = [0u8; 12];
            from.read_exact(&mut head).map_err(SpillError::Read)?;
            let (len, check) = head.split_at(4);
            let len = u32::from_le_bytes(len.try_into().map_err(|_| SpillError::Damaged)?);
            let check = u64::from_le_bytes(check.try_into().map_err(|_| SpillError::Damaged)?);
            bytes.resize(len as usize, 0);
            from.read_exact(&mut bytes).map_err(SpillError::Read)?;
            if xxh3_64(&bytes) != check {
                return Err(SpillError::Damaged.into());
            }
            let value: T = postcard::from_bytes(&bytes).map_err(|_| SpillError::Damaged)?;
            f(&value)?;
        }
        Ok(())
    }
}

/// Reads a file from its own position, leaving the file's shared cursor
/// alone, so that several readers can share one (unnamed) file.
struct At<'a> {
    file: &'a File,
    pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.pos)?;
        #[cfg(not(any(unix, windows)))]
        let n: usize = {
            let _ = buf;
            return Err(std::io::Error::other(
                "reading at an offset is not supported here",
            ));
        };
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_come_back_and_damage_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::temporary(dir.path()).unwrap();
        let a = spill.put(b"first").unwrap();
        let b = spill.put_value(&("Nguyễn Văn A", 1980u32)).unwrap();
        assert_eq!(spill.get(a).unwrap(), b"first");
        let back: (String, u32) = spill.get_value(b).unwrap();
        assert_eq!(back, ("Nguyễn Văn A".to_string(), 1980));
        let forged = Blob {
            check: a.check ^ 1,
            ..a
        };
        assert!(matches!(spill.get(forged), Err(SpillError::Damaged)));
        let beyond = Blob { offset: 1000, ..a };
        assert!(matches!(spill.get(beyond), Err(SpillError::Damaged)));

        // Mapped: the same bytes and the same checks; blobs written after
        // the map are read from the file.
        spill.map_written();
        let c = spill.put(b"after the map").unwrap();
        assert_eq!(spill.get(a).unwrap(), b"first");
        let back: (String, u32) = spill.get_value(b).unwrap();
        assert_eq!(back.0, "Nguyễn Văn A");
        assert_eq!(spill.get(c).unwrap(), b"after the map");
        assert!(matches!(spill.get(forged), Err(SpillError::Damaged)));
        let straddling = Blob {
            len: c.len + 1,
            ..b
        };
        assert!(matches!(spill.get(straddling), Err(SpillError::Damaged)));

        // Mapped again: only what came since, beside the first map; a blob
        // across the two is read from the file (and checked).
        spill.map_written();
        spill.map_written();
        let ends: Vec<u64> = spill.maps().map(Mapped::end).collect();
        assert_eq!(ends, [c.offset, spill.end()]);
        assert_eq!(spill.get(c).unwrap(), b"after the map");
        assert_eq!(spill.get(a).unwrap(), b"first");
        let across = Blob {
            offset: b.offset,
            len: b.len + c.len,
            check: xxh3_64(&[spill.get(b).unwrap(), spill.get(c).unwrap()].concat()),
        };
        assert_eq!(spill.get(across).unwrap().len(), (b.len + c.len) as usize);
        assert!(matches!(spill.get(straddling), Err(SpillError::Damaged)));
    }

    #[test]
    fn a_tape_is_read_back_in_order_by_several_readers() {
        let dir = tempfile::tempdir().unwrap();
        let values: Vec<(u32, String)> = (0..5000)
            .map(|i| (i, "x".repeat(i as usize % 97)))
            .collect();
        // Held whole, spilled from the start, and spilled part way.
        for hold in [usize::MAX, 0, 1234] {
            let mut tape = Tape::new(dir.path(), hold);
            for v in &values {
                tape.push(v.clone()).unwrap();
            }
            assert_eq!(tape.len(), values.len());
            let reel = tape.finish().unwrap();
            assert_eq!(reel.file.is_some(), hold < values.len());
            for _reader in 0..2 {
                let mut back = Vec::new();
                reel.each(|v: &(u32, String)| {
                    back.push(v.clone());
                    Ok::<_, SpillError>(())
                })
                .unwrap();
                assert_eq!(back, values);
            }
        }
        let empty = Tape::<u32>::new(dir.path(), 0).finish().unwrap();
        assert!(empty.is_empty());
        assert!(empty.each(|_| Err(SpillError::Damaged)).is_ok());
    }
}
