//! OLE compound files (CFB), the container of Word 97-2003 `.doc` and
//! Excel 97-2003 `.xls`: its streams read whole, with every chain checked
//! against the file's size so that a damaged or hostile file cannot make a
//! read loop or reach outside it. calamine keeps its own reader private,
//! and the `cfb` crate reads through `io::Read + Seek` with no such caps;
//! ours is the small part of the format both readers need.

use super::{ErrorKind, IngestError, Result};

/// The first eight bytes of every compound file.
pub(crate) const SIGNATURE: [u8; 8] = *b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const RESERVED: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;

fn damaged(what: &str, why: &str) -> IngestError {
    IngestError::detail(ErrorKind::Damaged, format!("{what}: {why}"))
}

pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

struct Entry {
    name: String,
    start: u32,
    len: u64,
    /// The entry's siblings (a tree of the entries of its storage) and,
    /// for a storage, the root of its own entries' tree.
    left: u32,
    right: u32,
    child: u32,
}

/// No entry (a sibling or child id).
const NO_STREAM: u32 = 0xFFFF_FFFF;

pub(crate) struct Cfb<'a> {
    /// What the file was read as (".xls", ".doc"), to word its damage.
    what: &'static str,
    bytes: &'a [u8],
    sector: usize,
    maxid: u32,
    fat: Vec<u32>,
    entries: Vec<Entry>,
    mini_fat: Vec<u32>,
    ministream: Vec<u8>,
}

impl<'a> Cfb<'a> {
    /// The container in `bytes`, read as a `what` file (".xls", ".doc").
    pub(crate) fn open(bytes: &'a [u8], what: &'static str) -> Result<Self> {
        let damaged = |why: &str| damaged(what, why);
        if bytes.len() < 512 || bytes[..8] != SIGNATURE {
            return Err(damaged("truncated header"));
        }
        let version = u16_at(bytes, 26).unwrap_or(0);
        let sector = match u16_at(bytes, 30) {
            Some(9) => 512,
            Some(12) => 4096,
            _ => return Err(damaged("unknown sector size")),
        };
        if bytes.len() < sector {
            return Err(damaged("truncated header"));
        }
        let maxid = (bytes.len() / sector).min(u32::MAX as usize) as u32;
        let mut cfb = Cfb {
            what,
            bytes,
            sector,
            maxid,
            fat: Vec::new(),
            entries: Vec::new(),
            mini_fat: Vec::new(),
            ministream: Vec::new(),
        };
        let field = |at| u32_at(bytes, at).unwrap_or(ENDOFCHAIN);
        let (dir_start, mini_fat_start) = (field(48), field(60));
        let mini_fat_len = field(64) as u64;
        // The DIFAT: 109 ids in the header, then a chain of sectors whose
        // last id links to the next.
        let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
        let mut next = field(68);
        let mut steps = 0u32;
        while next < RESERVED {
            steps += 1;
            if steps > maxid.saturating_add(1) {
                return Err(damaged("the sector allocation table loops"));
            }
            difat.extend(u32s(cfb.sector_at(next)?));
            next = difat.pop().unwrap_or(ENDOFCHAIN);
        }
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
        if fat_sectors.len() > maxid as usize + 1 {
            return Err(damaged("more allocation sectors than the file holds"));
        }
        for id in fat_sectors {
            let s = cfb.sector_at(id)?;
            cfb.fat.extend(u32s(s));
        }
        let dirs = cfb.chain(dir_start, u64::MAX)?;
        cfb.entries = dirs.chunks_exact(128).map(|d| entry(d, sector)).collect();
        let Some(root) = cfb.entries.first() else {
            return Err(damaged("empty directory"));
        };
        if version != 3 && root.start == ENDOFCHAIN {
            return Err(damaged("empty root directory"));
        }
        if mini_fat_len > 0 {
            let (root_start, root_len) = (root.start, root.len);
            cfb.ministream = cfb.chain(root_start, root_len)?;
            let mini_fat = cfb.chain(mini_fat_start, mini_fat_len * sector as u64)?;
            cfb.mini_fat = u32s(&mini_fat).collect();
        }
        Ok(cfb)
    }

    fn damaged(&self, why: &str) -> IngestError {
        damaged(self.what, why)
    }

