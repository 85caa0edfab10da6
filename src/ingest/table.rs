//! Finding the list (or roster) table in a sheet: title rows, the header
//! row(s), the people, and the footer.
//!
//! The header is the first row, among the first `HEADER_SCAN_ROWS`, whose
//! cells name at least two known columns, one of them the name (aliases
//! come from the rule file's vocabulary). A second header row is read when it
//! holds sub-labels, typically "Ngày sinh" merged over "Nam" | "Nữ".
//! A data row is a person when it has a numeric STT and a name (domain.md
//! decision 11); without an STT column, when it has a name, some other
//! value, and no footer has started. Everything else below the header is a
//! group row, a numbering row, a totals row or the signature block.

use super::{Cell, Merge, Sheet, SheetProblem, SheetWarning, Workbook};
use crate::date::Date;
use crate::source::{Source, cell_ref};
use crate::text::{clean, fold_words};
use crate::vocab::{Vocabulary, starts_with_words};
use litemap::LiteMap;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::LazyLock;

/// How far down a sheet the header may be.
const HEADER_SCAN_ROWS: u32 = 40;
/// Excel's column count: a header never spans more.
const MAX_HEADER_COLS: u32 = 16_384;
/// Merged data cells resolved per sheet; a sheet of absurd merges gets no
/// more (its merged values are then read from their first cell only).
const MAX_COVERED_CELLS: usize = 200_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SheetTable {
    /// Display path of the file.
    pub file: String,
    pub sheet: String,
    /// First and last header row, 0-based (equal for a one-row header).
    pub header_rows: (u32, u32),
    /// Recognised columns in column order; one column per field (the first
    /// one when a field appears twice).
    pub columns: Vec<Column>,
    /// Non-empty rows above the header, one line per row: the distinct cell
    /// texts joined with " ", cleaned; the source is the row's first cell.
    pub title_lines: Vec<(String, Source)>,
    pub records: Vec<Record>,
    /// Non-empty rows after the last person: totals, place-date line,
    /// signature block, signer's name.
    pub footer_lines: Vec<(String, Source)>,
    /// Rows told about but not read as people (a name without an STT),
    /// each naming its sheet, row and cell: no person's warning, as no
    /// person's row.
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Vocabulary field (`name`, `birth_date`, `birth_male`, ...).
    pub field: String,
    pub col: u32,
    /// The header as written, cleaned; "Ngày sinh / Nam" for a sub-label.
    pub header: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// 0-based sheet row.
    pub row: u32,
    /// Non-empty values by field. A Nam/Nữ pair of columns is replaced by
    /// `birth_date` and `sex` ("Nam" or "Nữ"); `birth_male` and
    /// `birth_female` never appear here.
    pub fields: LiteMap<String, FieldValue>,
    /// Problems with this row, in Vietnamese (users read them).
    pub warnings: Vec<String>,
}

