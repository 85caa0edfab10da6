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

pub mod cfb;
pub mod doc;
pub mod docx;
pub mod dossier_doc;
pub mod file;
pub mod legacy;
pub mod spreadsheet;
pub mod table;
pub mod zipcap;

use crate::date::Date;
use std::path::Path;

/// Why a file could not be read: its kind and the values of the kind's
/// placeholders. A clerk reads it worded by the rule file
/// ([`IngestError::explain`]); `Display` is the English one-liner for logs
/// and `hoso inspect`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IngestError {
    kind: ErrorKind,
    /// In the order of [`Kind::placeholders`](crate::messages::Kind::placeholders).
    values: Vec<String>,
    /// For [`ErrorKind::NoReadableSheet`]: why each sheet was passed over.
    /// Its `{detail}` is their words, in the reader's rule file when
    /// explained (in `values`, in English).
    sheets: Vec<SheetWarning>,
}

impl IngestError {
    /// A problem of `kind`; `values` fill its placeholders in order.
    pub fn new<const N: usize>(kind: ErrorKind, values: [String; N]) -> Self {
        IngestError {
            kind,
            values: values.into(),
            sheets: Vec::new(),
        }
    }

    /// No sheet of a workbook could be read, for the reasons `sheets` give.
    pub fn no_readable_sheet(sheets: Vec<SheetWarning>) -> Self {
        let english: Vec<String> = sheets.iter().map(SheetWarning::to_string).collect();
        IngestError {
            kind: ErrorKind::NoReadableSheet,
            values: vec![english.join("; ")],
            sheets,
        }
    }

    /// A problem with a technical `detail` (a crate's error text, what a
    /// cap caught).
    pub fn detail(kind: ErrorKind, detail: impl std::fmt::Display) -> Self {
        IngestError::new(kind, [detail.to_string()])
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The reason a clerk reads, in the rule file's words.
    pub fn explain(&self, vocab: &crate::vocab::Vocabulary) -> String {
        if self.sheets.is_empty() {
            return vocab.unreadable.render(self.kind, &self.values);
        }
        let sheets: Vec<String> = self.sheets.iter().map(|w| w.explain(vocab)).collect();
        vocab.unreadable.render(self.kind, &[sheets.join("; ")])
    }

    /// A problem met opening a file.
    pub fn io(e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => IngestError::new(ErrorKind::NotFound, []),
            std::io::ErrorKind::PermissionDenied => IngestError::new(ErrorKind::NoPermission, []),
            kind => IngestError::detail(ErrorKind::Io, kind),
        }
    }
}

impl std::fmt::Display for IngestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::messages::english(self.kind, &self.values))
    }
}

impl std::error::Error for IngestError {}

impl ErrorKind {
    /// A Word file with this problem may still be a document someone sent
    /// (an old format, damaged, password-protected, unreadable on disk);
    /// not so one found to be something else (a PDF, an image, a
    /// spreadsheet, nothing at all) or refused as an attack.
    pub fn may_hide_a_document(self) -> bool {
        matches!(
            self,
            ErrorKind::WordFormat
                | ErrorKind::Damaged
                | ErrorKind::NotWord
                | ErrorKind::OldOffice
                | ErrorKind::Encrypted
                | ErrorKind::Rtf
                | ErrorKind::Markup
                | ErrorKind::NoPermission
                | ErrorKind::Io
                | ErrorKind::Other
        )
    }

    /// A spreadsheet with this problem may still be the submission list
    /// someone sent (damaged, protected, over a cap, a web page or text
    /// export with an Excel name, an old or binary Excel format); not so
    /// one found to be something else, empty, or refused as an attack.
    pub fn may_hide_a_list(self) -> bool {
        matches!(
            self,
            ErrorKind::Damaged
                | ErrorKind::Encrypted
                | ErrorKind::OldOffice
                | ErrorKind::TooLarge
                | ErrorKind::OverLimit
                | ErrorKind::Xlsb
                | ErrorKind::Markup
                | ErrorKind::PlainText
                | ErrorKind::NoPermission
                | ErrorKind::Io
                | ErrorKind::Other
        )
    }
}

