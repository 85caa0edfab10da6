//! Reading zip containers (.docx, .xlsx, .ods) without trusting them.
//!
//! The `zip` crate reads faithfully what an archive declares; an archive can
//! lie. Before anything is inflated we check the entry count, each entry's
//! declared size and compression ratio, and the declared total; while
//! inflating we read through a cap, so a header that understates a size
//! cannot make us allocate more than the cap either.

use super::{ErrorKind, IngestError, Result};
use std::io::{Cursor, Read};

/// Limits for one archive. The defaults comfortably hold a 50 MB list or a
/// Word file full of scans, and refuse zip bombs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_entries: usize,
    /// Largest inflated size of one entry we will read.
    pub max_entry_bytes: u64,
    /// Largest inflated size of all entries together.
    pub max_total_bytes: u64,
    /// Largest inflated/compressed ratio for entries above `ratio_floor` bytes.
    pub max_ratio: u64,
    pub ratio_floor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 10_000,
            max_entry_bytes: 512 << 20,
            max_total_bytes: 1 << 30,
            max_ratio: 200,
            ratio_floor: 1 << 20,
        }
    }
}

/// An archive that passed the declared-size checks.
pub struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    limits: Limits,
}

impl<'a> Archive<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Self> {
        Self::with_limits(bytes, Limits::default())
    }

    pub fn with_limits(bytes: &'a [u8], limits: Limits) -> Result<Self> {
        if bytes.len() < 4 || &bytes[..2] != b"PK" {
            return Err(not_a_zip(bytes));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| IngestError::detail(ErrorKind::Damaged, format!("zip: {e}")))?;
        if zip.len() > limits.max_entries {
            return Err(IngestError::detail(
                ErrorKind::OverLimit,
                format!(
                    "archive has {} entries, more than {}",
                    zip.len(),
                    limits.max_entries
                ),
            ));
        }
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(|e| {
                IngestError::detail(ErrorKind::Damaged, format!("entry {i}, zip: {e}"))
            })?;
            let entry_name = || {
                entry
                    .name()
                    .map(|n| n.into_owned())
                    .unwrap_or_else(|_| format!("#{i}"))
            };
            let size = entry.size();
            let packed = entry.compressed_size().max(1);
            if size > limits.max_entry_bytes {
                return Err(IngestError::detail(
                    ErrorKind::OverLimit,
                    format!(
                        "archive entry {} declares {} bytes, more than the {} MB limit",
                        entry_name(),
                        size,
                        limits.max_entry_bytes >> 20
                    ),
                ));
            }
            if size > limits.ratio_floor && size / packed > limits.max_ratio {
                return Err(IngestError::detail(
                    ErrorKind::Suspicious,
                    format!("archive entry {} expands {}x", entry_name(), size / packed),
                ));
            }
            total = total.saturating_add(size);
        }
        if total > limits.max_total_bytes {
            return Err(IngestError::detail(
                ErrorKind::OverLimit,
                format!("archive declares {total} bytes in total, more than the limit"),
            ));
        }
        Ok(Archive { zip, limits })
    }

    /// Entry names; names that are not valid text are left out.
    pub fn names(&self) -> Vec<String> {
        self.zip
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Inflates one entry through the cap; `None` when the entry is absent.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let limits = self.limits;
        let entry = self
            .zip
            .by_index(index)
            .map_err(|e| IngestError::detail(ErrorKind::Damaged, format!("{name}, zip: {e}")))?;
        let declared = entry.size();
        let mut out =
            Vec::with_capacity(declared.min(limits.max_entry_bytes).min(64 << 20) as usize);
        let mut capped = entry.take(limits.max_entry_bytes + 1);
        capped.read_to_end(&mut out).map_err(|e| {
            IngestError::detail(ErrorKind::Damaged, format!("cannot inflate {name}: {e}"))
        })?;
        if out.len() as u64 > limits.max_entry_bytes {
            return Err(IngestError::detail(
                ErrorKind::Suspicious,
                format!("archive entry {name} inflates past the limit"),
            ));
        }
        Ok(Some(out))
    }

    /// Like [`Self::read`], for an entry that must be present.
    pub fn read_required(&mut self, name: &str) -> Result<Vec<u8>> {
        self.read(name)?
            .ok_or_else(|| IngestError::detail(ErrorKind::Damaged, format!("{name} is missing")))
    }
}

/// Why a file is not a zip at all, naming what it looks like instead (a
/// PDF renamed .docx is the classic).
pub fn not_a_zip(bytes: &[u8]) -> IngestError {
    let kind = if bytes.is_empty() {
        ErrorKind::Empty
    } else if bytes.starts_with(b"%PDF") {
        ErrorKind::Pdf
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) && holds_encrypted_package(bytes) {
        ErrorKind::Encrypted
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        ErrorKind::OldOffice
    } else if bytes.starts_with(b"\x89PNG") || bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ErrorKind::Image
    } else if bytes.starts_with(b"{\\rtf") {
        ErrorKind::Rtf
    } else if bytes.starts_with(b"<")
        || bytes.starts_with(b"\xEF\xBB\xBF<")
        || bytes.starts_with(b"MIME-Version:")
    {
        // A web page, or one saved whole by Word or a browser (.mht).
        ErrorKind::Markup
    } else {
        ErrorKind::NotOffice
    };
    IngestError::new(kind, [])
}

/// Whether an OLE container names an `EncryptedPackage` stream: how Office
/// stores a password-protected .docx or .xlsx. The name sits in a directory
/// sector anywhere in the file (UTF-16); files like this are rare enough
/// for a plain search.
fn holds_encrypted_package(bytes: &[u8]) -> bool {
    let name: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.windows(name.len()).any(|w| w == name.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            for (name, data) in entries {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn reads_entries() {
        let bytes = zip_with(&[("a.xml", b"<a/>")]);
        let mut ar = Archive::open(&bytes).unwrap();
        assert_eq!(ar.read("a.xml").unwrap().unwrap(), b"<a/>");
        assert!(ar.read("b.xml").unwrap().is_none());
    }

    #[test]
    fn refuses_high_ratio_entries() {
        let zeros = vec![0u8; 4 << 20];
        let bytes = zip_with(&[("bomb.xml", &zeros)]);
        let err = Archive::open(&bytes).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::Suspicious, "{err}");
    }

    #[test]
    fn caps_reads_even_when_declared_sizes_pass() {
        let data = vec![b'x'; 3000];
        let bytes = zip_with(&[("big.xml", &data)]);
        let limits = Limits {
            max_entry_bytes: 1000,
            ratio_floor: u64::MAX,
            ..Limits::default()
        };
        assert!(Archive::with_limits(&bytes, limits).is_err());
    }

    #[test]
    fn names_what_a_non_zip_is() {
        let kind = |bytes: &[u8]| Archive::open(bytes).err().map(|e| e.kind());
        assert_eq!(kind(b"%PDF-1.4 ..."), Some(ErrorKind::Pdf));
        assert_eq!(kind(b""), Some(ErrorKind::Empty));
        assert_eq!(kind(b"{\\rtf1 ..."), Some(ErrorKind::Rtf));
        let bytes = zip_with(&[("a.xml", b"<a/>")]);
        assert_eq!(kind(&bytes[..bytes.len() / 2]), Some(ErrorKind::Damaged));
    }
}
