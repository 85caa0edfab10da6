//! Incremental re-runs: the cache in the output folder must never change a
//! verdict, and a changed file must be read again.

use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn check(batch: &Path, out: &Path, extra: &[&str]) -> String {
    let status = Command::new(env!("CARGO_BIN_EXE_hoso"))
        .arg("check")
        .arg(batch)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read_to_string(out.join("verdicts.json")).unwrap()
}

#[test]
fn cached_runs_give_the_verdicts_of_a_cold_run() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    copy_dir(Path::new("tests/fixtures/batch/xet-2021"), &batch);
    let out = dir.path().join("out");

    let first = check(&batch, &out, &[]);
    assert!(
        out.join(".hoso.cache").exists(),
        "the first run writes the cache"
    );
    assert_eq!(
        check(&batch, &out, &[]),
        first,
        "an unchanged batch gives the same verdicts from the cache"
    );

    // Corrections between runs: a diploma removed, a transcript replaced by
    // another person's photocopied one, a list rewritten with the same bytes.
    let an = batch.join("xa-dak-koi/01-nguyen-van-an");
    std::fs::remove_file(an.join("bang-tot-nghiep.pdf")).unwrap();
    std::fs::copy(
        batch.join("xa-dak-ruong/01-ngo-thi-lan/bang-diem.docx"),
        an.join("bang-diem.docx"),
    )
    .unwrap();
    let list = batch.join("xa-dak-ruong/danh-sach-de-nghi.xlsx");
    let bytes = std::fs::read(&list).unwrap();
    std::fs::write(&list, bytes).unwrap();

    let warm = check(&batch, &out, &[]);
    let cold = check(&batch, &dir.path().join("cold"), &["--no-cache"]);
    assert_eq!(warm, cold, "a re-run through the cache equals a cold run");
    assert!(
        !dir.path().join("cold/.hoso.cache").exists(),
        "--no-cache writes no cache"
    );

    let v: serde_json::Value = serde_json::from_str(&warm).unwrap();
    let an = v["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Nguyễn Văn An")
        .unwrap();
    let codes: Vec<&str> = an["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for code in ["thieu-van-bang", "bang-diem-khong-hop-le", "lech-thong-tin"] {
        assert!(
            codes.contains(&code),
            "the changed files were read again: {codes:?}"
        );
    }
}

#[test]
fn a_damaged_cache_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let batch = Path::new("tests/fixtures/batch/xet-2021");
    let first = check(batch, &out, &[]);
    std::fs::write(out.join(".hoso.cache"), b"\x00garbage").unwrap();
    assert_eq!(check(batch, &out, &[]), first);
}
