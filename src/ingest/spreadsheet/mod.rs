//! Spreadsheets (.xlsx .xlsm .xls .ods) into a [`Workbook`], read with
//! calamine behind guards.
//!
//! calamine reads faithfully what a file declares, and a few declarations
//! make it allocate without bound or loop: an xlsx cell at XFD1048576 makes
//! `worksheet_range` build a 17-billion-cell grid, a shared-string count of a
//! trillion is reserved up front, an .xls DIMENSIONS record or two far-apart
//! cells size a dense grid, a looping sector chain in an .xls never ends, and
//! .ods repeat counts expand into up to 100 million cells. So:
//! - every file is sniffed by content (the extension only names it);
//! - zip containers pass [`zipcap`] and a streamed check of the real inflated
//!   size of every XML part before calamine opens them;
//! - .xlsx cells are streamed and kept sparse until the real extent is known;
//! - .xls is pre-scanned (module `xls`) with the same rules calamine
//!   applies, and refused when calamine would allocate past our caps;
//! - .ods is read by module `ods` itself, so that empty repeated rows and
//!   cells cost nothing.
//!
//! Cells keep their absolute position (row 0 / column 0 is A1), so a source
//! can name the real cell.

use super::{
    Cell, ErrorKind, IngestError, Merge, Result, Sheet, SheetProblem, SheetWarning, Workbook,
    zipcap,
};
use crate::date::Date;
use crate::source::cell_ref;
use calamine::{Data, Dimensions, SheetType};
use std::io::Read;
use std::path::Path;

mod ods;
mod xls;
mod xlsx;
mod zip_parts;

/// Largest spreadsheet file we read.
const MAX_FILE_BYTES: u64 = 256 << 20;
/// Cells beyond these are not read (a list has a few thousand rows).
const MAX_ROWS: u32 = 200_000;
const MAX_COLS: u32 = 1_000;
/// Cells held per workbook, empty ones inside the grid included: about 32 MB.
const MAX_CELLS: usize = 1_000_000;
/// Merged regions kept per sheet.
const MAX_MERGES: usize = 10_000;
/// Largest real inflated size of one XML part of a zip spreadsheet, and of
/// all of them (a sheet of [`MAX_CELLS`] inline strings is about 70 MB).
const MAX_PART_BYTES: u64 = 128 << 20;
const MAX_PARTS_BYTES: u64 = 256 << 20;
/// calamine streams sheets but holds the shared strings in memory.
const MAX_SHARED_STRINGS_BYTES: u64 = 48 << 20;

/// Reads a spreadsheet file; `display` is the path shown in sources.
pub fn read_workbook(path: &Path, display: &str) -> Result<Workbook> {
    let size = std::fs::metadata(path)
        .map_err(|e| IngestError::io(&e))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(too_big());
    }
    let file = std::fs::File::open(path).map_err(|e| IngestError::io(&e))?;
    // The file may grow between the size check and the read.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| IngestError::io(&e))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    read_workbook_bytes(&bytes, &ext, display)
}

/// Reads a spreadsheet held in memory. `ext` (xlsx, xlsm, xls, ods) only
/// refuses .xlsb: the content decides the format, so an .xlsx saved with an
/// .xls name is read as what it is. A sheet typed in the old TCVN3 or VNI fonts is
/// decoded ([`super::legacy`]).
pub fn read_workbook_bytes(bytes: &[u8], ext: &str, display: &str) -> Result<Workbook> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    if ext.eq_ignore_ascii_case("xlsb") {
        return Err(IngestError::new(ErrorKind::Xlsb, []));
    }
    let mut wb = if bytes.starts_with(b"PK") {
        read_zip_spreadsheet(bytes, display)?
    } else if bytes.starts_with(&super::cfb::SIGNATURE) {
        xls::read_xls(bytes, display)?
    } else {
        return Err(not_a_spreadsheet(bytes));
    };
    // Lists typed in the TCVN3 or VNI fonts read as Unicode.
    super::legacy::decode_workbook(&mut wb);
    if wb.sheets.iter().all(|s| s.rows.is_empty()) {
        return Err(if wb.warnings.is_empty() {
            IngestError::new(ErrorKind::NoData, [])
        } else {
            IngestError::no_readable_sheet(wb.warnings)
        });
    }
    Ok(wb)
}

fn too_big() -> IngestError {
    IngestError::detail(ErrorKind::TooLarge, MAX_FILE_BYTES >> 20)
}