/// The fields matching and the verdict's heading read; a slimmed record
/// ([`crate::ingest::file::SlimRecord`]) keeps only these.
pub const MATCHING_FIELDS: [&str; 3] = ["name", "birth_date", "unit"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldValue {
    /// The cell as a clerk reads it, cleaned (NFC, whitespace collapsed,
    /// case kept).
    pub text: String,
    /// For date fields (`birth_date`, `*_date`, the Nam/Nữ pair): the date,
    /// when the cell holds one.
    pub date: Option<Date>,
    /// The cell the value comes from: the first cell of a merged region.
    pub source: Source,
}

impl Record {
    pub fn get(&self, field: &str) -> Option<&FieldValue> {
        self.fields.get(field)
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(|v| v.text.as_str())
    }
}

/// The table of every sheet that has a header (sheets without one are
/// absent), and the hidden sheets with one, told.
///
/// A clerk reads the sheets a workbook shows: a hidden sheet is most often
/// an old copy of the list or a draft, and read beside the real one it
/// would give people who are no longer on it a verdict (rejected, without
/// a dossier). So hidden sheets are passed over when a visible one holds a
/// table; when none does, the list was hidden by mistake and is read.
/// Either way it is said.
pub fn read_tables(wb: &Workbook, vocab: &Vocabulary) -> (Vec<SheetTable>, Vec<SheetWarning>) {
    let found: Vec<(bool, SheetTable)> = wb
        .sheets
        .iter()
        .filter_map(|sheet| Some((sheet.hidden, find_table(sheet, &wb.path, vocab)?)))
        .collect();
    let visible = found.iter().any(|(hidden, _)| !hidden);
    let mut told = Vec::new();
    let mut tables = Vec::with_capacity(found.len());
    for (hidden, table) in found {
        if hidden {
            let problem = match visible {
                true => SheetProblem::HiddenPassedOver,
                false => SheetProblem::HiddenRead,
            };
            told.push(SheetWarning::new(problem, &table.sheet, []));
        }
        if !hidden || !visible {
            tables.push(table);
        }
    }
    (tables, told)
}

pub fn find_table(sheet: &Sheet, file: &str, vocab: &Vocabulary) -> Option<SheetTable> {
    let merged = Covered::new(&sheet.merges);
    let names = ColumnNames::new(vocab);
    let header = find_header(sheet, &names)?;
    let layout = Layout::new(sheet, &merged, &names, header)?;
    let reader = RowReader {
        sheet,
        vocab,
        file: file.into(),
        sheet_name: sheet.name.as_str().into(),
        merged: &merged,
        layout: &layout,
    };
    let mut records = Vec::new();
    let mut after_last: Vec<(String, Source)> = Vec::new();
    let mut footer_started = false;
    // Rows that look like a person but have no STT, before the footer.
    let mut unnumbered: Vec<String> = Vec::new();
    let mut footer_seen = false;
    for row in layout.header_rows.1 + 1..sheet.rows.len() as u32 {
        let is_empty = sheet
            .rows
            .get(row as usize)
            .is_none_or(|cells| cells.iter().all(Cell::is_empty));
        if is_empty {
            continue;
        }
        // With an STT column the STT decides; without one, a footer line
        // (signature block, totals) ends the people.
        let footer_like = layout.stt.is_none()
            && row_line(sheet, file, row).is_some_and(|(line, _)| looks_like_footer(&line));
        if !footer_started && let Some(record) = reader.person(row, footer_like) {
            records.push(record);
            after_last.clear();
            continue;
        }
        footer_started |= footer_like && !records.is_empty();
        let line = row_line(sheet, file, row);
        footer_seen |= !records.is_empty()
            && line
                .as_ref()
                .is_some_and(|(line, _)| looks_like_footer(line));
        if !footer_seen && let Some(warning) = reader.unnumbered_person(row) {
            unnumbered.push(warning);
        }
        after_last.extend(line);
    }
    let title_lines = (0..layout.header_rows.0)
        .filter_map(|row| row_line(sheet, file, row))
        .collect();
    Some(SheetTable {
        file: file.to_string(),
        sheet: sheet.name.clone(),
        header_rows: layout.header_rows,
        columns: layout.columns,
        title_lines,
        records,
        footer_lines: after_last,
        warnings: unnumbered,
    })
}

/// Cells covered by a merged region (other than its first cell), mapped to
/// that first cell.
struct Covered {
    origin: HashMap<(u32, u32), Merge>,
}

impl Covered {
    fn new(merges: &[Merge]) -> Self {
        let mut origin = HashMap::new();
        // Counted per cell visited, not per cell stored: overlapping merges
        // would otherwise revisit the same cells without end.
        let mut visits = 0usize;
        'merges: for m in merges {
            for r in m.first_row..=m.last_row {
                for c in m.first_col..=m.last_col {
                    visits += 1;
                    if visits > MAX_COVERED_CELLS {
                        break 'merges;
                    }
                    if (r, c) != (m.first_row, m.first_col) {
                        origin.entry((r, c)).or_insert(*m);
                    }
                }
            }
        }
        Covered { origin }
    }

    fn merge_at(&self, row: u32, col: u32) -> Option<&Merge> {
        self.origin.get(&(row, col))
    }
}

/// The text of a cell, cleaned ([`Cell::text`] cleans).
fn text_at(sheet: &Sheet, row: u32, col: u32) -> String {
    sheet.cell(row, col).text()
}

fn row_width(sheet: &Sheet, row: u32) -> u32 {
    sheet.rows.get(row as usize).map_or(0, |r| r.len() as u32)
}

/// A non-empty row as one line: distinct cell texts in column order.
fn row_line(sheet: &Sheet, file: &str, row: u32) -> Option<(String, Source)> {
    let mut texts: Vec<String> = Vec::new();
    let mut first = None;
    for col in 0..row_width(sheet, row) {
        let t = text_at(sheet, row, col);
        if t.is_empty() {
            continue;
        }
        first.get_or_insert(col);
        if !texts.contains(&t) {
            texts.push(t);
        }
    }
    let col = first?;
    Some((
        texts.join(" "),
        Source::cell(file, sheet.name.as_str(), row, col),
    ))
}

/// The vocabulary's column names as header cells write them: exactly, or
/// with a note in parentheses ("Họ và tên (viết chữ in hoa có dấu)"); and
/// the columns of [`BY_START`] also followed by more words ("Họ và tên
/// người đề nghị", "Đơn vị công tác hiện nay"), when no column of the row
/// is named so exactly.
///
/// Only those, and only then: more words after a column's name often make
/// it another column ("Ngày sinh của con", "Ngày sinh hoạt Đảng", "Ngày
/// kết nạp Đoàn", "Xếp loại đảng viên năm 2020", "Họ tên cha/mẹ" left of
/// "Họ và tên"); a date, a score or a grade read from such a column would
/// be wrong, a text (a unit, a position) only worded otherwise, and a list
/// without its name column is no list at all.
struct ColumnNames<'v> {
    vocab: &'v Vocabulary,
    /// Names of two words or more, folded, longest first. One word is too
    /// little to go on: "Nam" folds like "Năm", so "Năm vào Đảng" would be
    /// the men's birth dates.
    phrases: Vec<(String, &'v str)>,
}

