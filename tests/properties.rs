//! Properties of `hoso check` on copies of the python-made batch
//! (tests/fixtures/batch/xet-2021, verdicts in expected.json):
//!
//! * File order. What decides a verdict is the content of the files, the
//!   folders that group them, and, for duplicates only, the byte-wise path
//!   order of the two dossiers (domain.md §5 decision 4). So these must not
//!   matter and are varied: the order in which files are created (the order
//!   a directory listing returns them), the names of Word files and lists
//!   (recognised by their titles and headers), prefixes before attachment
//!   names, the names of unit folders (which reorders whole units), and
//!   suffixes after applicant folder names (which keeps every pair of
//!   sibling dossiers, duplicates included, in the same relative order).
//! * Thread count: the same batch read with 1 and with 2 threads gives
//!   byte-identical verdicts.
//! * Unicode form: any subset of the Word files and lists rewritten with
//!   every text in NFD (and non-ASCII file names in NFD) gives the same
//!   statuses and codes.

use hoso::evaluate::ruleset::RuleSet;
use hoso::pipeline;
use hoso::verdict::Verdicts;
use proptest::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

const PYTHON_BATCH: &str = "tests/fixtures/batch/xet-2021";

#[derive(Deserialize)]
struct Expected {
    applicants: Vec<ExpectedApplicant>,
    unused: Vec<String>,
}

#[derive(Deserialize)]
struct ExpectedApplicant {
    name: String,
    dossier: Option<String>,
    status: String,
    codes: Vec<String>,
}

/// One verdict as compared: name key, dossier, status, codes.
type Outcome = (String, Option<String>, String, Vec<String>);

fn expected() -> (Vec<Outcome>, Vec<String>) {
    let text = std::fs::read_to_string("tests/fixtures/batch/expected.json").unwrap();
    let e: Expected = serde_json::from_str(&text).unwrap();
    let mut outcomes: Vec<Outcome> = e
        .applicants
        .into_iter()
        .map(|a| (hoso::text::key(&a.name), a.dossier, a.status, a.codes))
        .collect();
    outcomes.sort();
    (outcomes, e.unused)
}

/// The verdicts as outcomes, with paths mapped back through `original`.
fn outcomes(v: &Verdicts, original: &dyn Fn(&str) -> String) -> Vec<Outcome> {
    let mut out: Vec<Outcome> = v
        .verdicts
        .iter()
        .map(|x| {
            let mut codes: Vec<String> = x.reasons.iter().map(|r| r.code.clone()).collect();
            codes.sort();
            codes.dedup();
            (
                hoso::text::key(&x.name),
                x.dossier.as_deref().map(original),
                x.status.as_str().to_string(),
                codes,
            )
        })
        .collect();
    out.sort();
    out
}

fn run_with_threads(root: &Path, threads: usize) -> Verdicts {
    let rules = RuleSet::default_rules().unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let run = pool
        .install(|| pipeline::run(root, &rules, &|_, _| {}))
        .unwrap();
    assert!(run.accounting.is_empty(), "{:#?}", run.accounting);
    run.verdicts
}

/// Every file of the python batch, relative, in byte-wise order.
fn batch_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(PYTHON_BATCH)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(PYTHON_BATCH).unwrap().to_path_buf())
        .collect();
    files.sort();
    files
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap().to_str().unwrap().to_string()
}

/// A rearranged copy of the batch: where each file goes, and the applicant
/// folders' original names by their new ones.
struct Rearranged {
    moves: Vec<(PathBuf, PathBuf)>,
    folders: BTreeMap<String, String>,
    root_files: BTreeMap<String, String>,
}

fn rearrange(tokens: &[String]) -> Rearranged {
    let mut tok = tokens.iter().cycle();
    let mut next = || tok.next().unwrap().clone();
    let mut units: BTreeMap<String, String> = BTreeMap::new();
    let mut applicants: BTreeMap<String, String> = BTreeMap::new();
    let mut folders = BTreeMap::new();
    let mut root_files = BTreeMap::new();
    let mut moves = Vec::new();
    for (i, rel) in batch_files().into_iter().enumerate() {
        let parts: Vec<String> = rel
            .iter()
            .map(|c| c.to_str().unwrap().to_string())
            .collect();
        let file = name_of(&rel);
        let ext = rel.extension().unwrap().to_str().unwrap().to_string();
        // Word files and lists are known by content; scans keep their words.
        let renamed = if ext == "docx" || ext == "xlsx" {
            format!("{}-{i}.{ext}", next())
        } else {
            format!("{}{i}-{file}", next())
        };
        let new = match parts.as_slice() {
            [_] => {
                root_files.insert(renamed.clone(), file.clone());
                PathBuf::from(&renamed)
            }
            [unit, _] => {
                let unit = units
                    .entry(unit.clone())
                    .or_insert_with(|| format!("{}{unit}", next()));
                Path::new(unit).join(&renamed)
            }
            [unit, folder, _] => {
                let new_unit = units
                    .entry(unit.clone())
                    .or_insert_with(|| format!("{}{unit}", next()))
                    .clone();
                let old = format!("{unit}/{folder}");
                let new_folder = applicants
                    .entry(old.clone())
                    .or_insert_with(|| format!("{new_unit}/{folder}-{}", next()))
                    .clone();
                folders.insert(new_folder.clone(), old);
                Path::new(&new_folder).join(&renamed)
            }
            _ => panic!("unexpected depth: {rel:?}"),
        };
        moves.push((rel, new));
    }
    Rearranged {
        moves,
        folders,
        root_files,
    }
}