/// Why a file that is neither a zip nor an OLE container is no
/// spreadsheet. Lists exported by web software are often HTML or CSV saved
/// as .xls.
fn not_a_spreadsheet(bytes: &[u8]) -> IngestError {
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let printable = !head.is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || c.is_whitespace() || c == '\u{FEFF}');
    let lower = text.to_lowercase();
    let binary_kind = [&b"%PDF"[..], b"{\\rtf", b"\x89PNG", b"\xFF\xD8\xFF"]
        .iter()
        .any(|sig| bytes.starts_with(sig));
    if binary_kind {
        zipcap::not_a_zip(bytes)
    } else if printable && (lower.contains("<html") || lower.contains("<table")) {
        IngestError::new(ErrorKind::Markup, [])
    } else if printable && !text.trim_start().starts_with('<') {
        IngestError::new(ErrorKind::PlainText, [])
    } else {
        zipcap::not_a_zip(bytes)
    }
}

// ------------------------------------------------------------------ cells

/// The cells of one sheet while reading: sparse, positioned, capped.
struct Grid {
    cells: Vec<(u32, u32, Cell)>,
    /// Filled cells beyond [`MAX_ROWS`] / [`MAX_COLS`]: count and first one.
    beyond: usize,
    first_beyond: Option<(u32, u32)>,
}

/// Cells left for the rest of the workbook.
struct Budget(usize);

/// The sheet holds more cells than the workbook may: stop reading it.
struct Full;

impl Grid {
    fn new() -> Self {
        Grid {
            cells: Vec::new(),
            beyond: 0,
            first_beyond: None,
        }
    }

    fn push(
        &mut self,
        (row, col): (u32, u32),
        cell: Cell,
        budget: &Budget,
    ) -> std::result::Result<(), Full> {
        if cell.is_empty() {
            return Ok(());
        }
        if row >= MAX_ROWS || col >= MAX_COLS {
            self.beyond += 1;
            self.first_beyond.get_or_insert((row, col));
            return Ok(());
        }
        if self.cells.len() >= budget.0 {
            return Err(Full);
        }
        self.cells.push((row, col, cell));
        Ok(())
    }

    /// The dense sheet, or why it is skipped. Merges are clamped to the
    /// filled extent so no caller walks a merge over a million empty rows.
    fn into_sheet(
        mut self,
        name: &str,
        merges: Vec<Dimensions>,
        epoch_1904: bool,
        budget: &mut Budget,
        warnings: &mut Vec<SheetWarning>,
    ) -> Option<Sheet> {
        if let Some((row, col)) = self.first_beyond {
            warnings.push(SheetWarning::new(
                SheetProblem::CellsBeyond,
                name,
                [
                    self.beyond.to_string(),
                    MAX_ROWS.to_string(),
                    MAX_COLS.to_string(),
                    cell_ref(row, col),
                ],
            ));
        }
        self.cells.sort_by_key(|(r, c, _)| (*r, *c));
        let mut widths: Vec<(u32, u32)> = Vec::new(); // (row, last col + 1)
        for (r, c, _) in &self.cells {
            match widths.last_mut() {
                Some((row, w)) if row == r => *w = (*w).max(c + 1),
                _ => widths.push((*r, c + 1)),
            }
        }
        let dense: usize = widths.iter().map(|(_, w)| *w as usize).sum();
        if dense > budget.0 {
            warnings.push(SheetWarning::new(
                SheetProblem::GridTooLarge,
                name,
                [dense.to_string(), MAX_CELLS.to_string()],
            ));
            return None;
        }
        budget.0 -= dense;
        let n_rows = widths.last().map_or(0, |(r, _)| *r as usize + 1);
        let max_col = widths.iter().map(|(_, w)| *w).max().unwrap_or(0);
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); n_rows];
        for (r, w) in &widths {
            if let Some(row) = rows.get_mut(*r as usize) {
                *row = vec![Cell::Empty; *w as usize];
            }
        }
        for (r, c, cell) in self.cells {
            if let Some(slot) = rows
                .get_mut(r as usize)
                .and_then(|row| row.get_mut(c as usize))
            {
                *slot = cell;
            }
        }
        let merges = clamp_merges(name, merges, n_rows as u32, max_col, warnings);
        Some(Sheet {
            name: name.to_string(),
            rows,
            merges,
            epoch_1904,
            hidden: false,
        })
    }
}

fn clamp_merges(
    name: &str,
    merges: Vec<Dimensions>,
    n_rows: u32,
    n_cols: u32,
    warnings: &mut Vec<SheetWarning>,
) -> Vec<Merge> {
    let mut out: Vec<Merge> = merges
        .into_iter()
        .filter(|d| d.start.0 <= d.end.0 && d.start.1 <= d.end.1)
        .filter(|d| d.start.0 < n_rows && d.start.1 < n_cols)
        .map(|d| Merge {
            first_row: d.start.0,
            first_col: d.start.1,
            last_row: d.end.0.min(n_rows.saturating_sub(1)),
            last_col: d.end.1.min(n_cols.saturating_sub(1)),
        })
        .filter(|m| m.first_row != m.last_row || m.first_col != m.last_col)
        .collect();
    out.sort_by_key(|m| (m.first_row, m.first_col, m.last_row, m.last_col));
    out.dedup();
    if out.len() > MAX_MERGES {
        warnings.push(SheetWarning::new(
            SheetProblem::TooManyMerges,
            name,
            [out.len().to_string(), MAX_MERGES.to_string()],
        ));
        out.truncate(MAX_MERGES);
    }
    out
}

