//! One entry point for "read this file, whatever it is": the stage that the
//! pipeline runs in parallel. It never fails; a file that cannot be read
//! comes back as [`Content::Unreadable`] with its one-line reason.

use super::dossier_doc::{DocPart, Interpreter};
use super::table::{self, SheetTable};
use super::{Format, docx, format_of, spreadsheet};
use crate::discover::FoundFile;
use crate::vocab::Vocabulary;
use std::io::Read;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
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

impl Content {
    /// This content with its document parts slimmed (see [`crate::spill`]).
    pub fn slim(self, spill: &crate::spill::Spill) -> Result<Content, crate::spill::SpillError> {
        match self {
            Content::Word { parts } => Ok(Content::Word {
                parts: parts
                    .into_iter()
                    .map(|p| p.slim(spill))
                    .collect::<Result<_, _>>()?,
            }),
            Content::Spreadsheet { tables } => Ok(Content::Spreadsheet {
                tables: tables
                    .into_iter()
                    .map(|mut t| {
                        t.records = t
                            .records
                            .into_iter()
                            .map(|r| r.slim(spill))
                            .collect::<Result<_, _>>()?;
                        Ok(t)
                    })
                    .collect::<Result<_, _>>()?,
            }),
            other => Ok(other),
        }
    }
}

/// What reading needs, prepared once per run (folding every alias of the
/// vocabulary costs as much as reading a small document).
pub struct Readers<'a> {
    pub vocab: &'a Vocabulary,
    documents: Interpreter<'a>,
}

impl<'a> Readers<'a> {
    pub fn new(vocab: &'a Vocabulary) -> Self {
        Readers {
            vocab,
            documents: Interpreter::new(vocab),
        }
    }
}

/// Largest Word and spreadsheet files we read: far above any real dossier
/// or list (a 50 MB list is fine), far below what would hurt the machine.
const MAX_WORD_BYTES: u64 = 128 << 20;
const MAX_SPREADSHEET_BYTES: u64 = 256 << 20;

/// Reads and interprets one file.
pub fn read_file(file: &FoundFile, readers: &Readers) -> Content {
    match load(file) {
        Ok(bytes) => interpret(file, bytes.as_deref(), readers),
        Err(unreadable) => unreadable,
    }
}

/// The bytes the readers need: those of Word and spreadsheet files, read
/// through a size cap; other files are not read (`None`).
pub fn load(file: &FoundFile) -> Result<Option<Vec<u8>>, Content> {
    if let Some(problem) = &file.problem {
        return Err(Content::Unreadable(problem.clone()));
    }
    let path = file.path();
    let cap = match format_of(&path) {
        Format::Word => MAX_WORD_BYTES,
        Format::Spreadsheet => MAX_SPREADSHEET_BYTES,
        Format::Other => return Ok(None),
    };
    let unreadable = |e: std::io::Error| Content::Unreadable(format!("cannot read: {}", e.kind()));
    let f = std::fs::File::open(&path).map_err(unreadable)?;
    // Sized once from the file's length (growing by doubling cost a tenth
    // of reading a batch in page faults).
    let len = f.metadata().map(|m| m.len()).unwrap_or(0).min(cap + 1);
    let mut bytes = Vec::with_capacity(len as usize + 1);
    f.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > cap {
        return Err(Content::Unreadable(format!(
            "file larger than {} MB: not read",
            cap >> 20
        )));
    }
    Ok(Some(bytes))
}

/// Interprets a file from the bytes [`load`] gave.
pub fn interpret(file: &FoundFile, bytes: Option<&[u8]>, readers: &Readers) -> Content {
    let vocab = readers.vocab;
    let rel = std::path::Path::new(&*file.rel);
    let ext = rel
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match (format_of(rel), bytes) {
        (Format::Spreadsheet, Some(bytes)) => {
            match spreadsheet::read_workbook_bytes(bytes, &ext, &file.rel) {
                Ok(wb) => Content::Spreadsheet {
                    tables: table::read_tables(&wb, vocab),
                },
                Err(e) => Content::Unreadable(e.to_string()),
            }
        }
        (Format::Word, Some(bytes)) => match docx::read_document_bytes(bytes, &file.rel) {
            Ok(doc) => Content::Word {
                parts: readers.documents.split_parts(&doc),
            },
            Err(e) => Content::Unreadable(e.to_string()),
        },
        _ => match std::fs::metadata(file.path()) {
            Ok(m) if m.len() == 0 => Content::Unreadable("empty file (0 bytes)".to_string()),
            Ok(_) => Content::Other {
                kind: vocab
                    .attachment_kind(file.file_name())
                    .map(|a| a.kind.clone()),
            },
            Err(e) => Content::Unreadable(format!("cannot read: {}", e.kind())),
        },
    }
}
