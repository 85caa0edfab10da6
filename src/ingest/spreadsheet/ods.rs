//! .ods: OpenDocument spreadsheets, read here by streaming `content.xml`
//! rather than through calamine. calamine fills every row and column
//! between the first and the last filled cell, so one stray "." in B200000
//! costs 1.4 million cells and one at XFD1048576 sinks the whole file; here
//! empty cells and rows, repeated or not, cost nothing, and only filled
//! cells (a repeated filled cell counts once per repeat) are counted against
//! [`MAX_CELLS`], before any repeat is expanded. The same pass finds the
//! merged regions, which calamine does not report for .ods. Values go
//! through calamine's `Data` and [`to_cell`] so that .ods cells read as
//! they did; dates come as ISO text, so no serials and no epoch.

use super::{
    Dimensions, ErrorKind, Full, Grid, IngestError, MAX_CELLS, MAX_MERGES, Result, SheetProblem,
    SheetWarning, Workbook, password_protected, to_cell, workbook, zipcap,
};
use crate::ingest::Cell;
use calamine::{Data, SheetType, SheetVisible};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::QName;
use regex::Regex;
use std::sync::LazyLock;

/// The grid an .ods table can address (calamine's caps, and LibreOffice's).
const ODS_MAX_ROWS: usize = 1_048_576;
const ODS_MAX_COLS: usize = 16_384;
/// Spaces one `<text:s text:c="...">` may stand for: they are collapsed
/// when read anyway, and a count of a billion must not allocate.
const MAX_SPACE_RUN: usize = 1_024;

pub(super) fn read_ods(mut archive: zipcap::Archive<'_>, display: &str) -> Result<Workbook> {
    if is_encrypted(&mut archive)? {
        return Err(password_protected());
    }
    let content = archive.read_required("content.xml")?;
    let tables = read_content(&content)?;
    drop(content);
    let metas: Vec<calamine::Sheet> = tables
        .iter()
        .map(|t| calamine::Sheet {
            name: t.name.clone(),
            typ: SheetType::WorkSheet,
            visible: match t.hidden {
                true => SheetVisible::Hidden,
                false => SheetVisible::Visible,
            },
        })
        .collect();
    let mut tables = tables.into_iter();
    Ok(workbook(display, &metas, |meta, budget, warnings| {
        let Some(table) = tables.next() else {
            return Ok(None);
        };
        let mut grid = Grid::new();
        for (pos, cell) in table.cells {
            if let Err(Full) = grid.push(pos, cell, budget) {
                let limit = MAX_CELLS.to_string();
                return Err(SheetWarning::new(
                    SheetProblem::TooManyCells,
                    &meta.name,
                    [limit],
                ));
            }
        }
        // .ods stores dates as ISO text: no serials, no epoch.
        Ok(grid.into_sheet(&meta.name, table.merges, false, budget, warnings))
    }))
}

/// A password-protected .ods keeps a readable manifest that lists how each
/// part is encrypted; its `content.xml` is then no XML at all.
fn is_encrypted(archive: &mut zipcap::Archive<'_>) -> Result<bool> {
    let manifest = archive.read("META-INF/manifest.xml")?.unwrap_or_default();
    Ok(manifest
        .windows(b"manifest:encryption-data".len())
        .any(|w| w == b"manifest:encryption-data"))
}

// ------------------------------------------------------------ content.xml

/// One `table:table`: its filled cells at their absolute positions, and its
/// merged regions.
struct Table {
    name: String,
    /// Its style hides it (`table:display="false"`).
    hidden: bool,
    cells: Vec<((u32, u32), Cell)>,
    merges: Vec<Dimensions>,
}

/// A run of equal filled cells in one row: first column, count, value.
type Run = (usize, usize, Cell);

