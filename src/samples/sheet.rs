//! What the centre's spreadsheets have in common: Times New Roman, merged
//! title rows, a boxed table, a signature footer, and a fixed creation date.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};

pub struct Formats {
    pub bold_center: Format,
    pub italic_center: Format,
    pub underlined_bold_center: Format,
    pub header: Format,
    pub cell: Format,
    pub cell_center: Format,
    pub date: Format,
    pub score: Format,
    pub bold: Format,
}

fn base() -> Format {
    Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(12)
}

impl Formats {
    pub fn new() -> Formats {
        let boxed = || base().set_border(FormatBorder::Thin);
        Formats {
            bold_center: base().set_bold().set_align(FormatAlign::Center),
            italic_center: base().set_italic().set_align(FormatAlign::Center),
            underlined_bold_center: base()
                .set_bold()
                .set_underline(rust_xlsxwriter::FormatUnderline::Single)
                .set_align(FormatAlign::Center),
            header: boxed()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            cell: boxed(),
            cell_center: boxed().set_align(FormatAlign::Center),
            date: boxed()
                .set_num_format("dd/mm/yyyy")
                .set_align(FormatAlign::Center),
            score: boxed().set_num_format("0.0").set_align(FormatAlign::Center),
            bold: base().set_bold(),
        }
    }
}

pub fn excel_date(d: NaiveDate) -> anyhow::Result<ExcelDateTime> {
    Ok(ExcelDateTime::from_ymd(
        u16::try_from(d.year())?,
        u8::try_from(d.month())?,
        u8::try_from(d.day())?,
    )?)
}

/// A workbook whose metadata says it was made on `created`, not now.
pub fn workbook(created: NaiveDate, author: &str) -> anyhow::Result<Workbook> {
    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_author(author)
        .set_creation_datetime(&excel_date(created)?);
    wb.set_properties(&props);
    // Big batches write thousands of lists; size hardly differs.
    wb.set_zip_compression_level(1);
    Ok(wb)
}

/// Text across `first..=last` columns of a row (merged when it spans).
pub fn span(
    ws: &mut Worksheet,
    row: u32,
    first: u16,
    last: u16,
    text: &str,
    format: &Format,
) -> anyhow::Result<()> {
    if first == last {
        ws.write_string_with_format(row, first, text, format)?;
    } else {
        ws.merge_range(row, first, row, last, text, format)?;
    }
    Ok(())
}

/// One cell of a data row.
pub enum Value {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Score(f64),
    Empty,
}

pub fn put(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Value,
    f: &Formats,
) -> anyhow::Result<()> {
    match value {
        Value::Text(t) if t.is_empty() => ws.write_blank(row, col, &f.cell)?,
        Value::Text(t) => ws.write_string_with_format(row, col, t, &f.cell)?,
        Value::Number(n) => ws.write_number_with_format(row, col, *n, &f.cell_center)?,
        Value::Date(d) => ws.write_datetime_with_format(row, col, &excel_date(*d)?, &f.date)?,
        Value::Score(s) => ws.write_number_with_format(row, col, *s, &f.score)?,
        Value::Empty => ws.write_blank(row, col, &f.cell)?,
    };
    Ok(())
}
