//! One zip entry deflated in blocks on several threads at once (as pigz
//! does), for the long sheets of verdicts.xlsx.
//!
//! Why our own: the zip crate deflates an entry on one thread only, and
//! the 5 MB verdict sheet of 10,000 applicants was the last output to
//! finish, the other core idle. Each block here is deflated on its own
//! (no back-references into the block before) and ends byte-aligned
//! without the final bit, so the blocks' streams laid end to end are one
//! valid deflate stream; their checksums combine into the entry's. The
//! entry is then framed as a zip of one entry, which the workbook's zip
//! copies as it is (`ZipWriter::raw_copy_file`). A block costs the stream a
//! few bytes and the window it starts without: at 512 KB, nothing to see.

use flate2::{Compress, Compression, FlushCompress, Status};
use rayon::prelude::*;

/// XML deflated per block.
pub(super) const BLOCK: usize = 1 << 19;

/// A zip entry deflated as its bytes come, a batch of blocks at a time in
/// parallel on the current rayon pool (so `--jobs` bounds it).
pub(super) struct ParallelDeflate {
    name: String,
    level: u32,
    block: usize,
    /// Full blocks not deflated yet.
    waiting: Vec<Vec<u8>>,
    deflated: Vec<u8>,
    crc: crc32fast::Hasher,
    size: u64,
}

impl ParallelDeflate {
    pub(super) fn new(name: &str, level: u32, block: usize) -> ParallelDeflate {
        ParallelDeflate {
            name: name.to_string(),
            level,
            block: block.max(1),
            waiting: Vec::new(),
            deflated: Vec::new(),
            crc: crc32fast::Hasher::new(),
            size: 0,
        }
    }

    /// The block size to gather before [`ParallelDeflate::push`].
    pub(super) fn block(&self) -> usize {
        self.block
    }

    /// Takes a full block (any length but the last is fine: the stream
    /// stays valid). Blocks are deflated once there is one per thread.
    pub(super) fn push(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.waiting.push(bytes);
        if self.waiting.len() >= rayon::current_num_threads() {
            self.deflate_waiting(false)?;
        }
        Ok(())
    }

    /// The zip of one entry: `last` ends the entry's bytes.
    pub(super) fn finish(mut self, last: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        self.waiting.push(last);
        self.deflate_waiting(true)?;
        one_entry_zip(&self.name, &self.deflated, self.crc.finalize(), self.size)
    }

    /// Deflates the waiting blocks side by side; the last of them ends the
    /// stream when `end`.
    fn deflate_waiting(&mut self, end: bool) -> anyhow::Result<()> {
        let count = self.waiting.len();
        let level = self.level;
        let done: Vec<(Vec<u8>, crc32fast::Hasher)> = self
            .waiting
            .par_iter()
            .enumerate()
            .map(|(i, bytes)| {
                let mut crc = crc32fast::Hasher::new();
                crc.update(bytes);
                Ok((deflate_block(bytes, level, end && i + 1 == count)?, crc))
            })
            .collect::<anyhow::Result<_>>()?;
        for (bytes, (deflated, crc)) in self.waiting.drain(..).zip(done) {
            self.size += bytes.len() as u64;
            self.crc.combine(&crc);
            self.deflated.extend_from_slice(&deflated);
        }
        Ok(())
    }
}

/// `bytes` as raw deflate, ending the stream when `last` and else with a
/// sync flush (byte-aligned, not final), so another block's stream can
/// follow.
fn deflate_block(bytes: &[u8], level: u32, last: bool) -> anyhow::Result<Vec<u8>> {
    let mut z = Compress::new(Compression::new(level), false);
    // Deflate's worst case is a few bytes per 16 KB over the input.
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 1024 + 64);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        let read = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let input = bytes.get(read..).unwrap_or_default();
        if out.len() == out.capacity() {
            out.reserve(64 + out.len() / 4);
        }
        let status = z.compress_vec(input, &mut out, flush)?;
        let all_read = usize::try_from(z.total_in()).is_ok_and(|n| n == bytes.len());
        match status {
            Status::StreamEnd => return Ok(out),
            // A sync flush is complete once all is read and room was left.
            _ if !last && all_read && out.len() < out.capacity() => return Ok(out),
            Status::Ok | Status::BufError => {}
        }
    }
}

