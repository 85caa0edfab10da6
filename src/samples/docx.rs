//! Word documents of a dossier and a unit's request letter, built with
//! docx-rs and packed with fixed timestamps so every run gives the same bytes.

use super::model::{Commune, Form, FormLayout, Letter, Person, Transcript};
use anyhow::Context;
use chrono::NaiveDate;
use docx_rs::BuildXML;
use docx_rs::{
    AlignmentType, BreakType, Document, Docx, PageMargin, Paragraph, Run, RunFonts, Table,
    TableCell, TableRow, WidthType, XMLDocx,
};
use std::io::{Cursor, Write};

/// A piece of body content, in order.
pub enum Block {
    P(Box<Paragraph>),
    T(Box<Table>),
}

fn block_p(p: Paragraph) -> Block {
    Block::P(Box::new(p))
}

fn block_t(t: Table) -> Block {
    Block::T(Box::new(t))
}

/// "ngày 05 tháng 3 năm 2021" (HD 36: day and months 1–2 with a leading zero).
pub fn date_in_words(d: NaiveDate) -> String {
    crate::date::Date::Full(d).in_words()
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn run(text: &str) -> Run {
    Run::new().add_text(text)
}

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text))
}

fn centered_bold(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text).bold())
        .align(AlignmentType::Center)
}

fn right(p: Paragraph) -> Paragraph {
    p.align(AlignmentType::Right)
}

fn empty() -> Paragraph {
    Paragraph::new()
}

/// Cells of a borderless layout table (letter heads, signature blocks).
fn layout_cell(lines: &[(String, bool, bool)], width: usize) -> TableCell {
    let mut cell = TableCell::new().width(width, WidthType::Dxa);
    for (text, bold, italic) in lines {
        let mut r = run(text);
        if *bold {
            r = r.bold();
        }
        if *italic {
            r = r.italic();
        }
        cell = cell.add_paragraph(Paragraph::new().add_run(r).align(AlignmentType::Center));
    }
    cell
}

fn two_columns(left: TableCell, right: TableCell) -> Table {
    Table::without_borders(vec![TableRow::new(vec![left, right])]).set_grid(vec![4200, 5200])
}

/// The labels of a form, in order; `alt` is the other common wording.
fn form_fields(person: &Person, form: &Form) -> Vec<(&'static str, String)> {
    let alt = form.alt_labels;
    let pick = |usual: &'static str, other: &'static str| if alt { other } else { usual };
    vec![
        (pick("Họ và tên", "Họ và tên khai sinh"), form.name.clone()),
        (pick("Ngày sinh", "Sinh ngày"), form.birth_text.clone()),
        ("Giới tính", person.sex.label().to_string()),
        ("Dân tộc", person.ethnicity.to_string()),
        (pick("Chức vụ", "Chức vụ hiện nay"), person.position.clone()),
        (pick("Đơn vị công tác", "Nơi công tác"), person.unit.clone()),
        (
            pick("Ngày vào Đảng", "Ngày kết nạp Đảng"),
            person.party.text(),
        ),
        (
            pick("Trình độ học vấn", "Trình độ văn hóa"),
            person.education.to_string(),
        ),
        (
            "Trình độ lý luận chính trị",
            person.current_level.to_string(),
        ),
        (
            pick("Cơ sở đào tạo", "Nơi học"),
            person.institution.name.to_string(),
        ),
        (
            pick("Khóa học", "Chương trình đã học"),
            person.institution.course.to_string(),
        ),
        (
            "Thời gian học",
            format!(
                "từ {} đến {}",
                dmy(person.course_from),
                dmy(person.course_to)
            ),
        ),
    ]
}

/// One `Label: value` line in the form's layout.
fn field_paragraph(label: &str, value: &str, layout: FormLayout, cut: usize) -> Paragraph {
    let line = if value.is_empty() {
        format!("{label}:")
    } else {
        format!("{label}: {value}")
    };
    match layout {
        FormLayout::BoldLabels => {
            let p = Paragraph::new().add_run(run(&format!("{label}:")).bold());
            if value.is_empty() {
                p
            } else {
                p.add_run(run(&format!(" {value}")))
            }
        }
        FormLayout::Plain | FormLayout::Table => para(&line),
        FormLayout::Tabs => Paragraph::new()
            .add_run(run(label).add_tab())
            .add_run(run(value)),
        FormLayout::SplitRuns => {
            // Word splits runs wherever an edit or spell check touched the
            // text: mid-label, mid-word, around the colon.
            let chars: Vec<char> = line.chars().collect();
            let first = (cut % chars.len().max(1)).max(1);
            let second = (first + 1 + cut / 7 % 5).min(chars.len());
            let mut p = Paragraph::new();
            for (i, piece) in [
                &chars[..first.min(chars.len())],
                &chars[first.min(chars.len())..second],
                &chars[second..],
            ]
            .iter()
            .enumerate()
            {
                if piece.is_empty() {
                    continue;
                }
                let s: String = piece.iter().collect();
                let r = run(&s);
                p = p.add_run(if i == 0 { r.bold() } else { r });
            }
            p
        }
    }
}

