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
//! - .xls and .ods are pre-scanned ([`xls_guard`], [`ods_guard`]) with the
//!   same rules calamine applies, and refused when calamine would allocate
//!   past our caps.
//!
//! Cells keep their absolute position (row 0 / column 0 is A1), so a source
//! can name the real cell.

use super::{
    Cell, ErrorKind, IngestError, Merge, Result, Sheet, SheetProblem, SheetWarning, Workbook,
    zipcap,
};
use crate::date::Date;
use crate::source::cell_ref;
use calamine::{Data, Dimensions, Ods, Reader, SheetType, Xls, Xlsx};
use std::io::{Cursor, Read, Write};
use std::path::Path;

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
/// .xls name is read as what it is.
pub fn read_workbook_bytes(bytes: &[u8], ext: &str, display: &str) -> Result<Workbook> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    if ext.eq_ignore_ascii_case("xlsb") {
        return Err(IngestError::new(ErrorKind::Xlsb, []));
    }
    let wb = if bytes.starts_with(b"PK") {
        read_zip_spreadsheet(bytes, display)?
    } else if bytes.starts_with(&xls_guard::CFB_SIGNATURE) {
        read_xls(bytes, display)?
    } else {
        return Err(not_a_spreadsheet(bytes));
    };
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
    let mimetype = check_parts(bytes)?;
    if archive.contains("content.xml") {
        if mimetype.trim_ascii() != ODS_MIMETYPE {
            return Err(IngestError::new(ErrorKind::NotSpreadsheet, []));
        }
        return read_ods(bytes, archive, display);
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
    without_panics(".xlsx", || read_xlsx(bytes, display))
}

/// Keeps the first bytes written and counts the rest.
struct HeadSink {
    head: Vec<u8>,
    len: u64,
}

impl Write for HeadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = HEAD_BYTES.saturating_sub(self.head.len());
        self.head.extend_from_slice(&buf[..buf.len().min(room)]);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const HEAD_BYTES: usize = 64 << 10;

/// Inflates every XML part through a cap and throws the bytes away: the
/// declared sizes [`zipcap`] checked can lie, and calamine inflates without
/// a limit. Also refuses a shared-string table declaring more strings than
/// it has bytes (calamine reserves that many up front). Returns the first
/// bytes of the `mimetype` entry (empty when absent).
fn check_parts(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| IngestError::detail(ErrorKind::Damaged, format!("zip: {e}")))?;
    let mut total: u64 = 0;
    let mut mimetype = Vec::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| IngestError::detail(ErrorKind::Damaged, format!("entry {i}, zip: {e}")))?;
        let name = entry
            .name()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        if !(name.ends_with(".xml") || name.ends_with(".rels") || name == "mimetype") {
            continue;
        }
        let mut sink = HeadSink {
            head: Vec::new(),
            len: 0,
        };
        std::io::copy(&mut entry.take(MAX_PART_BYTES + 1), &mut sink).map_err(|e| {
            IngestError::detail(
                ErrorKind::Damaged,
                format!("cannot inflate {name}: {}", one_line(e)),
            )
        })?;
        if sink.len > MAX_PART_BYTES {
            return Err(IngestError::detail(
                ErrorKind::Suspicious,
                format!(
                    "archive entry {name} inflates past {} MB",
                    MAX_PART_BYTES >> 20
                ),
            ));
        }
        total += sink.len;
        if total > MAX_PARTS_BYTES {
            return Err(IngestError::detail(
                ErrorKind::Suspicious,
                format!(
                    "the spreadsheet's parts inflate past {} MB in total",
                    MAX_PARTS_BYTES >> 20
                ),
            ));
        }
        if name.ends_with("sharedstrings.xml") {
            if sink.len > MAX_SHARED_STRINGS_BYTES {
                return Err(IngestError::detail(
                    ErrorKind::OverLimit,
                    format!(
                        "the shared-string table inflates past {} MB",
                        MAX_SHARED_STRINGS_BYTES >> 20
                    ),
                ));
            }
            check_shared_string_count(&name, &sink)?;
        }
        if name == "mimetype" {
            mimetype = sink.head;
        }
    }
    Ok(mimetype)
}

