//! One entry point for "read this file, whatever it is": the stage that the
//! pipeline runs in parallel. It never fails; a file that cannot be read
//! comes back as [`Content::Unreadable`] with its one-line reason.

use super::dossier_doc::{self, DocPart};
use super::table::{self, SheetTable};
use super::{Format, docx, format_of, spreadsheet};
use crate::discover::FoundFile;
use crate::vocab::Vocabulary;

#[derive(Debug)]
pub enum Content {
    /// A spreadsheet; `tables` is empty when no sheet has a list header.
    Spreadsheet {
        tables: Vec<SheetTable>,
    },
    /// A Word document as one or more documents.
    Word {
        parts: Vec<DocPart>,
    },
    /// Any other file (a scan, a photo); `kind` is the attachment kind its
    /// name says, if any.
    Other {
        kind: Option<String>,
    },
    Unreadable(String),
}

pub fn read_file(file: &FoundFile, vocab: &Vocabulary) -> Content {
    if let Some(problem) = &file.problem {
        return Content::Unreadable(problem.clone());
    }
    let by_name = || {
        vocab
            .attachment_kind(file.file_name())
            .map(|a| a.kind.clone())
    };
    match format_of(&file.path) {
        Format::Spreadsheet => match spreadsheet::read_workbook(&file.path, &file.rel) {
            Ok(wb) => Content::Spreadsheet {
                tables: table::read_tables(&wb, vocab),
            },
            Err(e) => Content::Unreadable(e.to_string()),
        },
        Format::Word => match docx::read_document(&file.path, &file.rel) {
            Ok(doc) => Content::Word {
                parts: dossier_doc::split_parts(&doc, vocab),
            },
            Err(e) => Content::Unreadable(e.to_string()),
        },
        Format::Other => match std::fs::metadata(&file.path) {
            Ok(m) if m.len() == 0 => Content::Unreadable("empty file (0 bytes)".to_string()),
            Ok(_) => Content::Other { kind: by_name() },
            Err(e) => Content::Unreadable(format!("cannot read: {}", e.kind())),
        },
    }
}
