//! Importing rosters again after the clerk changed the folder: a corrected
//! roster saved under a new name, a LibreOffice re-save beside the original,
//! a print copy of a sheet; and the year's workbook holding numbers and
//! dates. Fixtures: tests/fixtures/rosters-reimport/make.py (openpyxl and
//! LibreOffice).

use calamine::{Data, Reader, open_workbook_auto};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/rosters-reimport"
);
const DOAN: &str = "Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở";
const DOI: &str = "Bồi dưỡng nghiệp vụ công tác Đội";

fn hoso(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run hoso")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `hoso import --db r.db PATHS` in `dir`; its stdout.
fn import(dir: &Path, paths: &[&str]) -> String {
    let mut args = vec!["import", "--db", "r.db"];
    args.extend_from_slice(paths);
    let out = hoso(dir, &args);
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The year 2022's figures (JSON) and what `hoso report` said on stderr.
fn report(dir: &Path) -> (Value, String) {
    let out = hoso(
        dir,
        &[
            "report", "--db", "r.db", "--year", "2022", "--out", "bc", "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        text(&out.stderr),
    )
}

fn totals(r: &Value) -> (u64, u64) {
    (
        r["classes"].as_u64().unwrap(),
        r["enrolments"].as_u64().unwrap(),
    )
}

/// A scratch folder holding `rosters/` with the named fixtures.
fn workspace(files: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let rosters = dir.path().join("rosters");
    std::fs::create_dir(&rosters).unwrap();
    for f in files {
        add(&rosters, f, f);
    }
    (dir, rosters)
}

fn add(folder: &Path, fixture: &str, name: &str) {
    std::fs::copy(Path::new(FIXTURES).join(fixture), folder.join(name)).unwrap();
}

#[test]
fn a_correction_saved_under_a_new_name_replaces_the_old_file() {
    let (dir, rosters) = workspace(&["doan.xlsx"]);
    import(dir.path(), &["rosters"]);
    assert_eq!(totals(&report(dir.path()).0), (1, 5));

    add(&rosters, "doan-da-sua.xlsx", "doan-da-sua.xlsx");
    std::fs::remove_file(rosters.join("doan.xlsx")).unwrap();
    let out = import(dir.path(), &["rosters"]);
    assert!(
        out.lines().next().unwrap_or_default()
            == "đã bỏ khỏi sổ: rosters/doan.xlsx (tệp không còn trong thư mục; 1 lớp, 5 học viên)",
        "{out}"
    );
    assert!(out.contains("; 1 tệp cũ đã bỏ khỏi sổ;"), "{out}");
    assert!(!out.contains("đã được nhập từ"), "no duplicate left: {out}");
    let (r, warnings) = report(dir.path());
    assert_eq!(totals(&r), (1, 4));
    assert!(r.get("duplicates").is_none(), "{r}");
    assert!(!warnings.contains("! "), "{warnings}");

    // A plain rename: the old path is forgotten, the new one imported, not
    // taken for a copy of a file that is gone.
    std::fs::rename(
        rosters.join("doan-da-sua.xlsx"),
        rosters.join("doan-cuoi.xlsx"),
    )
    .unwrap();
    let out = import(dir.path(), &["rosters"]);
    assert!(
        out.contains("đã bỏ khỏi sổ: rosters/doan-da-sua.xlsx")
            && out.contains("rosters/doan-cuoi.xlsx: đã nhập 1 lớp, 4 học viên"),
        "{out}"
    );
    assert_eq!(totals(&report(dir.path()).0), (1, 4));
}

/// Only folders given now are cleaned: a roster imported from another
/// folder (an unplugged drive, a folder moved away) stays in the register.
#[test]
fn files_outside_the_folders_given_are_kept() {
    let (dir, rosters) = workspace(&["doan.xlsx"]);
    let away = dir.path().join("o-dia-ngoai");
    std::fs::create_dir(&away).unwrap();
    add(&away, "doi-hai-trang.xlsx", "doi.xlsx");
    import(dir.path(), &["rosters", "o-dia-ngoai"]);
    std::fs::remove_dir_all(&away).unwrap();
    std::fs::remove_file(rosters.join("doan.xlsx")).unwrap();
    add(&rosters, "doan-da-sua.xlsx", "doan-da-sua.xlsx");

    let out = import(dir.path(), &["rosters"]);
    assert!(out.contains("đã bỏ khỏi sổ: rosters/doan.xlsx"), "{out}");
    assert!(!out.contains("o-dia-ngoai"), "{out}");
    let (r, _) = report(dir.path());
    assert_eq!(totals(&r), (2, 8));

    // A single file given is no folder: nothing is forgotten.
    let out = import(dir.path(), &["rosters/doan-da-sua.xlsx"]);
    assert!(out.contains("; 0 tệp cũ đã bỏ khỏi sổ;"), "{out}");
    assert_eq!(totals(&report(dir.path()).0), (2, 8));

    // An empty folder is what the mount point of an unplugged drive looks
    // like: nothing under it is forgotten.
    std::fs::remove_file(rosters.join("doan-da-sua.xlsx")).unwrap();
    let out = import(dir.path(), &["rosters"]);
    assert!(out.contains("; 0 tệp cũ đã bỏ khỏi sổ;"), "{out}");
    assert_eq!(totals(&report(dir.path()).0), (2, 8));
}

/// LibreOffice re-saves a roster under another name: other bytes, the same
/// class. It is stored with a warning, and the report counts the class once
/// and names both files, until the clerk deletes one and imports again.
#[test]
fn a_resaved_copy_beside_the_original_is_counted_once_and_named() {
    let (dir, rosters) = workspace(&["doan.xlsx"]);
    import(dir.path(), &["rosters"]);
    add(&rosters, "doan-luu-lai.xlsx", "doan-luu-lai.xlsx");
    let out = import(dir.path(), &["rosters"]);
    assert!(
        out.contains(
            "lớp này (cùng loại, khóa, năm và ngày học) đã được nhập từ rosters/doan.xlsx!Danh sách"
        ),
        "{out}"
    );

    let (r, warnings) = report(dir.path());
    assert_eq!(totals(&r), (1, 5), "{r}");
    assert_eq!(r["by_type"][0]["type"], DOAN);
    assert_eq!(
        r["duplicates"],
        serde_json::json!([{
            "type": DOAN,
            "course": 1,
            "start": "2022-03-07",
            "counted": "rosters/doan-luu-lai.xlsx!Danh sách",
            "ignored": "rosters/doan.xlsx!Danh sách",
        }])
    );
    let warning = format!(
        "Lớp {DOAN}, khóa 01, học từ ngày 07/03/2022 có trong cả rosters/doan-luu-lai.xlsx!Danh sách và rosters/doan.xlsx!Danh sách: chỉ tính một lần"
    );
    assert!(warnings.contains(&format!("! {warning}")), "{warnings}");
    let summary = sheet_rows(&dir.path().join("bc/bao-cao-2022.xlsx"), "Tổng hợp");
    assert!(
        summary
            .iter()
            .any(|row| row.iter().any(|c| c.to_string().starts_with(&warning))),
        "{summary:?}"
    );

    std::fs::remove_file(rosters.join("doan-luu-lai.xlsx")).unwrap();
    import(dir.path(), &["rosters"]);
    let (r, warnings) = report(dir.path());
    assert_eq!(totals(&r), (1, 5));
    assert!(r.get("duplicates").is_none() && !warnings.contains("! "));
}

/// A print copy of a sheet (same class, same learners) is not stored again.
#[test]
fn a_print_copy_of_a_sheet_is_not_stored_twice() {
    let (dir, _) = workspace(&["doi-hai-trang.xlsx"]);
    let out = import(dir.path(), &["rosters"]);
    assert!(
        out.contains("rosters/doi-hai-trang.xlsx: đã nhập 1 lớp, 4 học viên"),
        "{out}"
    );
    assert!(
        out.contains(
            "rosters/doi-hai-trang.xlsx!In!A1: trang \"In\" chép lại lớp ở trang \"Danh sách\""
        ),
        "{out}"
    );
    let (r, warnings) = report(dir.path());
    assert_eq!(totals(&r), (1, 4));
    assert!(r.get("duplicates").is_none() && !warnings.contains("! "));
}

/// Two sheets of one file with the same class but other learners are two
/// versions of a roster: both stored, with a warning, and counted once.
#[test]
fn two_versions_of_a_class_in_one_file_are_counted_once() {
    let (dir, _) = workspace(&["doi-hai-trang-khac.xlsx"]);
    let out = import(dir.path(), &["rosters"]);
    assert!(
        out.contains("rosters/doi-hai-trang-khac.xlsx: đã nhập 2 lớp, 7 học viên")
            && out.contains(
                "rosters/doi-hai-trang-khac.xlsx!In!A1: lớp này (cùng loại, khóa, năm và ngày học) đã được nhập từ rosters/doi-hai-trang-khac.xlsx!Danh sách"
            ),
        "{out}"
    );
    let (r, warnings) = report(dir.path());
    assert_eq!(totals(&r), (1, 4));
    assert_eq!(r["by_type"][0]["type"], DOI);
    assert_eq!(
        r["duplicates"][0]["ignored"],
        "rosters/doi-hai-trang-khac.xlsx!In"
    );
    assert!(
        warnings.contains(
            "rosters/doi-hai-trang-khac.xlsx!Danh sách và rosters/doi-hai-trang-khac.xlsx!In"
        ),
        "{warnings}"
    );
}

/// The register sheet holds scores as numbers and birth dates as dates, so
/// a clerk can average and sort; a year-only birth date stays "1975".
#[test]
fn the_register_sheet_has_numbers_and_dates() {
    let (dir, _) = workspace(&["doan.xlsx"]);
    import(dir.path(), &["rosters"]);
    report(dir.path());
    let rows = sheet_rows(
        &dir.path().join("bc/bao-cao-2022.xlsx"),
        "Danh sách học viên",
    );
    let header: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (birth, score, start) = (col("Ngày sinh"), col("Điểm"), col("Từ ngày"));
    let row_of = |name: &str| {
        rows.iter()
            .find(|r| r.iter().any(|c| matches!(c, Data::String(s) if s == name)))
            .unwrap()
    };
    let an = row_of("Nguyễn Văn An");
    assert_eq!(an[score], Data::Float(8.5));
    assert_eq!(date_of(&an[birth]), "1990-03-12");
    assert_eq!(date_of(&an[start]), "2022-03-07");
    let binh = row_of("Trần Thị Bình");
    assert_eq!(binh[birth], Data::String("1975".into()));
    assert_eq!(binh[score], Data::Float(7.0));
    assert!(
        styles(&dir.path().join("bc/bao-cao-2022.xlsx")).contains("formatCode=\"dd/mm/yyyy\""),
        "dates are shown day first"
    );
}

fn date_of(cell: &Data) -> String {
    match cell {
        Data::DateTime(d) => d
            .as_datetime()
            .map(|d| d.date().to_string())
            .unwrap_or_default(),
        other => panic!("not a date cell: {other:?}"),
    }
}

fn sheet_rows(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn styles(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut out).unwrap();
    out
}