fn check_shared_string_count(name: &str, part: &HeadSink) -> Result<()> {
    let refuse = |why: &str| {
        Err(IngestError::detail(
            ErrorKind::Damaged,
            format!("shared-string table {name}: {why}"),
        ))
    };
    let mut reader = quick_xml::Reader::from_reader(part.head.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                if e.local_name().as_ref() == "sst" =>
            {
                for attr in e.attributes().flatten() {
                    if attr.key.local_name().as_ref() != "uniqueCount" {
                        continue;
                    }
                    // Digits only, however calamine might read the rest.
                    let digits: String =
                        attr.value.chars().filter(|c| c.is_ascii_digit()).collect();
                    let declared = digits.parse::<u64>().unwrap_or(u64::MAX);
                    if !digits.is_empty() && declared > part.len {
                        return refuse(&format!(
                            "it declares {digits} strings in {} bytes",
                            part.len
                        ));
                    }
                }
                return Ok(());
            }
            Ok(quick_xml::events::Event::Eof) if part.len > part.head.len() as u64 => {
                return refuse("no header in its first bytes");
            }
            Ok(quick_xml::events::Event::Eof) => return Ok(()),
            Ok(_) => buf.clear(),
            Err(_) if part.len > part.head.len() as u64 => {
                return refuse("its header cannot be read");
            }
            // A broken small part: calamine reports it itself.
            Err(_) => return Ok(()),
        }
    }
}

// ------------------------------------------------------------------ xlsx

fn read_xlsx(bytes: &[u8], display: &str) -> Result<Workbook> {
    let mut xlsx = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => password_protected(),
        e => IngestError::detail(ErrorKind::Damaged, format!(".xlsx: {}", one_line(e))),
    })?;
    let epoch_1904 = xlsx.has_1904_epoch();
    let metas = xlsx.sheets_metadata().to_vec();
    Ok(workbook(display, &metas, |meta, budget, warnings| {
        if !is_worksheet(meta, warnings) {
            return Ok(None);
        }
        let grid = read_xlsx_cells(&mut xlsx, &meta.name, budget, epoch_1904)?;
        let merges = xlsx
            .merge_cells_by_sheet_name(&meta.name)
            .unwrap_or_else(|e| {
                warnings.push(SheetWarning::new(
                    SheetProblem::MergesUnreadable,
                    &meta.name,
                    [one_line(e)],
                ));
                Vec::new()
            });
        Ok(grid.into_sheet(&meta.name, merges, epoch_1904, budget, warnings))
    }))
}

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
            Ok(Some(sheet)) => wb.sheets.push(sheet),
            Ok(None) => {}
            Err(why) => wb.warnings.push(why),
        }
    }
    wb
}

