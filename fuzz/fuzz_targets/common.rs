//! Shared by the package fuzz targets: the default vocabulary, and packages that
//! wrap fuzzed XML into a real template, so the fuzzer reaches the XML
//! readers instead of stopping at zip checksums.
//!
//! An input whose first byte is a mode byte (1..) is "that XML part of the
//! template"; any other input is a whole file.

use hoso::evaluate::ruleset::RuleSet;
use hoso::vocab::Vocabulary;
use std::io::{Cursor, Read, Write};
use std::sync::LazyLock;

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    RuleSet::default_rules()
        .expect("the built-in rules parse")
        .vocabulary
});

pub fn vocab() -> &'static Vocabulary {
    &VOCABULARY
}

/// The entries of a template package, in their original order.
pub struct Template(Vec<(String, Vec<u8>)>);

impl Template {
    pub fn new(bytes: &[u8]) -> Template {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("template is a zip");
        let mut entries = Vec::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).expect("template entry");
            if entry.is_dir() {
                continue;
            }
            let name = entry.name().expect("template entry name").to_string();
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .expect("template entry inflates");
            entries.push((name, data));
        }
        Template(entries)
    }

    /// The template with `part` replaced by `content` (stored, not deflated:
    /// the fuzzer's time goes to the readers, not to compression).
    pub fn with(&self, part: &str, content: &[u8]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, data) in &self.0 {
            zip.start_file(name.as_str(), stored)
                .expect("in-memory zip");
            let data = if name == part { content } else { data };
            zip.write_all(data).expect("in-memory zip");
        }
        zip.finish().expect("in-memory zip");
        out.into_inner()
    }
}