impl<'v> ColumnNames<'v> {
    fn new(vocab: &'v Vocabulary) -> Self {
        let mut phrases: Vec<(String, &'v str)> = vocab
            .columns
            .iter()
            .flat_map(|(field, aliases)| {
                aliases.iter().map(move |a| (fold_words(a), field.as_str()))
            })
            .filter(|(folded, _)| folded.contains(' '))
            .collect();
        phrases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        ColumnNames { vocab, phrases }
    }

    /// The field a header cell names, written exactly or with a note; a
    /// birth-date column noted "(Nam)" or "(Nữ)" is that sex's (the
    /// columns of a list that writes each birth date under its sex).
    fn field(&self, header: &str) -> Option<&'v str> {
        if let Some(field) = self.vocab.column_field(header) {
            return Some(field);
        }
        let field = self.vocab.column_field(&without_notes(header))?;
        let noted = header
            .split_once('(')
            .and_then(|(_, note)| note.split_once(')'))
            .and_then(|(note, _)| self.vocab.column_field(note));
        match noted {
            Some(sex @ ("birth_male" | "birth_female")) if field == "birth_date" => Some(sex),
            _ => Some(field),
        }
    }

    /// The field of [`BY_START`] whose name (the longest) starts the
    /// header, followed by words that name no other field ("Họ và tên,
    /// chức vụ" is no column of either).
    fn field_by_start(&self, header: &str) -> Option<&'v str> {
        let folded = fold_words(&without_notes(header));
        let (name, field) = self
            .phrases
            .iter()
            .find(|(name, _)| starts_with_words(&folded, name))?;
        let rest = folded[name.len()..].trim_start();
        let word_starts = std::iter::once(0).chain(rest.match_indices(' ').map(|(i, _)| i + 1));
        let names_another = word_starts.into_iter().any(|i| {
            self.phrases
                .iter()
                .any(|(other, f)| f != field && starts_with_words(&rest[i..], other))
        });
        (BY_START.contains(field) && !names_another).then_some(*field)
    }

    /// Completes the `fields` a header row's `labels` name as written with
    /// those named by their start, each for a field no label of the row
    /// names yet (the first such label).
    fn add_fields_by_start(&self, fields: &mut [Option<&'v str>], labels: &[String]) {
        for (col, label) in labels.iter().enumerate() {
            if fields[col].is_some() {
                continue;
            }
            if let Some(field) = self.field_by_start(label)
                && !fields.contains(&Some(field))
            {
                fields[col] = Some(field);
            }
        }
    }
}

/// The fields whose column may be headed by its name and more words.
const BY_START: [&str; 3] = ["name", "unit", "position"];

/// A header cell without its notes in parentheses.
fn without_notes(header: &str) -> String {
    let mut depth = 0usize;
    header
        .chars()
        .filter(|c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

/// Headers of a name split in two columns on one header row ("Họ" | "Tên",
/// "Họ và tên đệm" | "Tên"), folded. The vocabulary names whole columns
/// only, so the two halves of one are named here.
const SURNAME_HEADERS: [&str; 6] = [
    "ho",
    "ho dem",
    "ho va dem",
    "ho va ten dem",
    "ho ten dem",
    "ho lot",
];
const GIVEN_NAME_HEADER: &str = "ten";

/// Whether `first` and `second` head the two halves of a split name.
fn is_split_name(first: &str, second: &str) -> bool {
    SURNAME_HEADERS.contains(&fold_words(first).as_str()) && fold_words(second) == GIVEN_NAME_HEADER
}

/// The fields a header row names, as (column, field, header text); both
/// halves of a split name are `name`.
fn header_cells<'v>(
    sheet: &Sheet,
    row: u32,
    names: &ColumnNames<'v>,
) -> Vec<(u32, &'v str, String)> {
    let texts: Vec<String> = (0..row_width(sheet, row))
        .map(|col| text_at(sheet, row, col))
        .collect();
    let split_half = |col: usize| {
        let pair = |a: usize| texts.get(a).zip(texts.get(a + 1));
        pair(col).is_some_and(|(a, b)| is_split_name(a, b))
            || col
                .checked_sub(1)
                .and_then(pair)
                .is_some_and(|(a, b)| is_split_name(a, b))
    };
    let mut fields: Vec<Option<&'v str>> = texts.iter().map(|t| names.field(t)).collect();
    names.add_fields_by_start(&mut fields, &texts);
    texts
        .iter()
        .enumerate()
        .filter_map(|(col, text)| {
            let field = fields[col].or_else(|| split_half(col).then_some("name"))?;
            Some((col as u32, field, text.clone()))
        })
        .collect()
}

fn find_header(sheet: &Sheet, names: &ColumnNames) -> Option<u32> {
    let last = (sheet.rows.len() as u32).min(HEADER_SCAN_ROWS);
    (0..last).find(|row| {
        let cells = header_cells(sheet, *row, names);
        let mut fields: Vec<&str> = cells.iter().map(|(_, f, _)| *f).collect();
        fields.sort_unstable();
        fields.dedup();
        fields.len() >= 2 && fields.contains(&"name")
    })
}

/// Where the table's fields are.
struct Layout {
    header_rows: (u32, u32),
    columns: Vec<Column>,
    /// The name's columns: one, or several when "Họ và tên" is merged over
    /// sub-columns (Họ đệm | Tên); their texts are joined.
    name_cols: Vec<u32>,
    stt: Option<u32>,
}

impl Layout {
    fn new(sheet: &Sheet, merged: &Covered, names: &ColumnNames, h0: u32) -> Option<Layout> {
        let two_rows = has_sub_header(sheet, merged, names, h0);
        let h1 = if two_rows { h0 + 1 } else { h0 };
        let width = (h0..=h1)
            .map(|r| row_width(sheet, r))
            .chain(
                sheet
                    .merges
                    .iter()
                    .filter(|m| m.first_row == h0)
                    .map(|m| m.last_col.saturating_add(1)),
            )
            .max()
            .unwrap_or(0)
            .min(MAX_HEADER_COLS);
        let mut columns: Vec<Column> = Vec::new();
        let mut name_cols = Vec::new();
        let mut name_group: Option<Merge> = None;
        let labels = |col: u32| header_labels(sheet, merged, (h0, h1), col);
        let label = |col: u32| {
            let (top, sub) = labels(col);
            if sub.is_empty() { top } else { sub }
        };
        let split = (0..width.saturating_sub(1)).find(|c| is_split_name(&label(*c), &label(c + 1)));
        let named = |col: u32| {
            let (top, sub) = labels(col);
            names
                .field(&sub)
                .or_else(|| names.field(&top))
                .or_else(|| names.field(&format!("{top} {sub}")))
        };
        let mut fields: Vec<Option<&str>> = (0..width).map(named).collect();
        let texts: Vec<String> = (0..width).map(label).collect();
        names.add_fields_by_start(&mut fields, &texts);
        for col in 0..width {
            let group = header_group(sheet, h0, col);
            let (top, sub) = labels(col);
            let in_split = split.is_some_and(|c| col == c || col == c + 1);
            let field = fields[col as usize].or_else(|| in_split.then_some("name"));
            let Some(field) = field else { continue };
            let header = match (top.is_empty(), sub.is_empty()) {
                _ if split == Some(col) && group.is_none() => {
                    format!("{} / {}", label(col), label(col + 1))
                }
                (false, false) if top != sub => format!("{top} / {sub}"),
                (false, _) => top,
                (true, _) => sub,
            };
            if field == "name" {
                let same_group = group.is_some() && name_group == group;
                let second_half = split.is_some_and(|c| col == c + 1) && name_cols == [col - 1];
                if name_cols.is_empty() || same_group || second_half {
                    name_cols.push(col);
                    name_group = name_group.or(group);
                }
            }
            if columns.iter().all(|c| c.field != field) {
                columns.push(Column {
                    field: field.to_string(),
                    col,
                    header,
                });
            }
        }
        if name_cols.is_empty() {
            return None;
        }
        let stt = columns.iter().find(|c| c.field == "stt").map(|c| c.col);
        Some(Layout {
            header_rows: (h0, h1),
            columns,
            name_cols,
            stt,
        })
    }

    fn field_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.field != "name")
    }
}

