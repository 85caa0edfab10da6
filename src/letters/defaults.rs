//! The default templates, built with docx-rs in the HD 36-HD/VPTW layout.
//!
//! Their output is committed as `templates/*.docx` and embedded in the
//! binary; a test checks the committed files equal what this module builds
//! (set `HOSO_WRITE_TEMPLATES=1` when running it to rewrite them). Every
//! office-specific text is a placeholder filled from `letters.toml`; the
//! wording below is the form's own, which a clerk changes by editing the
//! .docx in Word.

use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType,
    Table, TableCell, TableLayoutType, TableRow, WidthType,
};

const FONT: &str = "Times New Roman";
/// Sizes in half-points: body text 14 pt, small text 13 pt, headings 15 pt.
const BODY: usize = 28;
const SMALL: usize = 26;
const HEADING: usize = 30;

/// A4 in twentieths of a point, margins per HD 36 (top and bottom 20 mm,
/// left 30 mm, right 15 mm).
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const TOP: i32 = 1134;
const BOTTOM: i32 = 1134;
const LEFT: i32 = 1701;
const RIGHT: i32 = 850;
const TEXT_W: usize = (PAGE_W as usize) - (LEFT as usize) - (RIGHT as usize);

/// The issuing block is narrower than the national-motto block (HD 36).
const HEAD_LEFT_W: usize = 4253;

const PARTY: &str = "ĐẢNG CỘNG SẢN VIỆT NAM";
const NUMBER_LABEL: &str = "Số: ";
const NOTICE_TITLE: &str = "THÔNG BÁO";
const LIST_TITLE: &str = "DANH SÁCH";
const RECIPIENTS: &str = "Nơi nhận:";
const NOTE_LABEL: &str = "Lưu ý: ";
const LIST_COLUMNS: [(&str, &str, usize, bool); 5] = [
    ("STT", "{{nguoi.stt}}", 800, true),
    ("Họ và tên", "{{nguoi.ho_ten}}", 2650, false),
    ("Ngày sinh", "{{nguoi.ngay_sinh}}", 1750, true),
    ("Đơn vị", "{{nguoi.don_vi}}", 2855, false),
    ("Ghi chú", "{{nguoi.ghi_chu}}", 1300, false),
];
const LIST_TOTAL: (&str, &str) = ("Danh sách có ", " đồng chí./.");

/// The rejection notice (`thong-bao.docx`).
pub fn notice_template() -> anyhow::Result<Vec<u8>> {
    let person = Paragraph::new()
        .add_run(text("Đồng chí "))
        .add_run(text("{{ho_ten}}").bold())
        .add_run(text(
            ", sinh {{ngay_sinh}}, đơn vị {{don_vi}}: {{ket_luan}}",
        ));
    let doc = page()
        .add_table(heading_table(true))
        .add_paragraph(blank())
        .add_paragraph(centered(text(NOTICE_TITLE).bold().size(HEADING)))
        .add_paragraph(centered(text("{{trich_yeu}}").bold()))
        .add_paragraph(centered(text("-----")))
        .add_paragraph(body(Paragraph::new().add_run(text("{{can_cu}}").italic())))
        .add_paragraph(body(Paragraph::new().add_run(text("{{mo_dau}}"))))
        .add_paragraph(body(person))
        .add_paragraph(body(
            Paragraph::new().add_run(text("{{ly_do.stt}}. {{ly_do}}")),
        ))
        .add_paragraph(body(
            Paragraph::new()
                .add_run(text(NOTE_LABEL).italic())
                .add_run(text("{{luu_y}}")),
        ))
        .add_paragraph(body(Paragraph::new().add_run(text("{{viec_tiep_theo}}"))))
        .add_paragraph(blank())
        .add_table(signature_table(true))
        .add_paragraph(blank());
    finish(doc)
}

