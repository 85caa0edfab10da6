//! TEMPORARY interface stub; replaced by the real reader on merge.
use crate::date::Date;
use crate::ingest::Document;
use crate::source::Source;
use crate::vocab::Vocabulary;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct DocPart {
    pub file: String,
    pub kind: Option<String>,
    pub title: Option<(String, Source)>,
    pub fields: BTreeMap<String, Field>,
    pub signed: Option<(Date, Source)>,
    pub subjects: Vec<Subject>,
    pub copy_mark: Option<Field>,
    pub text_len: usize,
}
#[derive(Debug, Clone)]
pub struct Field {
    pub label: String,
    pub text: String,
    pub source: Source,
}
#[derive(Debug, Clone)]
pub struct Subject {
    pub name: String,
    pub periods: Option<f64>,
    pub score: Option<String>,
    pub source: Source,
}
pub fn split_parts(_doc: &Document, _vocab: &Vocabulary) -> Vec<DocPart> {
    Vec::new()
}
