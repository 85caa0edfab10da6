//! The Word reader and the split into documents, on any bytes.
//! Mode byte 1: the rest is word/document.xml of a python-docx form;
//! mode byte 2: the rest is its word/header1.xml; otherwise a whole file.

#![no_main]

#[path = "common.rs"]
mod common;

use hoso::ingest::{docx::read_document_bytes, dossier_doc::split_parts};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static FORM: LazyLock<common::Template> = LazyLock::new(|| {
    common::Template::new(include_bytes!("../../tests/fixtures/docx/don-de-nghi.docx"))
});

fuzz_target!(|data: &[u8]| {
    let wrapped;
    let bytes = match data.split_first() {
        Some((1, xml)) => {
            wrapped = FORM.with("word/document.xml", xml);
            &wrapped[..]
        }
        Some((2, xml)) => {
            wrapped = FORM.with("word/header1.xml", xml);
            &wrapped[..]
        }
        _ => data,
    };
    if let Ok(doc) = read_document_bytes(bytes, "fuzz.docx") {
        let _ = split_parts(&doc, common::vocab());
    }
});