/// What discovery found wrong with an entry, as its kind.
impl From<crate::discover::Problem> for IngestError {
    fn from(problem: crate::discover::Problem) -> Self {
        use crate::discover::Problem;
        match problem {
            Problem::NotRegular => IngestError::new(ErrorKind::NotRegular, []),
            Problem::LinkLoop => IngestError::new(ErrorKind::LinkLoop, []),
            Problem::TooDeep => IngestError::detail(ErrorKind::TooDeep, crate::discover::MAX_DEPTH),
            Problem::CannotRead(std::io::ErrorKind::NotFound) => {
                IngestError::new(ErrorKind::NotFound, [])
            }
            Problem::CannotRead(std::io::ErrorKind::PermissionDenied) => {
                IngestError::new(ErrorKind::NoPermission, [])
            }
            Problem::CannotRead(kind) => IngestError::detail(ErrorKind::Io, kind),
        }
    }
}

/// The kinds of [`IngestError`]; each is a key of the rule file's
/// `[vocabulary.unreadable]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ErrorKind {
    /// 0 bytes.
    Empty,
    /// Gone between listing and reading, or a link to nowhere.
    NotFound,
    NoPermission,
    /// Any other I/O error; `{detail}`.
    Io,
    /// A device, a pipe, a socket.
    NotRegular,
    LinkLoop,
    /// Deeper than discovery goes; `{limit}` folders.
    TooDeep,
    /// Larger than the reader reads; `{limit}` MB.
    TooLarge,
    /// Holds more than a reader's caps (entries, cells, text, nesting); `{detail}`.
    OverLimit,
    /// Built to hurt a reader (zip bomb, DOCTYPE); `{detail}`.
    Suspicious,
    /// No zip signature and nothing recognisable.
    NotOffice,
    /// A PDF with an Office name.
    Pdf,
    Image,
    Rtf,
    /// HTML or XML text with an Office name (web exports saved as .xls).
    Markup,
    /// Plain text (CSV) with a spreadsheet name.
    PlainText,
    /// An Office file older than Word and Excel 97, or an encrypted one
    /// (an OLE container hoso cannot read).
    OldOffice,
    /// A word-processing file of a format hoso does not read (.odt, .rtf,
    /// .wps), named so; `{ext}` is its extension.
    WordFormat,
    /// Password-protected.
    Encrypted,
    /// Broken or cut short; `{detail}` says where.
    Damaged,
    Xlsb,
    /// A Word document with a spreadsheet name.
    WordNotSpreadsheet,
    /// An Office container that holds no spreadsheet.
    NotSpreadsheet,
    /// A spreadsheet with a Word name.
    SpreadsheetNotWord,
    /// A zip without a Word document.
    NotWord,
    /// Every sheet empty.
    NoData,
    /// No sheet could be read; `{detail}` says why.
    NoReadableSheet,
    /// A problem described elsewhere; `{detail}` is its text.
    Other,
}