/// Streams one sheet's cells; `worksheet_range` would first allocate the
/// whole rectangle up to the farthest cell.
fn read_xlsx_cells(
    xlsx: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    budget: &Budget,
    epoch_1904: bool,
) -> std::result::Result<Grid, SheetWarning> {
    let mut reader = xlsx
        .worksheet_cells_reader(name)
        .map_err(|e| SheetWarning::new(SheetProblem::Unreadable, name, [one_line(e)]))?;
    let mut grid = Grid::new();
    loop {
        match reader.next_cell() {
            Ok(Some(cell)) => {
                let pos = cell.get_position();
                let value = to_cell(Data::from(cell.get_value().clone()), epoch_1904);
                if let Err(Full) = grid.push(pos, value, budget) {
                    let limit = MAX_CELLS.to_string();
                    return Err(SheetWarning::new(SheetProblem::TooManyCells, name, [limit]));
                }
            }
            Ok(None) => return Ok(grid),
            Err(e) => {
                return Err(SheetWarning::new(
                    SheetProblem::Damaged,
                    name,
                    [one_line(e)],
                ));
            }
        }
    }
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

// ------------------------------------------------------------------- xls

fn read_xls(bytes: &[u8], display: &str) -> Result<Workbook> {
    xls_guard::check(bytes)?;
    // calamine's BIFF parser indexes record data without length checks
    // (MergeCells, BoundSheet offsets, MulRk column ranges, FAT lookups) and
    // panics on such files. The guard covers what would abort or exhaust
    // memory; these panics it does not try to predict.
    without_panics(".xls", || read_xls_unguarded(bytes, display))
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

fn read_xls_unguarded(bytes: &[u8], display: &str) -> Result<Workbook> {
    let mut xls = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsError::Password => password_protected(),
        e => IngestError::detail(ErrorKind::Damaged, format!(".xls: {}", one_line(e))),
    })?;
    let epoch_1904 = xls.has_1904_epoch();
    let metas = xls.sheets_metadata().to_vec();
    Ok(workbook(display, &metas, |meta, budget, warnings| {
        if !is_worksheet(meta, warnings) {
            return Ok(None);
        }
        let range = xls
            .worksheet_range(&meta.name)
            .map_err(|e| SheetWarning::new(SheetProblem::Unreadable, &meta.name, [one_line(e)]))?;
        let merges = xls
            .merge_cells_by_sheet_name(&meta.name)
            .unwrap_or_default();
        Ok(range_to_sheet(
            &meta.name, range, merges, epoch_1904, budget, warnings,
        ))
    }))
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

// ------------------------------------------------------------------- ods

fn read_ods(bytes: &[u8], mut archive: zipcap::Archive<'_>, display: &str) -> Result<Workbook> {
    let content = archive.read_required("content.xml")?;
    let merges = ods_guard::check(&content)?;
    drop(content);
    let mut ods: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::OdsError::Password => password_protected(),
        e => IngestError::detail(ErrorKind::Damaged, format!(".ods: {}", one_line(e))),
    })?;
    let metas = ods.sheets_metadata().to_vec();
    Ok(workbook(display, &metas, |meta, budget, warnings| {
        let range = ods
            .worksheet_range(&meta.name)
            .map_err(|e| SheetWarning::new(SheetProblem::Unreadable, &meta.name, [one_line(e)]))?;
        let sheet_merges = merges
            .iter()
            .find(|(n, _)| *n == meta.name)
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
        // .ods stores dates as ISO text: no serials, no epoch.
        Ok(range_to_sheet(
            &meta.name,
            range,
            sheet_merges,
            false,
            budget,
            warnings,
        ))
    }))
}

/// Pre-scan of an .ods `content.xml` with calamine's own expansion rules.
mod ods_guard {
    use super::{Dimensions, ErrorKind, IngestError, MAX_CELLS, MAX_MERGES, Result};
    use quick_xml::events::{BytesStart, Event};
    use regex::Regex;
    use std::sync::LazyLock;

    /// calamine's caps on one table.
    const ODS_MAX_ROWS: usize = 1_048_576;
    const ODS_MAX_COLS: usize = 16_384;

    /// Merged regions per table name (calamine does not report them for .ods).
    pub(super) type Merges = Vec<(String, Vec<Dimensions>)>;

