//! Word dossiers made by other tools (python-docx, then re-saved by
//! LibreOffice): what `docx` reads and what `dossier_doc` makes of it.
//! The fixtures and the script that made them are in tests/fixtures/docx.

use hoso::date::Date;
use hoso::ingest::docx::{read_document, read_document_bytes};
use hoso::ingest::dossier_doc::{DocPart, split_parts};
use hoso::ingest::{Block, Document};
use hoso::source::Source;
use hoso::vocab::Vocabulary;
use std::path::PathBuf;

/// The python-docx originals and their LibreOffice re-saves: every
/// expectation must hold for both.
const MAKERS: [&str; 2] = ["", "resaved/"];

fn vocab() -> Vocabulary {
    #[derive(serde::Deserialize)]
    struct F {
        vocabulary: Vocabulary,
    }
    toml::from_str::<F>(include_str!("../rules/tuong-duong-so-cap.toml"))
        .expect("default rules parse")
        .vocabulary
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/docx")
        .join(name)
}

fn document(name: &str) -> Document {
    read_document(&fixture(name), name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parts(name: &str) -> Vec<DocPart> {
    split_parts(&document(name), &vocab())
}

fn text<'a>(part: &'a DocPart, field: &str) -> &'a str {
    part.fields
        .get(field)
        .map(|f| f.text.as_str())
        .unwrap_or_else(|| panic!("{}: no {field} in {:?}", part.file, part.fields))
}

fn source(part: &DocPart, field: &str) -> String {
    part.fields.get(field).unwrap().source.to_string()
}

fn date(part: &DocPart, field: &str) -> Date {
    Date::parse(text(part, field)).unwrap_or_else(|| panic!("{field} is not a date"))
}

fn ymd(y: i32, m: u32, d: u32) -> Date {
    Date::ymd(y, m, d).expect("valid date")
}

fn subjects(part: &DocPart) -> Vec<(&str, Option<f64>)> {
    part.subjects
        .iter()
        .map(|s| (s.name.as_str(), s.periods))
        .collect()
}

#[test]
fn application_form_fields_and_their_sources() {
    for maker in MAKERS {
        let name = format!("{maker}don-de-nghi.docx");
        let parts = parts(&name);
        assert_eq!(parts.len(), 1, "{name}");
        let form = &parts[0];
        assert_eq!(form.kind.as_deref(), Some("don"), "{name}");
        assert_eq!(
            form.title.as_deref().cloned(),
            Some((
                "ĐƠN ĐỀ NGHỊ".to_string(),
                Source::paragraph(name.as_str(), 2)
            ))
        );
        // Bold label in two runs, NFD value split mid-word, read as NFC.
        assert_eq!(text(form, "name"), "Nguyễn Văn An");
        assert_eq!(source(form, "name"), format!("{name}#p5"));
        // Two fields on one line separated by a tab, two separated by spaces.
        assert_eq!(date(form, "birth_date"), ymd(1975, 3, 5));
        assert_eq!(text(form, "sex"), "Nam");
        assert_eq!(source(form, "sex"), format!("{name}#p6"));
        assert_eq!(text(form, "ethnicity"), "Kinh");
        assert_eq!(text(form, "education"), "12/12");
        // A tab instead of a colon; dotted leaders; a numbered label.
        assert_eq!(text(form, "position"), "Phó Chủ tịch Ủy ban nhân dân xã");
        assert_eq!(text(form, "unit"), "UBND xã Đăk Ruồng, huyện Kon Rẫy");
        assert_eq!(date(form, "party_date"), ymd(2005, 8, 12));
        assert_eq!(source(form, "party_date"), format!("{name}#p10"));
        // Label cell | value cell; the source is the value cell.
        assert_eq!(text(form, "current_level"), "Chưa qua đào tạo");
        assert_eq!(text(form, "institution"), "Trường Đại học Tây Nguyên");
        assert_eq!(source(form, "institution"), format!("{name}#t2.r2.c2"));
        assert_eq!(text(form, "course"), "Bồi dưỡng lý luận chính trị khóa 3");
        assert_eq!(text(form, "course_dates"), "từ 01/03/2015 đến 30/03/2015");
        assert_eq!(
            Date::find_all(text(form, "course_dates")),
            [ymd(2015, 3, 1), ymd(2015, 3, 30)]
        );
        // The applicant's line, the last in the signature table, wins over
        // the cell's confirmation date to its left.
        let (signed, at) = *form.signed.clone().expect("signed");
        assert_eq!(signed, ymd(2021, 3, 5));
        assert_eq!(at.to_string(), format!("{name}#t3.r1.c2"));
        // "- Bản sao bảng điểm;" in the list of attachments is no copy mark.
        assert_eq!(form.copy_mark, None);
        assert!(form.subjects.is_empty());
    }
}

