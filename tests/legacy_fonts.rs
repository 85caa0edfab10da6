//! Forms and lists typed in the fonts of before Unicode, TCVN3 (.VnTime,
//! .VnTimeH) and VNI (VNI-Times), as offices typed them: made from this
//! project's fixtures by tests/fixtures/legacy-fonts/make.py (python-docx,
//! openpyxl), and saved as .doc and .xls by LibreOffice. They are read as
//! Unicode, and judged as the Unicode originals are.

mod common;

use common::{copy_dir, outcomes, swap_in};
use hoso::evaluate::ruleset::RuleSet;
use hoso::ingest::Cell;
use hoso::ingest::docx::read_document;
use hoso::ingest::dossier_doc::split_parts;
use hoso::ingest::spreadsheet::read_workbook;
use std::path::Path;

const CUONG: &str = "xa-dak-koi/03-le-van-cuong";

const ENCODINGS: [&str; 2] = ["tcvn3", "vni"];

/// Puts the copies of `names` typed in `encoding` (with extension `ext`) in
/// `folder` of the batch, in place of the originals.
fn retyped(batch: &Path, encoding: &str, folder: &str, names: &[&str], ext: &str) {
    let fixtures = format!("tests/fixtures/legacy-fonts/{encoding}");
    for name in names {
        swap_in(&batch.join(folder), name, &fixtures, ext);
    }
}

#[test]
fn a_commune_typed_in_an_old_font_is_judged_as_its_unicode_original() {
    for encoding in ENCODINGS {
        let dir = tempfile::tempdir().unwrap();
        let batch = dir.path().join("batch");
        copy_dir(Path::new("tests/fixtures/batch/xet-2021"), &batch);
        let before = outcomes(&batch);
        // Cường's dossier, then the commune's list too, as Word/Excel files
        // of today and of 97-2003.
        for (word, excel) in [("docx", "xlsx"), ("doc", "xls")] {
            let forms = ["don-de-nghi", "bang-diem"];
            retyped(&batch, encoding, CUONG, &forms, word);
            let why = format!("his dossier typed in {encoding}, .{word}");
            assert_eq!(outcomes(&batch), before, "{why}");
            retyped(
                &batch,
                encoding,
                "xa-dak-koi",
                &["danh-sach-de-nghi"],
                excel,
            );
            let after = outcomes(&batch);
            assert_eq!(after, before, "{why}; the list too, .{excel}");
            let cuong = after.iter().find(|o| o.0 == "Lê Văn Cường").unwrap();
            assert_eq!(cuong.1, "accepted", "{cuong:?}");
        }
    }
}

#[test]
fn fields_typed_in_an_old_font_read_as_unicode() {
    let vocab = RuleSet::default_rules().unwrap().vocabulary;
    for path in ENCODINGS.iter().flat_map(|encoding| {
        ["docx", "doc"]
            .map(|ext| format!("tests/fixtures/legacy-fonts/{encoding}/don-de-nghi.{ext}"))
    }) {
        let doc = read_document(Path::new(&path), &path).unwrap();
        let parts = split_parts(&doc, &vocab);
        assert_eq!(parts.len(), 1, "{path}");
        let field = |name: &str| {
            parts[0]
                .fields
                .get(name)
                .map(|f| f.text.clone())
                .unwrap_or_default()
        };
        assert_eq!(field("name"), "Lê Văn Cường", "{path}");
        assert_eq!(
            field("institution"),
            "Trường Đại học Sư phạm Kon Tum",
            "{path}"
        );
        assert_eq!(field("position"), "Bí thư chi đoàn", "{path}");
    }
}

/// A Unicode list whose rows were pasted from an old .VnTime list (made by
/// make_pasted.py): a pasted name is decoded even where it holds none of
/// TCVN3's commonest codes, and a name typed in Unicode, Vietnamese or
/// Western, is never.
#[test]
fn names_pasted_from_an_old_list_into_a_unicode_one_read_as_unicode() {
    let path = "tests/fixtures/legacy-fonts/tcvn3/danh-sach-dan-tu-vntime.xlsx";
    let book = read_workbook(Path::new(path), path).unwrap();
    let names: Vec<&str> = book.sheets[0]
        .rows
        .iter()
        .skip(4)
        .filter_map(|row| match row.get(1) {
            Some(Cell::Text(name)) if row.first().is_some_and(|c| matches!(c, Cell::Number(_))) => {
                Some(name.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            "Ngô Thị Hồng Trang",
            "Mai Thị Hồng Hiền",
            "Hà Tú Lê",
            "Hồ Thanh Oanh",
            "Y Pết",
            "Nguyễn Văn An",
            "Phan Ngọc Tuấn",
            "José Müller",
            // In the capitals font, lowercase codes: read lowercase.
            "huỳnh thị my",
            "Đỗ Thị Hà",
            "Lê Hà",
            "Kiều Trọng Trung",
            // A typo in Unicode stays a typo, to be reported, not mended.
            "Lê Thị Hiòn",
        ]
    );
}