/// The application form (*đơn đề nghị*).
pub fn form_blocks(person: &Person, form: &Form) -> Vec<Block> {
    let mut out = vec![
        block_p(centered_bold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")),
        block_p(centered_bold("Độc lập - Tự do - Hạnh phúc")),
        block_p(empty()),
        block_p(centered_bold(
            "ĐƠN ĐỀ NGHỊ XÉT CÔNG NHẬN TRÌNH ĐỘ LÝ LUẬN CHÍNH TRỊ TƯƠNG ĐƯƠNG SƠ CẤP",
        )),
        block_p(
            Paragraph::new()
                .add_run(run("Kính gửi: Trung tâm Chính trị huyện Kon Rẫy"))
                .align(AlignmentType::Center),
        ),
        block_p(empty()),
    ];
    let fields = form_fields(person, form);
    if form.layout == FormLayout::Table {
        let rows = fields
            .iter()
            .map(|(label, value)| {
                TableRow::new(vec![
                    TableCell::new()
                        .width(3400, WidthType::Dxa)
                        .add_paragraph(Paragraph::new().add_run(run(label).bold())),
                    TableCell::new()
                        .width(6000, WidthType::Dxa)
                        .add_paragraph(para(value)),
                ])
            })
            .collect();
        out.push(block_t(Table::new(rows).set_grid(vec![3400, 6000])));
    } else {
        for (i, (label, value)) in fields.iter().enumerate() {
            out.push(block_p(field_paragraph(
                label,
                value,
                form.layout,
                form.cut + i * 3,
            )));
        }
    }
    out.push(block_p(para(
        "Tôi làm đơn này đề nghị Trung tâm Chính trị huyện Kon Rẫy xem xét, công nhận trình độ \
         lý luận chính trị tương đương sơ cấp cho tôi. Tôi xin cam đoan những nội dung khai trên \
         là đúng sự thật.",
    )));
    out.push(block_p(right(Paragraph::new().add_run(
        run(&format!("{}, {}", form.place, date_in_words(form.signed))).italic(),
    ))));
    out.push(block_p(right(
        Paragraph::new().add_run(run("Người làm đơn").bold()),
    )));
    out.push(block_p(right(
        Paragraph::new().add_run(run("(Ký và ghi rõ họ tên)").italic()),
    )));
    out.push(block_p(empty()));
    out.push(block_p(empty()));
    out.push(block_p(right(
        Paragraph::new().add_run(run(&form.name).bold()),
    )));
    out
}

/// The transcript (*bảng điểm*), its copy mark above the title.
pub fn transcript_blocks(person: &Person, t: &Transcript) -> Vec<Block> {
    let mut out = Vec::new();
    if let Some(mark) = t.mark {
        out.push(block_p(right(Paragraph::new().add_run(run(mark).bold()))));
    }
    out.push(block_p(centered_bold(
        &person.institution.name.to_uppercase(),
    )));
    out.push(block_p(centered_bold(t.title)));
    out.push(block_p(para(&format!("Họ và tên: {}", t.name))));
    out.push(block_p(para(&format!("Ngày sinh: {}", dmy(t.birth)))));
    out.push(block_p(para(&format!(
        "Lớp: {}",
        person.institution.course
    ))));
    let widths = [700, 5500, 1500, 1500];
    let row = |cells: [String; 4], bold: bool| {
        TableRow::new(
            cells
                .iter()
                .zip(widths)
                .map(|(text, w)| {
                    let r = if bold { run(text).bold() } else { run(text) };
                    TableCell::new()
                        .width(w, WidthType::Dxa)
                        .add_paragraph(Paragraph::new().add_run(r))
                })
                .collect(),
        )
    };
    let mut rows = vec![row(t.columns.map(str::to_string), true)];
    for (i, s) in t.subjects.iter().enumerate() {
        rows.push(row(
            [
                (i + 1).to_string(),
                s.name.clone(),
                s.periods.to_string(),
                s.score.clone(),
            ],
            false,
        ));
    }
    let total: u32 = t.subjects.iter().map(|s| s.periods).sum();
    rows.push(row(
        [
            String::new(),
            "Tổng cộng".to_string(),
            total.to_string(),
            String::new(),
        ],
        true,
    ));
    out.push(block_t(Table::new(rows).set_grid(widths.to_vec())));
    out.push(block_p(empty()));
    out.push(block_p(right(
        Paragraph::new().add_run(
            run(&format!(
                "{}, {}",
                person.institution.city,
                date_in_words(t.issued)
            ))
            .italic(),
        ),
    )));
    out.push(block_p(right(
        Paragraph::new().add_run(run(person.institution.head).bold()),
    )));
    out.push(block_p(empty()));
    out.push(block_p(right(
        Paragraph::new().add_run(run(&t.signer).bold()),
    )));
    out
}

/// A paragraph holding only a page break: where the next document starts.
pub fn page_break() -> Block {
    block_p(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)))
}