    /// Refuses content that calamine would expand past [`MAX_CELLS`] (it
    /// allows 100 million, several gigabytes) or whose numbers calamine's
    /// parser might choke on; returns the merged regions.
    pub(super) fn check(content: &[u8]) -> Result<Merges> {
        let mut reader = quick_xml::Reader::from_reader(content);
        reader.config_mut().expand_empty_elements = true;
        reader.config_mut().check_end_names = false;
        let mut buf = Vec::new();
        let mut merges = Merges::new();
        let mut totals = Totals::default();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e)) if e.name().as_ref() == "table:table" => {
                    let name = attr(&e, "table:name").unwrap_or_default();
                    buf.clear();
                    let table = scan_table(&mut reader, &mut buf)?;
                    totals.raw += table.raw;
                    totals.expanded += table.expanded();
                    if totals.raw > MAX_CELLS || totals.expanded > MAX_CELLS {
                        return Err(IngestError::detail(
                            ErrorKind::OverLimit,
                            format!(
                                "sheet '{name}' repeats cells into more than {MAX_CELLS} cells"
                            ),
                        ));
                    }
                    merges.push((name, table.merges));
                }
                Ok(Event::Eof) => return Ok(merges),
                Ok(_) => {}
                Err(e) => {
                    return Err(IngestError::detail(
                        ErrorKind::Damaged,
                        format!(".ods content.xml: {}", super::one_line(e)),
                    ));
                }
            }
            buf.clear();
        }
    }

    #[derive(Default)]
    struct Totals {
        raw: usize,
        expanded: usize,
    }

    #[derive(Default)]
    struct TableScan {
        /// Cells calamine pushes while reading rows (before expanding repeats).
        raw: usize,
        rows_total: usize,
        /// Rows from the first to the last filled row, repeats expanded.
        first_filled_row: Option<usize>,
        end_filled_row: usize,
        col_min: usize,
        col_max: usize,
        merges: Vec<Dimensions>,
    }

    impl TableScan {
        fn expanded(&self) -> usize {
            match self.first_filled_row {
                Some(first) => (self.end_filled_row - first)
                    .saturating_mul(self.col_max.saturating_sub(self.col_min) + 1),
                None => 0,
            }
        }
    }

    fn scan_table(reader: &mut quick_xml::Reader<&[u8]>, buf: &mut Vec<u8>) -> Result<TableScan> {
        let mut t = TableScan {
            col_min: usize::MAX,
            ..TableScan::default()
        };
        loop {
            match reader.read_event_into(buf) {
                Ok(Event::Start(e)) if e.name().as_ref() == "table:table-row" => {
                    let repeats = count_attr(&e, "table:number-rows-repeated")?;
                    let repeats = repeats.min(ODS_MAX_ROWS.saturating_sub(t.rows_total));
                    buf.clear();
                    scan_row(reader, buf, &mut t, repeats)?;
                    t.rows_total = t.rows_total.saturating_add(repeats);
                }
                Ok(Event::End(e)) if e.name().as_ref() == "table:table" => return Ok(t),
                // calamine spins forever on a sheet that never closes (a
                // truncated file); refuse it here.
                Ok(Event::Eof) => {
                    return Err(IngestError::detail(
                        ErrorKind::Damaged,
                        ".ods: content.xml ends inside a sheet",
                    ));
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(IngestError::detail(
                        ErrorKind::Damaged,
                        format!(".ods content.xml: {}", super::one_line(e)),
                    ));
                }
            }
            buf.clear();
        }
    }

    fn scan_row(
        reader: &mut quick_xml::Reader<&[u8]>,
        buf: &mut Vec<u8>,
        t: &mut TableScan,
        repeats: usize,
    ) -> Result<()> {
        let row = t.rows_total;
        let mut pushed = 0usize;
        let mut pending_empty = 0usize;
        let mut filled: Option<(usize, usize)> = None;
        loop {
            match reader.read_event_into(buf) {
                Ok(Event::Start(e))
                    if matches!(
                        e.name().as_ref(),
                        "table:table-cell" | "table:covered-table-cell"
                    ) =>
                {
                    let cols = count_attr(&e, "table:number-columns-repeated")?;
                    let here = (pushed + pending_empty).min(ODS_MAX_COLS);
                    note_merge(&e, row, here, &mut t.merges)?;
                    if is_filled(&e)? {
                        pushed += pending_empty.min(ODS_MAX_COLS.saturating_sub(pushed));
                        pending_empty = 0;
                        let n = cols.min(ODS_MAX_COLS.saturating_sub(pushed));
                        if n > 0 {
                            let first = filled.map_or(pushed, |(f, _)| f);
                            filled = Some((first, pushed + n - 1));
                        }
                        pushed += n;
                    } else {
                        pushed += pending_empty.min(ODS_MAX_COLS.saturating_sub(pushed));
                        // calamine materialises an empty run only when another cell follows
                        pending_empty = cols.min(ODS_MAX_COLS.saturating_sub(pushed));
                    }
                    let end = e.name().as_ref().to_string();
                    buf.clear();
                    reader
                        .read_to_end_into(quick_xml::name::QName(&end), buf)
                        .map_err(|e| {
                            IngestError::detail(
                                ErrorKind::Damaged,
                                format!(".ods content.xml: {}", super::one_line(e)),
                            )
                        })?;
                }
                Ok(Event::End(e)) if e.name().as_ref() == "table:table-row" => break,
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(IngestError::detail(
                        ErrorKind::Damaged,
                        format!(".ods content.xml: {}", super::one_line(e)),
                    ));
                }
            }
            buf.clear();
        }
        t.raw = t.raw.saturating_add(pushed);
        if let Some((first, last)) = filled {
            t.first_filled_row.get_or_insert(row);
            t.end_filled_row = row + repeats;
            t.col_min = t.col_min.min(first);
            t.col_max = t.col_max.max(last);
        }
        Ok(())
    }

    /// Whether calamine gives the cell a value (any value attribute or a formula).
    fn is_filled(e: &BytesStart<'_>) -> Result<bool> {
        static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$").expect("valid regex")
        });
        let mut filled = false;
        for a in e.attributes().flatten() {
            match a.key.as_ref() {
                "office:value" => {
                    // calamine unwraps std's error when its fast parser
                    // fails: only plain decimals may reach it.
                    let v = &a.value;
                    if !NUMBER.is_match(v) {
                        return Err(IngestError::detail(
                            ErrorKind::Damaged,
                            format!(".ods: a cell holds the number {v:?}"),
                        ));
                    }
                    filled = true;
                }
                "office:value-type"
                | "office:date-value"
                | "office:time-value"
                | "office:boolean-value"
                | "office:string-value"
                | "table:formula" => filled = true,
                _ => {}
            }
        }
        Ok(filled)
    }

    fn note_merge(
        e: &BytesStart<'_>,
        row: usize,
        col: usize,
        merges: &mut Vec<Dimensions>,
    ) -> Result<()> {
        let cols = count_attr(e, "table:number-columns-spanned")?;
        let rows = count_attr(e, "table:number-rows-spanned")?;
        if (cols > 1 || rows > 1) && merges.len() < MAX_MERGES {
            let r = row.min(u32::MAX as usize) as u32;
            let c = col.min(u32::MAX as usize) as u32;
            merges.push(Dimensions {
                start: (r, c),
                end: (
                    r.saturating_add((rows - 1).min(u32::MAX as usize) as u32),
                    c.saturating_add((cols - 1).min(u32::MAX as usize) as u32),
                ),
            });
        }
        Ok(())
    }

    fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .map(
                |a| match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                    Ok(v) => v.into_owned(),
                    Err(_) => a.value.into_owned(),
                },
            )
    }

    /// A repeat or span count: 1 when absent; an unparsable one is refused
    /// (calamine refuses it too).
    fn count_attr(e: &BytesStart<'_>, key: &str) -> Result<usize> {
        match attr(e, key) {
            None => Ok(1),
            Some(v) => v.trim().parse::<usize>().map(|n| n.max(1)).map_err(|_| {
                IngestError::detail(ErrorKind::Damaged, format!(".ods: {key} is {v:?}"))
            }),
        }
    }
}