/// A calamine value as our [`Cell`]. Date cells become dates through our own
/// serial conversion (one epoch rule for the whole project); a date cell
/// whose serial is no calendar day (a bare time) stays a number.
fn to_cell(value: Data, epoch_1904: bool) -> Cell {
    match value {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(i as f64),
        Data::Float(f) => Cell::Number(f),
        Data::String(s) => Cell::Text(s),
        Data::Bool(b) => Cell::Bool(b),
        Data::DateTime(dt) if dt.is_duration() => Cell::Text(duration_text(dt.as_f64())),
        Data::DateTime(dt) => Date::from_serial(dt.as_f64(), epoch_1904)
            .map(Cell::Date)
            .unwrap_or(Cell::Number(dt.as_f64())),
        Data::DateTimeIso(s) => Date::parse(&s).map(Cell::Date).unwrap_or(Cell::Text(s)),
        Data::DurationIso(s) => Cell::Text(s),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// `[h]:mm:ss`, as Excel shows a duration.
fn duration_text(days: f64) -> String {
    let secs = (days * 86_400.0).round();
    if !secs.is_finite() || secs.abs() > 1e12 {
        return format!("{days}");
    }
    let secs = secs as i64;
    let sign = if secs < 0 { "-" } else { "" };
    let secs = secs.abs();
    format!(
        "{sign}{}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

fn one_line(e: impl std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

// -------------------------------------------------------- zip containers

const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

fn read_zip_spreadsheet(bytes: &[u8], display: &str) -> Result<Workbook> {
    let archive = zipcap::Archive::open(bytes)?;
    let mimetype = zip_parts::check_parts(bytes)?;
    if archive.contains("content.xml") {
        if mimetype.trim_ascii() != ODS_MIMETYPE {
            return Err(IngestError::new(ErrorKind::NotSpreadsheet, []));
        }
        return ods::read_ods(archive, display);
    }
    if archive.contains("xl/workbook.bin") {
        return Err(IngestError::new(ErrorKind::Xlsb, []));
    }
    if archive.contains("word/document.xml") {
        return Err(IngestError::new(ErrorKind::WordNotSpreadsheet, []));
    }
    // calamine parses cell references ("A99999999999") and dimension ranges
    // ("B2:A1") with unchecked arithmetic: it panics in builds with overflow
    // checks (debug, tests). Pre-parsing every reference ourselves would mean
    // a second XML pass over every sheet.
    without_panics(".xlsx", || xlsx::read_xlsx(bytes, display))
}

// ------------------------------------------------- shared by the readers

/// The workbook of the sheets `read` gives, in file order. `read` returns
/// `Ok(None)` for a sheet it leaves out having said why in `warnings`, and
/// `Err(why)` for one it could not read.
fn workbook(
    display: &str,
    metas: &[calamine::Sheet],
    mut read: impl FnMut(
        &calamine::Sheet,
        &mut Budget,
        &mut Vec<SheetWarning>,
    ) -> std::result::Result<Option<Sheet>, SheetWarning>,
) -> Workbook {
    let mut wb = Workbook {
        path: display.to_string(),
        sheets: Vec::new(),
        warnings: Vec::new(),
    };
    let mut budget = Budget(MAX_CELLS);
    for meta in metas {
        match read(meta, &mut budget, &mut wb.warnings) {
            Ok(Some(mut sheet)) => {
                sheet.hidden = meta.visible != calamine::SheetVisible::Visible;
                wb.sheets.push(sheet);
            }
            Ok(None) => {}
            Err(why) => wb.warnings.push(why),
        }
    }
    wb
}

fn is_worksheet(meta: &calamine::Sheet, warnings: &mut Vec<SheetWarning>) -> bool {
    if meta.typ == SheetType::WorkSheet {
        return true;
    }
    let kind = match meta.typ {
        SheetType::ChartSheet => SheetProblem::ChartSheet,
        SheetType::DialogSheet => SheetProblem::DialogSheet,
        SheetType::MacroSheet => SheetProblem::MacroSheet,
        _ => SheetProblem::NotWorksheet,
    };
    warnings.push(SheetWarning::new(kind, &meta.name, []));
    false
}

fn password_protected() -> IngestError {
    IngestError::new(ErrorKind::Encrypted, [])
}

/// Last line of defence, for calamine panics found and not otherwise
/// avoidable: a damaged file is an error like any other. The panic message
/// still reaches stderr through the default hook.
fn without_panics(kind: &str, read: impl FnOnce() -> Result<Workbook>) -> Result<Workbook> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(IngestError::detail(
            ErrorKind::Damaged,
            format!("{kind}: its content is inconsistent"),
        ))
    })
}

fn range_to_sheet(
    name: &str,
    range: calamine::Range<Data>,
    merges: Vec<Dimensions>,
    epoch_1904: bool,
    budget: &mut Budget,
    warnings: &mut Vec<SheetWarning>,
) -> Option<Sheet> {
    let mut grid = Grid::new();
    if let Some((row0, col0)) = range.start() {
        for (r, c, value) in range.used_cells() {
            let pos = (row0.saturating_add(r as u32), col0.saturating_add(c as u32));
            if let Err(Full) = grid.push(pos, to_cell(value.clone(), epoch_1904), budget) {
                let limit = MAX_CELLS.to_string();
                warnings.push(SheetWarning::new(SheetProblem::TooManyCells, name, [limit]));
                return None;
            }
        }
    }
    grid.into_sheet(name, merges, epoch_1904, budget, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_non_spreadsheets() {
        let html = b"<html><body><table><tr><td>STT</td></tr></table></body></html>";
        assert_eq!(not_a_spreadsheet(html).kind(), ErrorKind::Markup);
        let csv = "STT,Họ và tên\n1,Nguyễn Văn An\n".as_bytes();
        assert_eq!(not_a_spreadsheet(csv).kind(), ErrorKind::PlainText);
        assert_eq!(
            not_a_spreadsheet(b"%PDF-1.4\x00\x01").kind(),
            ErrorKind::Pdf
        );
        let err = read_workbook_bytes(b"", "xlsx", "a.xlsx").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Empty, "{err}");
    }

    #[test]
    fn dates_go_through_our_epoch_rule() {
        use calamine::{ExcelDateTime, ExcelDateTimeType};
        let dt = |v| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
        assert_eq!(
            to_cell(dt(27458.0), false),
            Cell::Date(Date::ymd(1975, 3, 5).unwrap())
        );
        assert_eq!(
            to_cell(dt(27458.0 - 1462.0), true),
            Cell::Date(Date::ymd(1975, 3, 5).unwrap())
        );
        assert_eq!(to_cell(dt(0.5), false), Cell::Number(0.5));
        assert_eq!(
            to_cell(Data::DateTimeIso("1975-03-05".into()), false),
            Cell::Date(Date::ymd(1975, 3, 5).unwrap())
        );
        let dur = Data::DateTime(ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false));
        assert_eq!(to_cell(dur, false), Cell::Text("36:00:00".into()));
    }

    #[test]
    fn grid_is_dense_from_a1_and_capped() {
        let budget = Budget(10);
        let mut g = Grid::new();
        assert!(g.push((2, 1), Cell::Text("x".into()), &budget).is_ok());
        assert!(g.push((0, 0), Cell::Number(1.0), &budget).is_ok());
        assert!(g.push((5, 5000), Cell::Text("far".into()), &budget).is_ok());
        assert!(g.push((3, 3), Cell::Text("  ".into()), &budget).is_ok());
        let mut budget = Budget(10);
        let mut warnings = Vec::new();
        let merges = vec![Dimensions {
            start: (0, 0),
            end: (1_000_000, 3),
        }];
        let sheet = g
            .into_sheet("S", merges, false, &mut budget, &mut warnings)
            .unwrap();
        assert_eq!(sheet.rows.len(), 3);
        assert_eq!(sheet.cell(2, 1), &Cell::Text("x".into()));
        assert_eq!(sheet.cell(0, 0), &Cell::Number(1.0));
        assert_eq!(sheet.merges[0].last_row, 2);
        assert_eq!(sheet.merges[0].last_col, 1);
        assert_eq!(warnings[0].kind(), SheetProblem::CellsBeyond);
        assert!(warnings[0].to_string().contains("GJI6"), "{warnings:?}");
        // A clerk reads it in the rule file's words, every value kept.
        let vocab = crate::evaluate::ruleset::RuleSet::default_rules()
            .unwrap()
            .vocabulary;
        assert_eq!(
            warnings[0].explain(&vocab),
            format!(
                "trang 'S': bỏ qua 1 ô có dữ liệu nằm ngoài {MAX_ROWS} dòng và {MAX_COLS} cột đầu tiên, ô đầu tiên là GJI6"
            )
        );
        assert_eq!(budget.0, 10 - 3);
    }
}