/// A zip of the one deflated entry `name` (local header, data, central
/// directory), its entry as rust_xlsxwriter's packager makes its own:
/// modified 1980-01-01, Unix mode 0600.
fn one_entry_zip(name: &str, deflated: &[u8], crc: u32, size: u64) -> anyhow::Result<Vec<u8>> {
    let too_large = || anyhow::anyhow!("{name} is larger than a zip entry can be (4 GB)");
    let compressed = u32::try_from(deflated.len()).map_err(|_| too_large())?;
    let size = u32::try_from(size).map_err(|_| too_large())?;
    let name_len = u16::try_from(name.len()).map_err(|_| too_large())?;
    // Bit 11: the name is UTF-8 (only set, as the zip crate does, when it
    // is not ASCII).
    let flags: u16 = if name.is_ascii() { 0 } else { 1 << 11 };
    let (time, date): (u16, u16) = (0, (1 << 5) | 1);
    let common = |out: &mut Vec<u8>| {
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&8u16.to_le_bytes()); // deflated
        out.extend_from_slice(&time.to_le_bytes());
        out.extend_from_slice(&date.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&compressed.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra field length
    };
    let mut out = Vec::with_capacity(deflated.len() + 2 * name.len() + 128);
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    common(&mut out);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(deflated);
    let directory = u32::try_from(out.len()).map_err(|_| too_large())?;
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    out.extend_from_slice(&((3u16 << 8) | 20).to_le_bytes()); // made by: Unix, 2.0
    common(&mut out);
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out.extend_from_slice(&0u16.to_le_bytes()); // disk
    out.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
    out.extend_from_slice(&((0o100_600u32) << 16).to_le_bytes()); // regular file, 0600
    out.extend_from_slice(&0u32.to_le_bytes()); // local header at 0
    out.extend_from_slice(name.as_bytes());
    let directory_len = u32::try_from(out.len()).map_err(|_| too_large())? - directory;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // this disk, the directory's disk
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&directory_len.to_le_bytes());
    out.extend_from_slice(&directory.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Text that deflates well but not trivially, as sheet XML does.
    fn xml_like(len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 64);
        let mut n = 0u64;
        while out.len() < len {
            n = n
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            out.extend_from_slice(
                format!(
                    "<row r=\"{}\"><c><t>Nguyễn Văn {}</t></c></row>",
                    n % 9973,
                    n >> 50
                )
                .as_bytes(),
            );
        }
        out.truncate(len);
        out
    }

    fn read_back(zip: Vec<u8>, name: &str) -> Vec<u8> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_name(name).unwrap();
        assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
        assert_eq!(entry.unix_mode(), Some(0o100_600));
        let mut bytes = Vec::new();
        // The zip crate checks the CRC as the entry is read to its end.
        entry.read_to_end(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn blocks_deflated_apart_read_back_as_one_entry() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let text = xml_like(100_000);
        // Uneven blocks, several batches, and a last block of its own.
        for block in [1, 7, 4096, 30_000, 200_000] {
            let zip = pool.install(|| {
                let mut deflate = ParallelDeflate::new("xl/worksheets/sheet1.xml", 1, block);
                let mut chunks = text.chunks(block).map(<[u8]>::to_vec).collect::<Vec<_>>();
                let last = chunks.pop().unwrap_or_default();
                for chunk in chunks {
                    deflate.push(chunk).unwrap();
                }
                deflate.finish(last).unwrap()
            });
            assert!(
                read_back(zip, "xl/worksheets/sheet1.xml") == text,
                "block {block}"
            );
        }
    }

    #[test]
    fn an_empty_entry_and_a_non_ascii_name_are_valid() {
        let zip = ParallelDeflate::new("tờ.xml", 6, 10)
            .finish(Vec::new())
            .unwrap();
        assert!(read_back(zip, "tờ.xml").is_empty());
    }

    #[test]
    fn incompressible_bytes_fit() {
        let mut n = 1u32;
        let noise: Vec<u8> = (0..300_000)
            .map(|_| {
                n ^= n << 13;
                n ^= n >> 17;
                n ^= n << 5;
                n as u8
            })
            .collect();
        let mut deflate = ParallelDeflate::new("noise", 1, 70_000);
        for chunk in noise.chunks(70_000).take(4) {
            deflate.push(chunk.to_vec()).unwrap();
        }
        let zip = deflate.finish(noise[280_000..].to_vec()).unwrap();
        assert!(read_back(zip, "noise") == noise);
    }
}