#[test]
fn form_text_keeps_quotes_tables_and_the_header() {
    for maker in MAKERS {
        let name = format!("{maker}don-de-nghi.docx");
        let doc = document(&name);
        let paragraphs: Vec<(u32, &str)> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some((p.n, p.text.as_str())),
                _ => None,
            })
            .collect();
        assert!(
            paragraphs.contains(&(
                12,
                "Tôi xin cam đoan \u{201c}những lời khai trên là đúng sự thật\u{201d} và chịu trách nhiệm trước pháp luật."
            )),
            "{name}: {paragraphs:?}"
        );
        assert!(paragraphs.contains(&(8, "Chức vụ\tPhó Chủ tịch Ủy ban nhân dân xã")));
        // The header comes after the body, numbered on.
        assert_eq!(paragraphs.last(), Some(&(16, "Mẫu số 01-ĐĐN")), "{name}");
        let Some(Block::Table(layout)) = doc.blocks.first() else {
            panic!("{name}: the layout table comes first")
        };
        assert_eq!(layout.n, 1);
        assert_eq!(
            layout.rows[0][1].text,
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
        );
        let bold: Vec<_> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) if p.n == 5 => p.bold_prefix.as_deref(),
                _ => None,
            })
            .collect();
        assert_eq!(bold, ["Họ và tên:"], "{name}");
    }
}

#[test]
fn transcript_rows_copy_mark_and_holder() {
    for maker in MAKERS {
        let name = format!("{maker}bang-diem.docx");
        let parts = parts(&name);
        assert_eq!(parts.len(), 1, "{name}");
        let t = &parts[0];
        assert_eq!(t.kind.as_deref(), Some("bang_diem"));
        assert_eq!(
            t.title.as_deref().map(|(_, s)| s.to_string()),
            Some(format!("{name}#p3"))
        );
        let mark = t.copy_mark.as_ref().expect("copy mark");
        assert_eq!(mark.text, "SAO Y BẢN CHÍNH");
        assert_eq!(mark.source.to_string(), format!("{name}#p1"));
        assert_eq!(text(t, "name"), "NGUYỄN VĂN AN");
        assert_eq!(date(t, "birth_date"), ymd(1975, 3, 5));
        assert_eq!(source(t, "birth_date"), format!("{name}#p5"));
        assert_eq!(
            subjects(t),
            [
                ("Bài 1. Triết học Mác - Lênin", Some(40.0)),
                ("Chuyên đề 2: Tư tưởng Hồ Chí Minh", Some(30.0)),
                ("Phần III - Lịch sử Đảng Cộng sản Việt Nam", Some(50.0)),
                ("Nhà nước và pháp luật Việt Nam", Some(40.0)),
                ("Công tác dân vận ở cơ sở", Some(22.5)),
            ],
            "{name}"
        );
        assert_eq!(t.subjects[0].score.as_deref(), Some("8,5"));
        assert_eq!(t.subjects[4].source.to_string(), format!("{name}#t1.r6.c2"));
        assert_eq!(t.signed.as_ref().map(|s| s.0), Some(ymd(2015, 3, 30)));
    }
}

