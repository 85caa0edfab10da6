//! The rows of verdicts.xlsx's two long sheets, written as XML by hand and
//! deflated as they are made, byte for byte what rust_xlsxwriter's
//! constant-memory mode writes for the same cells.
//!
//! Why not rust_xlsxwriter itself: it takes data only cell by cell (a
//! BTreeMap insert and a row flush through a temporary file, ~200 ns a
//! cell: ~290,000 cells at 10,000 applicants), and deflates the whole
//! package on one thread after the last cell. Here each sheet's rows are
//! deflated as they come, a block per thread ([`super::deflate`]), while
//! the other sheet is written beside; rust_xlsxwriter still
//! writes everything around the rows (see [`Template`]), so widths, panes
//! and styles stay its own.

use super::deflate::{BLOCK, ParallelDeflate};
use rust_xlsxwriter::XlsxError;
use std::borrow::Cow;
use std::io::Write;

/// Excel's last row + 1 (rust_xlsxwriter's `ROW_MAX`).
const ROW_MAX: u32 = 1_048_576;
/// Excel's longest cell text, in UTF-16 units (rust_xlsxwriter's
/// `MAX_STRING_LEN`).
const MAX_STRING_LEN: usize = 32_767;
/// The sheets here have at most 26 columns: one letter each.
const COLUMNS: &[u8; 26] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A sheet's XML as rust_xlsxwriter wrote it holding only its header row,
/// cut where the dimension and the data rows go.
pub(super) struct Template {
    /// Up to and with `<dimension ref="`.
    head: String,
    /// From the end of the dimension's range to the end of the header row.
    middle: String,
    /// From `</sheetData>` on.
    tail: String,
}

impl Template {
    pub(super) fn cut(xml: &str) -> anyhow::Result<Template> {
        let unexpected = || anyhow::anyhow!("rust_xlsxwriter wrote an unexpected sheet");
        let dimension = xml.find("<dimension ref=\"").ok_or_else(unexpected)? + 16;
        let (head, rest) = xml.split_at(dimension);
        let (_, rest) = rest.split_at(rest.find('"').ok_or_else(unexpected)?);
        // A header cell is there even with an empty label (a blank cell,
        // as it has a format), so the sheet data is never empty.
        let (middle, tail) = rest.split_at(rest.find("</sheetData>").ok_or_else(unexpected)?);
        Ok(Template {
            head: head.to_string(),
            middle: middle.to_string(),
            tail: tail.to_string(),
        })
    }
}

/// The range of the cells in use, kept as rust_xlsxwriter keeps its
/// `dimensions`: a cell counts when it is written, and an empty text is not
/// written.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Shape {
    /// First row, first column, last row, last column.
    used: Option<(u32, usize, u32, usize)>,
}

impl Shape {
    pub(super) fn add(&mut self, row: u32, col: usize) {
        self.used = Some(match self.used {
            None => (row, col, row, col),
            Some((r0, c0, r1, c1)) => (r0.min(row), c0.min(col), r1.max(row), c1.max(col)),
        });
    }

    /// Excel's row limit, as rust_xlsxwriter refuses a cell past it.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        match self.used {
            Some((_, _, last, _)) if last >= ROW_MAX => Err(XlsxError::RowColumnLimitError.into()),
            _ => Ok(()),
        }
    }

    /// The `<dimension ref>` of rust_xlsxwriter's `write_dimension`.
    fn range(&self) -> String {
        let Some((r0, c0, r1, c1)) = self.used else {
            return "A1".into();
        };
        let cell = |row: u32, col: usize| format!("{}{}", column(col) as char, u64::from(row) + 1);
        let (first, last) = (cell(r0, c0), cell(r1, c1));
        if first == last {
            first
        } else {
            format!("{first}:{last}")
        }
    }
}

fn column(col: usize) -> u8 {
    COLUMNS.get(col).copied().unwrap_or(b'?')
}

