//! Word 97-2003 (.doc) files made by LibreOffice from this project's .docx
//! fixtures (tests/fixtures/word-formats/README.md): the .doc reader must
//! give the document the .docx reader gives for the original, and refuse
//! damaged copies with a reason, never a panic.

mod common;

use common::outcomes;
use hoso::ingest::docx::read_document_bytes;
use hoso::ingest::{Block, Document, ErrorKind, Table};
use std::path::Path;

/// Each .doc fixture and the .docx it was made from.
const PAIRS: [(&str, &str); 5] = [
    (
        "word-formats/don-de-nghi.doc",
        "batch/xet-2021/xa-dak-koi/03-le-van-cuong/don-de-nghi.docx",
    ),
    (
        "word-formats/bang-diem.doc",
        "batch/xet-2021/xa-dak-koi/03-le-van-cuong/bang-diem.docx",
    ),
    (
        "word-formats/cong-van-de-nghi.doc",
        "batch/xet-2021/xa-dak-koi/cong-van-de-nghi.docx",
    ),
    ("word-formats/ho-so-gop.doc", "docx/ho-so-gop.docx"),
    (
        "word-formats/bang-diem-textbox.doc",
        "docx/bang-diem-textbox.docx",
    ),
];

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(Path::new("tests/fixtures").join(name)).unwrap()
}

fn read(name: &str) -> Document {
    read_document_bytes(&bytes(name), name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Blocks as both readers give them: an empty paragraph may stand on
/// either side of a page break (LibreOffice turns a break typed in an
/// empty paragraph into a break before the next one).
fn comparable(doc: &Document) -> Vec<Block> {
    doc.blocks
        .iter()
        .filter(|b| !matches!(b, Block::Paragraph(p) if p.text.is_empty()))
        .cloned()
        .collect()
}

#[test]
fn a_doc_reads_as_the_docx_it_was_saved_from() {
    for (doc, docx) in PAIRS {
        let (doc, docx) = (read(doc), read(docx));
        assert_eq!(comparable(&doc), comparable(&docx), "{}", doc.path);
    }
}

#[test]
fn tables_page_breaks_text_boxes_and_vietnamese_survive() {
    let gop = read("word-formats/ho-so-gop.doc");
    let breaks = gop
        .blocks
        .iter()
        .filter(|b| matches!(b, Block::PageBreak))
        .count();
    assert_eq!(breaks, 2, "three documents in one file: {:?}", gop.blocks);
    let tables = tables(&gop.blocks);
    assert!(tables.len() >= 3, "{tables:?}");
    assert!(tables.iter().all(|t| t.rows.iter().all(|r| !r.is_empty())));

    let boxed = read("word-formats/bang-diem-textbox.doc");
    let texts = paragraphs(&boxed.blocks);
    assert_eq!(
        texts
            .iter()
            .filter(|t| **t == "BẢN SAO CÓ CHỨNG THỰC")
            .count(),
        1,
        "the text box is read once: {texts:?}"
    );
}

#[test]
fn a_doc_named_docx_is_read_for_what_it_is() {
    let renamed = read_document_bytes(&bytes("word-formats/don-de-nghi.doc"), "don.docx").unwrap();
    assert_eq!(renamed.blocks, read("word-formats/don-de-nghi.doc").blocks);
}

#[test]
fn damaged_docs_are_refused_with_a_reason_never_a_panic() {
    let whole = bytes("word-formats/ho-so-gop.doc");
    // Cut anywhere: refused, or read as far as it goes.
    for len in (0..whole.len()).step_by(61) {
        let _ = read_document_bytes(&whole[..len], "cut.doc");
    }
    let cut = read_document_bytes(&whole[..whole.len() / 2], "cut.doc").unwrap_err();
    assert_eq!(cut.kind(), ErrorKind::Damaged, "{cut}");
    // Bytes overwritten across the file: never a panic, and the file is
    // still refused or read (which one depends on what was hit).
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..300 {
        let mut copy = whole.clone();
        for _ in 0..8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed as usize) % copy.len();
            copy[at] = (seed >> 32) as u8;
        }
        let _ = read_document_bytes(&copy, "flipped.doc");
    }
}

