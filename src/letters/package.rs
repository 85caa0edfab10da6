//! Writing zip packages and files: deterministic and atomic.

use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// A zip of `(name, bytes)` entries in the given order, deflated, with a
/// fixed timestamp so the same letters give the same bytes.
pub(crate) fn zip<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> zip::result::ZipResult<Vec<u8>> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(name, options)?;
        w.write_all(data)?;
    }
    Ok(w.finish()?.into_inner())
}
