//! hoso: turns a batch of submitted paperwork into decisions.
//!
//! The modules follow the pipeline:
//! [`discover`] (walk a batch, classify files) → [`ingest`] (read
//! spreadsheets and Word files) → [`matching`] (list rows ↔ dossiers) →
//! [`evaluate`] (rule files, verdicts) → [`report`] (JSON, CSV, XLSX) and
//! [`letters`] (Word notices); [`register`] is the year-end roster database.

pub mod cache;
pub mod date;
pub mod discover;
pub mod evaluate;
pub mod ingest;
pub mod interrupt;
pub mod letters;
pub mod matching;
pub mod messages;
pub mod pipeline;
pub mod register;
pub mod report;
pub mod samples;
pub mod source;
pub mod spill;
pub mod stats;
pub mod text;
pub mod verdict;
pub mod vocab;
