//! End to end: `hoso check` on review batches made by other tools
//! (python-docx + openpyxl, and the same batch re-saved by LibreOffice: see
//! tests/fixtures/batch/make.py), against the expected verdicts.

mod common;

use hoso::evaluate::ruleset::RuleSet;
use hoso::pipeline;
use hoso::verdict::Verdicts;
use serde::Deserialize;
use std::path::Path;
use std::process::Command;

#[derive(Deserialize)]
struct Expected {
    applicants: Vec<ExpectedApplicant>,
    unused: Vec<String>,
}

#[derive(Deserialize, Debug)]
struct ExpectedApplicant {
    name: String,
    dossier: Option<String>,
    status: String,
    codes: Vec<String>,
}

fn expected() -> Expected {
    let text = std::fs::read_to_string("tests/fixtures/batch/expected.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn check(batch: &str) -> Verdicts {
    let rules = RuleSet::default_rules().unwrap();
    let run = pipeline::run(Path::new(batch), &rules, &|_, _| {}).unwrap();
    assert!(
        run.accounting.is_empty(),
        "accounting: {:?}",
        run.accounting
    );
    run.verdicts
}

fn assert_matches_expected(batch: &str) {
    let v = check(batch);
    let want = expected();
    let mut problems = Vec::new();
    for e in &want.applicants {
        let found = v.verdicts.iter().find(|x| {
            hoso::text::key(&x.name) == hoso::text::key(&e.name)
                && x.dossier.as_deref() == e.dossier.as_deref()
        });
        let Some(found) = found else {
            problems.push(format!("no verdict for {} ({:?})", e.name, e.dossier));
            continue;
        };
        let mut codes: Vec<&str> = found.reasons.iter().map(|r| r.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        if found.status.as_str() != e.status || codes != e.codes {
            problems.push(format!(
                "{}: expected {} {:?}, got {} {:?}: {:?}",
                e.name,
                e.status,
                e.codes,
                found.status.as_str(),
                codes,
                found.reasons.iter().map(|r| &r.message).collect::<Vec<_>>()
            ));
        }
    }
    if v.verdicts.len() != want.applicants.len() {
        problems.push(format!(
            "{} verdicts, expected {}",
            v.verdicts.len(),
            want.applicants.len()
        ));
    }
    let unused: Vec<&str> = v.unused_files.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(unused, want.unused, "unused files: {:?}", v.unused_files);
    assert!(problems.is_empty(), "{batch}:\n{}", problems.join("\n"));
}

#[test]
fn python_made_batch_gets_the_expected_verdicts() {
    assert_matches_expected("tests/fixtures/batch/xet-2021");
}

#[test]
fn libreoffice_resaved_batch_gets_the_same_verdicts() {
    assert_matches_expected("tests/fixtures/batch/xet-2021-lo");
}

#[test]
fn reasons_carry_their_sources() {
    let v = check("tests/fixtures/batch/xet-2021");
    let late = v
        .verdicts
        .iter()
        .find(|x| x.name == "Hồ Văn Quang")
        .unwrap();
    let reason = late.reasons.iter().find(|r| r.code == "qua-han").unwrap();
    assert!(
        reason.message.contains("2021-07-09") || reason.message.contains("09/07/2021"),
        "{}",
        reason.message
    );
    assert!(
        reason
            .sources
            .iter()
            .any(|s| s.starts_with("xa-dak-ruong/06-ho-van-quang/don-de-nghi.docx#p")),
        "{:?}",
        reason.sources
    );
    let dob = v
        .verdicts
        .iter()
        .find(|x| x.name == "Võ Thị Giang")
        .unwrap();
    let reason = &dob.reasons[0];
    assert!(
        reason.message.contains("10/09/1988") && reason.message.contains("09/09/1988"),
        "{}",
        reason.message
    );
    assert!(
        reason
            .sources
            .iter()
            .any(|s| s.starts_with("xa-dak-koi/danh-sach-de-nghi.xlsx!Danh sách!C")),
        "{:?}",
        reason.sources
    );
}

/// The reports are the same bytes at any thread count, and from one run
/// to the next: the workbook's properties carry no time of writing.
#[test]
fn reports_are_identical_at_any_thread_count_and_time() {
    let out1 = tempfile::tempdir().unwrap();
    let out2 = tempfile::tempdir().unwrap();
    for (jobs, out) in [("1", &out1), ("2", &out2)] {
        if jobs == "2" {
            // Another second of the clock than the first run's.
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        let status = Command::new(env!("CARGO_BIN_EXE_hoso"))
            .args([
                "check",
                "tests/fixtures/batch/xet-2021",
                "--quiet",
                "--jobs",
                jobs,
                "--out",
            ])
            .arg(out.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    for f in ["verdicts.json", "verdicts.csv", "verdicts.xlsx"] {
        let a = std::fs::read(out1.path().join(f)).unwrap();
        let b = std::fs::read(out2.path().join(f)).unwrap();
        assert!(a == b, "{f} differs between --jobs 1 and --jobs 2");
    }
}

/// A workbook hiding an older copy of its list (tests/fixtures/lists/make_hidden.py).
#[test]
fn sheets_passed_over_reach_the_verdicts_warnings() {
    // The fixture batch's xa-tan-lap list swapped for a workbook with a
    // hidden older copy: nobody only on the copy gets a verdict, and the
    // clerk is told which sheet was passed over, in which file.
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    common::copy_dir(
        Path::new("tests/fixtures/batch/xet-2021/xa-tan-lap"),
        &batch,
    );
    std::fs::copy(
        "tests/fixtures/lists/an-ban-cu.xlsx",
        batch.join("danh-sach-de-nghi.xlsx"),
    )
    .unwrap();
    let v = check(batch.to_str().unwrap());
    assert!(
        v.verdicts.iter().all(|x| x.name != "Phạm Văn Cũ"),
        "{:?}",
        v.verdicts
    );
    assert!(
        v.warnings
            .iter()
            .any(|w| w.starts_with("danh-sach-de-nghi.xlsx: trang 'DS cũ' bị bỏ qua")),
        "{:?}",
        v.warnings
    );

    // So is a row with a name but no STT, on its own (not on a person).
    std::fs::copy(
        "tests/fixtures/lists/stt-trong.xlsx",
        batch.join("danh-sach-bo-sung.xlsx"),
    )
    .unwrap();
    let v = check(batch.to_str().unwrap());
    let told: Vec<&String> = v
        .warnings
        .iter()
        .filter(|w| w.contains("Lê Thị Hoa"))
        .collect();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told[0].starts_with("danh-sach-bo-sung.xlsx: Trang 'STT trong', dòng 7: "),
        "{told:?}"
    );
}
