//! Ingest: turn one file into plain data with a source on every value.
//!
//! Like calamine, one module per format behind one entry point: a
//! spreadsheet becomes a [`Workbook`] of [`Sheet`]s of [`Cell`]s, a Word file
//! becomes a [`Document`] of [`Block`]s. Interpretation (which row is the
//! header, which paragraph is a field) happens one level up, in [`table`]
//! and [`dossier_doc`], so the format readers stay dumb and safe.
//!
//! Readers never panic on input and never trust declared sizes: a file that
//! cannot be read yields an [`IngestError`] whose message is a one-line,
//! user-facing reason.

pub mod docx;
pub mod dossier_doc;
pub mod file;
pub mod spreadsheet;
pub mod table;
pub mod zipcap;

use crate::date::Date;
use std::path::Path;

/// Why a file could not be read; `Display` is the one-line reason a user sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IngestError(pub String);

impl IngestError {
    pub fn new(msg: impl Into<String>) -> Self {
        IngestError(msg.into())
    }
}

pub type Result<T> = std::result::Result<T, IngestError>;

/// One spreadsheet cell, typed as the file stored it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A cell the file marks as a date (date-formatted number, .ods date).
    Date(Date),
    Bool(bool),
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, as a clerk would read it (numbers without a
    /// trailing `.0`, dates as dd/mm/yyyy).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => crate::text::clean(t),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => format!("{n}"),
            Cell::Date(d) => d.display_vn(),
            Cell::Bool(b) => b.to_string(),
            Cell::Error(e) => format!("#{e}"),
        }
    }
}

/// A rectangle of merged cells, 0-based and inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Merge {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

#[derive(Clone, Debug)]
pub struct Sheet {
    pub name: String,
    /// Dense rows from row 0; trailing empty cells may be missing.
    pub rows: Vec<Vec<Cell>>,
    pub merges: Vec<Merge>,
    /// The workbook's date system (serials count from 1904-01-01).
    pub epoch_1904: bool,
}

impl Sheet {
    pub fn cell(&self, row: u32, col: u32) -> &Cell {
        static EMPTY: Cell = Cell::Empty;
        self.rows
            .get(row as usize)
            .and_then(|r| r.get(col as usize))
            .unwrap_or(&EMPTY)
    }
}

#[derive(Clone, Debug)]
pub struct Workbook {
    /// Display path (relative to the batch root where there is one).
    pub path: String,
    pub sheets: Vec<Sheet>,
    /// Sheets skipped and why (chart sheets, absurd dimensions, ...).
    pub warnings: Vec<String>,
}

/// A Word document's text in reading order.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub path: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Paragraph(Paragraph),
    Table(Table),
    /// A hard page break (`w:br w:type="page"`, `w:pageBreakBefore`, a
    /// section break starting a new page): where one document of a
    /// multi-document file ends.
    PageBreak,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Paragraph {
    /// 1-based over every paragraph outside tables, in reading order
    /// (body, text boxes in place, then headers and footers).
    pub n: u32,
    /// Runs joined, tabs kept as `\t`, NFC; not otherwise cleaned.
    pub text: String,
    /// Text of the leading bold runs, when the paragraph starts bold
    /// (a bold label followed by a plain value).
    pub bold_prefix: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// 1-based table number in the document.
    pub n: u32,
    /// Rows of cells; a horizontally merged cell appears once per grid
    /// column it spans would be a lie, so it appears once, with `span`.
    pub rows: Vec<Vec<TableCell>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableCell {
    /// Paragraphs of the cell joined with `\n`.
    pub text: String,
    /// Grid columns spanned (`w:gridSpan`), at least 1.
    pub span: u32,
    /// True for the continuation cells of a vertical merge (`w:vMerge`
    /// without `restart`); their text is empty in the file.
    pub v_merged: bool,
}

/// The kind of file, by extension, before we open it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Spreadsheet,
    Word,
    Other,
}

pub fn format_of(path: &Path) -> Format {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" | "xlsb" => Format::Spreadsheet,
        "docx" | "docm" => Format::Word,
        _ => Format::Other,
    }
}