#[test]
fn one_file_holding_form_transcript_and_request_letter() {
    for maker in MAKERS {
        let name = format!("{maker}ho-so-gop.docx");
        let parts = parts(&name);
        let kinds: Vec<_> = parts.iter().map(|p| p.kind.as_deref()).collect();
        assert_eq!(
            kinds,
            [Some("don"), Some("bang_diem"), Some("cong_van")],
            "{name}"
        );
        let (form, transcript, letter) = (&parts[0], &parts[1], &parts[2]);

        assert_eq!(text(form, "name"), "Trần Thị Bình");
        assert_eq!(date(form, "birth_date"), Date::Year(1980));
        assert_eq!(text(form, "party_date"), "Chưa");
        assert_eq!(text(form, "position"), "Không");
        assert_eq!(text(form, "institution"), "Trường Cao đẳng Sư phạm Kon Tum");
        // The confirmation's blank date line comes first; the applicant's counts.
        assert_eq!(form.signed.as_ref().map(|s| s.0), Some(ymd(2021, 3, 20)));
        assert_eq!(form.copy_mark, None);
        assert!(form.subjects.is_empty());

        // The mark above the title belongs to the transcript.
        let mark = transcript.copy_mark.as_ref().expect("copy mark");
        assert_eq!(
            (mark.label.as_str(), mark.text.as_str()),
            ("Bản photo", "Bản photo")
        );
        assert_eq!(mark.source.to_string(), format!("{name}#p17"));
        assert_eq!(text(transcript, "name"), "Trần Thị Bình");
        assert_eq!(date(transcript, "birth_date"), Date::Year(1980));
        assert_eq!(
            subjects(transcript),
            [
                (
                    "Những nguyên lý cơ bản của chủ nghĩa Mác - Lênin",
                    Some(30.0)
                ),
                ("Tư tưởng Hồ Chí Minh", Some(20.0)),
                ("Đường lối cách mạng của Đảng Cộng sản Việt Nam", Some(30.0)),
            ]
        );
        assert_eq!(
            transcript.subjects[2].score.as_deref(),
            Some("Đạt"),
            "{name}"
        );
        assert_eq!(
            transcript.signed.as_ref().map(|s| s.0),
            Some(ymd(2016, 7, 30))
        );

        let (title, at) = *letter.title.clone().expect("letter title");
        assert!(title.starts_with("V/v đề nghị xét công nhận"), "{title}");
        assert_eq!(at.to_string(), format!("{name}#t5.r1.c1"));
        let (signed, at) = *letter.signed.clone().expect("letter date");
        assert_eq!(signed, ymd(2021, 4, 10));
        assert_eq!(at.to_string(), format!("{name}#t5.r1.c2"));
        assert!(letter.fields.is_empty(), "{:?}", letter.fields);
        assert!(parts.iter().all(|p| p.text_len > 100));
    }
}

