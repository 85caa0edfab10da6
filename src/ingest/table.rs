//! TEMPORARY interface stub; replaced by the real reader on merge.
use crate::date::Date;
use crate::ingest::{Sheet, Workbook};
use crate::source::Source;
use crate::vocab::Vocabulary;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct SheetTable {
    pub file: String,
    pub sheet: String,
    pub header_rows: (u32, u32),
    pub columns: Vec<Column>,
    pub title_lines: Vec<(String, Source)>,
    pub records: Vec<Record>,
    pub footer_lines: Vec<(String, Source)>,
}
#[derive(Debug, Clone)]
pub struct Column {
    pub field: String,
    pub col: u32,
    pub header: String,
}
#[derive(Debug, Clone)]
pub struct Record {
    pub row: u32,
    pub fields: BTreeMap<String, FieldValue>,
    pub warnings: Vec<String>,
}
#[derive(Debug, Clone)]
pub struct FieldValue {
    pub text: String,
    pub date: Option<Date>,
    pub source: Source,
}
pub fn read_tables(_wb: &Workbook, _vocab: &Vocabulary) -> Vec<SheetTable> {
    Vec::new()
}
pub fn find_table(_sheet: &Sheet, _file: &str, _vocab: &Vocabulary) -> Option<SheetTable> {
    None
}