fn read_content(content: &[u8]) -> Result<Vec<Table>> {
    let mut reader = quick_xml::Reader::from_reader(content);
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut tables = Vec::new();
    // Filled cells of the whole workbook, repeats expanded.
    let mut filled = 0usize;
    // The automatic table styles that hide a sheet, and the one being read.
    let mut hiding: Vec<String> = Vec::new();
    let mut table_style: Option<String> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "style:style" => {
                table_style = (attr(&e, "style:family").as_deref() == Some("table"))
                    .then(|| attr(&e, "style:name"))
                    .flatten();
            }
            Ok(Event::Start(e))
                if e.name().as_ref() == "style:table-properties"
                    && attr(&e, "table:display").as_deref() == Some("false") =>
            {
                hiding.extend(table_style.take());
            }
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table" => {
                let name = attr(&e, "table:name").unwrap_or_default();
                let hidden = attr(&e, "table:style-name").is_some_and(|s| hiding.contains(&s));
                buf.clear();
                let mut table = read_table(&mut reader, &mut buf, name, &mut filled)?;
                table.hidden = hidden;
                tables.push(table);
            }
            Ok(Event::Eof) => return Ok(tables),
            Ok(_) => {}
            Err(e) => return Err(xml_error(e)),
        }
        buf.clear();
    }
}

fn read_table(
    reader: &mut quick_xml::Reader<&[u8]>,
    buf: &mut Vec<u8>,
    name: String,
    filled: &mut usize,
) -> Result<Table> {
    let mut table = Table {
        name,
        hidden: false,
        cells: Vec::new(),
        merges: Vec::new(),
    };
    let mut row = 0usize;
    loop {
        match reader.read_event_into(buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table-row" => {
                let repeats = count_attr(&e, "table:number-rows-repeated")?
                    .min(ODS_MAX_ROWS.saturating_sub(row));
                buf.clear();
                let runs = read_row(reader, buf, row, &mut table.merges)?;
                let per_row: usize = runs.iter().map(|(_, n, _)| n).sum();
                *filled = filled.saturating_add(per_row.saturating_mul(repeats));
                if *filled > MAX_CELLS {
                    return Err(IngestError::detail(
                        ErrorKind::OverLimit,
                        format!(
                            "sheet '{}' repeats filled cells into more than {MAX_CELLS} cells",
                            table.name
                        ),
                    ));
                }
                for r in row..row + repeats {
                    for (first, n, cell) in &runs {
                        for c in *first..first + n {
                            table.cells.push(((r as u32, c as u32), cell.clone()));
                        }
                    }
                }
                row += repeats;
            }
            Ok(Event::End(e)) if e.name().as_ref() == "table:table" => return Ok(table),
            // A sheet that never closes is a truncated file (calamine spins
            // forever on one).
            Ok(Event::Eof) => return Err(ends_inside_a_sheet()),
            Ok(_) => {}
            Err(e) => return Err(xml_error(e)),
        }
        buf.clear();
    }
}

/// The filled cells of one row, as runs; empty cells only move the column.
fn read_row(
    reader: &mut quick_xml::Reader<&[u8]>,
    buf: &mut Vec<u8>,
    row: usize,
    merges: &mut Vec<Dimensions>,
) -> Result<Vec<Run>> {
    let mut col = 0usize;
    let mut runs = Vec::new();
    loop {
        match reader.read_event_into(buf) {
            Ok(Event::Start(e))
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let repeats =
                    count_attr(&e, "table:number-columns-repeated")?.min(ODS_MAX_COLS - col);
                note_merge(&e, row, col, merges)?;
                let e = e.into_owned();
                buf.clear();
                let cell = read_cell(reader, buf, &e)?;
                if repeats > 0 && !cell.is_empty() {
                    runs.push((col, repeats, cell));
                }
                col += repeats;
            }
            Ok(Event::End(e)) if e.name().as_ref() == "table:table-row" => return Ok(runs),
            Ok(Event::Eof) => return Err(ends_inside_a_sheet()),
            Ok(_) => {}
            Err(e) => return Err(xml_error(e)),
        }
        buf.clear();
    }
}

