//! TEMPORARY interface stub; replaced by the real reader on merge.
use crate::ingest::{Result, Workbook};
use std::path::Path;
pub fn read_workbook(_path: &Path, _display: &str) -> Result<Workbook> {
    Err(crate::ingest::IngestError::new("stub"))
}