#[test]
fn text_box_copy_mark_is_read_once_and_header_footer_follow() {
    for maker in MAKERS {
        let name = format!("{maker}bang-diem-textbox.docx");
        let doc = document(&name);
        let paragraphs: Vec<(u32, &str)> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some((p.n, p.text.as_str())),
                _ => None,
            })
            .collect();
        // Anchor first, then the text box's paragraphs, once.
        assert_eq!(
            paragraphs.get(..4),
            Some(
                &[
                    (1, "TRƯỜNG ĐẠI HỌC ĐÀ LẠT"),
                    (2, "BẢN SAO CÓ CHỨNG THỰC"),
                    (3, "Số chứng thực: 125, quyển số 01/2015-SCT/BS"),
                    (4, "BẢNG ĐIỂM"),
                ][..]
            ),
            "{name}"
        );
        assert_eq!(
            paragraphs
                .iter()
                .filter(|(_, t)| t.contains("CHỨNG THỰC"))
                .count(),
            1,
            "{name}"
        );
        assert_eq!(
            paragraphs.get(paragraphs.len() - 2..),
            Some(
                &[
                    (10, "Số hiệu: BĐ-2015-0042"),
                    (11, "Bảng điểm chỉ có giá trị khi có dấu đỏ"),
                ][..]
            ),
            "{name}"
        );

        // The footer starts with "Bảng điểm" but starts no document.
        let parts = split_parts(&doc, &vocab());
        assert_eq!(parts.len(), 1, "{name}");
        let t = &parts[0];
        assert_eq!(t.kind.as_deref(), Some("bang_diem"));
        let mark = t.copy_mark.as_ref().expect("copy mark");
        assert_eq!(mark.label, "Bản sao có chứng thực");
        assert_eq!(mark.source.to_string(), format!("{name}#p2"));
        assert_eq!(text(t, "name"), "Nguyễn Văn An");
        assert_eq!(
            subjects(t).iter().map(|s| s.1).collect::<Vec<_>>(),
            [Some(40.0), Some(30.0), Some(50.0)]
        );
    }
}

#[test]
fn hostile_files_give_one_line_reasons() {
    for (file, reason) in [
        ("pdf-renamed.docx", "PDF"),
        ("empty.docx", "empty"),
        ("truncated.docx", "truncated"),
        ("excel-renamed.docx", "not a Word document"),
        ("billion-laughs.docx", "DOCTYPE"),
        ("deep-nesting.docx", "nested"),
        ("zip-bomb.docx", "zip bomb"),
    ] {
        let err = read_document(&fixture(&format!("hostile/{file}")), file)
            .expect_err(file)
            .to_string();
        assert!(err.contains(reason), "{file}: {err}");
        assert!(!err.contains('\n'), "{file}: {err}");
    }
    let missing = read_document(&fixture("hostile/no-such-file.docx"), "x").expect_err("missing");
    assert_eq!(
        missing.kind(),
        hoso::ingest::ErrorKind::NotFound,
        "{missing}"
    );
}

#[test]
fn hostile_but_valid_files_are_read_correctly() {
    // python-docx escapes "&lt;" as "&amp;lt;": it must come back as typed.
    let doc = document("hostile/amp-lt.docx");
    let Some(Block::Paragraph(p)) = doc.blocks.first() else {
        panic!("{:?}", doc.blocks)
    };
    assert_eq!(
        p.text,
        "Điểm &lt; 5 là không đạt & <b> \u{201c}trích\u{201d}"
    );

    // 40 tables in tables: one table whose cell holds every level's text.
    let doc = document("hostile/nested-tables.docx");
    let tables: Vec<_> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(tables.len(), 1);
    let cell = &tables[0].rows[0][0].text;
    let levels: Vec<&str> = cell.split('\n').collect();
    assert_eq!(levels.len(), 40, "{cell}");
    assert_eq!((levels[0], levels[39]), ("mức 1", "mức 40"));
}

#[test]
fn bytes_and_path_readers_agree() {
    let path = fixture("resaved/ho-so-gop.docx");
    let bytes = std::fs::read(&path).expect("fixture");
    let from_bytes = read_document_bytes(&bytes, "x.docx").expect("reads");
    let from_path = read_document(&path, "x.docx").expect("reads");
    assert_eq!(from_bytes.blocks, from_path.blocks);
    assert_eq!(from_bytes.path, "x.docx");
}