impl crate::messages::Kind for ErrorKind {
    const TABLE: &'static str = "unreadable";
    const ALL: &'static [Self] = &[
        ErrorKind::Empty,
        ErrorKind::NotFound,
        ErrorKind::NoPermission,
        ErrorKind::Io,
        ErrorKind::NotRegular,
        ErrorKind::LinkLoop,
        ErrorKind::TooDeep,
        ErrorKind::TooLarge,
        ErrorKind::OverLimit,
        ErrorKind::Suspicious,
        ErrorKind::NotOffice,
        ErrorKind::Pdf,
        ErrorKind::Image,
        ErrorKind::Rtf,
        ErrorKind::Markup,
        ErrorKind::PlainText,
        ErrorKind::OldOffice,
        ErrorKind::WordFormat,
        ErrorKind::Encrypted,
        ErrorKind::Damaged,
        ErrorKind::Xlsb,
        ErrorKind::WordNotSpreadsheet,
        ErrorKind::NotSpreadsheet,
        ErrorKind::SpreadsheetNotWord,
        ErrorKind::NotWord,
        ErrorKind::NoData,
        ErrorKind::NoReadableSheet,
        ErrorKind::Other,
    ];

    fn key(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty",
            ErrorKind::NotFound => "not_found",
            ErrorKind::NoPermission => "no_permission",
            ErrorKind::Io => "io",
            ErrorKind::NotRegular => "not_regular",
            ErrorKind::LinkLoop => "link_loop",
            ErrorKind::TooDeep => "too_deep",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::OverLimit => "over_limit",
            ErrorKind::Suspicious => "suspicious",
            ErrorKind::NotOffice => "not_office",
            ErrorKind::Pdf => "pdf",
            ErrorKind::Image => "image",
            ErrorKind::Rtf => "rtf",
            ErrorKind::Markup => "markup",
            ErrorKind::PlainText => "plain_text",
            ErrorKind::OldOffice => "old_office",
            ErrorKind::WordFormat => "word_format",
            ErrorKind::Encrypted => "encrypted",
            ErrorKind::Damaged => "damaged",
            ErrorKind::Xlsb => "xlsb",
            ErrorKind::WordNotSpreadsheet => "word_not_spreadsheet",
            ErrorKind::NotSpreadsheet => "not_spreadsheet",
            ErrorKind::SpreadsheetNotWord => "spreadsheet_not_word",
            ErrorKind::NotWord => "not_word",
            ErrorKind::NoData => "no_data",
            ErrorKind::NoReadableSheet => "no_readable_sheet",
            ErrorKind::Other => "other",
        }
    }

    fn placeholders(self) -> &'static [&'static str] {
        match self {
            ErrorKind::Io
            | ErrorKind::OverLimit
            | ErrorKind::Suspicious
            | ErrorKind::Damaged
            | ErrorKind::NoReadableSheet
            | ErrorKind::Other => &["detail"],
            ErrorKind::TooDeep | ErrorKind::TooLarge => &["limit"],
            ErrorKind::WordFormat => &["ext"],
            _ => &[],
        }
    }

    fn english(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty file (0 bytes)",
            ErrorKind::NotFound => "cannot read: entity not found",
            ErrorKind::NoPermission => "cannot read: permission denied",
            ErrorKind::Io => "cannot read: {detail}",
            ErrorKind::NotRegular => "not a regular file",
            ErrorKind::LinkLoop => "symbolic link loop: not followed",
            ErrorKind::TooDeep => "folders nested more than {limit} deep: not read",
            ErrorKind::TooLarge => "file larger than {limit} MB: not read",
            ErrorKind::OverLimit => "refused: {detail}",
            ErrorKind::Suspicious => "refused (zip bomb or attack?): {detail}",
            ErrorKind::NotOffice => "not a valid Office file (no zip signature)",
            ErrorKind::Pdf => "not a valid Office file: the content is a PDF file",
            ErrorKind::Image => "not a valid Office file: the content is an image",
            ErrorKind::Rtf => "not a valid Office file: the content is an RTF document",
            ErrorKind::Markup => {
                "not a valid Office file: the content is HTML or XML text (a web page?); open it in Excel or Word and save it as .xlsx or .docx"
            }
            ErrorKind::PlainText => {
                "not a real spreadsheet: it is plain text (CSV); open it in Excel and save it as .xlsx"
            }
            ErrorKind::OldOffice => {
                "not a valid Office file: the content is an Office file older than Word and Excel 97, or an encrypted, password-protected Office file"
            }
            ErrorKind::WordFormat => {
                "a .{ext} document: hoso reads Word documents as .docx or .doc; open it in Word or LibreOffice and save it as .docx"
            }
            ErrorKind::Encrypted => {
                "the file is password-protected (encrypted); remove the password and save it again"
            }
            ErrorKind::Damaged => "damaged or truncated file ({detail})",
            ErrorKind::Xlsb => {
                "Excel binary workbooks (.xlsb) are not supported; save the file as .xlsx"
            }
            ErrorKind::WordNotSpreadsheet => "a Word document, not a spreadsheet",
            ErrorKind::NotSpreadsheet => "not an Excel or OpenDocument spreadsheet",
            ErrorKind::SpreadsheetNotWord => "not a Word document: it is a spreadsheet",
            ErrorKind::NotWord => {
                "not a Word document: word/document.xml is missing from the archive"
            }
            ErrorKind::NoData => "no data in the workbook: every sheet is empty",
            ErrorKind::NoReadableSheet => "no data in the workbook: {detail}",
            ErrorKind::Other => "{detail}",
        }
    }

    fn shipped() -> &'static crate::messages::Texts<Self> {
        static SHIPPED: std::sync::OnceLock<crate::messages::Texts<ErrorKind>> =
            std::sync::OnceLock::new();
        SHIPPED.get_or_init(crate::messages::Texts::parse_shipped)
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
    /// Hidden (or very hidden) in the workbook: a clerk does not see it.
    pub hidden: bool,
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
    /// Sheets skipped or read in part, and why (chart sheets, absurd
    /// dimensions, ...).
    pub warnings: Vec<SheetWarning>,
}

