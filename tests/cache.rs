//! Incremental re-runs: the cache in the output folder must never change a
//! verdict, and a changed file must be read again.

mod common;

use common::{check_into as check, copy_dir};
use std::path::Path;
use std::process::Command;

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
    let cold_files: Vec<String> = std::fs::read_dir(dir.path().join("cold"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(cold_files.is_empty(), "--no-cache leaves {cold_files:?}");

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

#[test]
fn a_damaged_or_truncated_blob_file_is_read_around() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let batch = Path::new("tests/fixtures/batch/xet-2021");
    let first = check(batch, &out, &[]);
    let blobs = out.join(".hoso.blobs");
    let mut bytes = std::fs::read(&blobs).unwrap();
    assert!(
        bytes.len() > 1000,
        "the document parts are in the blob file"
    );
    // Flip bytes throughout: every part and judgement is then suspect.
    for i in (0..bytes.len()).step_by(97) {
        bytes[i] ^= 0x5a;
    }
    std::fs::write(&blobs, &bytes).unwrap();
    assert_eq!(check(batch, &out, &[]), first);
    std::fs::write(&blobs, &bytes[..bytes.len() / 3]).unwrap();
    assert_eq!(check(batch, &out, &[]), first);
    std::fs::remove_file(&blobs).unwrap();
    assert_eq!(check(batch, &out, &[]), first);
}

#[test]
fn a_second_run_into_the_same_folder_goes_without_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let batch = Path::new("tests/fixtures/batch/xet-2021");
    let first = check(batch, &out, &[]);
    let index = std::fs::read(out.join(".hoso.cache")).unwrap();
    // As if another `hoso check` were running into `out`.
    let blobs = std::fs::File::options()
        .read(true)
        .write(true)
        .open(out.join(".hoso.blobs"))
        .unwrap();
    blobs.lock().unwrap();
    let second = Command::new(env!("CARGO_BIN_EXE_hoso"))
        .arg("check")
        .arg(batch)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("running without the cache: another hoso check"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("verdicts.json")).unwrap(),
        first
    );
    assert_eq!(std::fs::read(out.join(".hoso.cache")).unwrap(), index);
}

/// Parts of unchanged files are checked only when read back: a damaged one
/// met while judging makes the run read the whole batch again, with the
/// verdicts of a cold run and a warning.
#[test]
fn a_damaged_part_met_while_judging_starts_the_run_again() {
    use hoso::cache::Cache;
    use hoso::evaluate::ruleset::RuleSet;
    use hoso::pipeline;

    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    copy_dir(Path::new("tests/fixtures/batch/xet-2021"), &batch);
    let out = dir.path().join("out");
    let rules = RuleSet::default_rules().unwrap();
    let salt = pipeline::cache_salt(&rules);
    let none = |_: u64, _: u64| {};

    let cache = Cache::load(&out, &salt).unwrap();
    let run = pipeline::run_cached(&batch, &rules, &none, Some(&cache), &out).unwrap();
    let parts: Vec<hoso::spill::Blob> = run
        .assembly
        .dossiers
        .iter()
        .flat_map(|d| [&d.form, &d.transcript])
        .flatten()
        .filter_map(|p| p.spilled)
        .collect();
    assert!(parts.len() > 10, "the forms and transcripts are spilled");
    cache.save(&run.verdict_keys).unwrap();
    drop(run);

    let blobs = out.join(".hoso.blobs");
    let mut bytes = std::fs::read(&blobs).unwrap();
    for p in &parts {
        bytes[p.offset as usize] ^= 0x5a;
    }
    std::fs::write(&blobs, &bytes).unwrap();
    // One dossier loses an attachment: its verdict must be made again, from
    // its (damaged) form.
    let dossier = batch.join("xa-dak-koi/01-nguyen-van-an");
    let attachment = std::fs::read_dir(&dossier)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x != "docx"))
        .unwrap();
    std::fs::remove_file(attachment).unwrap();

    let cache = Cache::load(&out, &salt).unwrap();
    let warm = pipeline::run_cached(&batch, &rules, &none, Some(&cache), &out).unwrap();
    assert!(warm.cache_damaged);
    let cold = pipeline::run(&batch, &rules, &none).unwrap();
    assert!(!cold.cache_damaged);
    assert_eq!(
        serde_json::to_string(&warm.verdicts).unwrap(),
        serde_json::to_string(&cold.verdicts).unwrap()
    );
    cache.save(&warm.verdict_keys).unwrap();
    drop(warm);

    // The index saved after the damage points only at sound blobs.
    let cache = Cache::load(&out, &salt).unwrap();
    let again = pipeline::run_cached(&batch, &rules, &none, Some(&cache), &out).unwrap();
    assert!(!again.cache_damaged);
    assert_eq!(
        serde_json::to_string(&again.verdicts).unwrap(),
        serde_json::to_string(&cold.verdicts).unwrap()
    );
}

