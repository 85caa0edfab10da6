//! TEMPORARY interface stub; replaced by the real reader on merge.
use crate::ingest::{Document, Result};
use std::path::Path;
pub fn read_document(_path: &Path, _display: &str) -> Result<Document> {
    Err(crate::ingest::IngestError::new("stub"))
}