/// Why a sheet was left out of its workbook, or read only in part. A clerk
/// reads it worded by the rule file's `[vocabulary.sheets]`
/// ([`SheetWarning::explain`]); `Display` is English, for `hoso inspect`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SheetWarning {
    kind: SheetProblem,
    /// In the order of [`Kind::placeholders`](crate::messages::Kind::placeholders): the sheet's name first.
    values: Vec<String>,
}

impl SheetWarning {
    /// The sheet it is about.
    pub fn sheet(&self) -> &str {
        self.values.first().map_or("", String::as_str)
    }

    /// A problem of `kind` with the sheet `sheet`; `values` fill the
    /// kind's other placeholders in order.
    pub fn new<const N: usize>(kind: SheetProblem, sheet: &str, values: [String; N]) -> Self {
        SheetWarning {
            kind,
            values: std::iter::once(sheet.to_string()).chain(values).collect(),
        }
    }

    pub fn kind(&self) -> SheetProblem {
        self.kind
    }

    /// The warning in the words of `vocab`'s rule file.
    pub fn explain(&self, vocab: &crate::vocab::Vocabulary) -> String {
        vocab.sheets.render(self.kind, &self.values)
    }
}

impl std::fmt::Display for SheetWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::messages::english(self.kind, &self.values))
    }
}

/// The kinds of [`SheetWarning`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SheetProblem {
    ChartSheet,
    DialogSheet,
    MacroSheet,
    /// Another kind of sheet that holds no cells.
    NotWorksheet,
    /// The reader refused the sheet; `{detail}` says why.
    Unreadable,
    /// The sheet's cells stop making sense part way; `{detail}` says where.
    Damaged,
    /// More filled cells than a workbook may hold.
    TooManyCells,
    /// Its rows laid out whole would be more cells than a workbook may hold.
    GridTooLarge,
    /// Filled cells past the rows and columns read (the sheet is still read).
    CellsBeyond,
    /// The merged regions could not be read (the cells still are).
    MergesUnreadable,
    /// More merged regions than are kept.
    TooManyMerges,
    /// A hidden sheet with a list or roster, passed over: the workbook's
    /// visible sheets hold one (what is hidden is an old copy, a draft).
    HiddenPassedOver,
    /// A hidden sheet with a list or roster, read all the same: no visible
    /// sheet holds one.
    HiddenRead,
}