/// Every verdict kept is read back, those without files (a list row with no
/// dossier) included: postcard could not read one whose empty file list was
/// left out, and it was judged again on every run.
#[test]
fn every_kept_verdict_is_read_back() {
    use hoso::cache::Cache;
    use hoso::evaluate::ruleset::RuleSet;
    use hoso::pipeline;

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let batch = Path::new("tests/fixtures/batch/xet-2021");
    let rules = RuleSet::default_rules().unwrap();
    let salt = pipeline::cache_salt(&rules);
    let cache = Cache::load(&out, &salt).unwrap();
    let run = pipeline::run_cached(batch, &rules, &|_, _| {}, Some(&cache), &out).unwrap();
    assert!(
        run.verdicts.verdicts.iter().any(|v| v.files.is_empty()),
        "the fixture has a list row without a dossier"
    );
    assert_eq!(run.verdict_keys.len(), run.verdicts.verdicts.len());
    cache.save(&run.verdict_keys).unwrap();
    // The run holds the blob file, and its lock, until dropped.
    let (keys, verdicts) = (run.verdict_keys, run.verdicts.verdicts);
    drop(run.spill);
    let cache = Cache::load(&out, &salt).unwrap();
    let spill = cache.spill();
    for (key, verdict) in keys.iter().zip(&verdicts) {
        let blob = cache.verdict(*key).expect("kept");
        let kept = spill.get(blob).unwrap();
        let parts = hoso::report::RenderedRef::parse(&kept).unwrap();
        assert_eq!(&parts.verdict().unwrap(), verdict);
        // Kept as the report files write it.
        let files = pipeline::files_fingerprint(&verdict.files);
        let made = hoso::report::Rendered::of(verdict, &rules, files).unwrap();
        assert_eq!(kept, made.bytes());
    }
}

/// `docx` zipped again with `from` replaced by `to` (as many bytes) in its
/// main part, and an archive comment of `pad` bytes.
fn rezipped(docx: &[u8], from: &str, to: &str, pad: usize) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "word/document.xml" {
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.contains(from));
            bytes = text.replace(from, to).into_bytes();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.set_comment(" ".repeat(pad)).unwrap();
    out.finish().unwrap().into_inner()
}

/// A file rewritten in the clock tick it was read in keeps its size and
/// modification time; the cache must not take it as unchanged (git's
/// "racily clean" entries): the re-run reads it again.
#[test]
fn a_file_rewritten_without_a_new_stat_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    copy_dir(Path::new("tests/fixtures/batch/xet-2021"), &batch);
    let form = batch.join("xa-dak-koi/01-nguyen-van-an/don-de-nghi.docx");
    let original = std::fs::read(&form).unwrap();
    // The birth date on the form: the list's then differs from it.
    let (from, to) = ("/1975", "/1976");
    assert_eq!(from.len(), to.len());
    let a = rezipped(&original, from, from, 0).len();
    let b = rezipped(&original, from, to, 0).len();
    let before = rezipped(&original, from, from, b.saturating_sub(a));
    let after = rezipped(&original, from, to, a.saturating_sub(b));
    assert_eq!(before.len(), after.len());
    assert_ne!(before, after);

    std::fs::write(&form, &before).unwrap();
    let stamp = std::fs::metadata(&form).unwrap().modified().unwrap();
    let out = dir.path().join("out");
    let first = check(&batch, &out, &[]);
    std::fs::write(&form, &after).unwrap();
    let file = std::fs::File::options().write(true).open(&form).unwrap();
    file.set_modified(stamp).unwrap();
    drop(file);
    let meta = std::fs::metadata(&form).unwrap();
    assert_eq!(
        (meta.len(), meta.modified().unwrap()),
        (before.len() as u64, stamp)
    );

    let warm = check(&batch, &out, &[]);
    let cold = check(&batch, &dir.path().join("cold"), &["--no-cache"]);
    assert!(first != cold, "the new birth date changes the verdicts");
    assert!(warm == cold, "the rewritten form is read again");
}

/// The folder listings a run keeps (`.hoso.folders`): a re-run reuses
/// those of unchanged folders and reads changed ones again, and its
/// verdicts are a cold run's.
#[test]
#[cfg(target_os = "linux")]
fn a_rerun_reuses_unchanged_folders_and_reads_changed_ones_again() {
    use std::os::unix::fs::MetadataExt;
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
