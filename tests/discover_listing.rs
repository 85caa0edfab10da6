//! The folder listings a run keeps (`.hoso.folders`): a re-run reuses
//! those of unchanged folders and reads changed ones again, and its
//! verdicts are a cold run's.

#![cfg(target_os = "linux")]

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
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
fn a_rerun_reuses_unchanged_folders_and_reads_changed_ones_again() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    copy_dir(Path::new("tests/fixtures/batch/xet-2021"), &batch);
    // Folders changed within the racy margin of a run are read again by
    // the next: the batch settles first, as one that arrived earlier.
    let margin = hoso::cache::RACY_MARGIN_NS.unsigned_abs();
    std::thread::sleep(std::time::Duration::from_nanos(margin + 100_000_000));
    let out = dir.path().join("out");
    let listings = out.join(".hoso.folders");

    let first = check(&batch, &out, &[]);
    let kept = std::fs::metadata(&listings).expect("the first run keeps the listings");
    assert_eq!(check(&batch, &out, &[]), first);
    assert_eq!(
        std::fs::metadata(&listings).unwrap().ino(),
        kept.ino(),
        "every folder was found unchanged: the listings are not written again"
    );

    // A diploma removed, a transcript renamed, a photo added.
    let an = batch.join("xa-dak-koi/01-nguyen-van-an");
    std::fs::remove_file(an.join("bang-tot-nghiep.pdf")).unwrap();
    let lan = batch.join("xa-dak-ruong/01-ngo-thi-lan");
    std::fs::rename(lan.join("bang-diem.docx"), lan.join("bang-diem-2.docx")).unwrap();
    std::fs::write(an.join("anh.jpg"), b"\xff\xd8\xff").unwrap();
    let warm = check(&batch, &out, &[]);
    let cold = check(&batch, &dir.path().join("cold"), &["--no-cache"]);
    assert_eq!(
        warm, cold,
        "a re-run through the listings equals a cold run"
    );
    assert!(!warm.contains("01-nguyen-van-an/bang-tot-nghiep.pdf"));
    assert!(warm.contains("01-ngo-thi-lan/bang-diem-2.docx"));
    assert!(
        !dir.path().join("cold/.hoso.folders").exists(),
        "--no-cache keeps no listings"
    );
}