/// The unit's request letter (*công văn đề nghị*), HD 36 layout.
pub fn letter_blocks(commune: &Commune, letter: &Letter, dossiers: usize) -> Vec<Block> {
    let place = &commune.place;
    let body = format!("Đảng ủy {}", place.full());
    let head = two_columns(
        layout_cell(
            &[
                (place.party_committee_caps(), true, false),
                (format!("Số: {}-CV/ĐU", letter.number), false, false),
                (
                    "V/v đề nghị xét công nhận trình độ lý luận chính trị tương đương sơ cấp"
                        .to_string(),
                    false,
                    true,
                ),
            ],
            4200,
        ),
        layout_cell(
            &[
                ("ĐẢNG CỘNG SẢN VIỆT NAM".to_string(), true, false),
                (
                    format!("{}, {}", place.name, date_in_words(letter.date)),
                    false,
                    true,
                ),
            ],
            5200,
        ),
    );
    let signature = two_columns(
        layout_cell(
            &[
                ("Nơi nhận:".to_string(), true, true),
                ("- Như trên;".to_string(), false, false),
                ("- Ban Tổ chức Huyện ủy;".to_string(), false, false),
                ("- Lưu Văn phòng Đảng ủy.".to_string(), false, false),
            ],
            4200,
        ),
        layout_cell(
            &[
                ("T/M ĐẢNG ỦY".to_string(), true, false),
                ("BÍ THƯ".to_string(), true, false),
                (String::new(), false, false),
                (String::new(), false, false),
                (commune.secretary.clone(), true, false),
            ],
            5200,
        ),
    );
    vec![
        block_t(head),
        block_p(empty()),
        block_p(
            Paragraph::new()
                .add_run(run("Kính gửi: Trung tâm Chính trị huyện Kon Rẫy"))
                .align(AlignmentType::Center),
        ),
        block_p(empty()),
        block_p(para(
            "Căn cứ Quyết định số 256-QĐ/TW ngày 16/9/2009 của Ban Bí thư Trung ương Đảng về việc \
             xác định trình độ lý luận chính trị; Hướng dẫn số 69-HD/BTGTW ngày 14/01/2013 của \
             Ban Tuyên giáo Trung ương;",
        )),
        block_p(para(&format!(
            "{body} đề nghị Trung tâm Chính trị huyện Kon Rẫy xem xét, công nhận trình độ lý luận \
             chính trị tương đương sơ cấp cho {dossiers:02} đồng chí (có danh sách kèm theo). Hồ sơ \
             gồm:"
        ))),
        block_p(para("- Danh sách trích ngang các đồng chí đề nghị xét;")),
        block_p(para("- Đơn đề nghị của từng đồng chí;")),
        block_p(para("- Bảng điểm, văn bằng, chứng chỉ của từng đồng chí.")),
        block_p(para(
            "Kính đề nghị Trung tâm Chính trị huyện xem xét, giải quyết./.",
        )),
        block_p(empty()),
        block_t(signature),
    ]
}

const MARGINS: PageMargin = PageMargin {
    top: 1134,
    left: 1701,
    bottom: 1134,
    right: 1134,
    header: 720,
    footer: 720,
    gutter: 0,
};

/// The document every .docx of ours starts from; `created` dates it.
fn base_docx(created: &str) -> Docx {
    Docx::new()
        .default_fonts(
            RunFonts::new()
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman")
                .cs("Times New Roman"),
        )
        .default_size(28)
        .page_margin(MARGINS)
        .created_at(created)
        .updated_at(created)
}

fn stamp(created: NaiveDate) -> String {
    format!("{}T08:00:00Z", created.format("%Y-%m-%d"))
}

