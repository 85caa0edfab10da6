//! `hoso import` and `hoso report` end to end, on rosters made by other tools
//! (tests/fixtures/rosters/make.py: openpyxl, LibreOffice .ods and .xls).

mod common;
use common::{import_until_some_landed, write_roster};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rosters");

fn hoso(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run hoso")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A scratch folder with a copy of the fixture rosters in `rosters/`.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let rosters = dir.path().join("rosters");
    std::fs::create_dir(&rosters).unwrap();
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e != "py") {
            std::fs::copy(&path, rosters.join(path.file_name().unwrap())).unwrap();
        }
    }
    (dir, rosters)
}

fn import(dir: &Path, paths: &[&str]) -> Output {
    let mut args = vec!["import", "--db", "r.db"];
    args.extend_from_slice(paths);
    let out = hoso(dir, &args);
    assert!(
        out.status.success(),
        "import failed: {}\n{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn report_json(dir: &Path, year: &str) -> Value {
    let out = hoso(dir, &["report", "--db", "r.db", "--year", year, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

const NHAN_THUC: &str = "Nhận thức về Đảng";
const DOAN: &str = "Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở";
const DVM: &str = "Đảng viên mới";
const SO_CAP: &str = "Sơ cấp lý luận chính trị";

fn by_type(report: &Value) -> Vec<(String, u64, u64)> {
    report["by_type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["type"].as_str().unwrap().to_string(),
                t["classes"].as_u64().unwrap(),
                t["learners"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn expected_types() -> Vec<(String, u64, u64)> {
    vec![
        (NHAN_THUC.into(), 2, 7),
        (DOAN.into(), 1, 6),
        (DVM.into(), 1, 4),
        (SO_CAP.into(), 1, 3),
    ]
}

#[test]
fn import_then_report_counts_every_class_type() {
    let (dir, _) = workspace();
    let out = import(dir.path(), &["rosters"]);
    let text = stdout(&out);
    assert!(text.contains("ghi-chu.txt: bỏ qua"), "{text}");
    assert!(
        text.contains("rosters/nhan-thuc-ve-dang.xlsx: đã nhập 2 lớp, 7 học viên"),
        "{text}"
    );
    assert!(
        text.contains("phối hợp với Trường Chính trị tỉnh Kon Tum"),
        "{text}"
    );

    let r = report_json(dir.path(), "2021");
    assert_eq!(r["year"], 2021);
    assert_eq!(r["classes"], 5);
    assert_eq!(r["enrolments"], 20);
    assert_eq!(r["unique_learners"], 18);
    assert_eq!(by_type(&r), expected_types());
    assert_eq!(
        r["joint"],
        serde_json::json!([{"type": "Bồi dưỡng cấp ủy cơ sở", "learners": 5}])
    );
    assert_eq!(
        r["grades"],
        serde_json::json!({"Giỏi": 8, "Khá": 8, "Trung bình": 3, "Không đạt": 1})
    );
    // Keys keep the catalogue's order (serde_json::Value would sort them).
    let raw = stdout(&hoso(
        dir.path(),
        &["report", "--db", "r.db", "--year", "2021", "--json"],
    ));
    let at = |k: &str| raw.find(&format!("\"{k}\"")).unwrap();
    assert!(at("year") < at("classes") && at("classes") < at("enrolments"));
    assert!(at("unique_learners") < at("by_type") && at("by_type") < at("joint"));
    assert!(at("Giỏi") < at("Khá") && at("Khá") < at("Trung bình"));
    assert!(at("Trung bình") < at("Không đạt"), "{raw}");
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert!(keys.contains(&"by_type") && keys.len() == 7, "{keys:?}");
    assert_eq!(count(&dir.path().join("r.db"), "enrolments"), 25);
}

#[test]
fn every_data_quality_warning_names_its_cell() {
    let (dir, _) = workspace();
    let text = stdout(&import(dir.path(), &["rosters/lop-doan.xlsx"]));
    let cell = |c: &str| format!("rosters/lop-doan.xlsx!Lop Doan!{c}: ");
    let has = |c: &str, words: &str| {
        text.lines()
            .any(|l| l.contains(&cell(c)) && l.contains(words))
    };
    assert!(has("B12", "có tên hai lần trong lớp"), "{text}");
    assert!(has("B12", "B9"), "points at the first row: {text}");
    assert!(
        has("I11", "phải xếp loại Trung bình, nhưng ghi Giỏi"),
        "{text}"
    );
    assert!(has("B14", "thiếu ngày sinh"), "{text}");
    assert!(has("B13", "Đinh Văn Lực: "), "both Nam and Nữ: {text}");
    assert!(text.contains("đã nhập 1 lớp, 6 học viên"), "{text}");
}

#[test]
fn importing_twice_adds_nothing() {
    let (dir, _) = workspace();
    import(dir.path(), &["rosters"]);
    let db = dir.path().join("r.db");
    let before = (count(&db, "classes"), count(&db, "enrolments"));
    let text = stdout(&import(dir.path(), &["rosters"]));
    assert!(
        text.contains("rosters/lop-doan.xlsx: không thay đổi"),
        "{text}"
    );
    assert!(
        text.contains(" 0 tệp đã nhập (0 lớp, 0 học viên), 5 không đổi"),
        "{text}"
    );
    assert_eq!((count(&db, "classes"), count(&db, "enrolments")), before);

    // The same rosters reached through another folder are copies, not new classes.
    let copy = dir.path().join("ban-sao");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(
        dir.path().join("rosters/so-cap.xls"),
        copy.join("so-cap (1).xls"),
    )
    .unwrap();
    let text = stdout(&import(dir.path(), &["ban-sao"]));
    assert!(
        text.contains("trùng nội dung với rosters/so-cap.xls"),
        "{text}"
    );
    assert_eq!((count(&db, "classes"), count(&db, "enrolments")), before);
}

#[test]
fn a_changed_file_replaces_its_classes() {
    let (dir, rosters) = workspace();
    import(dir.path(), &["rosters"]);
    write_roster(&rosters.join("nhan-thuc-ve-dang.xlsx"), 3, 2, "mới");
    let text = stdout(&import(dir.path(), &["rosters"]));
    assert!(
        text.contains(
            "rosters/nhan-thuc-ve-dang.xlsx: tệp đã thay đổi, thay 2 lớp cũ bằng 1 lớp, 2 học viên"
        ),
        "{text}"
    );
    let r = report_json(dir.path(), "2021");
    assert_eq!(r["classes"], 4);
    assert_eq!(r["enrolments"], 15);
    assert_eq!(by_type(&r)[0], (NHAN_THUC.to_string(), 1, 2));
    assert_eq!(count(&dir.path().join("r.db"), "enrolments"), 20);
}

#[test]
fn a_corrupt_file_is_reported_and_the_others_land() {
    let (dir, rosters) = workspace();
    std::fs::write(rosters.join("hong.xlsx"), b"PK\x03\x04 not really a zip").unwrap();
    std::fs::write(rosters.join("rong.ods"), b"").unwrap();
    let out = import(dir.path(), &["rosters", "khong-co-thu-muc-nay"]);
    let text = stdout(&out);
    for bad in [
        "rosters/hong.xlsx",
        "rosters/rong.ods",
        "khong-co-thu-muc-nay",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{bad}: LỖI, không nhập: "))),
            "{bad}: {text}"
        );
    }
    assert!(text.contains(", 3 lỗi, 1 bỏ qua;"), "{text}");
    let r = report_json(dir.path(), "2021");
    assert_eq!(
        (r["classes"].as_u64(), r["enrolments"].as_u64()),
        (Some(5), Some(20))
    );

    // Only bad files: nothing landed, a non-zero exit.
    let only_bad = hoso(
        dir.path(),
        &["import", "--db", "r2.db", "rosters/hong.xlsx"],
    );
    assert_eq!(only_bad.status.code(), Some(1), "{}", stdout(&only_bad));
}

#[test]
fn the_report_paragraph_and_files() {
    let (dir, _) = workspace();
    import(dir.path(), &["rosters"]);
    let verdicts = serde_json::json!({
        "rule_set": {"name": "x", "version": "1", "sha256": "0"},
        "summary": {"total": 3, "accepted": 2, "rejected": 1, "needs_review": 0},
        "verdicts": [
            {"name": "A", "birth_date": "1980", "unit": null, "status": "accepted", "reasons": [], "dossier": null, "list_row": null},
            {"name": "B", "birth_date": null, "unit": null, "status": "accepted", "reasons": [], "dossier": null, "list_row": null},
            {"name": "C", "birth_date": null, "unit": null, "status": "rejected", "reasons": [], "dossier": null, "list_row": null}
        ],
        "unused_files": []
    });
    std::fs::write(dir.path().join("verdicts.json"), verdicts.to_string()).unwrap();
    let out = hoso(
        dir.path(),
        &[
            "report",
            "--db",
            "r.db",
            "--year",
            "2021",
            "--out",
            "bc",
            "--verdicts",
            "verdicts.json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "Trong năm 2021, Trung tâm đã tổ chức mở được 05 lớp với 20 lượt học viên tham gia học tập, gồm: (1) 02 lớp Nhận thức về Đảng với 7 học viên; (2) 01 lớp Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở với 6 học viên; (3) 01 lớp Đảng viên mới với 4 học viên; (4) 01 lớp Sơ cấp lý luận chính trị với 3 học viên.",
            "Ngoài ra, Trung tâm phối hợp với Trường Chính trị tỉnh Kon Tum tổ chức 01 lớp Bồi dưỡng cấp ủy cơ sở với 5 học viên (không tính vào số liệu trên).",
            "Tổng số hồ sơ được xét là 3 bộ (trong đó có 2 hồ sơ được công nhận đạt, 1 hồ sơ không được công nhận đạt).",
        ]
    );
    for f in ["bc/bao-cao-2021.xlsx", "bc/bao-cao-2021.docx"] {
        let bytes = std::fs::read(dir.path().join(f)).unwrap();
        assert!(bytes.starts_with(b"PK"), "{f}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path().join("bc"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "no temporary files left: {left:?}");

    let empty = hoso(dir.path(), &["report", "--db", "r.db", "--year", "2019"]);
    assert_eq!(
        stdout(&empty).trim(),
        "Trong năm 2019, Trung tâm chưa mở lớp nào."
    );
}

#[test]
fn report_without_a_register_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = hoso(dir.path(), &["report", "--year", "2021"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hoso.db"));
    assert!(
        !dir.path().join("hoso.db").exists(),
        "report never creates a register"
    );
}

#[test]
fn killing_an_import_leaves_the_register_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = import_until_some_landed(dir.path(), 240, 40);
    let db = dir.path().join("r.db");
    let _ = child.kill();
    child.wait().unwrap();

    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let per_class: Vec<i64> = conn
        .prepare("SELECT count(e.id) FROM classes c LEFT JOIN enrolments e ON e.class_id = c.id GROUP BY c.id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(per_class.iter().all(|&n| n == 40), "no half-written class");
    drop(conn);

    import(dir.path(), &["many"]);
    let out = hoso(dir.path(), &["import", "--db", "clean.db", "many"]);
    assert!(out.status.success());
    let clean = dir.path().join("clean.db");
    for table in ["source_files", "classes", "enrolments"] {
        assert_eq!(count(&db, table), count(&clean, table), "{table}");
    }
    assert_eq!(count(&db, "enrolments"), 240 * 40);
}
