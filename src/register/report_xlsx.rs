//! The year's workbook: the summary per class type, the register of every
//! enrolment with its source cell, and the grades. Every text cell is written
//! as a string, so a name starting with `=` stays a name; scores are numbers
//! and full dates are date cells, so a clerk can average and sort them (a
//! year-only birth date stays the text "1975": no day to put in a date).

use super::catalogue::Catalogue;
use super::stats::{YearStats, duplicate_warnings};
use super::wording::{class_count, fill};
use crate::date::Date;
use rust_xlsxwriter::{ExcelDateTime, Format, Worksheet, XlsxError};

pub fn workbook_bytes(stats: &YearStats, catalogue: &Catalogue) -> Result<Vec<u8>, XlsxError> {
    let mut wb = crate::report::undated_workbook();
    let bold = Format::new().set_bold();
    summary_sheet(wb.add_worksheet(), stats, catalogue, &bold)?;
    register_sheet(wb.add_worksheet(), stats, catalogue, &bold)?;
    grades_sheet(wb.add_worksheet(), stats, catalogue, &bold)?;
    wb.save_to_buffer()
}

fn header(ws: &mut Worksheet, row: u32, labels: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (col, label) in (0u16..).zip(labels) {
        ws.write_string_with_format(row, col, *label, bold)?;
    }
    Ok(())
}

fn count(n: usize) -> f64 {
    n as f64
}

fn summary_sheet(
    ws: &mut Worksheet,
    stats: &YearStats,
    catalogue: &Catalogue,
    bold: &Format,
) -> Result<(), XlsxError> {
    let l = &catalogue.report.labels;
    ws.set_name(&l.summary_sheet)?;
    ws.write_string_with_format(
        0,
        0,
        fill(
            &catalogue.report.title,
            &[("year", &stats.year.to_string())],
        ),
        bold,
    )?;
    ws.write_string(1, 0, &l.by_type_heading)?;
    header(
        ws,
        2,
        &[&l.number, &l.class_type, &l.classes, &l.learners],
        bold,
    )?;
    let mut row = 3u32;
    for (i, t) in stats.by_type.iter().enumerate() {
        ws.write_number(row, 0, count(i + 1))?;
        ws.write_string(row, 1, &t.class_type)?;
        ws.write_number(row, 2, count(t.classes))?;
        ws.write_number(row, 3, count(t.learners))?;
        row += 1;
    }
    ws.write_string_with_format(row, 1, &l.total, bold)?;
    ws.write_number_with_format(row, 2, count(stats.classes), bold)?;
    ws.write_number_with_format(row, 3, count(stats.enrolments), bold)?;
    row += 1;
    ws.write_string(row, 1, &l.unique_learners)?;
    ws.write_number(row, 3, count(stats.unique_learners))?;
    row += 2;
    if !stats.joint.is_empty() {
        ws.write_string(row, 0, &l.joint_heading)?;
        row += 1;
        header(
            ws,
            row,
            &[
                &l.number,
                &l.class_type,
                &l.classes,
                &l.learners,
                &l.partner,
            ],
            bold,
        )?;
        row += 1;
        for (i, j) in stats.joint.iter().enumerate() {
            ws.write_number(row, 0, count(i + 1))?;
            ws.write_string(row, 1, &j.class_type)?;
            ws.write_number(row, 2, count(j.classes))?;
            ws.write_number(row, 3, count(j.learners))?;
            ws.write_string(row, 4, j.partners.join(&catalogue.report.partner_separator))?;
            row += 1;
        }
        row += 1;
    }
    let warnings = duplicate_warnings(stats, catalogue);
    if !warnings.is_empty() {
        ws.write_string_with_format(row, 0, &l.warnings_heading, bold)?;
        for (r, w) in (row + 1..).zip(&warnings) {
            ws.write_string(r, 0, w)?;
        }
    }
    ws.set_column_width(1, 70)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 14)?;
    ws.set_column_width(4, 36)?;
    Ok(())
}