/// The body alone: what [`base_docx`] plus these blocks would hold.
fn body(blocks: Vec<Block>) -> Document {
    let mut document = Document::new().page_margin(MARGINS);
    for b in blocks {
        document = match b {
            Block::P(p) => document.add_paragraph(*p),
            Block::T(t) => document.add_table(*t),
        };
    }
    document
}

/// The package parts of a built document, by entry name.
fn parts(xml: &XMLDocx) -> [(&'static str, &[u8]); 14] {
    [
        ("[Content_Types].xml", &xml.content_type),
        ("_rels/.rels", &xml.rels),
        ("docProps/app.xml", &xml.doc_props.app),
        ("docProps/core.xml", &xml.doc_props.core),
        ("docProps/custom.xml", &xml.doc_props.custom),
        ("word/_rels/document.xml.rels", &xml.document_rels),
        ("word/document.xml", &xml.document),
        ("word/styles.xml", &xml.styles),
        ("word/settings.xml", &xml.settings),
        ("word/fontTable.xml", &xml.font_table),
        ("word/comments.xml", &xml.comments),
        ("word/numbering.xml", &xml.numberings),
        ("word/commentsExtended.xml", &xml.comments_extended),
        ("word/footnotes.xml", &xml.footnotes),
    ]
}

/// Fixed timestamps (the DOS epoch) so the bytes depend on content only.
fn entry_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
}

const DOCUMENT: &str = "word/document.xml";
const CORE: &str = "docProps/core.xml";

/// Every part but the body and the core properties is the same in all our
/// documents (styles, settings, numbering…): serialised and compressed once
/// and merged into each document as is. Writing 100 000 dossiers would
/// otherwise spend most of its time rebuilding and deflating them.
struct Shared {
    /// The shared parts as a zip, to merge into each document unchanged.
    zip: Vec<u8>,
    /// The core properties, dated [`TEMPLATE_DATE`].
    core: String,
}

const TEMPLATE_DATE: &str = "2000-01-01T08:00:00Z";

static SHARED: std::sync::LazyLock<Option<Shared>> = std::sync::LazyLock::new(|| {
    let xml = base_docx(TEMPLATE_DATE).build();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in parts(&xml) {
        if name != DOCUMENT && name != CORE {
            zip.start_file(name, entry_options()).ok()?;
            zip.write_all(&conformed(name, bytes.to_vec()).ok()?).ok()?;
        }
    }
    Some(Shared {
        zip: zip.finish().ok()?.into_inner(),
        core: String::from_utf8(xml.doc_props.core).ok()?,
    })
});

/// docx-rs gives paragraphs ids from a per-thread counter, so the ids would
/// depend on which thread built what before; number them in document order.
fn sequential_para_ids(mut xml: Vec<u8>) -> Vec<u8> {
    const ATTR: &[u8] = b"w14:paraId=\"";
    let mut n: u32 = 0;
    let mut at = 0;
    while let Some(found) = xml
        .get(at..)
        .and_then(|rest| rest.windows(ATTR.len()).position(|w| w == ATTR))
    {
        let start = at + found + ATTR.len();
        n += 1;
        let id = format!("{n:08X}");
        if let Some(slot) = xml.get_mut(start..start + 8) {
            slot.copy_from_slice(id.as_bytes());
        }
        at = start + 8;
    }
    xml
}

/// A part as docx-rs wrote it, in the schema's order when it is
/// WordprocessingML ([`crate::letters::conform`]): samples stand for files
/// Word wrote, which pass its validator.
fn conformed(name: &str, xml: Vec<u8>) -> anyhow::Result<Vec<u8>> {
    if crate::letters::conform::is_wordml_part(name) {
        crate::letters::conform::conform_xml(&xml).map_err(anyhow::Error::msg)
    } else {
        Ok(xml)
    }
}