/// Copies the files in the order given (directory listings then return
/// them in an order that depends on it).
fn copy_in_order(moves: &[(PathBuf, PathBuf)], order: &[usize], to: &Path) {
    for &i in order {
        let (from, rel) = &moves[i];
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(Path::new(PYTHON_BATCH).join(from), dest).unwrap();
    }
}

/// Every text node of every XML part in NFD; attributes untouched.
fn nfd_package(bytes: &[u8]) -> Vec<u8> {
    let text_node = regex::Regex::new(r">([^<]+)<").unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zout = zip::ZipWriter::new(&mut out);
    for i in 0..zin.len() {
        let mut entry = zin.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if name.ends_with(".xml") {
            let xml = String::from_utf8(data).unwrap();
            let nfd =
                text_node.replace_all(
                    &xml,
                    |c: &regex::Captures| match quick_xml::escape::unescape(&c[1]) {
                        Ok(text) => {
                            let text: String = text.nfd().collect();
                            format!(">{}<", quick_xml::escape::escape(text.as_str()))
                        }
                        Err(_) => c[0].to_string(),
                    },
                );
            data = nfd.into_owned().into_bytes();
        }
        zout.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(&data).unwrap();
    }
    zout.finish().unwrap();
    out.into_inner()
}

/// Word files and lists of the batch that are real zips (one transcript is
/// deliberately truncated: it stays as it is).
fn packages() -> Vec<PathBuf> {
    batch_files()
        .into_iter()
        .filter(|p| {
            let bytes = std::fs::read(Path::new(PYTHON_BATCH).join(p)).unwrap();
            zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok()
        })
        .collect()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 16,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn verdicts_depend_on_neither_meaningless_names_nor_file_order_nor_threads(
        tokens in proptest::collection::vec("[a-z0-9]{0,6}", 16..64),
        order in Just((0..batch_files().len()).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        let r = rearrange(&tokens);
        let dir = tempfile::tempdir().unwrap();
        copy_in_order(&r.moves, &order, dir.path());

        let one = run_with_threads(dir.path(), 1);
        let two = run_with_threads(dir.path(), 2);
        prop_assert!(
            serde_json::to_vec(&one).unwrap() == serde_json::to_vec(&two).unwrap(),
            "verdicts differ between 1 and 2 threads"
        );

        let original = |new: &str| r.folders.get(new).cloned().unwrap_or_else(|| new.to_string());
        let (want, want_unused) = expected();
        prop_assert_eq!(outcomes(&one, &original), want);
        let mut unused: Vec<String> = one
            .unused_files
            .iter()
            .map(|u| r.root_files.get(&u.path).cloned().unwrap_or_else(|| u.path.clone()))
            .collect();
        unused.sort();
        prop_assert_eq!(unused, want_unused);
    }

    #[test]
    fn verdicts_do_not_depend_on_the_unicode_form_of_names(
        nfd in proptest::collection::vec(any::<bool>(), packages().len()),
        nfd_file_names in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in batch_files() {
            let from = Path::new(PYTHON_BATCH).join(&rel);
            let name = name_of(&rel);
            let name = if nfd_file_names { name.nfd().collect() } else { name };
            let dest = root.join(rel.parent().unwrap()).join(name);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&from, &dest).unwrap();
        }
        for (rel, to_nfd) in packages().iter().zip(&nfd) {
            if *to_nfd {
                let path = root.join(rel);
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(&path, nfd_package(&bytes)).unwrap();
            }
        }
        let v = run_with_threads(root, 2);
        let (want, _) = expected();
        prop_assert_eq!(outcomes(&v, &|p| p.to_string()), want);
    }
}

/// The NFD rewrite really changes what the readers see (so the property
/// above is not vacuous).
#[test]
fn the_nfd_rewrite_reaches_the_text() {
    let form = "xa-dak-koi/01-nguyen-van-an/don-de-nghi.docx";
    let bytes = std::fs::read(Path::new(PYTHON_BATCH).join(form)).unwrap();
    let rewritten = nfd_package(&bytes);
    let text = |bytes: &[u8]| {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    };
    let (before, after) = (text(&bytes), text(&rewritten));
    assert!(before.contains("Nguyễn Văn An"));
    assert!(!after.contains("Nguyễn Văn An"));
    assert!(after.contains(&"Nguyễn Văn An".nfd().collect::<String>()));
    let list = "xa-dak-koi/danh-sach-de-nghi.xlsx";
    let bytes = std::fs::read(Path::new(PYTHON_BATCH).join(list)).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(nfd_package(&bytes))).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    // openpyxl wrote character references; they come back as NFD text.
    assert!(sheet.contains(&"Nguyễn Văn An".nfd().collect::<String>()));
}