#[test]
fn an_encrypted_doc_is_refused_as_password_protected() {
    // The FIB's fEncrypted flag (what Word sets with a password to open).
    let mut doc = bytes("word-formats/don-de-nghi.doc");
    let word = find_word_document_stream(&doc);
    doc[word + 0x0B] |= 0x01;
    let err = read_document_bytes(&doc, "mat-khau.doc").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Encrypted, "{err}");
}

/// Where the `WordDocument` stream starts: the sector that begins with
/// the FIB's magic (0xA5EC) and a version of Word 97 or later (nFib
/// 0xC1 from Word, 0x101 from LibreOffice).
fn find_word_document_stream(doc: &[u8]) -> usize {
    (512..doc.len())
        .step_by(512)
        .find(|&at| {
            doc[at..].starts_with(&[0xEC, 0xA5])
                && u16::from_le_bytes([doc[at + 2], doc[at + 3]]) >= 0xC1
        })
        .expect("a WordDocument stream")
}

/// The blocks of a Word-made file of `word-formats/word-made/` (see its
/// README: test data of word-extractor and oletools).
fn word_made(name: &str) -> Vec<Block> {
    read(&format!("word-formats/word-made/{name}.doc")).blocks
}

fn paragraphs(blocks: &[Block]) -> Vec<&str> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.text.as_str()),
            _ => None,
        })
        .collect()
}

fn tables(blocks: &[Block]) -> Vec<&Table> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn rows(blocks: &[Block], table: usize) -> Vec<Vec<&str>> {
    tables(blocks)[table]
        .rows
        .iter()
        .map(|r| r.iter().map(|c| c.text.as_str()).collect())
        .collect()
}

/// A form and a transcript edited with changes tracked and holding hidden
/// text, saved as .doc by LibreOffice (make_revisions.py): a verdict must
/// rest on the final text, what Word shows with no markup and prints.
#[test]
fn deleted_and_hidden_text_is_not_read_in_either_format() {
    for format in ["doc", "docx"] {
        let form = read(&format!("word-formats/don-sua-doi.{format}"));
        assert_eq!(
            paragraphs(&form.blocks)[4..13],
            [
                // The deleted paragraph: its mark stays, as a `w:p` does.
                "",
                "Họ và tên: Mai Công Hải",
                "Ngày sinh: 03/09/1980",
                "Chức vụ: Trưởng thôn",
                "Đơn vị công tác: Thôn 3, xã Tân Lập",
                "Ngày vào Đảng: 24/05/2011",
                "Trình độ lý luận chính trị: Chưa qua đào tạo",
                "Cơ sở đào tạo: Trường Đại học Quy Nhơn",
                // A hidden paragraph mark hides no text.
                "Khóa học: Các học phần lý luận chính trị",
            ],
            "{format}"
        );
        let transcript = read(&format!("word-formats/bang-diem-sua-doi.{format}"));
        assert_eq!(
            rows(&transcript.blocks, 0)[1..],
            [
                vec!["1", "Chuyên đề 1: Triết học Mác - Lênin", "40", "8.2"],
                // The deleted row: its cells are empty, as in .docx.
                vec!["", "", "", ""],
                vec!["2", "Chuyên đề 2: Tư tưởng Hồ Chí Minh", "28", "6"],
                vec!["3", "Chuyên đề 3: Hiến pháp năm 2013", "12", "6,2"],
            ],
            "{format}"
        );
    }
    for name in ["don-sua-doi", "bang-diem-sua-doi"] {
        let doc = read(&format!("word-formats/{name}.doc"));
        let docx = read(&format!("word-formats/{name}.docx"));
        assert_eq!(doc.blocks, docx.blocks, "{name}");
    }
}

