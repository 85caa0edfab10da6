//! A commune's submission list (*danh sách đề nghị*) as the Party committee's
//! office types it: merged title rows, a header (sometimes two rows with a
//! Nam/Nữ pair), numbered rows, a signature footer.

use super::docx::date_in_words;
use super::model::{Case, Commune, ListBirth, ListLayout, Party};
use super::people::Sex;
use super::sheet::{self, Formats, Value};
use rust_xlsxwriter::Worksheet;

/// Writes the list of `rows` (in list order) for `commune` as .xlsx bytes.
pub fn list_xlsx(commune: &Commune, index: usize, rows: &[&Case]) -> anyhow::Result<Vec<u8>> {
    let f = Formats::new();
    let mut wb = sheet::workbook(commune.list_date, "Văn phòng Đảng ủy")?;
    let sheets: Vec<(&str, &[&Case])> = match commune.list_layout {
        ListLayout::TwoSheets => {
            let (a, b) = rows.split_at(rows.len() / 2);
            vec![("Đảng - Đoàn thể", a), ("Chính quyền", b)]
        }
        _ => vec![("DS đề nghị", rows)],
    };
    for (name, part) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        write_sheet(ws, commune, index, part, &f)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn write_sheet(
    ws: &mut Worksheet,
    commune: &Commune,
    index: usize,
    rows: &[&Case],
    f: &Formats,
) -> anyhow::Result<()> {
    let male_female = commune.list_layout == ListLayout::MaleFemale;
    // Offices word their headers differently; every wording is a known alias.
    let birth_header = if index % 3 == 1 {
        "Ngày, tháng, năm sinh"
    } else {
        "Ngày sinh"
    };
    let unit_header = if index % 2 == 1 {
        "Đơn vị công tác"
    } else {
        "Đơn vị"
    };
    let mut headers: Vec<&str> = vec!["STT", "Họ và tên"];
    if male_female {
        headers.extend(["Nam", "Nữ"]);
    } else {
        headers.push(birth_header);
    }
    headers.extend(["Chức vụ", unit_header, "Ngày vào Đảng", "Ghi chú"]);
    let last = (headers.len() - 1) as u16;
    let widths: Vec<f64> = headers
        .iter()
        .map(|h| match *h {
            "STT" => 5.0,
            "Họ và tên" => 24.0,
            "Chức vụ" => 30.0,
            "Đơn vị" | "Đơn vị công tác" => 32.0,
            "Ghi chú" => 12.0,
            _ => 13.0,
        })
        .collect();
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }

    let place = &commune.place;
    sheet::span(ws, 0, 0, 2, "ĐẢNG BỘ HUYỆN KON RẪY", &f.bold_center)?;
    sheet::span(
        ws,
        0,
        4,
        last,
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        &f.underlined_bold_center,
    )?;
    sheet::span(ws, 1, 0, 2, &place.party_committee_caps(), &f.bold_center)?;
    sheet::span(ws, 2, 0, 2, "*", &f.bold_center)?;
    sheet::span(ws, 4, 0, last, "DANH SÁCH", &f.bold_center)?;
    sheet::span(
        ws,
        5,
        0,
        last,
        "ĐỀ NGHỊ XÉT CÔNG NHẬN TRÌNH ĐỘ LÝ LUẬN CHÍNH TRỊ TƯƠNG ĐƯƠNG SƠ CẤP",
        &f.bold_center,
    )?;
    if let Some(letter) = &commune.letter {
        let attached = format!(
            "(Kèm theo Công văn số {}-CV/ĐU ngày {} của Đảng ủy {})",
            letter.number,
            letter.date.format("%d/%m/%Y"),
            place.full()
        );
        sheet::span(ws, 6, 0, last, &attached, &f.italic_center)?;
    }

    let mut row = 8u32;
    if male_female {
        for (c, h) in headers.iter().enumerate() {
            let c = c as u16;
            if *h == "Nam" {
                ws.merge_range(row, c, row, c + 1, birth_header, &f.header)?;
                ws.write_string_with_format(row + 1, c, "Nam", &f.header)?;
            } else if *h == "Nữ" {
                ws.write_string_with_format(row + 1, c, "Nữ", &f.header)?;
            } else {
                ws.merge_range(row, c, row + 1, c, h, &f.header)?;
            }
        }
        row += 2;
    } else {
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *h, &f.header)?;
        }
        row += 1;
    }

    let gap_after = (commune.list_layout == ListLayout::Gaps).then_some(rows.len() / 2);
    for (i, case) in rows.iter().enumerate() {
        if gap_after == Some(i) && i > 0 {
            for c in 0..=last {
                ws.write_blank(row, c, &f.cell)?;
            }
            row += 1;
        }
        let Some(entry) = &case.list else { continue };
        let p = &case.person;
        let birth = match &entry.birth {
            ListBirth::Cell(d) => Value::Date(*d),
            ListBirth::Text(t) => Value::Text(t.clone()),
            ListBirth::YearNumber(y) => Value::Number(f64::from(*y)),
            ListBirth::YearText(y) => Value::Text(y.to_string()),
        };
        let mut values = vec![
            Value::Number((i + 1) as f64),
            Value::Text(entry.name.clone()),
        ];
        if male_female {
            match p.sex {
                Sex::Male => values.extend([birth, Value::Empty]),
                Sex::Female => values.extend([Value::Empty, birth]),
            }
        } else {
            values.push(birth);
        }
        let party = match &p.party {
            // Most clerks type the admission date as a date; some as text.
            Party::Member(d) if i % 4 != 3 => Value::Date(*d),
            other => Value::Text(other.text()),
        };
        values.extend([
            Value::Text(p.position.clone()),
            Value::Text(p.unit.clone()),
            party,
            Value::Empty,
        ]);
        for (c, v) in values.iter().enumerate() {
            sheet::put(ws, row, c as u16, v, f)?;
        }
        row += 1;
    }
    if gap_after.is_some() {
        let total = format!("Tổng cộng: {:02} đồng chí", rows.len());
        sheet::span(ws, row, 1, 2, &total, &f.bold)?;
        row += 1;
    }

    row += 1;
    ws.write_string_with_format(row, 1, "Người lập biểu", &f.bold_center)?;
    let when = format!("{}, {}", place.name, date_in_words(commune.list_date));
    sheet::span(ws, row, 4, last, &when, &f.italic_center)?;
    sheet::span(ws, row + 1, 4, last, "T/M ĐẢNG ỦY", &f.bold_center)?;
    sheet::span(ws, row + 2, 4, last, "BÍ THƯ", &f.bold_center)?;
    ws.write_string_with_format(row + 6, 1, &commune.clerk, &f.bold_center)?;
    sheet::span(ws, row + 6, 4, last, &commune.secretary, &f.bold_center)?;
    Ok(())
}