/// A column's header texts on the header row and, for a two-row header, the
/// row under it. A header merged across columns labels every column it
/// covers.
fn header_labels(
    sheet: &Sheet,
    merged: &Covered,
    (h0, h1): (u32, u32),
    col: u32,
) -> (String, String) {
    let top = match (header_group(sheet, h0, col), merged.merge_at(h0, col)) {
        (Some(m), _) => text_at(sheet, h0, m.first_col),
        (None, Some(_)) => String::new(),
        (None, None) => text_at(sheet, h0, col),
    };
    let sub = if h1 > h0 && merged.merge_at(h1, col).is_none() {
        text_at(sheet, h1, col)
    } else {
        String::new()
    };
    (top, sub)
}

/// The header cell merged across columns that covers `col`, if any.
fn header_group(sheet: &Sheet, h0: u32, col: u32) -> Option<Merge> {
    sheet
        .merges
        .iter()
        .find(|m| {
            m.first_row == h0
                && m.last_col > m.first_col
                && (m.first_col..=m.last_col).contains(&col)
        })
        .copied()
}

/// Whether the row under the header holds sub-labels: a label the header row
/// lacks (Nam, Nữ), or labels under a header merged across columns. A row
/// with a number or a name is data, whatever its words ("Nam" in a Giới
/// tính column).
fn has_sub_header(sheet: &Sheet, merged: &Covered, names: &ColumnNames, h0: u32) -> bool {
    let h1 = h0 + 1;
    if h1 as usize >= sheet.rows.len() || row_has_number(sheet, h1) {
        return false;
    }
    let top = header_cells(sheet, h0, names);
    let name_below = top.iter().any(|(col, f, _)| {
        *f == "name"
            && header_group(sheet, h0, *col).is_none()
            && !text_at(sheet, h1, *col).is_empty()
    });
    if name_below {
        return false;
    }
    let new_label = header_cells(sheet, h1, names).iter().any(|(col, f, _)| {
        top.iter().all(|(_, tf, _)| tf != f) && merged.merge_at(h1, *col).is_none()
    });
    new_label
        || sheet.merges.iter().any(|m| {
            m.first_row == h0
                && m.last_row == h0
                && m.last_col > m.first_col
                && (m.first_col..=m.last_col).all(|c| !text_at(sheet, h1, c).is_empty())
        })
}

/// Numbering rows ("1 2 3 ..." or "(1) (2) ...") and data rows hold numbers.
fn row_has_number(sheet: &Sheet, row: u32) -> bool {
    (0..row_width(sheet, row))
        .any(|c| matches!(sheet.cell(row, c), Cell::Number(_)) || is_stt(&text_at(sheet, row, c)))
}