fn register_sheet(
    ws: &mut Worksheet,
    stats: &YearStats,
    catalogue: &Catalogue,
    bold: &Format,
) -> Result<(), XlsxError> {
    let l = &catalogue.report.labels;
    ws.set_name(&l.register_sheet)?;
    header(
        ws,
        0,
        &[
            &l.number,
            &l.class_type,
            &l.course,
            &l.start,
            &l.end,
            &l.partner,
            &l.name,
            &l.birth_date,
            &l.sex,
            &l.ethnicity,
            &l.position,
            &l.unit,
            &l.score,
            &l.grade,
            &l.note,
            &l.source,
        ],
        bold,
    )?;
    let date_format = Format::new().set_num_format(DATE_FORMAT);
    for (i, r) in stats.register.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        ws.write_number(row, 0, count(i + 1))?;
        ws.write_string(row, 1, &r.class_type)?;
        if let Some(c) = r.course {
            ws.write_string(row, 2, class_count(usize::try_from(c).unwrap_or(0)))?;
        }
        write_date(ws, row, 3, &r.start, &date_format)?;
        write_date(ws, row, 4, &r.end, &date_format)?;
        if r.joint {
            ws.write_string(row, 5, text(&r.partner))?;
        }
        ws.write_string(row, 6, &r.name)?;
        write_date(ws, row, 7, &r.birth_date, &date_format)?;
        ws.write_string(row, 8, text(&r.sex))?;
        ws.write_string(row, 9, text(&r.ethnicity))?;
        ws.write_string(row, 10, text(&r.position))?;
        ws.write_string(row, 11, text(&r.unit))?;
        if let Some(s) = r.score {
            ws.write_number(row, 12, shown_score(s))?;
        }
        ws.write_string(row, 13, text(&r.grade))?;
        ws.write_string(row, 14, text(&r.note))?;
        ws.write_string(row, 15, &r.source)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (col, width) in [
        (1u16, 40.0),
        (5, 24.0),
        (6, 26.0),
        (7, 12.0),
        (10, 20.0),
        (11, 28.0),
        (15, 40.0),
    ] {
        ws.set_column_width(col, width)?;
    }
    Ok(())
}

/// Day first, as the centre writes dates, whatever the reader's locale.
const DATE_FORMAT: &str = "dd/mm/yyyy";

/// A stored date (YYYY-MM-DD or YYYY) as a date cell; a year alone, or text
/// that is no date, as it is.
fn write_date(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    iso: &Option<String>,
    format: &Format,
) -> Result<(), XlsxError> {
    let Some(iso) = iso.as_deref() else {
        return Ok(());
    };
    match Date::parse(iso).map(|d| (d, excel_date(d))) {
        Some((_, Some(date))) => ws.write_date_with_format(row, col, &date, format)?,
        Some((d, None)) => ws.write_string(row, col, d.display_vn())?,
        None => ws.write_string(row, col, iso)?,
    };
    Ok(())
}

fn excel_date(d: Date) -> Option<ExcelDateTime> {
    use chrono::Datelike;
    let Date::Full(d) = d else { return None };
    let (year, month, day) = (
        u16::try_from(d.year()).ok()?,
        u8::try_from(d.month()).ok()?,
        u8::try_from(d.day()).ok()?,
    );
    ExcelDateTime::from_ymd(year, month, day).ok()
}

/// The score to two decimals, as the roster showed it: an average stored as
/// 7.9999999 is 8 to the clerk.
fn shown_score(s: f64) -> f64 {
    (s * 100.0).round() / 100.0
}

fn grades_sheet(
    ws: &mut Worksheet,
    stats: &YearStats,
    catalogue: &Catalogue,
    bold: &Format,
) -> Result<(), XlsxError> {
    let l = &catalogue.report.labels;
    ws.set_name(&l.grades_sheet)?;
    ws.write_string_with_format(0, 0, &l.grades_heading, bold)?;
    header(ws, 1, &[&l.grade, &l.count], bold)?;
    for (i, (grade, n)) in stats.grades.iter().enumerate() {
        let row = u32::try_from(i + 2).unwrap_or(u32::MAX);
        ws.write_string(row, 0, grade)?;
        ws.write_number(row, 1, count(*n))?;
    }
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 14)?;
    Ok(())
}
