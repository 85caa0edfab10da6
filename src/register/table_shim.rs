//! TEMPORARY: a private copy of the `ingest::table` shapes until the real
//! reader lands on main. Remove after merging.

use crate::date::Date;
use crate::source::Source;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct SheetTable {
    pub file: String,
    pub sheet: String,
    pub header_rows: (u32, u32),
    pub columns: Vec<Column>,
    pub title_lines: Vec<(String, Source)>,
    pub records: Vec<Record>,
    pub footer_lines: Vec<(String, Source)>,
}

#[derive(Clone, Debug)]
pub struct Column {
    pub field: String,
    pub col: u32,
    pub header: String,
}

#[derive(Clone, Debug)]
pub struct Record {
    pub row: u32,
    pub fields: BTreeMap<String, FieldValue>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct FieldValue {
    pub text: String,
    pub date: Option<Date>,
    pub source: Source,
}

pub fn read_workbook(
    _path: &std::path::Path,
    _display: &str,
) -> crate::ingest::Result<crate::ingest::Workbook> {
    Err(crate::ingest::IngestError::new(
        "spreadsheet reader not merged yet",
    ))
}

pub fn read_tables(
    _wb: &crate::ingest::Workbook,
    _vocab: &crate::vocab::Vocabulary,
) -> Vec<SheetTable> {
    Vec::new()
}