/// "12" or "12.": how an STT is typed as text.
fn is_stt(text: &str) -> bool {
    let digits = text.strip_suffix('.').unwrap_or(text);
    !digits.is_empty() && digits.len() <= 6 && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_date_field(field: &str) -> bool {
    matches!(field, "birth_date" | "birth_male" | "birth_female") || field.ends_with("_date")
}

/// A date field's date: a date cell; a whole number 1900..=2100 is a year
/// (decision 11), another number an Excel serial; text in any written form.
fn cell_date(cell: &Cell, epoch_1904: bool) -> Option<Date> {
    match cell {
        Cell::Date(d) => Some(year_typed_into_date_cell(d, epoch_1904).unwrap_or(*d)),
        Cell::Number(n) if n.fract() == 0.0 && (1900.0..=2100.0).contains(n) => {
            Date::year_only(*n as i32)
        }
        Cell::Number(n) => Date::from_serial(*n, epoch_1904),
        Cell::Text(t) => Date::parse(t),
        _ => None,
    }
}

/// "1962" typed into a date-formatted cell is stored as serial 1962 and
/// shown as a day of 1905 (1909 in the 1904 system); nobody in a list was
/// born then, so it is read as the year typed.
fn year_typed_into_date_cell(date: &Date, epoch_1904: bool) -> Option<Date> {
    let day = date.full()?;
    let base = if epoch_1904 {
        chrono::NaiveDate::from_ymd_opt(1904, 1, 1)?
    } else {
        chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    let serial = (day - base).num_days();
    if (1900..=2100).contains(&serial) {
        Date::year_only(serial as i32)
    } else {
        None
    }
}

/// Totals rows, signature blocks and place-date lines (lower case, with
/// diacritics: "Tống" is a surname, "Tổng cộng" is not).
fn looks_like_footer(line: &str) -> bool {
    static FOOTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?x)
            ^(tổng\s*cộng|tổng\s*số|cộng\s*[:\d]|tm[\.\s]|t/m|kt[\.\s]|k/t|tl[\.\s]|t/l|tuq[\.\s]|nơi\s*nhận)
            | người\s*lập | ký\s*tên | \(ký | ký,?\s*(và\s*)?ghi\s*rõ | xác\s*nhận\s*của
            | ,\s*ngày\s*\d{1,2}\s*tháng",
        )
        .expect("valid regex")
    });
    FOOTER.is_match(&crate::text::key(line))
}

struct RowReader<'a> {
    sheet: &'a Sheet,
    /// Words the rows' warnings ([`RowProblem`]).
    vocab: &'a Vocabulary,
    /// Shared by every source of the table.
    file: Arc<str>,
    sheet_name: Arc<str>,
    merged: &'a Covered,
    layout: &'a Layout,
}

