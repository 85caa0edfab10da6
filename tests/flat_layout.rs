//! A batch laid out flat: every file of the sample year in one folder,
//! named after its path ("xa-dak-koi-03-le-van-an-bang-diem.docx"). Each
//! form is then a one-file dossier, and each transcript and scan beside it
//! goes to the dossier it names: by name, by birth date between people of
//! one name, and by file name between two dossiers of one person.

mod common;

use common::{Outcome, outcomes};
use std::path::{Path, PathBuf};

const SAMPLES: &str = "samples/xet-tuong-duong-2021";

/// The sample year laid out flat in a temporary folder.
fn flat_samples() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("flat");
    hoso::samples::lay_out_flat(Path::new(SAMPLES), &flat).unwrap();
    (dir, flat)
}

/// The sample year laid out flat gets the verdicts it gets in folders. The
/// one difference is the layout's own: in one folder, every unit's request
/// letter covers every dossier, so no one lacks a letter there. The
/// samples' two applicants of one name sent twice (`trung-ho-so`) and the
/// transcript whose name differs from the form's only in diacritics
/// (`lech-thong-tin`) must still find their dossiers.
#[test]
fn the_samples_laid_out_flat_get_the_verdicts_they_get_in_folders() {
    let (_dir, flat) = flat_samples();
    let files = std::fs::read_dir(&flat).unwrap().count();
    assert_eq!(files, hoso::discover::walk(Path::new(SAMPLES)).len());

    let letter = "thieu-cong-van";
    let mut nested: Vec<Outcome> = outcomes(Path::new(SAMPLES))
        .into_iter()
        .map(|(name, status, mut codes)| {
            let had_letter_missing = codes.iter().any(|c| c == letter);
            codes.retain(|c| c != letter);
            let status = match (had_letter_missing, codes.is_empty()) {
                (true, true) => "accepted".to_string(),
                _ => status,
            };
            (name, status, codes)
        })
        .collect();
    let mut judged = outcomes(&flat);
    nested.sort();
    judged.sort();
    assert_eq!(judged, nested);
    // Not vacuous: the cases named above are among them.
    for code in [
        "trung-ho-so",
        "lech-thong-tin",
        "thieu-bang-diem",
        "thieu-van-bang",
    ] {
        assert!(
            judged
                .iter()
                .any(|(_, _, codes)| codes.iter().any(|c| c == code)),
            "{code}"
        );
    }
}

/// A transcript that names one person sent twice, under a file name that
/// tells neither dossier, is not taken as missing from the one lacking a
/// transcript: that applicant waits for a clerk, with the file named; the
/// copy, which has its own, is judged as before (a duplicate).
#[test]
fn a_transcript_naming_two_dossiers_alike_is_left_to_a_clerk() {
    let (_dir, flat) = flat_samples();
    let untelling = "bang-diem-bui-thi-bich-ngan.docx";
    std::fs::rename(
        flat.join("thi-tran-dak-rve-13-bui-thi-bich-ngan-bang-diem.docx"),
        flat.join(untelling),
    )
    .unwrap();
    let ngan: Vec<Outcome> = outcomes(&flat)
        .into_iter()
        .filter(|(name, _, _)| name == "Bùi Thị Bích Ngân")
        .collect();
    let outcome = |status: &str, code: &str| -> Outcome {
        ("Bùi Thị Bích Ngân".into(), status.into(), vec![code.into()])
    };
    assert_eq!(
        ngan,
        [
            outcome("needs_review", "chua-ro-ho-so"),
            outcome("rejected", "trung-ho-so")
        ]
    );
    // Laid out in folders, this dossier is recognised.
    let nested = outcomes(Path::new(SAMPLES));
    assert!(nested.contains(&("Bùi Thị Bích Ngân".into(), "accepted".into(), vec![])));
}