#[test]
fn files_made_by_word_are_read() {
    // A table whose header cells are hyperlinks: the links' text only.
    let licences = word_made("we-test03-table-hyperlinks");
    let table = rows(&licences, 0);
    assert_eq!(
        table[0],
        [
            "License",
            "GPL v3.0",
            "LGPL v3.0",
            "BSD",
            "MIT (X11)",
            "Apache v2.0"
        ]
    );
    assert_eq!(table.len(), 5);
    assert!(table.iter().all(|r| r.len() == 6), "{table:?}");

    // 8-bit and UTF-16 pieces, a page break, the header and footer last.
    let unicode = word_made("we-test04-header-footer-unicode");
    let texts = paragraphs(&unicode);
    for line in [
        "\tGBP - £",
        "\tEUR - €",
        "\tMolière",
        "\tL'Avare ou l'École du mensonge",
    ] {
        assert!(texts.contains(&line), "{line:?} in {texts:?}");
    }
    assert_eq!(
        texts.last(),
        Some(&"The footer, with Molière, has Unicode in it.")
    );
    let breaks = unicode
        .iter()
        .filter(|b| matches!(b, Block::PageBreak))
        .count();
    assert_eq!(breaks, 1);

    // Word 97: fields in table cells give their results.
    let french = word_made("we-test06-word97-french-table-header-fields");
    let table = rows(&french, 0);
    assert_eq!(table[0], ["Nom", "Document1"]);
    assert_eq!(table[1], ["Analyste", "ROB (432)"]);

    // A form field's result is text; its instruction is not.
    let form = word_made("we-test07-form-fields-footnote");
    assert_eq!(rows(&form, 0), [["CREDO REFERENCE"], ["03/599"]]);
    assert!(
        paragraphs(&form).contains(&"THE ROBERT GORDON UNIVERSITY"),
        "{form:?}"
    );

    for name in [
        "we-test01-long-manual",
        "we-test02-many-fkps",
        "oletools-harmless-clean",
    ] {
        assert!(paragraphs(&word_made(name)).len() > 3, "{name}");
    }
}

#[test]
fn a_doc_encrypted_by_word_is_refused_as_password_protected() {
    let bytes = bytes("word-formats/word-made/oletools-encrypted.doc");
    let err = read_document_bytes(&bytes, "encrypted.doc").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Encrypted, "{err}");
}

/// Whether `soffice` is on the PATH (CI installs LibreOffice).
fn has_soffice() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("soffice").is_file()))
}

#[test]
fn a_whole_batch_saved_as_doc_by_libreoffice_is_judged_the_same() {
    if !has_soffice() {
        println!("skipped: soffice not found (CI installs LibreOffice)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let batch = tmp.path().join("batch");
    let source = Path::new("tests/fixtures/batch/xet-2021");
    let mut originals = Vec::new();
    for entry in walkdir::WalkDir::new(source) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(source).unwrap();
        let to = batch.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
            if to.extension().is_some_and(|e| e == "docx") {
                originals.push(to);
            }
        }
    }
    let before = outcomes(&batch);

    // Every Word file saved as .doc by one soffice call (copies with
    // distinct names), then put where its .docx was.
    let flat = tmp.path().join("flat");
    std::fs::create_dir_all(&flat).unwrap();
    let copies: Vec<_> = originals
        .iter()
        .enumerate()
        .map(|(i, docx)| {
            let copy = flat.join(format!("f{i}.docx"));
            std::fs::copy(docx, &copy).unwrap();
            copy
        })
        .collect();
    let out = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            tmp.path().join("lo-profile").display()
        ))
        .args(["--headless", "--convert-to", "doc", "--outdir"])
        .arg(tmp.path().join("doc"))
        .args(&copies)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut converted = 0;
    for (i, docx) in originals.iter().enumerate() {
        // The batch's damaged files stay as they are: LibreOffice cannot
        // open them either.
        let doc = tmp.path().join(format!("doc/f{i}.doc"));
        if doc.exists() {
            std::fs::rename(&doc, docx.with_extension("doc")).unwrap();
            std::fs::remove_file(docx).unwrap();
            converted += 1;
        }
    }
    assert!(
        converted + 2 >= originals.len(),
        "{converted} of {}",
        originals.len()
    );
    assert!(converted > 20, "{converted}");
    assert_eq!(outcomes(&batch), before);
}