/// A cell's value, as calamine reads it: the first value attribute, or for
/// a string (and LibreOffice's error text) the cell's paragraphs. Reads
/// to the end of the cell.
fn read_cell(
    reader: &mut quick_xml::Reader<&[u8]>,
    buf: &mut Vec<u8>,
    e: &BytesStart<'_>,
) -> Result<Cell> {
    let mut value: Option<Data> = None;
    let mut is_string = false;
    // No value type at all: the cell shows its paragraphs (LibreOffice
    // does), as other generators write text.
    let mut typed = false;
    let mut is_error = false;
    for a in e.attributes().flatten() {
        let key = a.key.as_ref();
        match key {
            "office:value" if value.is_none() => value = Some(Data::Float(number(&a.value)?)),
            "office:string-value" | "office:date-value" | "office:time-value"
                if value.is_none() =>
            {
                let text = decoded(&a);
                value = Some(match key {
                    "office:date-value" => Data::DateTimeIso(text),
                    "office:time-value" => Data::DurationIso(text),
                    _ => Data::String(text),
                });
            }
            "office:boolean-value" if value.is_none() => {
                value = Some(Data::Bool(matches!(&*a.value, "TRUE" | "true")));
            }
            "office:value-type" if value.is_none() => {
                typed = true;
                is_string = &*a.value == "string";
            }
            "calcext:value-type" => is_error = &*a.value == "error",
            _ => {}
        }
    }
    let text_inside = match &value {
        None => is_string || !typed,
        Some(Data::String(s)) => is_error && s.is_empty(),
        Some(_) => false,
    };
    if text_inside {
        let text = cell_text(reader, buf, e.name())?;
        // An untyped cell without text is an empty one: nothing to count.
        value = (typed || !text.is_empty()).then_some(Data::String(text));
    } else {
        reader.read_to_end_into(e.name(), buf).map_err(xml_error)?;
    }
    Ok(to_cell(value.unwrap_or(Data::Empty), false))
}

/// The text of a cell's paragraphs, one line each; notes attached to the
/// cell (`office:annotation`) are not its value, nor is the text of a shape
/// or text box anchored in it (`draw:...`), which floats over the sheet.
fn cell_text(
    reader: &mut quick_xml::Reader<&[u8]>,
    buf: &mut Vec<u8>,
    cell: QName<'_>,
) -> Result<String> {
    let mut text = String::new();
    let mut paragraphs = 0usize;
    let mut depth = 0usize;
    loop {
        buf.clear();
        match reader.read_event_into(buf) {
            Ok(Event::Start(e)) => match e.name().as_ref() {
                name if name == "office:annotation" || name.starts_with("draw:") => {
                    let end = e.name().as_ref().to_string();
                    reader
                        .read_to_end_into(QName(&end), &mut Vec::new())
                        .map_err(xml_error)?;
                }
                name => {
                    depth += 1;
                    match name {
                        "text:p" => {
                            if paragraphs > 0 {
                                text.push('\n');
                            }
                            paragraphs += 1;
                        }
                        "text:s" => {
                            let n = count_attr(&e, "text:c")?.min(MAX_SPACE_RUN);
                            text.extend(std::iter::repeat_n(' ', n));
                        }
                        "text:tab" => text.push('\t'),
                        "text:line-break" => text.push('\n'),
                        _ => {}
                    }
                }
            },
            Ok(Event::End(e)) => {
                if depth == 0 && e.name() == cell {
                    return Ok(text);
                }
                depth = depth.saturating_sub(1);
            }
            Ok(Event::Text(t)) => text.push_str(&t.xml10_content()),
            Ok(Event::CData(t)) => text.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => text.push_str(&reference(&r)),
            Ok(Event::Eof) => return Err(ends_inside_a_sheet()),
            Ok(_) => {}
            Err(e) => return Err(xml_error(e)),
        }
    }
}

/// A reference (`&amp;`, `&#x1EA1;`) in a cell's text; an undeclared
/// entity is never expanded and stays as written.
fn reference(r: &BytesRef<'_>) -> String {
    let name: &str = r.as_ref();
    match name {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "apos" => "'".into(),
        "quot" => "\"".into(),
        other => match r.resolve_char_ref() {
            Ok(Some(c)) => c.to_string(),
            Ok(None) => format!("&{other};"),
            Err(_) => String::new(),
        },
    }
}