/// Pre-scan of an .xls (an OLE compound file holding a BIFF stream), with
/// the reading rules calamine uses, so calamine never meets a file that makes
/// it loop or allocate without bound.
mod xls_guard {
    use super::{ErrorKind, IngestError, MAX_CELLS, Result};

    pub(super) const CFB_SIGNATURE: [u8; 8] = *b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
    const RESERVED: u32 = 0xFFFF_FFFA;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    /// calamine reserves DIMENSIONS rows x columns cells of 40 bytes.
    const MAX_DECLARED_CELLS: u64 = 2_000_000;

    fn damaged(why: &str) -> IngestError {
        IngestError::detail(ErrorKind::Damaged, format!(".xls: {why}"))
    }

    pub(super) fn check(bytes: &[u8]) -> Result<()> {
        let cfb = Cfb::open(bytes)?;
        if cfb.has("EncryptedPackage") {
            return Err(super::password_protected());
        }
        if cfb.has("WordDocument") {
            return Err(IngestError::new(ErrorKind::WordNotSpreadsheet, []));
        }
        let stream = match cfb.stream("Workbook") {
            Ok(s) => s,
            Err(_) if cfb.has("Book") => cfb.stream("Book")?,
            Err(e) if cfb.has("Workbook") => return Err(e),
            Err(_) => {
                return Err(IngestError::new(ErrorKind::NotSpreadsheet, []));
            }
        };
        check_biff(&stream)
    }