#[test]
fn dashes_inline_labels_and_a_confirmation_block_in_a_form() {
    for maker in MAKERS {
        let name = format!("{maker}don-gach-noi.docx");
        let form = &parts(&name)[0];
        // "Tôi tên là: Mai Công Hải, sinh ngày 03/09/1980": two fields.
        assert_eq!(text(form, "name"), "Mai Công Hải", "{name}");
        assert_eq!(date(form, "birth_date"), ymd(1980, 9, 3));
        assert_eq!(source(form, "birth_date"), format!("{name}#p4"));
        // "Giới tính - Nam" and a bold label then " – Kinh".
        assert_eq!(text(form, "sex"), "Nam");
        assert_eq!(text(form, "ethnicity"), "Kinh");
        // A comma inside a value, and a label word ("Trường") starting one,
        // end nothing.
        assert_eq!(text(form, "unit"), "Thôn 3, xã Tân Lập");
        assert_eq!(text(form, "institution"), "Trường Đại học Quy Nhơn");
        // The unit's confirmation, dated 12/07/2021 below the applicant's
        // signature, is not when the applicant signed.
        let (signed, at) = *form.signed.clone().expect("signed");
        assert_eq!(signed, ymd(2021, 7, 5), "{name}");
        assert_eq!(at.to_string(), format!("{name}#p12"));
    }
}

/// The nine subjects of the transcripts below: 192 periods.
fn hai_subjects_read(name: &str) -> Vec<DocPart> {
    let parts = parts(name);
    let t = &parts[0];
    assert_eq!(t.kind.as_deref(), Some("bang_diem"), "{name}");
    assert_eq!(t.subjects.len(), 9, "{name}: {:?}", subjects(t));
    assert_eq!(t.subjects[0].name, "Triết học Mác - Lênin", "{name}");
    assert_eq!(t.subjects[0].score.as_deref(), Some("8,2"), "{name}");
    assert_eq!(t.subjects[8].name, "Kỹ năng lãnh đạo, quản lý ở cơ sở");
    let total: f64 = t.subjects.iter().filter_map(|s| s.periods).sum();
    assert_eq!(total, 192.0, "{name}: {:?}", subjects(t));
    assert_eq!(t.unread_table, None);
    parts
}

#[test]
fn transcript_tables_headed_by_hoc_phan_split_or_with_sub_columns() {
    for maker in MAKERS {
        let name = format!("{maker}bang-diem-hoc-phan.docx");
        let t = &hai_subjects_read(&name)[0];
        assert_eq!(t.subjects[0].source.to_string(), format!("{name}#t1.r2.c2"));

        // Subjects 6 to 9 in a second table without a header row.
        let name = format!("{maker}bang-diem-tach-bang.docx");
        let t = &hai_subjects_read(&name)[0];
        assert_eq!(t.subjects[5].source.to_string(), format!("{name}#t2.r1.c2"));
        assert_eq!(t.subjects[5].periods, Some(13.0));

        // A title row, then "Số tiết" over "Lý thuyết | Thảo luận": the
        // hours add up, and the marks are the "Điểm" column's.
        let name = format!("{maker}bang-diem-lt-th.docx");
        let t = &hai_subjects_read(&name)[0];
        assert_eq!(t.subjects[0].source.to_string(), format!("{name}#t1.r4.c2"));
        assert_eq!(t.subjects[0].periods, Some(40.0));
    }
}

#[test]
fn a_marks_table_whose_columns_are_not_known_is_kept_as_unread() {
    let mut vocab = vocab();
    let subject = vocab.transcript_columns.get_mut("subject").unwrap();
    subject.retain(|alias| !alias.to_lowercase().contains("học phần"));
    for maker in MAKERS {
        let name = format!("{maker}bang-diem-hoc-phan.docx");
        let parts = split_parts(&document(&name), &vocab);
        // No subject, not even the first row taken for a header.
        assert!(parts[0].subjects.is_empty(), "{:?}", subjects(&parts[0]));
        let table = parts[0].unread_table.as_deref().expect("an unread table");
        assert_eq!(table.to_string(), format!("{name}#t1.r1.c1"));
        // A form's label | value table is no marks table.
        let name = format!("{maker}don-de-nghi.docx");
        assert_eq!(split_parts(&document(&name), &vocab)[0].unread_table, None);
    }
}