/// `office:value`: only plain decimals, as LibreOffice writes them; a file
/// holding anything else there was not written by a spreadsheet program.
fn number(v: &str) -> Result<f64> {
    static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$").expect("valid regex")
    });
    NUMBER
        .is_match(v)
        .then(|| v.parse::<f64>().ok())
        .flatten()
        .ok_or_else(|| {
            IngestError::detail(
                ErrorKind::Damaged,
                format!(".ods: a cell holds the number {v:?}"),
            )
        })
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

fn decoded(a: &quick_xml::events::attributes::Attribute<'_>) -> String {
    match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
        Ok(v) => v.into_owned(),
        Err(_) => a.value.clone().into_owned(),
    }
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| decoded(&a))
}

/// A repeat or span count: 1 when absent; an unparsable one is refused
/// (calamine refuses it too).
fn count_attr(e: &BytesStart<'_>, key: &str) -> Result<usize> {
    match attr(e, key) {
        None => Ok(1),
        Some(v) => {
            v.trim().parse::<usize>().map(|n| n.max(1)).map_err(|_| {
                IngestError::detail(ErrorKind::Damaged, format!(".ods: {key} is {v:?}"))
            })
        }
    }
}

fn ends_inside_a_sheet() -> IngestError {
    IngestError::detail(ErrorKind::Damaged, ".ods: content.xml ends inside a sheet")
}

fn xml_error(e: impl std::fmt::Display) -> IngestError {
    IngestError::detail(
        ErrorKind::Damaged,
        format!(".ods content.xml: {}", super::one_line(e)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cells of the first table of a `content.xml` body, as text.
    fn cells(body: &str) -> Vec<((u32, u32), String)> {
        let xml = format!(
            "<office:document-content><office:body><office:spreadsheet>{body}\
             </office:spreadsheet></office:body></office:document-content>"
        );
        let tables = read_content(xml.as_bytes()).unwrap();
        tables[0]
            .cells
            .iter()
            .map(|(pos, cell)| (*pos, cell.text()))
            .collect()
    }

    #[test]
    fn untyped_cells_show_their_text_and_shapes_are_not_cell_text() {
        let got = cells(concat!(
            "<table:table table:name=\"S\"><table:table-row>",
            "<table:table-cell><text:p>Không Kiểu</text:p></table:table-cell>",
            "<table:table-cell/>",
            "<table:table-cell office:value-type=\"string\">",
            "<draw:frame><draw:text-box><text:p>HÌNH</text:p></draw:text-box></draw:frame>",
            "<text:p>Nguyễn Văn An</text:p></table:table-cell>",
            "<table:table-cell table:number-columns-repeated=\"16000\"/>",
            "</table:table-row></table:table>"
        ));
        assert_eq!(
            got,
            [
                ((0, 0), "Không Kiểu".to_string()),
                ((0, 2), "Nguyễn Văn An".to_string())
            ]
        );
    }

    #[test]
    fn a_sheet_whose_style_does_not_display_it_is_hidden() {
        let xml = concat!(
            "<office:document-content><office:automatic-styles>",
            "<style:style style:name=\"ta1\" style:family=\"table\">",
            "<style:table-properties table:display=\"true\"/></style:style>",
            "<style:style style:name=\"ta2\" style:family=\"table\">",
            "<style:table-properties table:display=\"false\"/></style:style>",
            "</office:automatic-styles><office:body><office:spreadsheet>",
            "<table:table table:name=\"A\" table:style-name=\"ta1\"/>",
            "<table:table table:name=\"B\" table:style-name=\"ta2\"/>",
            "</office:spreadsheet></office:body></office:document-content>"
        );
        let tables = read_content(xml.as_bytes()).unwrap();
        let hidden: Vec<(&str, bool)> =
            tables.iter().map(|t| (t.name.as_str(), t.hidden)).collect();
        assert_eq!(hidden, [("A", false), ("B", true)]);
    }
}