impl crate::messages::Kind for SheetProblem {
    const TABLE: &'static str = "sheets";
    const ALL: &'static [Self] = &[
        SheetProblem::ChartSheet,
        SheetProblem::DialogSheet,
        SheetProblem::MacroSheet,
        SheetProblem::NotWorksheet,
        SheetProblem::Unreadable,
        SheetProblem::Damaged,
        SheetProblem::TooManyCells,
        SheetProblem::GridTooLarge,
        SheetProblem::CellsBeyond,
        SheetProblem::MergesUnreadable,
        SheetProblem::TooManyMerges,
        SheetProblem::HiddenPassedOver,
        SheetProblem::HiddenRead,
    ];

    fn key(self) -> &'static str {
        match self {
            SheetProblem::ChartSheet => "chart_sheet",
            SheetProblem::DialogSheet => "dialog_sheet",
            SheetProblem::MacroSheet => "macro_sheet",
            SheetProblem::NotWorksheet => "not_worksheet",
            SheetProblem::Unreadable => "unreadable",
            SheetProblem::Damaged => "damaged",
            SheetProblem::TooManyCells => "too_many_cells",
            SheetProblem::GridTooLarge => "grid_too_large",
            SheetProblem::CellsBeyond => "cells_beyond",
            SheetProblem::MergesUnreadable => "merges_unreadable",
            SheetProblem::TooManyMerges => "too_many_merges",
            SheetProblem::HiddenPassedOver => "hidden_passed_over",
            SheetProblem::HiddenRead => "hidden_read",
        }
    }

    fn placeholders(self) -> &'static [&'static str] {
        match self {
            SheetProblem::ChartSheet
            | SheetProblem::DialogSheet
            | SheetProblem::MacroSheet
            | SheetProblem::NotWorksheet
            | SheetProblem::HiddenPassedOver
            | SheetProblem::HiddenRead => &["sheet"],
            SheetProblem::Unreadable | SheetProblem::Damaged | SheetProblem::MergesUnreadable => {
                &["sheet", "detail"]
            }
            SheetProblem::TooManyCells => &["sheet", "limit"],
            SheetProblem::GridTooLarge => &["sheet", "cells", "limit"],
            SheetProblem::CellsBeyond => &["sheet", "count", "rows", "columns", "first"],
            SheetProblem::TooManyMerges => &["sheet", "count", "limit"],
        }
    }

    fn english(self) -> &'static str {
        match self {
            SheetProblem::ChartSheet => "sheet '{sheet}' skipped: a chart sheet",
            SheetProblem::DialogSheet => "sheet '{sheet}' skipped: a dialog sheet",
            SheetProblem::MacroSheet => "sheet '{sheet}' skipped: a macro sheet",
            SheetProblem::NotWorksheet => "sheet '{sheet}' skipped: not a worksheet",
            SheetProblem::Unreadable => "sheet '{sheet}' skipped: unreadable ({detail})",
            SheetProblem::Damaged => "sheet '{sheet}' skipped: damaged ({detail})",
            SheetProblem::TooManyCells => "sheet '{sheet}' skipped: more than {limit} filled cells",
            SheetProblem::GridTooLarge => {
                "sheet '{sheet}' skipped: its grid holds {cells} cells, more than the {limit} a workbook may"
            }
            SheetProblem::CellsBeyond => {
                "sheet '{sheet}': {count} filled cell(s) outside the first {rows} rows and {columns} columns ignored, the first at {first}"
            }
            SheetProblem::MergesUnreadable => "sheet '{sheet}': merged cells unreadable ({detail})",
            SheetProblem::TooManyMerges => {
                "sheet '{sheet}': {count} merged regions, only the first {limit} kept"
            }
            SheetProblem::HiddenPassedOver => {
                "sheet '{sheet}' skipped: hidden, and the visible sheets hold the list"
            }
            SheetProblem::HiddenRead => {
                "sheet '{sheet}' is hidden but read: no visible sheet holds a list"
            }
        }
    }

    fn shipped() -> &'static crate::messages::Texts<Self> {
        static SHIPPED: std::sync::OnceLock<crate::messages::Texts<SheetProblem>> =
            std::sync::OnceLock::new();
        SHIPPED.get_or_init(crate::messages::Texts::parse_shipped)
    }
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
        "docx" | "docm" | "doc" | "dot" => Format::Word,
        _ => Format::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each problem discovery meets arrives as its kind, with its values.
    #[cfg(unix)]
    #[test]
    fn discovery_problems_become_their_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for i in 0..40 {
            deep.push(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::os::unix::fs::symlink("gone.docx", dir.path().join("broken.docx")).unwrap();
        std::os::unix::fs::symlink(".", dir.path().join("loop")).unwrap();
        std::os::unix::fs::symlink("/dev/null", dir.path().join("null.docx")).unwrap();
        let mut kinds: Vec<(ErrorKind, Vec<String>)> = crate::discover::walk(dir.path())
            .iter()
            .filter_map(|f| f.problem)
            .map(IngestError::from)
            .map(|e| (e.kind(), e.values().to_vec()))
            .collect();
        kinds.sort_by_key(|(k, _)| format!("{k:?}"));
        assert_eq!(
            kinds,
            [
                (ErrorKind::LinkLoop, vec![]),
                (ErrorKind::NotFound, vec![]),
                (ErrorKind::NotRegular, vec![]),
                (ErrorKind::TooDeep, vec!["32".to_string()]),
            ]
        );
    }
}