    fn u16_at(b: &[u8], at: usize) -> Option<u16> {
        b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
    }

    fn u32_at(b: &[u8], at: usize) -> Option<u32> {
        b.get(at..at + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
        b.chunks_exact(4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    struct Entry {
        name: String,
        start: u32,
        len: u64,
    }

    struct Cfb<'a> {
        bytes: &'a [u8],
        sector: usize,
        maxid: u32,
        fat: Vec<u32>,
        entries: Vec<Entry>,
        mini_fat: Vec<u32>,
        ministream: Vec<u8>,
    }

    impl<'a> Cfb<'a> {
        fn open(bytes: &'a [u8]) -> Result<Self> {
            if bytes.len() < 512 || bytes[..8] != CFB_SIGNATURE {
                return Err(damaged("truncated header"));
            }
            let version = u16_at(bytes, 26).unwrap_or(0);
            let sector = match u16_at(bytes, 30) {
                Some(9) => 512,
                Some(12) => 4096,
                _ => return Err(damaged("unknown sector size")),
            };
            if bytes.len() < sector {
                return Err(damaged("truncated header"));
            }
            let maxid = (bytes.len() / sector).min(u32::MAX as usize) as u32;
            let mut cfb = Cfb {
                bytes,
                sector,
                maxid,
                fat: Vec::new(),
                entries: Vec::new(),
                mini_fat: Vec::new(),
                ministream: Vec::new(),
            };
            let field = |at| u32_at(bytes, at).unwrap_or(ENDOFCHAIN);
            let (dir_start, mini_fat_start) = (field(48), field(60));
            let mini_fat_len = field(64) as u64;
            // The DIFAT: 109 ids in the header, then a chain of sectors whose
            // last id links to the next.
            let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
            let mut next = field(68);
            let mut steps = 0u32;
            while next < RESERVED {
                steps += 1;
                if steps > maxid.saturating_add(1) {
                    return Err(damaged("the sector allocation table loops"));
                }
                difat.extend(u32s(cfb.sector_at(next)?));
                next = difat.pop().unwrap_or(ENDOFCHAIN);
            }
            let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
            if fat_sectors.len() > maxid as usize + 1 {
                return Err(damaged("more allocation sectors than the file holds"));
            }
            for id in fat_sectors {
                let s = cfb.sector_at(id)?;
                cfb.fat.extend(u32s(s));
            }
            let dirs = cfb.chain(dir_start, u64::MAX)?;
            cfb.entries = dirs.chunks_exact(128).map(|d| entry(d, sector)).collect();
            let Some(root) = cfb.entries.first() else {
                return Err(damaged("empty directory"));
            };
            if version != 3 && root.start == ENDOFCHAIN {
                return Err(damaged("empty root directory"));
            }
            if mini_fat_len > 0 {
                let (root_start, root_len) = (root.start, root.len);
                cfb.ministream = cfb.chain(root_start, root_len)?;
                let mini_fat = cfb.chain(mini_fat_start, mini_fat_len * sector as u64)?;
                cfb.mini_fat = u32s(&mini_fat).collect();
            }
            Ok(cfb)
        }

        fn sector_at(&self, id: u32) -> Result<&'a [u8]> {
            if id > self.maxid {
                return Err(damaged("a sector lies beyond the end of the file"));
            }
            let start = (id as usize + 1) * self.sector;
            self.bytes
                .get(start..start + self.sector)
                .ok_or_else(|| damaged("truncated file"))
        }

        /// A sector chain read the way calamine reads it: up to `len` bytes
        /// or the end of the chain; a chain longer than the file loops.
        fn chain(&self, mut id: u32, len: u64) -> Result<Vec<u8>> {
            let mut out = Vec::new();
            let mut steps = 0u32;
            while id != ENDOFCHAIN {
                steps += 1;
                if steps > self.maxid.saturating_add(1) {
                    return Err(damaged("a sector chain loops"));
                }
                let s = self.sector_at(id)?;
                let take = (s.len() as u64).min(len - out.len() as u64) as usize;
                out.extend_from_slice(&s[..take]);
                if out.len() as u64 >= len {
                    break;
                }
                id = *self
                    .fat
                    .get(id as usize)
                    .ok_or_else(|| damaged("a sector chain leaves the allocation table"))?;
            }
            Ok(out)
        }

        fn mini_chain(&self, mut id: u32, len: u64) -> Result<Vec<u8>> {
            let mut out = Vec::new();
            let mut steps = 0usize;
            while id != ENDOFCHAIN {
                steps += 1;
                if steps > self.ministream.len() / 64 + 1 {
                    return Err(damaged("a mini-sector chain loops"));
                }
                let start = id as usize * 64;
                let s = self
                    .ministream
                    .get(start..start + 64)
                    .ok_or_else(|| damaged("a mini-sector lies beyond the mini stream"))?;
                let take = (s.len() as u64).min(len - out.len() as u64) as usize;
                out.extend_from_slice(&s[..take]);
                if out.len() as u64 >= len {
                    break;
                }
                id = *self
                    .mini_fat
                    .get(id as usize)
                    .ok_or_else(|| damaged("a mini-sector chain leaves its table"))?;
            }
            Ok(out)
        }

        fn find(&self, name: &str) -> Option<&Entry> {
            self.entries
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(name))
        }

        fn has(&self, name: &str) -> bool {
            self.find(name).is_some()
        }

        fn stream(&self, name: &str) -> Result<Vec<u8>> {
            let e = self
                .find(name)
                .ok_or_else(|| damaged(&format!("no {name} stream")))?;
            if e.len < 4096 {
                self.mini_chain(e.start, e.len)
            } else {
                self.chain(e.start, e.len)
            }
        }
    }