/// A body as docx-rs wrote it, in the schema's order. Of what
/// [`conformed`] puts right, a body of ours holds two things: the empty
/// paragraph-mark `w:rPr` docx-rs writes first in every `w:pPr` (the schema
/// puts it last; empty, it says nothing) and `w:type` on `w:gridCol`. Fixed
/// as bytes: the pass over the tree made generating a batch 40% slower. A
/// test checks the result is what that pass gives.
fn conformed_body(xml: Vec<u8>) -> Vec<u8> {
    static GRID_TYPE: std::sync::LazyLock<Option<regex::bytes::Regex>> =
        std::sync::LazyLock::new(|| {
            regex::bytes::Regex::new(r#"(<w:gridCol [^>]*?) w:type="[A-Za-z]*" */>"#).ok()
        });
    let mut out = Vec::with_capacity(xml.len());
    let mut rest = xml.as_slice();
    const EMPTY_MARK: &[u8] = b"<w:pPr><w:rPr />";
    while let Some(at) = rest.windows(EMPTY_MARK.len()).position(|w| w == EMPTY_MARK) {
        out.extend_from_slice(&rest[..at + b"<w:pPr>".len()]);
        rest = &rest[at + EMPTY_MARK.len()..];
    }
    out.extend_from_slice(rest);
    match &*GRID_TYPE {
        Some(grid_type) => grid_type.replace_all(&out, &b"$1/>"[..]).into_owned(),
        None => out,
    }
}

/// A .docx of these blocks, its core properties dated `created`.
pub fn pack(blocks: Vec<Block>, created: NaiveDate) -> anyhow::Result<Vec<u8>> {
    let document = conformed_body(sequential_para_ids(body(blocks).build()));
    let shared = SHARED
        .as_ref()
        .context("the shared parts of a .docx could not be built")?;
    let core = shared.core.replace(TEMPLATE_DATE, &stamp(created));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.merge_archive(zip::ZipArchive::new(Cursor::new(shared.zip.as_slice()))?)?;
    // Too small to be worth a deflate stream.
    let stored = entry_options().compression_method(zip::CompressionMethod::Stored);
    zip.start_file(CORE, stored)?;
    zip.write_all(core.as_bytes())?;
    zip.start_file(DOCUMENT, entry_options().compression_level(Some(1)))?;
    zip.write_all(&document)?;
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Packing builds only the body and core properties; the result must
    /// hold exactly what docx-rs's full build of the same document holds.
    #[test]
    fn packed_documents_equal_a_full_docx_rs_build() {
        let plan = super::super::review::plan(196, 2021);
        type Maker = Box<dyn Fn() -> Vec<Block>>;
        let mut docs: Vec<(Maker, NaiveDate)> = Vec::new();
        for case in plan.cases.iter().take(30) {
            let Some(d) = case.dossier.clone() else {
                continue;
            };
            let person = case.person.clone();
            let (p, f) = (person.clone(), d.form.clone());
            docs.push((Box::new(move || form_blocks(&p, &f)), d.form.signed));
            if let Some(t) = d.transcript.clone() {
                let issued = t.issued;
                docs.push((Box::new(move || transcript_blocks(&person, &t)), issued));
            }
        }
        for commune in plan.communes.iter().cloned() {
            if let Some(letter) = commune.letter.clone() {
                let date = letter.date;
                docs.push((Box::new(move || letter_blocks(&commune, &letter, 30)), date));
            }
        }
        assert!(docs.len() > 40);
        for (make, date) in &docs {
            let packed = pack(make(), *date).unwrap_or_default();
            let mut archive = match zip::ZipArchive::new(Cursor::new(packed)) {
                Ok(a) => a,
                Err(e) => panic!("{e}"),
            };
            let mut docx = base_docx(&stamp(*date));
            for b in make() {
                docx = match b {
                    Block::P(p) => docx.add_paragraph(*p),
                    Block::T(t) => docx.add_table(*t),
                };
            }
            let full = docx.build();
            let expected = parts(&full);
            assert_eq!(archive.len(), expected.len());
            for (name, bytes) in expected {
                let mut got = Vec::new();
                if let Ok(mut entry) = archive.by_name(name) {
                    let _ = entry.read_to_end(&mut got);
                }
                let want = if name == DOCUMENT {
                    sequential_para_ids(bytes.to_vec())
                } else {
                    bytes.to_vec()
                };
                if name == DOCUMENT {
                    // As the pass over the tree would have it.
                    let tree = crate::letters::conform::conform_xml(&want).unwrap();
                    let again = crate::letters::conform::conform_xml(&got).unwrap();
                    assert!(again == tree, "{name} differs");
                    assert!(
                        crate::letters::conform::in_order(&got),
                        "{name} is out of order"
                    );
                } else {
                    let want = conformed(name, want).unwrap();
                    assert!(got == want, "{name} differs");
                }
            }
        }
    }

    #[test]
    fn paragraph_ids_are_numbered_in_order() {
        let xml = br#"<w:p w14:paraId="0000002A"/><w:p w14:paraId="0000002B"/>"#.to_vec();
        assert_eq!(
            sequential_para_ids(xml),
            br#"<w:p w14:paraId="00000001"/><w:p w14:paraId="00000002"/>"#.to_vec()
        );
    }
}
