//! The check every zip spreadsheet (.xlsx, .ods) passes before calamine
//! opens it: each XML part is inflated through a cap and thrown away, since
//! the declared sizes [`zipcap`](super::zipcap) checked can lie and calamine
//! inflates without a limit.

use super::{
    ErrorKind, IngestError, MAX_PART_BYTES, MAX_PARTS_BYTES, MAX_SHARED_STRINGS_BYTES, Result,
    one_line,
};
use std::io::{Cursor, Read, Write};

/// Keeps the first bytes written and counts the rest.
struct HeadSink {
    head: Vec<u8>,
    len: u64,
}

impl Write for HeadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = HEAD_BYTES.saturating_sub(self.head.len());
        self.head.extend_from_slice(&buf[..buf.len().min(room)]);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const HEAD_BYTES: usize = 64 << 10;

/// Inflates every XML part through a cap and throws the bytes away: the
/// declared sizes [`zipcap`](super::zipcap) checked can lie, and calamine inflates without
/// a limit. Also refuses a shared-string table declaring more strings than
/// it has bytes (calamine reserves that many up front). Returns the first
/// bytes of the `mimetype` entry (empty when absent).
pub(super) fn check_parts(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| IngestError::detail(ErrorKind::Damaged, format!("zip: {e}")))?;
    let mut total: u64 = 0;
    let mut mimetype = Vec::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| IngestError::detail(ErrorKind::Damaged, format!("entry {i}, zip: {e}")))?;
        let name = entry
            .name()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        if !(name.ends_with(".xml") || name.ends_with(".rels") || name == "mimetype") {
            continue;
        }
        let mut sink = HeadSink {
            head: Vec::new(),
            len: 0,
        };
        std::io::copy(&mut entry.take(MAX_PART_BYTES + 1), &mut sink).map_err(|e| {
            IngestError::detail(
                ErrorKind::Damaged,
                format!("cannot inflate {name}: {}", one_line(e)),
            )
        })?;
        if sink.len > MAX_PART_BYTES {
            return Err(IngestError::detail(
                ErrorKind::Suspicious,
                format!(
                    "archive entry {name} inflates past {} MB",
                    MAX_PART_BYTES >> 20
                ),
            ));
        }
        total += sink.len;
        if total > MAX_PARTS_BYTES {
            return Err(IngestError::detail(
                ErrorKind::Suspicious,
                format!(
                    "the spreadsheet's parts inflate past {} MB in total",
                    MAX_PARTS_BYTES >> 20
                ),
            ));
        }
        if name.ends_with("sharedstrings.xml") {
            if sink.len > MAX_SHARED_STRINGS_BYTES {
                return Err(IngestError::detail(
                    ErrorKind::OverLimit,
                    format!(
                        "the shared-string table inflates past {} MB",
                        MAX_SHARED_STRINGS_BYTES >> 20
                    ),
                ));
            }
            check_shared_string_count(&name, &sink)?;
        }
        if name == "mimetype" {
            mimetype = sink.head;
        }
    }
    Ok(mimetype)
}

fn check_shared_string_count(name: &str, part: &HeadSink) -> Result<()> {
    let refuse = |why: &str| {
        Err(IngestError::detail(
            ErrorKind::Damaged,
            format!("shared-string table {name}: {why}"),
        ))
    };
    let mut reader = quick_xml::Reader::from_reader(part.head.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                if e.local_name().as_ref() == "sst" =>
            {
                for attr in e.attributes().flatten() {
                    if attr.key.local_name().as_ref() != "uniqueCount" {
                        continue;
                    }
                    // Digits only, however calamine might read the rest.
                    let digits: String =
                        attr.value.chars().filter(|c| c.is_ascii_digit()).collect();
                    let declared = digits.parse::<u64>().unwrap_or(u64::MAX);
                    if !digits.is_empty() && declared > part.len {
                        return refuse(&format!(
                            "it declares {digits} strings in {} bytes",
                            part.len
                        ));
                    }
                }
                return Ok(());
            }
            Ok(quick_xml::events::Event::Eof) if part.len > part.head.len() as u64 => {
                return refuse("no header in its first bytes");
            }
            Ok(quick_xml::events::Event::Eof) => return Ok(()),
            Ok(_) => buf.clear(),
            Err(_) if part.len > part.head.len() as u64 => {
                return refuse("its header cannot be read");
            }
            // A broken small part: calamine reports it itself.
            Err(_) => return Ok(()),
        }
    }
}
