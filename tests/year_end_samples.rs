//! Year end on the committed sample rosters: `hoso import` then
//! `hoso report --year 2021` gives the centre's figures of domain.md §6
//! exactly, the joint class apart; importing twice changes nothing.

mod common;

fn hoso(args: &[&str]) -> std::process::Output {
    common::hoso_ok(args, None)
}

#[test]
fn sample_rosters_give_the_years_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hoso.db");
    let db = db.to_str().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    hoso(&[
        "import",
        "samples/lop-boi-duong-2021",
        "--db",
        db,
        "--quiet",
    ]);
    let report = || {
        let o = hoso(&[
            "report", "--year", "2021", "--db", db, "--out", out, "--json",
        ]);
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let first = report();
    // The reports are for sharing: readable by others, like any new file.
    #[cfg(unix)]
    for entry in std::fs::read_dir(out).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let path = entry.unwrap().path();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{}", path.display());
    }
    assert_eq!(first["classes"], 12);
    assert_eq!(first["enrolments"], 522);
    let by_type: Vec<(String, u64, u64)> = first["by_type"]
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
        .collect();
    let want: Vec<(String, u64, u64)> = common::CLASSES_2021
        .iter()
        .map(|(t, c, l)| (t.to_string(), *c as u64, *l as u64))
        .collect();
    assert_eq!(by_type, want);
    assert_eq!(
        first["joint"],
        serde_json::json!([{"type": "Bồi dưỡng cấp ủy cơ sở", "learners": 55}])
    );

    // The centre's own wording.
    let text = hoso(&["report", "--year", "2021", "--db", db, "--out", out]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("đã tổ chức mở được 12 lớp với 522 lượt học viên tham gia học tập, gồm: (1) 02 lớp Nhận thức về Đảng với 77 học viên; (2) 01 lớp"), "{text}");

    // Importing the same folder again changes nothing.
    hoso(&[
        "import",
        "samples/lop-boi-duong-2021",
        "--db",
        db,
        "--quiet",
    ]);
    assert_eq!(report(), first);
}