/// One sheet's XML, deflated as it is written into a zip of one entry.
pub(super) struct SheetWriter {
    zip: ParallelDeflate,
    /// The block being gathered: whole rows, handed on once a block long.
    xml: Vec<u8>,
    tail: String,
    /// The row whose `<row>` is open, and its number as written.
    row: Option<u32>,
    row_name: Vec<u8>,
}

impl SheetWriter {
    /// Starts the entry `name`: the template's XML up to its header row,
    /// with the dimension of `shape`, which counts every cell to come.
    pub(super) fn start(name: &str, template: &Template, shape: &Shape) -> anyhow::Result<Self> {
        Self::start_in_blocks(name, template, shape, BLOCK)
    }

    /// [`SheetWriter::start`], deflating `block` bytes at a time.
    pub(super) fn start_in_blocks(
        name: &str,
        template: &Template,
        shape: &Shape,
        block: usize,
    ) -> anyhow::Result<Self> {
        shape.check()?;
        let zip = ParallelDeflate::new(name, u32::from(super::xlsx_out::ZIP_LEVEL), block);
        let mut xml = Vec::with_capacity(block + block / 8);
        xml.extend_from_slice(template.head.as_bytes());
        xml.extend_from_slice(shape.range().as_bytes());
        xml.extend_from_slice(template.middle.as_bytes());
        Ok(SheetWriter {
            zip,
            xml,
            tail: template.tail.clone(),
            row: None,
            row_name: Vec::new(),
        })
    }

    /// A number cell; rows and columns in order, rows after the header.
    pub(super) fn number(&mut self, row: u32, col: usize, n: u32) -> anyhow::Result<()> {
        self.cell_start(row, col)?;
        // rust_xlsxwriter writes an f64 with `{}`: a whole number as such.
        write!(self.xml, "\"><v>{n}</v></c>")?;
        Ok(())
    }

    /// The cells of `row` made by [`text_cell`], in their columns' order,
    /// after any cell written to the row before.
    pub(super) fn cells(&mut self, row: u32, mut cells: &[u8]) -> anyhow::Result<()> {
        while let Some((Cell { col, xml }, rest)) = next_cell(cells) {
            cells = rest;
            let Some(xml) = xml else {
                return Err(
                    anyhow::Error::from(XlsxError::MaxStringLengthExceeded).context(format!(
                        "cell {}{}",
                        column(col) as char,
                        u64::from(row) + 1
                    )),
                );
            };
            self.cell_start(row, col)?;
            self.xml.extend_from_slice(xml);
        }
        Ok(())
    }

    /// `<c r="B2`, opening the row first when it is a new one.
    fn cell_start(&mut self, row: u32, col: usize) -> anyhow::Result<()> {
        if self.row != Some(row) {
            self.end_row();
            if self.xml.len() >= self.zip.block() {
                let next = Vec::with_capacity(self.xml.capacity());
                self.zip.push(std::mem::replace(&mut self.xml, next))?;
            }
            self.row = Some(row);
            self.row_name.clear();
            write!(self.row_name, "{}", u64::from(row) + 1)?;
            self.xml.extend_from_slice(b"<row r=\"");
            self.xml.extend_from_slice(&self.row_name);
            self.xml.extend_from_slice(b"\">");
        }
        self.xml.extend_from_slice(b"<c r=\"");
        self.xml.push(column(col));
        self.xml.extend_from_slice(&self.row_name);
        Ok(())
    }

    fn end_row(&mut self) {
        if self.row.take().is_some() {
            self.xml.extend_from_slice(b"</row>");
        }
    }

    /// The zip's bytes, its one entry complete.
    pub(super) fn finish(mut self) -> anyhow::Result<Vec<u8>> {
        self.end_row();
        self.xml.extend_from_slice(self.tail.as_bytes());
        self.zip.finish(self.xml)
    }
}