    fn sector_at(&self, id: u32) -> Result<&'a [u8]> {
        if id > self.maxid {
            return Err(self.damaged("a sector lies beyond the end of the file"));
        }
        let start = (id as usize + 1) * self.sector;
        self.bytes
            .get(start..start + self.sector)
            .ok_or_else(|| self.damaged("truncated file"))
    }

    /// A sector chain read the way calamine reads it: up to `len` bytes
    /// or the end of the chain; a chain longer than the file loops.
    fn chain(&self, mut id: u32, len: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut steps = 0u32;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > self.maxid.saturating_add(1) {
                return Err(self.damaged("a sector chain loops"));
            }
            let s = self.sector_at(id)?;
            let take = (s.len() as u64).min(len - out.len() as u64) as usize;
            out.extend_from_slice(&s[..take]);
            if out.len() as u64 >= len {
                break;
            }
            id = *self
                .fat
                .get(id as usize)
                .ok_or_else(|| self.damaged("a sector chain leaves the allocation table"))?;
        }
        Ok(out)
    }

    fn mini_chain(&self, mut id: u32, len: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut steps = 0usize;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > self.ministream.len() / 64 + 1 {
                return Err(self.damaged("a mini-sector chain loops"));
            }
            let start = id as usize * 64;
            let s = self
                .ministream
                .get(start..start + 64)
                .ok_or_else(|| self.damaged("a mini-sector lies beyond the mini stream"))?;
            let take = (s.len() as u64).min(len - out.len() as u64) as usize;
            out.extend_from_slice(&s[..take]);
            if out.len() as u64 >= len {
                break;
            }
            id = *self
                .mini_fat
                .get(id as usize)
                .ok_or_else(|| self.damaged("a mini-sector chain leaves its table"))?;
        }
        Ok(out)
    }

    fn find(&self, name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The entry `name` directly in the root storage, not in a storage
    /// below it (a Word document embedded in another has its own
    /// `WordDocument`); `None` also when the directory's tree is broken.
    fn find_top(&self, name: &str) -> Option<&Entry> {
        let mut todo = vec![self.entries.first()?.child];
        let mut seen = 0usize;
        while let Some(id) = todo.pop() {
            let Some(e) = self.entries.get(usize::try_from(id).ok()?) else {
                continue;
            };
            seen += 1;
            if seen > self.entries.len() {
                // The siblings' tree loops.
                return None;
            }
            if e.name.eq_ignore_ascii_case(name) {
                return Some(e);
            }
            todo.extend([e.left, e.right]);
        }
        None
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The stream `name`, read whole, wherever it lies in the directory
    /// (as calamine finds the streams of an .xls).
    pub(crate) fn stream(&self, name: &str) -> Result<Vec<u8>> {
        let e = self
            .find(name)
            .ok_or_else(|| self.damaged(&format!("no {name} stream")))?;
        self.read(e)
    }

    /// The stream `name` of the root storage, read whole; one of that name
    /// elsewhere when the directory's tree cannot be followed.
    pub(crate) fn top_stream(&self, name: &str) -> Result<Vec<u8>> {
        match self.find_top(name) {
            Some(e) => self.read(e),
            None => self.stream(name),
        }
    }

    fn read(&self, e: &Entry) -> Result<Vec<u8>> {
        if e.len < 4096 {
            self.mini_chain(e.start, e.len)
        } else {
            self.chain(e.start, e.len)
        }
    }
}

fn entry(d: &[u8], sector: usize) -> Entry {
    let units: Vec<u16> = d[..64]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let mut name = String::from_utf16_lossy(&units);
    if let Some(nul) = name.find('\0') {
        name.truncate(nul);
    }
    let start = u32_at(d, 116).unwrap_or(ENDOFCHAIN);
    let len = if sector == 512 {
        u32_at(d, 120).unwrap_or(0) as u64
    } else {
        d.get(120..128)
            .map(|s| u64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]))
            .unwrap_or(0)
    };
    let id = |at| u32_at(d, at).unwrap_or(NO_STREAM);
    Entry {
        name,
        start,
        len,
        left: id(68),
        right: id(72),
        child: id(76),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_of_the_root_storage_are_found_through_its_tree() {
        let doc = include_bytes!(
            "../../tests/fixtures/word-formats/word-made/we-test06-word97-french-table-header-fields.doc"
        );
        let cfb = Cfb::open(doc, ".doc").unwrap();
        for name in ["WordDocument", "1Table", "ObjectPool"] {
            assert!(cfb.find_top(name).is_some(), "{name}");
        }
        // Streams of the embedded object lie below ObjectPool, not at the top.
        let nested: Vec<&str> = cfb
            .entries
            .iter()
            .skip(1)
            .map(|e| e.name.as_str())
            .filter(|n| cfb.find_top(n).is_none() && !n.is_empty())
            .collect();
        assert!(!nested.is_empty(), "the embedded object's streams");
        assert!(cfb.find_top("no such stream").is_none());
    }
}