/// The list attached to the recognition decision (`danh-sach.docx`).
pub fn list_template() -> anyhow::Result<Vec<u8>> {
    let header = TableRow::new(
        LIST_COLUMNS
            .iter()
            .map(|(title, _, w, _)| cell(*w).add_paragraph(centered(small(title).bold())))
            .collect(),
    );
    let row = TableRow::new(
        LIST_COLUMNS
            .iter()
            .map(|(_, field, w, center)| {
                let p = Paragraph::new().add_run(small(field));
                cell(*w).add_paragraph(if *center {
                    p.align(AlignmentType::Center)
                } else {
                    p
                })
            })
            .collect(),
    );
    let people = Table::new(vec![header, row])
        .set_grid(LIST_COLUMNS.iter().map(|c| c.2).collect())
        .width(TEXT_W, WidthType::Dxa)
        .layout(TableLayoutType::Fixed);
    let doc = page()
        .add_table(heading_table(false))
        .add_paragraph(blank())
        .add_paragraph(centered(text(LIST_TITLE).bold().size(HEADING)))
        .add_paragraph(centered(text("{{ten_danh_sach}}").bold()))
        .add_paragraph(centered(text("{{kem_theo}}").italic()))
        .add_paragraph(blank())
        .add_table(people)
        .add_paragraph(
            body(Paragraph::new())
                .add_run(text(LIST_TOTAL.0).italic())
                .add_run(text("{{so_nguoi}}").italic())
                .add_run(text(LIST_TOTAL.1).italic()),
        )
        .add_paragraph(blank())
        .add_table(signature_table(false))
        .add_paragraph(blank());
    finish(doc)
}

fn page() -> Docx {
    Docx::new()
        .page_size(PAGE_W, PAGE_H)
        .page_margin(
            PageMargin::new()
                .top(TOP)
                .bottom(BOTTOM)
                .left(LEFT)
                .right(RIGHT)
                .header(567)
                .footer(567),
        )
        .default_fonts(
            RunFonts::new()
                .ascii(FONT)
                .hi_ansi(FONT)
                .cs(FONT)
                .east_asia(FONT),
        )
        .default_size(BODY)
}

fn text(t: &str) -> Run {
    Run::new().add_text(t).size(BODY)
}

fn small(t: &str) -> Run {
    Run::new().add_text(t).size(SMALL)
}

fn blank() -> Paragraph {
    Paragraph::new()
}

fn centered(run: Run) -> Paragraph {
    Paragraph::new().add_run(run).align(AlignmentType::Center)
}

/// Body text: justified, first line indented 1 cm, 3 pt around, 1.2 lines.
fn body(p: Paragraph) -> Paragraph {
    p.align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(567)), None, None)
        .line_spacing(LineSpacing::new().before(60).after(60).line(288))
}

fn cell(width: usize) -> TableCell {
    TableCell::new().width(width, WidthType::Dxa)
}

fn borderless(cells: Vec<TableCell>, grid: Vec<usize>) -> Table {
    Table::without_borders(vec![TableRow::new(cells)])
        .set_grid(grid)
        .width(TEXT_W, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// Issuing body and number on the left, motto and place-date on the right.
fn heading_table(numbered: bool) -> Table {
    let mut left = cell(HEAD_LEFT_W)
        .add_paragraph(centered(text("{{co_quan_cap_tren}}")))
        .add_paragraph(centered(text("{{co_quan_ban_hanh}}").bold()))
        .add_paragraph(centered(text("*")));
    if numbered {
        left = left.add_paragraph(centered(text(&format!("{NUMBER_LABEL}{{{{so_van_ban}}}}"))));
    }
    let right_w = TEXT_W - HEAD_LEFT_W;
    let mut right = cell(right_w)
        .add_paragraph(centered(
            text(PARTY).bold().underline("single").size(HEADING),
        ))
        .add_paragraph(blank());
    if numbered {
        right = right.add_paragraph(blank());
    }
    let right = right.add_paragraph(centered(text("{{noi_ky}}, {{ngay_ky}}").italic()));
    borderless(vec![left, right], vec![HEAD_LEFT_W, right_w])
}

/// Recipients on the left (notices only), the signing block on the right.
fn signature_table(recipients: bool) -> Table {
    let half = TEXT_W / 2;
    let mut left = cell(half);
    left = if recipients {
        left.add_paragraph(Paragraph::new().add_run(small(RECIPIENTS).bold().italic()))
            .add_paragraph(Paragraph::new().add_run(small("{{noi_nhan}}")))
    } else {
        left.add_paragraph(blank())
    };
    let mut right = cell(TEXT_W - half).add_paragraph(centered(text("{{chuc_vu_ky}}").bold()));
    for _ in 0..4 {
        right = right.add_paragraph(blank());
    }
    let right = right.add_paragraph(centered(text("{{nguoi_ky}}").bold()));
    borderless(vec![left, right], vec![half, TEXT_W - half])
}

/// Packs the document, then conforms it to the schema and drops docx-rs's
/// paragraph ids ([`super::conform::repack`]).
fn finish(doc: Docx) -> anyhow::Result<Vec<u8>> {
    let mut raw = std::io::Cursor::new(Vec::new());
    doc.created_at("2021-01-01T00:00:00Z")
        .updated_at("2021-01-01T00:00:00Z")
        .pack(&mut raw)?;
    super::conform::repack(&raw.into_inner())
}