impl RowReader<'_> {
    /// The cell that gives (row, col) its value: the cell itself, or the
    /// first cell of a region merged down over it from a data row. A region
    /// merged across columns gives its value to its first column only, and
    /// a header never spills into the data.
    fn value_cell(&self, row: u32, col: u32) -> Option<(u32, u32)> {
        match self.merged.merge_at(row, col) {
            None => Some((row, col)),
            Some(m)
                if m.first_col == col
                    && m.first_row < row
                    && m.first_row > self.layout.header_rows.1 =>
            {
                Some((m.first_row, m.first_col))
            }
            Some(_) => None,
        }
    }

    fn value(&self, row: u32, col: u32, field: &str) -> Option<FieldValue> {
        let (r, c) = self.value_cell(row, col)?;
        let cell = self.sheet.cell(r, c);
        let text = cell.text();
        if text.is_empty() {
            return None;
        }
        let date = if is_date_field(field) {
            cell_date(cell, self.sheet.epoch_1904)
        } else {
            None
        };
        Some(FieldValue {
            text,
            date,
            source: Source::cell(self.file.clone(), self.sheet_name.clone(), r, c),
        })
    }

    fn name(&self, row: u32) -> Option<FieldValue> {
        let parts: Vec<FieldValue> = self
            .layout
            .name_cols
            .iter()
            .filter_map(|col| self.value(row, *col, "name"))
            .collect();
        let first = parts.first()?;
        let text = clean(
            &parts
                .iter()
                .map(|p| p.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        Some(FieldValue {
            text,
            date: None,
            source: first.source.clone(),
        })
    }

    /// Why a row that names someone, with other details, is no person: its
    /// STT cell is empty (typed over, or a formula saved without its value).
    /// Group rows ("Xã Tân Lập"), totals and signature lines are not such rows.
    fn unnumbered_person(&self, row: u32) -> Option<String> {
        let stt = self.layout.stt?;
        if self.value(row, stt, "stt").is_some() {
            return None;
        }
        let name = self.name(row)?;
        if !name.text.chars().any(char::is_alphabetic) {
            return None;
        }
        let has_details = self
            .layout
            .field_columns()
            .filter(|c| !matches!(c.field.as_str(), "stt" | "note"))
            .any(|c| self.value(row, c.col, &c.field).is_some());
        let footer =
            row_line(self.sheet, "", row).is_some_and(|(line, _)| looks_like_footer(&line));
        (has_details && !footer).then(|| {
            let values = [
                self.sheet.name.clone(),
                (row + 1).to_string(),
                name.text,
                cell_ref(row, stt),
            ];
            self.vocab.rows.render(RowProblem::Unnumbered, &values)
        })
    }

    fn person(&self, row: u32, footer_like: bool) -> Option<Record> {
        let name = self.name(row)?;
        if !name.text.chars().any(char::is_alphabetic) {
            return None;
        }
        let mut fields = LiteMap::new();
        for column in self.layout.field_columns() {
            if let Some(v) = self.value(row, column.col, &column.field) {
                fields.insert(column.field.clone(), v);
            }
        }
        let is_person = match self.layout.stt {
            Some(_) => fields.get("stt").is_some_and(|v| is_stt(&v.text)),
            None => !footer_like && fields.keys().any(|f| f != "note"),
        };
        if !is_person {
            return None;
        }
        fields.insert("name".to_string(), name);
        let mut record = Record {
            row,
            fields,
            warnings: Vec::new(),
        };
        split_nam_nu(&mut record, self.vocab);
        warn_unread_birth_date(&mut record, self.vocab);
        Some(record)
    }
}

/// The Nam | Nữ pair: the filled column gives the birth date and the sex. A
/// filled cell without digits is a mark ("x"): it gives the sex only.
fn split_nam_nu(record: &mut Record, vocab: &Vocabulary) {
    let male = record.fields.remove("birth_male");
    let female = record.fields.remove("birth_female");
    if let (Some(m), Some(f)) = (&male, &female) {
        let values = [cell_of(&m.source), cell_of(&f.source)];
        let warning = vocab.rows.render(RowProblem::BothSexes, &values);
        record.warnings.push(warning);
    }
    let chosen = male
        .map(|v| (v, "Nam"))
        .or_else(|| female.map(|v| (v, "Nữ")));
    let Some((value, sex)) = chosen else {
        return;
    };
    record
        .fields
        .entry("sex".to_string())
        .or_insert_with(|| FieldValue {
            text: sex.to_string(),
            date: None,
            source: value.source.clone(),
        });
    let holds_date = value.date.is_some() || value.text.chars().any(|c| c.is_ascii_digit());
    if holds_date {
        record
            .fields
            .entry("birth_date".to_string())
            .or_insert(value);
    }
}

fn warn_unread_birth_date(record: &mut Record, vocab: &Vocabulary) {
    if let Some(v) = record.fields.get("birth_date")
        && v.date.is_none()
    {
        let values = [v.text.clone(), cell_of(&v.source)];
        let warning = vocab.rows.render(RowProblem::UnreadBirthDate, &values);
        record.warnings.push(warning);
    }
}

/// What is wrong with one row of a list or roster, told as a warning on
/// it, worded by the rule file (`[vocabulary.rows]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowProblem {
    /// Both the Nam and the Nữ birth-date columns are filled; `{male}` and
    /// `{female}` are their cells.
    BothSexes,
    /// A birth date that is no date; `{text}` as written, in `{cell}`.
    UnreadBirthDate,
    /// A name and details without an STT, so no person (decision 11), yet
    /// a clerk who left one STT empty expects that person on the list:
    /// `{sheet}`, row `{row}`, `{name}`, the empty STT `{cell}`. Told on
    /// the table ([`SheetTable::warnings`]), not on a person.
    Unnumbered,
}

impl crate::messages::Kind for RowProblem {
    const TABLE: &'static str = "rows";
    const ALL: &'static [Self] = &[
        RowProblem::BothSexes,
        RowProblem::UnreadBirthDate,
        RowProblem::Unnumbered,
    ];

    fn key(self) -> &'static str {
        match self {
            RowProblem::BothSexes => "both_sexes",
            RowProblem::UnreadBirthDate => "unread_birth_date",
            RowProblem::Unnumbered => "unnumbered",
        }
    }

    fn placeholders(self) -> &'static [&'static str] {
        match self {
            RowProblem::BothSexes => &["male", "female"],
            RowProblem::UnreadBirthDate => &["text", "cell"],
            RowProblem::Unnumbered => &["sheet", "row", "name", "cell"],
        }
    }

    fn english(self) -> &'static str {
        match self {
            RowProblem::BothSexes => {
                "both the Nam and the Nữ columns hold a birth date ({male}, {female}); the Nam one is taken"
            }
            RowProblem::UnreadBirthDate => "birth date \"{text}\" ({cell}) is no date",
            RowProblem::Unnumbered => {
                "sheet '{sheet}', row {row}: the name \"{name}\" but an empty STT ({cell}): not counted as a person of the list"
            }
        }
    }

    fn shipped() -> &'static crate::messages::Texts<Self> {
        static SHIPPED: std::sync::OnceLock<crate::messages::Texts<RowProblem>> =
            std::sync::OnceLock::new();
        SHIPPED.get_or_init(crate::messages::Texts::parse_shipped)
    }
}

