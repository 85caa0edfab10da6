//! .ods: OpenDocument spreadsheets, read with calamine after a pre-scan of
//! `content.xml` ([`pre_scan`]) with calamine's own expansion rules: its
//! repeat counts would otherwise expand into up to 100 million cells. The
//! pre-scan also finds the merged regions, which calamine does not report
//! for .ods. Dates come as ISO text, so no serials and no epoch.

use super::{
    Dimensions, ErrorKind, IngestError, MAX_CELLS, MAX_MERGES, Result, SheetProblem, SheetWarning,
    Workbook, one_line, password_protected, range_to_sheet, workbook, zipcap,
};
use calamine::{Ods, Reader};
use quick_xml::events::{BytesStart, Event};
use regex::Regex;
use std::io::Cursor;
use std::sync::LazyLock;

pub(super) fn read_ods(
    bytes: &[u8],
    mut archive: zipcap::Archive<'_>,
    display: &str,
) -> Result<Workbook> {
    let content = archive.read_required("content.xml")?;
    let merges = pre_scan(&content)?;
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

// ------------------------------------------------------------ pre-scan

/// calamine's caps on one table.
const ODS_MAX_ROWS: usize = 1_048_576;
const ODS_MAX_COLS: usize = 16_384;

/// Merged regions per table name (calamine does not report them for .ods).
type Merges = Vec<(String, Vec<Dimensions>)>;

/// Refuses content that calamine would expand past [`MAX_CELLS`] (it
/// allows 100 million, several gigabytes) or whose numbers calamine's
/// parser might choke on; returns the merged regions.
fn pre_scan(content: &[u8]) -> Result<Merges> {
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
                        format!("sheet '{name}' repeats cells into more than {MAX_CELLS} cells"),
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
        Some(v) => {
            v.trim().parse::<usize>().map(|n| n.max(1)).map_err(|_| {
                IngestError::detail(ErrorKind::Damaged, format!(".ods: {key} is {v:?}"))
            })
        }
    }
}
