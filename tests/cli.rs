//! The commands as a clerk runs them: `hoso inspect` on files made by other
//! tools, `hoso check` outputs that LibreOffice Calc opens, `--letters`,
//! and one-line errors for bad input.

use std::path::Path;
use std::process::{Command, Output};

fn hoso(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(args)
        .output()
        .unwrap()
}

fn inspect(file: &str) -> serde_json::Value {
    let out = hoso(&["inspect", "--json", file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn field<'a>(fields: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == name)
        .unwrap_or_else(|| panic!("no {name} in {fields}"))
}

#[test]
fn inspect_reads_a_libreoffice_resaved_form() {
    let v = inspect("tests/fixtures/docx/resaved/don-de-nghi.docx");
    let form = &v["documents"][0];
    assert_eq!(form["kind"], "don");
    let fields = &form["fields"];
    assert_eq!(field(fields, "name")["text"], "Nguyễn Văn An");
    assert_eq!(field(fields, "birth_date")["date"], "1975-03-05");
    assert_eq!(
        field(fields, "institution")["text"],
        "Trường Đại học Tây Nguyên"
    );
    assert_eq!(form["signed"]["date"], "2021-03-05");
    assert!(
        field(fields, "name")["source"]
            .as_str()
            .unwrap()
            .starts_with("tests/fixtures/docx/resaved/don-de-nghi.docx#")
    );
}

#[test]
fn inspect_reads_every_person_of_a_libreoffice_xls_with_nam_nu_columns() {
    let v = inspect("tests/fixtures/lists/nam-nu-lo.xls");
    let people = v["sheets"][0]["people"].as_array().unwrap();
    assert_eq!(people.len(), 5);
    let first = &people[0]["values"];
    assert_eq!(field(first, "name")["text"], "Nguyễn Văn Hùng");
    assert_eq!(field(first, "birth_date")["date"], "1970-01-15");
    assert_eq!(field(first, "sex")["text"], "Nam");
    assert_eq!(
        field(first, "birth_date")["source"],
        "tests/fixtures/lists/nam-nu-lo.xls!DS!C8"
    );
}

#[test]
fn bad_input_gets_a_one_line_error() {
    for args in [
        &["check", "/no/such/batch"][..],
        &["inspect", "tests/fixtures/batch/xet-2021/bao-cao.docx"],
        &["inspect", "tests/fixtures/batch/xet-2021/ghi-chu.txt"],
        &["inspect", "tests/fixtures/word-formats/don-de-nghi.odt"],
        &[
            "check",
            "tests/fixtures/batch/xet-2021",
            "--rules",
            "Cargo.toml",
        ],
    ] {
        let out = hoso(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("hoso: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // An OpenDocument text: the clerk is told what to do with it.
    let err = hoso(&["inspect", "tests/fixtures/word-formats/don-de-nghi.odt"]).stderr;
    assert!(
        String::from_utf8_lossy(&err).contains("save it as .docx"),
        "{}",
        String::from_utf8_lossy(&err)
    );
}

#[test]
fn inspect_reads_a_word_97_2003_form() {
    let out = hoso(&["inspect", "tests/fixtures/word-formats/don-de-nghi.doc"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Word document, 1 document(s)"), "{text}");
    assert!(text.contains("name       Lê Văn Cường  [#p3]"), "{text}");
}

#[test]
fn check_outputs_open_in_libreoffice_calc_and_letters_follow() {
    if Command::new("soffice").arg("--version").output().is_err() {
        println!("skipped: soffice not found (CI installs LibreOffice)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = hoso(&[
        "check",
        "tests/fixtures/batch/xet-2021",
        "--quiet",
        "--letters",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.join("letters/danh-sach-cong-nhan.docx").exists());
    assert!(out.join("letters/thong-bao-gop.docx").exists());

    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("profile").display()
    );
    let converted = dir.path().join("csv");
    let status = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
        ])
        .arg(&converted)
        .arg(out.join("verdicts.xlsx"))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let csv = std::fs::read_to_string(converted.join("verdicts.csv")).unwrap();
    assert!(csv.contains("Họ và tên"), "{csv}");
    assert!(
        csv.contains("Hồ Văn Quang") && csv.contains("qua-han"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 24, "a header and 23 verdicts: {csv}");
    assert!(Path::new(&out.join("verdicts.csv")).exists());
}

#[test]
fn a_batch_without_files_or_lists_is_pointed_out() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let no_list = dir.path().join("no-list");
    std::fs::create_dir(&no_list).unwrap();
    std::fs::copy(
        "tests/fixtures/batch/xet-2021/xa-dak-koi/cong-van-de-nghi.docx",
        no_list.join("cong-van-de-nghi.docx"),
    )
    .unwrap();
    for (batch, said) in [
        (&empty, "holds no files"),
        (&no_list, "no submission list found"),
    ] {
        let out = dir.path().join("out");
        let run = hoso(&[
            "check",
            batch.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(run.status.success());
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains(said), "{batch:?}: {err}");
    }
    // A batch with its lists says nothing of the kind.
    let out = dir.path().join("out-2");
    let run = hoso(&[
        "check",
        "tests/fixtures/batch/xet-2021",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&run.stderr).is_empty(), "{run:?}");
}