fn cell_of(source: &Source) -> String {
    match &source.loc {
        crate::source::Loc::Cell { row, col, .. } => cell_ref(*row, *col),
        _ => source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        let mut v = Vocabulary::default();
        for (field, aliases) in [
            ("stt", &["STT", "TT"][..]),
            ("name", &["Họ và tên", "Họ tên"][..]),
            (
                "birth_date",
                &["Ngày sinh", "Ngày, tháng, năm sinh", "Năm sinh"][..],
            ),
            ("birth_male", &["Nam"][..]),
            ("birth_female", &["Nữ"][..]),
            ("position", &["Chức vụ"][..]),
            ("unit", &["Đơn vị"][..]),
            ("party_date", &["Ngày vào Đảng"][..]),
            ("note", &["Ghi chú"][..]),
        ] {
            v.columns.insert(
                field.to_string(),
                aliases.iter().map(|a| a.to_string()).collect(),
            );
        }
        v
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn sheet(rows: Vec<Vec<Cell>>, merges: Vec<Merge>) -> Sheet {
        Sheet {
            name: "S".into(),
            rows,
            merges,
            epoch_1904: false,
            hidden: false,
        }
    }

    fn merge(first_row: u32, first_col: u32, last_row: u32, last_col: u32) -> Merge {
        Merge {
            first_row,
            first_col,
            last_row,
            last_col,
        }
    }

    #[test]
    fn no_stt_column_stops_at_the_signature_block() {
        let s = sheet(
            vec![
                vec![t("Họ tên"), t("Năm sinh"), t("Chức vụ")],
                vec![t("Tống Văn Ba"), Cell::Number(1960.0), t("Bí thư chi bộ")],
                vec![t("Lê Thị Tư"), t("1970"), t("Trưởng thôn")],
                vec![Cell::Empty, t("Kon Rẫy, ngày 1 tháng 2 năm 2021")],
                vec![Cell::Empty, t("Người lập biểu")],
                vec![Cell::Empty, t("Nguyễn Văn Năm"), t("Giám đốc")],
            ],
            vec![],
        );
        let table = find_table(&s, "a.xlsx", &vocab()).unwrap();
        let names: Vec<&str> = table
            .records
            .iter()
            .map(|r| r.text("name").unwrap())
            .collect();
        assert_eq!(names, ["Tống Văn Ba", "Lê Thị Tư"]);
        assert_eq!(
            table.records[0].get("birth_date").unwrap().date,
            Some(Date::Year(1960))
        );
        assert_eq!(table.footer_lines.len(), 3);
        assert_eq!(table.footer_lines[2].0, "Nguyễn Văn Năm Giám đốc");
    }

    #[test]
    fn name_merged_over_two_sub_columns_is_joined() {
        let s = sheet(
            vec![
                vec![t("STT"), t("Họ và tên"), Cell::Empty, t("Ngày sinh")],
                vec![Cell::Empty, t("Họ đệm"), t("Tên"), Cell::Empty],
                vec![Cell::Number(1.0), t("Nguyễn Văn"), t("An"), t("05/03/1975")],
            ],
            vec![merge(0, 0, 1, 0), merge(0, 1, 0, 2), merge(0, 3, 1, 3)],
        );
        let table = find_table(&s, "a.xlsx", &vocab()).unwrap();
        assert_eq!(table.header_rows, (0, 1));
        let r = &table.records[0];
        assert_eq!(r.text("name"), Some("Nguyễn Văn An"));
        assert_eq!(r.get("name").unwrap().source.to_string(), "a.xlsx!S!B3");
        assert_eq!(r.get("birth_date").unwrap().date, Date::ymd(1975, 3, 5));
    }

    #[test]
    fn nam_nu_mark_gives_sex_only_and_both_filled_warns() {
        let s = sheet(
            vec![
                vec![t("TT"), t("Họ và tên"), t("Ngày sinh"), t("Nam"), t("Nữ")],
                vec![
                    Cell::Number(1.0),
                    t("A"),
                    t("1/2/1980"),
                    Cell::Empty,
                    t("x"),
                ],
                vec![
                    Cell::Number(2.0),
                    t("B"),
                    Cell::Empty,
                    t("1/2/1981"),
                    t("2/2/1981"),
                ],
                vec![
                    Cell::Number(3.0),
                    t("C"),
                    Cell::Empty,
                    Cell::Empty,
                    t("31/02/1982"),
                ],
            ],
            vec![],
        );
        let table = find_table(&s, "a.xlsx", &vocab()).unwrap();
        let [a, b, c] = &table.records[..] else {
            panic!("{table:?}")
        };
        assert_eq!(a.text("sex"), Some("Nữ"));
        assert_eq!(a.get("birth_date").unwrap().date, Date::ymd(1980, 2, 1));
        assert_eq!(b.text("sex"), Some("Nam"));
        assert_eq!(b.get("birth_date").unwrap().date, Date::ymd(1981, 2, 1));
        assert_eq!(
            b.warnings,
            ["Cả hai cột Nam và Nữ đều có ngày sinh (D3, E3); lấy theo cột Nam"]
        );
        assert_eq!(c.get("birth_date").unwrap().date, None);
        assert!(c.warnings[0].contains("31/02/1982"), "{:?}", c.warnings);
        assert!(!a.fields.contains_key("birth_male") && !a.fields.contains_key("birth_female"));
    }

    #[test]
    fn a_year_typed_into_a_date_cell_is_a_year() {
        let typed = Date::from_serial(1962.0, false).unwrap();
        assert_eq!(cell_date(&Cell::Date(typed), false), Some(Date::Year(1962)));
        let typed = Date::from_serial(1962.0, true).unwrap();
        assert_eq!(cell_date(&Cell::Date(typed), true), Some(Date::Year(1962)));
        let real = Date::ymd(1975, 3, 5).unwrap();
        assert_eq!(cell_date(&Cell::Date(real), false), Some(real));
        assert_eq!(cell_date(&Cell::Number(27458.0), false), Some(real));
        assert_eq!(
            cell_date(&Cell::Number(1975.0), false),
            Some(Date::Year(1975))
        );
    }

    #[test]
    fn footer_words_spare_surnames_and_positions() {
        assert!(looks_like_footer("Tổng cộng: 15 người"));
        assert!(looks_like_footer("Cộng: 5 người"));
        assert!(looks_like_footer("TM. BAN THƯỜNG VỤ"));
        assert!(looks_like_footer("Kon Rẫy, ngày 05 tháng 3 năm 2021"));
        assert!(looks_like_footer("NGƯỜI LẬP BIỂU"));
        assert!(!looks_like_footer("Tống Văn Ba 1960 Bí thư chi bộ"));
        assert!(!looks_like_footer("Y Blăk ngày 05 tháng 3 năm 1980"));
    }

    #[test]
    fn header_notes_and_longer_wordings_match_one_field_only() {
        let v = vocab();
        let names = ColumnNames::new(&v);
        assert_eq!(
            names.field("Họ và tên (viết chữ in hoa có dấu)"),
            Some("name")
        );
        assert_eq!(names.field("Ngày sinh (dd/mm/yyyy)"), Some("birth_date"));
        assert_eq!(names.field("Ngày sinh (Nam)"), Some("birth_male"));
        assert_eq!(names.field("Ngày sinh (Nữ)"), Some("birth_female"));
        assert_eq!(names.field("Đơn vị (ghi rõ xã)"), Some("unit"));
        let by_start = |h: &str| names.field_by_start(h);
        assert_eq!(by_start("Họ và tên người đề nghị"), Some("name"));
        assert_eq!(by_start("Họ và tên người đề nghị (viết hoa)"), Some("name"));
        assert_eq!(by_start("Đơn vị công tác hiện nay"), Some("unit"));
        // More words make another column of any other field's name.
        for other in [
            "Ngày sinh của con",
            "Ngày sinh hoạt Đảng",
            "Ngày kết nạp Đoàn",
            "Ngày vào Đảng chính thức",
            "Xếp loại đảng viên năm 2020",
            "Năm sinh Nữ",
        ] {
            assert_eq!(names.field(other), None, "{other}");
            assert_eq!(by_start(other), None, "{other}");
        }
        // Two columns' names in one cell, or a one-word name, match nothing.
        assert_eq!(by_start("Họ và tên, chức vụ"), None);
        assert_eq!(by_start("Ngày sinh, ngày vào Đảng"), None);
        assert_eq!(names.field("Năm vào Đảng"), None);
        assert_eq!(names.field("Nam Nữ"), None);
        assert_eq!(names.field("Tên đơn vị"), None);
        assert_eq!(by_start("Tên đơn vị"), None);
        assert_eq!(names.field("(1)"), None);
    }

    #[test]
    fn a_longer_name_header_gives_way_to_the_name_column_itself() {
        let v = vocab();
        let names = ColumnNames::new(&v);
        let header = |cells: &[&str]| {
            let s = sheet(vec![cells.iter().map(|c| t(c)).collect()], vec![]);
            header_cells(&s, 0, &names)
                .into_iter()
                .map(|(col, field, _)| (col, field))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            header(&["STT", "Họ tên cha/mẹ", "Họ và tên", "Ngày sinh"]),
            [(0, "stt"), (2, "name"), (3, "birth_date")]
        );
        assert_eq!(
            header(&[
                "STT",
                "Họ và tên người giới thiệu",
                "Họ và tên",
                "Ngày sinh của con",
                "Ngày sinh"
            ]),
            [(0, "stt"), (2, "name"), (4, "birth_date")]
        );
        assert_eq!(
            header(&["STT", "Họ và tên người đề nghị", "Ngày sinh"]),
            [(0, "stt"), (1, "name"), (2, "birth_date")]
        );
        assert_eq!(
            header(&["STT", "Họ và tên", "Ngày sinh hoạt Đảng", "Ngày sinh"]),
            [(0, "stt"), (1, "name"), (3, "birth_date")]
        );
        assert_eq!(
            header(&["STT", "Họ và tên", "Ngày sinh (Nam)", "Ngày sinh (Nữ)"]),
            [
                (0, "stt"),
                (1, "name"),
                (2, "birth_male"),
                (3, "birth_female")
            ]
        );
        assert_eq!(
            header(&["STT", "Họ và tên", "Đơn vị (xã)", "Đơn vị công tác cũ"]),
            [(0, "stt"), (1, "name"), (2, "unit")]
        );
    }

    #[test]
    fn no_header_no_table() {
        let s = sheet(vec![vec![t("Họ và tên")], vec![t("Nguyễn Văn An")]], vec![]);
        assert!(find_table(&s, "a.xlsx", &vocab()).is_none());
    }
}
