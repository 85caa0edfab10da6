//! Writing zip packages and files: deterministic and atomic.

use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// A zip of `(name, bytes)` entries in the given order, deflated, with a
/// fixed timestamp so the same letters give the same bytes.
pub(crate) fn zip<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> zip::result::ZipResult<Vec<u8>> {
    zip_pieces(entries.into_iter().map(|(name, data)| (name, vec![data])))
}

/// [`zip()`] of entries whose bytes come in pieces, deflated as they come:
/// the notices merged for printing are thousands of bodies, which are not
/// first copied into one document (66 MB for 8,800 notices).
pub(crate) fn zip_pieces<'a>(
    entries: impl IntoIterator<Item = (&'a str, Vec<&'a [u8]>)>,
) -> zip::result::ZipResult<Vec<u8>> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, pieces) in entries {
        w.start_file(name, options)?;
        for piece in pieces {
            w.write_all(piece)?;
        }
    }
    Ok(w.finish()?.into_inner())
}
