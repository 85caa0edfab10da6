//! The spreadsheet reader and list detection, on any bytes.
//! Mode byte 1: the rest is the sheet of a LibreOffice .xlsx list; 2: its
//! shared strings; 3: its workbook.xml; 4: content.xml of a LibreOffice
//! .ods list; otherwise a whole file, read as the format its first bytes say.
//!
//! The reader catches calamine's panics on purpose (a damaged file is an
//! error like any other), so a panic is a crash only when it escapes
//! `read_workbook_bytes` or `read_tables`: libFuzzer's abort-on-any-panic
//! hook is replaced by one that remembers the panic for that case.

#![no_main]

#[path = "common.rs"]
mod common;

use hoso::ingest::{spreadsheet::read_workbook_bytes, table::read_tables};
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{LazyLock, Once};

static XLSX: LazyLock<common::Template> = LazyLock::new(|| {
    common::Template::new(include_bytes!("../../tests/fixtures/lists/nam-nu-lo.xlsx"))
});
static ODS: LazyLock<common::Template> = LazyLock::new(|| {
    common::Template::new(include_bytes!("../../tests/fixtures/lists/nam-nu-lo.ods"))
});

fn ext_of(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        "xls"
    } else if bytes.starts_with(b"PK") && bytes.windows(8).take(200).any(|w| w == b"mimetype") {
        "ods"
    } else {
        "xlsx"
    }
}

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}
static HOOK: Once = Once::new();

fn remember_panics() {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let trace = std::backtrace::Backtrace::force_capture();
            LAST_PANIC.with(|p| *p.borrow_mut() = format!("{info}\n{trace}"));
        }))
    });
}

fuzz_target!(|data: &[u8]| {
    remember_panics();
    let wrapped;
    let bytes = match data.split_first() {
        Some((1, xml)) => {
            wrapped = XLSX.with("xl/worksheets/sheet1.xml", xml);
            &wrapped[..]
        }
        Some((2, xml)) => {
            wrapped = XLSX.with("xl/sharedStrings.xml", xml);
            &wrapped[..]
        }
        Some((3, xml)) => {
            wrapped = XLSX.with("xl/workbook.xml", xml);
            &wrapped[..]
        }
        Some((4, xml)) => {
            wrapped = ODS.with("content.xml", xml);
            &wrapped[..]
        }
        _ => data,
    };
    let ext = ext_of(bytes);
    let escaped = catch_unwind(AssertUnwindSafe(|| {
        if let Ok(wb) = read_workbook_bytes(bytes, ext, &format!("fuzz.{ext}")) {
            let _ = read_tables(&wb, common::vocab());
        }
    }));
    if escaped.is_err() {
        LAST_PANIC.with(|p| eprintln!("panic escaped the reader: {}", p.borrow()));
        std::process::abort();
    }
});
