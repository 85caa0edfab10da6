//! Forms and lists typed in the TCVN3 fonts (.VnTime, .VnTimeH), as
//! offices typed them before Unicode: made from this project's fixtures by
//! tests/fixtures/tcvn3/make.py (python-docx, openpyxl), and saved as .doc
//! and .xls by LibreOffice. They are read as Unicode, and judged as the
//! Unicode originals are.

mod common;

use common::{copy_dir, outcomes};
use hoso::evaluate::ruleset::RuleSet;
use hoso::ingest::docx::read_document;
use hoso::ingest::dossier_doc::split_parts;
use std::path::Path;

const CUONG: &str = "xa-dak-koi/03-le-van-cuong";

/// Puts the TCVN3 copies of `names` (with extension `ext`) in `folder` of
/// the batch, in place of the originals.
fn retyped(batch: &Path, folder: &str, names: &[&str], ext: &str) {
    let folder = batch.join(folder);
    for name in names {
        for old in ["docx", "doc", "xlsx", "xls"] {
            let _ = std::fs::remove_file(folder.join(format!("{name}.{old}")));
        }
        std::fs::copy(
            format!("tests/fixtures/tcvn3/{name}.{ext}"),
            folder.join(format!("{name}.{ext}")),
        )
        .unwrap();
    }
}

#[test]
fn a_commune_typed_in_tcvn3_is_judged_as_its_unicode_original() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    copy_dir(Path::new("tests/fixtures/batch/xet-2021"), &batch);
    let before = outcomes(&batch);
    // Cường's dossier, then the commune's list too, as Word/Excel files of
    // today and of 97-2003.
    for (word, excel) in [("docx", "xlsx"), ("doc", "xls")] {
        retyped(&batch, CUONG, &["don-de-nghi", "bang-diem"], word);
        assert_eq!(
            outcomes(&batch),
            before,
            "his dossier typed in TCVN3, .{word}"
        );
        retyped(&batch, "xa-dak-koi", &["danh-sach-de-nghi"], excel);
        let after = outcomes(&batch);
        assert_eq!(after, before, "the list typed in TCVN3 too, .{excel}");
        let cuong = after.iter().find(|o| o.0 == "Lê Văn Cường").unwrap();
        assert_eq!(cuong.1, "accepted", "{cuong:?}");
    }
}

#[test]
fn tcvn3_fields_read_as_unicode() {
    let vocab = RuleSet::default_rules().unwrap().vocabulary;
    for ext in ["docx", "doc"] {
        let path = format!("tests/fixtures/tcvn3/don-de-nghi.{ext}");
        let doc = read_document(Path::new(&path), &path).unwrap();
        let parts = split_parts(&doc, &vocab);
        assert_eq!(parts.len(), 1, "{ext}");
        let field = |name: &str| {
            parts[0]
                .fields
                .get(name)
                .map(|f| f.text.clone())
                .unwrap_or_default()
        };
        assert_eq!(field("name"), "Lê Văn Cường", "{ext}");
        assert_eq!(
            field("institution"),
            "Trường Đại học Sư phạm Kon Tum",
            "{ext}"
        );
        assert_eq!(field("position"), "Bí thư chi đoàn", "{ext}");
    }
}