/// Adds to `cells` a text cell in column `col`, as rust_xlsxwriter's
/// `write_string` writes it: nothing for an empty text; a text past
/// Excel's length is kept as such, for [`SheetWriter::cells`] to refuse
/// (its row is known only then). A cell is its column, the length of its
/// XML (`u32::MAX` for a text too long) and the XML after its reference
/// (`<c r="B2` is the sheet's to write).
pub(super) fn text_cell(cells: &mut Vec<u8>, col: usize, text: &str) {
    if text.is_empty() {
        return;
    }
    cells.push(u8::try_from(col).unwrap_or(u8::MAX));
    if text.len() > MAX_STRING_LEN && text.encode_utf16().count() > MAX_STRING_LEN {
        cells.extend_from_slice(&u32::MAX.to_le_bytes());
        return;
    }
    let len_at = cells.len();
    cells.extend_from_slice(&[0; 4]);
    let whitespace = ['\t', '\n', ' '];
    cells.extend_from_slice(b"\" t=\"inlineStr\"><is><t");
    if text.starts_with(whitespace) || text.ends_with(whitespace) {
        cells.extend_from_slice(b" xml:space=\"preserve\"");
    }
    cells.push(b'>');
    push_escaped(cells, &escape_escapes(text));
    cells.extend_from_slice(b"</t></is></c>");
    let len = u32::try_from(cells.len() - len_at - 4).unwrap_or(u32::MAX);
    cells[len_at..len_at + 4].copy_from_slice(&len.to_le_bytes());
}

/// A cell made by [`text_cell`].
struct Cell<'a> {
    col: usize,
    /// `None` for a text too long.
    xml: Option<&'a [u8]>,
}

/// The first cell of `cells` ([`text_cell`]), and the cells after it.
fn next_cell(cells: &[u8]) -> Option<(Cell<'_>, &[u8])> {
    let (&col, rest) = cells.split_first()?;
    let col = usize::from(col);
    let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
    let rest = rest.get(4..)?;
    if len == u32::MAX {
        return Some((Cell { col, xml: None }, rest));
    }
    let (xml, rest) = rest.split_at_checked(usize::try_from(len).ok()?)?;
    Some((
        Cell {
            col,
            xml: Some(xml),
        },
        rest,
    ))
}

/// The columns of the cells made by [`text_cell`].
pub(super) fn cell_columns(mut cells: &[u8]) -> impl Iterator<Item = usize> + '_ {
    std::iter::from_fn(move || {
        let (cell, rest) = next_cell(cells)?;
        cells = rest;
        Some(cell.col)
    })
}

/// rust_xlsxwriter's `escape_xml_escapes`: a literal `_xHHHH_` in a text
/// gets its underscore written as `_x005F`, or a reader would take it for an
/// escaped character.
fn escape_escapes(text: &str) -> Cow<'_, str> {
    if !text.contains("_x") {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let looks_escaped = |at: usize| {
        text.is_char_boundary(at + 6)
            && bytes.get(at + 6) == Some(&b'_')
            && bytes
                .get(at + 2..at + 6)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    };
    let mut out = String::with_capacity(text.len() + 6);
    let mut copied = 0;
    for (at, _) in text
        .match_indices("_x")
        .filter(|&(at, _)| looks_escaped(at))
    {
        out.push_str(text.get(copied..at).unwrap_or_default());
        out.push_str("_x005F");
        copied = at;
    }
    if out.is_empty() {
        return Cow::Borrowed(text);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// rust_xlsxwriter's `escape_xml_data`: `& < >`, and the control characters
/// other than tab and newline (and U+FFFE, U+FFFF) as Excel's `_xHHHH_`.
/// Quotes stay as they are, as Excel writes them.
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        // Eight bytes at a time past the plain ones (nearly all of them).
        let word = bytes
            .get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok());
        if word.is_some_and(|w| !may_need_escape(u64::from_le_bytes(w))) {
            at += 8;
            continue;
        }
        let control;
        let (escape, len): (&[u8], usize) = match byte {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            0..0x20 if byte != b'\t' && byte != b'\n' => {
                control = hex_escape(byte);
                (&control, 1)
            }
            // U+FFFE and U+FFFF in UTF-8.
            0xEF if bytes.get(at + 1..at + 3) == Some(&[0xBF, 0xBE]) => (b"_xFFFE_", 3),
            0xEF if bytes.get(at + 1..at + 3) == Some(&[0xBF, 0xBF]) => (b"_xFFFF_", 3),
            _ => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(bytes.get(copied..at).unwrap_or_default());
        out.extend_from_slice(escape);
        at += len;
        copied = at;
    }
    out.extend_from_slice(bytes.get(copied..).unwrap_or_default());
}