    fn entry(d: &[u8], sector: usize) -> Entry {
        let units: Vec<u16> = d[..64]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let mut name = String::from_utf16_lossy(&units);
        if let Some(nul) = name.find('\0') {
            name.truncate(nul);
        }
        let start = u32_at(d, 116).unwrap_or(ENDOFCHAIN);
        let len = if sector == 512 {
            u32_at(d, 120).unwrap_or(0) as u64
        } else {
            d.get(120..128)
                .map(|s| u64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]))
                .unwrap_or(0)
        };
        Entry { name, start, len }
    }

    /// BIFF records as calamine iterates them: CONTINUE records folded into
    /// the record before them; iteration ends at the first malformed record
    /// (where calamine stops with an error).
    struct Records<'a> {
        s: &'a [u8],
    }

    impl<'a> Iterator for Records<'a> {
        type Item = (u16, &'a [u8]);
        fn next(&mut self) -> Option<Self::Item> {
            let typ = u16_at(self.s, 0)?;
            let len = u16_at(self.s, 2)? as usize;
            let data = self.s.get(4..4 + len)?;
            self.s = &self.s[4 + len..];
            while self.s.len() > 4 && u16_at(self.s, 0) == Some(0x003C) {
                let len = u16_at(self.s, 2)? as usize;
                self.s = self.s.get(4 + len..)?;
            }
            Some((typ, data))
        }
    }

    /// The cell extent of every sheet, as calamine will size it.
    fn check_biff(stream: &[u8]) -> Result<()> {
        let mut sheet_offsets = Vec::new();
        for (typ, data) in (Records { s: stream }) {
            match typ {
                0x002F if u16_at(data, 0).is_some_and(|v| v != 0) => {
                    return Err(super::password_protected());
                }
                0x0085 => sheet_offsets.extend(u32_at(data, 0)),
                0x000A => break,
                _ => {}
            }
        }
        let mut area_total: u64 = 0;
        for pos in sheet_offsets {
            let Some(sheet) = stream.get(pos as usize..) else {
                continue;
            };
            let extent = sheet_extent(sheet)?;
            area_total = area_total.saturating_add(extent.area());
            if extent.cells > MAX_CELLS as u64 || area_total > MAX_CELLS as u64 {
                return Err(IngestError::detail(
                    ErrorKind::OverLimit,
                    format!(
                        "a sheet spans {} x {} cells (up to {}), more than the {MAX_CELLS} we read",
                        extent.rows(),
                        extent.cols(),
                        extent.last_ref()
                    ),
                ));
            }
        }
        Ok(())
    }

    #[derive(Default)]
    struct Extent {
        cells: u64,
        bounds: Option<((u32, u32), (u32, u32))>,
    }

    impl Extent {
        fn add(&mut self, row: u32, col: u32) {
            self.cells += 1;
            self.bounds = Some(match self.bounds {
                None => ((row, col), (row, col)),
                Some(((r0, c0), (r1, c1))) => {
                    ((r0.min(row), c0.min(col)), (r1.max(row), c1.max(col)))
                }
            });
        }
        fn rows(&self) -> u64 {
            self.bounds
                .map_or(0, |((r0, _), (r1, _))| (r1 - r0) as u64 + 1)
        }
        fn cols(&self) -> u64 {
            self.bounds
                .map_or(0, |((_, c0), (_, c1))| (c1 - c0) as u64 + 1)
        }
        fn area(&self) -> u64 {
            self.rows() * self.cols()
        }
        fn last_ref(&self) -> String {
            self.bounds
                .map_or_else(String::new, |(_, (r, c))| crate::source::cell_ref(r, c))
        }
    }

    fn sheet_extent(sheet: &[u8]) -> Result<Extent> {
        let mut extent = Extent::default();
        let mut seen_bof = false;
        let mut depth = 0usize;
        for (typ, data) in (Records { s: sheet }) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = |i: usize| u16_at(data, i).map(u32::from);
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                0x0200 => check_dimensions(data)?,
                // Number, Label, RString, BoolErr, RK, LabelSst, Formula
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    if let (Some(r), Some(c)) = (at(0), at(2)) {
                        extent.add(r, c);
                    }
                }
                // MulRk: one row, a run of columns
                0x00BD => {
                    let last = data.len().checked_sub(2).and_then(at);
                    if let (Some(r), Some(first), Some(last)) = (at(0), at(2), last)
                        && first <= last
                    {
                        extent.add(r, first);
                        extent.add(r, last);
                        extent.cells += (last - first).saturating_sub(1) as u64;
                    }
                }
                _ => {}
            }
        }
        Ok(extent)
    }

    /// calamine reserves (last row - first row + 1) x (last col - first col
    /// + 1) cells from this record, with unchecked arithmetic.
    fn check_dimensions(r: &[u8]) -> Result<()> {
        let (rf, rl, mut cf, cl) = match r.len() {
            10 => (
                u16_at(r, 0).unwrap_or(0) as u32,
                u16_at(r, 2).unwrap_or(0) as u32,
                u16_at(r, 4).unwrap_or(0) as u32,
                u16_at(r, 6).unwrap_or(0) as u32,
            ),
            14 | 16 => (
                u32_at(r, 0).unwrap_or(0),
                u32_at(r, 4).unwrap_or(0),
                u16_at(r, 8).unwrap_or(0) as u32,
                u16_at(r, 10).unwrap_or(0) as u32,
            ),
            _ => return Ok(()), // calamine refuses the record itself
        };
        if 0xFF < cf || cl < cf {
            cf = 0;
        }
        let ((r0, c0), (r1, c1)) = if rl >= 1 && cl >= 1 {
            ((rf, cf), (rl - 1, cl - 1))
        } else {
            ((rf, cf), (rf, cf))
        };
        let declared = match (r1.checked_sub(r0), c1.checked_sub(c0)) {
            (Some(rows), Some(cols)) => (rows as u64 + 1) * (cols as u64 + 1),
            _ => u64::MAX,
        };
        if declared > MAX_DECLARED_CELLS {
            return Err(IngestError::detail(
                ErrorKind::OverLimit,
                format!("a sheet declares an absurd size (rows {rf}..{rl}, columns {cf}..{cl})"),
            ));
        }
        Ok(())
    }
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