/// Whether a byte of `word` may be one that [`push_escaped`] escapes: below
/// 0x20, `&`, `<`, `>`, or 0xEF (the lead byte of U+FFFE and U+FFFF). Never
/// false for such a byte.
fn may_need_escape(word: u64) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // The classic test for a byte below n (here 1, and 0x20 for controls).
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    below(word, 0x20)
        || [b'&', b'<', b'>', 0xEF]
            .iter()
            .any(|&b| below(word ^ (ONES * u64::from(b)), 1))
}

/// `_x001F_` for 0x1F.
fn hex_escape(byte: u8) -> [u8; 7] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let digit = |shift: u8| HEX[usize::from((byte >> shift) & 0xF)];
    [b'_', b'x', b'0', b'0', digit(4), digit(0), b'_']
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rust_xlsxwriter's `escape_xml_data`, a character at a time.
    fn escaped_by_char(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '&' => "&amp;".into(),
                '<' => "&lt;".into(),
                '>' => "&gt;".into(),
                '\t' | '\n' => c.to_string(),
                '\0'..'\x20' | '\u{fffe}' | '\u{ffff}' => format!("_x{:04X}_", u32::from(c)),
                _ => c.to_string(),
            })
            .collect()
    }

    /// Eight bytes are passed over at a time: a character to escape is
    /// found at any place among them, and the other 0xEF-led characters and
    /// the bytes next to the specials stay as they are.
    #[test]
    fn every_special_is_escaped_wherever_it_stands() {
        let plain = "Nguyễn Thị Hồng Nhung, xã Đắk Kôi";
        let specials = [
            "&", "<", ">", "\0", "\x01", "\x1f", "\t", "\n", "\r", "\u{fffe}", "\u{ffff}",
            "\u{fffd}", "\u{ff01}", "\x7f", "\"", "'", "?", "\x1f<&",
        ];
        for special in specials {
            for at in (0..=plain.len()).filter(|&at| plain.is_char_boundary(at)) {
                let text = format!("{}{special}{}", &plain[..at], &plain[at..]);
                let mut out = Vec::new();
                push_escaped(&mut out, &text);
                assert_eq!(String::from_utf8(out).unwrap(), escaped_by_char(&text));
            }
        }
    }

    #[test]
    fn only_excels_own_escapes_get_their_underscore_escaped() {
        for (text, escaped) in [
            ("_x0041_", "_x005F_x0041_"),
            ("a_x00ff_b_x12G4_", "a_x005F_x00ff_b_x12G4_"),
            ("_x_x0041_", "_x_x005F_x0041_"),
            ("_x004", "_x004"),
            ("_x00ạ_", "_x00ạ_"),
            ("_x0041__x0042_", "_x005F_x0041__x005F_x0042_"),
            ("no escapes", "no escapes"),
        ] {
            assert_eq!(escape_escapes(text), escaped);
        }
    }

    #[test]
    fn the_range_is_rust_xlsxwriters() {
        let mut shape = Shape::default();
        assert_eq!(shape.range(), "A1");
        shape.add(0, 0);
        assert_eq!(shape.range(), "A1");
        shape.add(0, 7);
        assert_eq!(shape.range(), "A1:H1");
        shape.add(10_000, 2);
        assert_eq!(shape.range(), "A1:H10001");
        assert!(shape.check().is_ok());
        shape.add(ROW_MAX, 0);
        assert!(shape.check().is_err());
    }
}
