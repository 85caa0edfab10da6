//! Hostile and broken inputs in a real batch: the python-made batch
//! (tests/fixtures/batch/xet-2021) with damaged, malicious and odd files
//! added. Every one must come out with a one-line reason, the accounting
//! invariant must hold, memory must stay bounded, and the applicants'
//! verdicts must not change. Also: Ctrl-C and SIGKILL never leave a
//! truncated verdicts.json.
//!
//! Fixtures: tests/fixtures/hostile/make.py (new damaged zips, real
//! password-protected files), plus the per-reader ones in
//! tests/fixtures/docx/hostile/ and tests/fixtures/lists/.

mod common;
use common::{copy_dir, import_until_some_landed};
use hoso::evaluate::ruleset::RuleSet;
use hoso::pipeline::{self, Run};
use hoso::verdict::{Verdict, Verdicts};
use serde::Deserialize;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PYTHON_BATCH: &str = "tests/fixtures/batch/xet-2021";
const HOSTILE_DIR: &str = "zz-hostile";
/// A valid Word file that is no known document: read, then unused.
const NO_KIND_DOCX: &str = "tests/fixtures/docx/hostile/nested-tables.docx";

#[derive(Deserialize)]
struct Expected {
    applicants: Vec<ExpectedApplicant>,
}

#[derive(Deserialize, Debug)]
struct ExpectedApplicant {
    name: String,
    dossier: Option<String>,
    status: String,
    codes: Vec<String>,
}

fn expected() -> Vec<ExpectedApplicant> {
    let text = std::fs::read_to_string("tests/fixtures/batch/expected.json").unwrap();
    serde_json::from_str::<Expected>(&text).unwrap().applicants
}

fn codes(v: &Verdict) -> Vec<&str> {
    let mut codes: Vec<&str> = v.reasons.iter().map(|r| r.code.as_str()).collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Differences between the verdicts and expected.json, one line each.
fn differences(v: &Verdicts) -> Vec<String> {
    let want = expected();
    let mut problems = Vec::new();
    for e in &want {
        let found = v.verdicts.iter().find(|x| {
            hoso::text::key(&x.name) == hoso::text::key(&e.name)
                && x.dossier.as_deref() == e.dossier.as_deref()
        });
        match found {
            None => problems.push(format!("no verdict for {} ({:?})", e.name, e.dossier)),
            Some(f) if f.status.as_str() != e.status || codes(f) != e.codes => {
                problems.push(format!(
                    "{}: expected {} {:?}, got {} {:?}",
                    e.name,
                    e.status,
                    e.codes,
                    f.status.as_str(),
                    codes(f)
                ))
            }
            Some(_) => {}
        }
    }
    if v.verdicts.len() != want.len() {
        problems.push(format!(
            "{} verdicts, expected {}",
            v.verdicts.len(),
            want.len()
        ));
    }
    problems
}

fn check(root: &Path) -> Run {
    let rules = RuleSet::default_rules().unwrap();
    pipeline::run(root, &rules, &|_, _| {}).unwrap()
}

/// Runs `hoso check` with `--stats`; returns the exit status and the stats.
fn check_with_stats(batch: &Path, out: &Path) -> (std::process::ExitStatus, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_hoso"))
        .arg("check")
        .arg(batch)
        .arg("--out")
        .arg(out)
        .args(["--quiet", "--stats"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stats = stderr
        .lines()
        .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .unwrap_or_else(|| panic!("no stats line on stderr: {stderr}"));
    (output.status, stats)
}

/// Whether `path` (from the outputs) names the file `rel`, where a U+FFFD in
/// `rel` stands for bytes that are not UTF-8, however the outputs show them.
fn shows(path: &str, rel: &str) -> bool {
    match rel.split_once('\u{FFFD}') {
        None => path == rel,
        Some((before, after)) => {
            let after = after.trim_start_matches('\u{FFFD}');
            path.len() > before.len() + after.len()
                && path.starts_with(before)
                && path.ends_with(after)
        }
    }
}

/// Where a hostile file went, and what its one-line reason must say.
struct Hostile {
    rel: String,
    reason: &'static str,
}

/// Puts the chmod-000 entries back so the temporary folder can be removed.
struct Locked(Vec<PathBuf>);

impl Drop for Locked {
    fn drop(&mut self) {
        for p in &self.0 {
            let mode = if p.is_dir() { 0o755 } else { 0o644 };
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
        }
    }
}

fn is_root_like(path: &Path) -> bool {
    // chmod 000 stops nobody who has CAP_DAC_OVERRIDE (root in CI).
    if path.is_dir() {
        std::fs::read_dir(path).is_ok()
    } else {
        std::fs::File::open(path).is_ok()
    }
}

/// A zip with more entries than any Office file has.
fn many_entries_zip(n: usize) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..n {
        zip.start_file(format!("{i}"), stored).unwrap();
        zip.write_all(b"").unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

/// The python batch plus every hostile file; returns what each must get.
fn build_hostile_batch(root: &Path) -> (Vec<Hostile>, Locked) {
    copy_dir(Path::new(PYTHON_BATCH), root);
    let hostile = root.join(HOSTILE_DIR);
    std::fs::create_dir_all(&hostile).unwrap();
    let mut list = Vec::new();
    let mut add = |rel: &str, reason: &'static str| {
        list.push(Hostile {
            rel: format!("{HOSTILE_DIR}/{rel}"),
            reason,
        })
    };
    let copy = |src: &str, rel: &str| {
        let to = hostile.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src, to).unwrap();
    };

    // A submission list replaced by the same list declaring A1:XFD1048576:
    // it must still be read, so no verdict may change.
    std::fs::copy(
        "tests/fixtures/hostile/dimension-lie.xlsx",
        root.join("xa-tan-lap/danh-sach-de-nghi.xlsx"),
    )
    .unwrap();

    for (file, reason) in [
        ("bomb-lying.docx", "inflate"),
        ("bomb-central-lie.docx", "inflate"),
        ("bomb-declared.docx", "more than the 512 MB limit"),
        ("corrupt-crc.docx", "tệp bị hỏng hoặc không đầy đủ ("),
        ("cd-offset.xlsx", "tệp bị hỏng hoặc không đầy đủ ("),
        (
            "no-central-directory.xlsx",
            "tệp bị hỏng hoặc không đầy đủ (",
        ),
        ("billion-laughs.xlsx", "entity"),
        ("encrypted.xlsx", "tệp có đặt mật khẩu (đã mã hóa)"),
        ("encrypted.docx", "tệp có đặt mật khẩu (đã mã hóa)"),
    ] {
        copy(&format!("tests/fixtures/hostile/{file}"), file);
        add(file, reason);
    }
    for (file, reason) in [
        ("truncated.docx", "tệp bị hỏng hoặc không đầy đủ ("),
        (
            "zip-bomb.docx",
            "có thể là tệp độc hại; không đọc (archive entry",
        ),
        ("billion-laughs.docx", "DOCTYPE"),
        ("deep-nesting.docx", "nested"),
        ("pdf-renamed.docx", "PDF"),
        (
            "excel-renamed.docx",
            "đây là bảng tính Excel, không phải văn bản Word",
        ),
        ("empty.docx", "tệp rỗng (0 byte)"),
        // 40 levels of tables in tables: read, but it is no known document.
        ("nested-tables.docx", "văn bản Word không rõ loại"),
    ] {
        copy(
            &format!("tests/fixtures/docx/hostile/{file}"),
            &format!("docx/{file}"),
        );
        add(&format!("docx/{file}"), reason);
    }
    for (file, reason) in [
        ("truncated.xlsx", "tệp bị hỏng hoặc không đầy đủ ("),
        ("bomb.xlsx", "có thể là tệp độc hại"),
        ("bomb-lying.xlsx", "inflate"),
        ("hostile-sst.xlsx", "strings"),
        ("hostile-dimensions.xls", "absurd size"),
        ("hostile-far-cell.xls", "vượt giới hạn đọc an toàn"),
        ("hostile-loop.xls", "loops"),
        ("hostile-repeat.ods", "more than 1000000 cells"),
        ("hostile-xfd.xlsx", "bảng tính không có danh sách"),
        ("encrypted.xlsx", "tệp có đặt mật khẩu"),
        ("pdf.xlsx", "tệp thực chất là PDF"),
        ("html.xls", "tệp thực chất là trang web (HTML)"),
        ("csv.xls", "tệp thực chất là văn bản thuần (CSV)"),
        ("empty.xlsx", "tệp rỗng (0 byte)"),
    ] {
        copy(
            &format!("tests/fixtures/lists/{file}"),
            &format!("lists/{file}"),
        );
        add(&format!("lists/{file}"), reason);
    }

    // Wrong extensions the other way round: a Word form named .xlsx.
    copy(
        "tests/fixtures/docx/don-de-nghi.docx",
        "don-de-nghi-that-la-word.xlsx",
    );
    add(
        "don-de-nghi-that-la-word.xlsx",
        "đây là văn bản Word, không phải bảng tính",
    );
    std::fs::write(hostile.join("many-entries.docx"), many_entries_zip(10_001)).unwrap();
    add("many-entries.docx", "entries");
    for name in ["empty.pdf", "empty"] {
        std::fs::write(hostile.join(name), b"").unwrap();
        add(name, "không đọc được: tệp rỗng (0 byte)");
    }

    // Links: one back to the batch root (a loop), one to nowhere, one to a device.
    std::os::unix::fs::symlink("..", hostile.join("loop")).unwrap();
    add("loop", "trỏ vòng");
    std::os::unix::fs::symlink("nowhere.docx", hostile.join("dangling.docx")).unwrap();
    add("dangling.docx", "không tìm thấy tệp");
    std::os::unix::fs::symlink("/dev/zero", hostile.join("zero.docx")).unwrap();
    add("zero.docx", "không phải tệp thông thường");
    let fifo = hostile.join("fifo.xlsx");
    if Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        add("fifo.xlsx", "không phải tệp thông thường");
    }

    // Odd names; the content is a Word document of no known kind.
    let odd: [&[u8]; 8] = [
        b"bad-\xff\xfe.docx",
        b"d\xc3\xb2ng\nm\xe1\xbb\x9bi.docx",
        "nfd-ba\u{300}o-ca\u{301}o.docx".as_bytes(),
        b"-rf.docx",
        b" .docx",
        b"a!Sheet1!C3#p7.docx",
        b"back\\slash.docx",
        b".an.docx",
    ];
    for name in odd {
        let name = OsStr::from_bytes(name);
        std::fs::copy(Path::new(NO_KIND_DOCX), hostile.join(name)).unwrap();
        let rel = name.to_string_lossy().into_owned();
        list.push(Hostile {
            rel: format!("{HOSTILE_DIR}/{rel}"),
            reason: "văn bản Word không rõ loại",
        });
    }
    let long = format!("{}.docx", "ư".repeat(125));
    std::fs::copy(Path::new(NO_KIND_DOCX), hostile.join(&long)).unwrap();
    list.push(Hostile {
        rel: format!("{HOSTILE_DIR}/{long}"),
        reason: "văn bản Word không rõ loại",
    });

    // No permission: a file and a folder (root reads them anyway).
    let unreadable = hostile.join("khong-doc.docx");
    std::fs::copy(Path::new(NO_KIND_DOCX), &unreadable).unwrap();
    let locked_dir = hostile.join("khoa");
    std::fs::create_dir(&locked_dir).unwrap();
    std::fs::write(locked_dir.join("ghi-chu.txt"), "ghi chú").unwrap();
    for p in [&unreadable, &locked_dir] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let locked = Locked(vec![unreadable.clone(), locked_dir.clone()]);
    if is_root_like(&unreadable) {
        println!("running with permission override (root): chmod 000 does not stop reading");
        list.push(Hostile {
            rel: format!("{HOSTILE_DIR}/khong-doc.docx"),
            reason: "văn bản Word không rõ loại",
        });
        list.push(Hostile {
            rel: format!("{HOSTILE_DIR}/khoa/ghi-chu.txt"),
            reason: "không thuộc hồ sơ nào (không có đơn đề nghị",
        });
    } else {
        list.push(Hostile {
            rel: format!("{HOSTILE_DIR}/khong-doc.docx"),
            reason: "không có quyền đọc tệp",
        });
        list.push(Hostile {
            rel: format!("{HOSTILE_DIR}/khoa"),
            reason: "không có quyền đọc tệp",
        });
    }
    (list, locked)
}

#[test]
fn hostile_neighbours_get_reasons_and_change_no_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("batch");
    let (hostile, _locked) = build_hostile_batch(&root);
    // Inside a dossier, a damaged document makes it "needs review" with the
    // file named; this dossier already needs review for another file.
    let in_dossier = "xa-dak-koi/50-nguyen-thi-xuan/zz-bomb.docx";
    std::fs::copy(
        "tests/fixtures/hostile/bomb-lying.docx",
        root.join(in_dossier),
    )
    .unwrap();

    let run = check(&root);
    assert!(run.accounting.is_empty(), "{:#?}", run.accounting);
    let v = &run.verdicts;
    let s = v.summary;
    assert_eq!(s.total, s.accepted + s.rejected + s.needs_review);
    let problems = differences(v);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let mut missing = Vec::new();
    for h in &hostile {
        match v.unused_files.iter().find(|u| shows(&u.path, &h.rel)) {
            None => missing.push(format!("{}: not in unused_files", h.rel)),
            Some(u) if !u.reason.contains(h.reason) || u.reason.contains('\n') => missing.push(
                format!("{}: reason {:?}, wanted {:?}", h.rel, u.reason, h.reason),
            ),
            Some(_) => {}
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    for u in &v.unused_files {
        let english = english_outside_parentheses(&u.reason);
        assert!(
            english.is_empty(),
            "{}: {:?} in {}",
            u.path,
            english,
            u.reason
        );
    }
    let xuan = v
        .verdicts
        .iter()
        .find(|x| x.dossier.as_deref() == Some("xa-dak-koi/50-nguyen-thi-xuan"))
        .unwrap();
    let reason = xuan
        .reasons
        .iter()
        .find(|r| r.sources.iter().any(|s| s == in_dossier))
        .unwrap_or_else(|| panic!("{:#?}", xuan.reasons));
    assert!(
        reason.message.starts_with("Không đọc được tệp ")
            && reason
                .message
                .contains("zz-bomb.docx: tệp bị hỏng hoặc không đầy đủ (")
            && reason.message.contains("inflate"),
        "{}",
        reason.message
    );
    assert!(!reason.message.contains('\n'), "{}", reason.message);

    // Nothing outside the python batch and the hostile folder is unused.
    let unexpected: Vec<_> = v
        .unused_files
        .iter()
        .filter(|u| !u.path.starts_with(HOSTILE_DIR))
        .map(|u| u.path.as_str())
        .collect();
    assert_eq!(unexpected, ["bao-cao.docx", "ghi-chu.txt"]);

    // The same batch through the binary, alone in its process: bounded
    // memory, success, and the same verdicts as in-process.
    let out = dir.path().join("out");
    let (status, stats) = check_with_stats(&root, &out);
    assert!(status.success(), "{status}");
    let peak = stats["peak_rss_mb"].as_f64().expect("peak_rss_mb");
    println!("hoso check on the hostile batch: {stats}");
    assert!(peak < 300.0, "peak memory {peak} MB");
    let written: Verdicts =
        serde_json::from_slice(&std::fs::read(out.join("verdicts.json")).unwrap()).unwrap();
    assert_eq!(&written, v);
}

/// English words a clerk must not meet in a reason, outside the
/// parenthesised technical detail a reason may end with.
fn english_outside_parentheses(reason: &str) -> Vec<String> {
    const ENGLISH: [&str; 16] = [
        "damaged",
        "truncated",
        "zip",
        "cannot",
        "read",
        "unreadable",
        "refused",
        "archive",
        "entry",
        "empty",
        "bytes",
        "file",
        "spreadsheet",
        "document",
        "password",
        "limit",
    ];
    let mut outside = String::new();
    let mut depth = 0usize;
    for c in reason.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    outside
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| ENGLISH.contains(&w.as_str()))
        .collect()
}

/// A damaged Word file inside a dossier and another outside every dossier:
/// the dossier needs review and both reasons are the rule file's Vietnamese,
/// the technical detail only in parentheses.
#[test]
fn damaged_word_files_are_explained_in_vietnamese() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("batch");
    copy_dir(Path::new(PYTHON_BATCH), &root);
    let dossier = "xa-dak-koi/01-nguyen-van-an";
    let inside = format!("{dossier}/giay-to-kem-theo.docx");
    std::fs::copy(
        "tests/fixtures/docx/hostile/truncated.docx",
        root.join(&inside),
    )
    .unwrap();
    std::fs::copy(
        "tests/fixtures/hostile/corrupt-crc.docx",
        root.join("tai-lieu.docx"),
    )
    .unwrap();

    let v = check(&root).verdicts;
    let an = v
        .verdicts
        .iter()
        .find(|x| x.dossier.as_deref() == Some(dossier))
        .unwrap();
    assert_eq!(an.status, hoso::verdict::Status::NeedsReview);
    let reason = an
        .reasons
        .iter()
        .find(|r| r.sources.contains(&inside))
        .unwrap_or_else(|| panic!("{:#?}", an.reasons));
    assert_eq!(reason.code, "khong-doc-duoc");
    let wanted = format!("Không đọc được tệp {inside}: tệp bị hỏng hoặc không đầy đủ (");
    assert!(
        reason.message.starts_with(&wanted) && reason.message.ends_with(')'),
        "{}",
        reason.message
    );
    let unused = v
        .unused_files
        .iter()
        .find(|u| u.path == "tai-lieu.docx")
        .unwrap();
    assert!(
        unused
            .reason
            .starts_with("không đọc được: tệp bị hỏng hoặc không đầy đủ ("),
        "{}",
        unused.reason
    );
    for text in [&reason.message, &unused.reason] {
        let english = english_outside_parentheses(text);
        assert!(english.is_empty(), "{english:?} in {text}");
        // The detail is there, for whoever repairs the file.
        assert!(text.contains("zip") || text.contains("inflate"), "{text}");
    }
}

/// Two names that differ only in bytes that are not UTF-8 both come out
/// (shown with replacement characters, they look the same).
#[test]
fn look_alike_non_utf8_names_are_both_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    for name in [&b"ho-so-\xff.txt"[..], b"ho-so-\xfe.txt"] {
        std::fs::write(dir.path().join(OsStr::from_bytes(name)), b"x").unwrap();
    }
    let run = check(dir.path());
    assert!(run.accounting.is_empty(), "{:#?}", run.accounting);
    assert_eq!(
        run.verdicts.unused_files.len(),
        2,
        "{:#?}",
        run.verdicts.unused_files
    );
}

/// A legitimate submission list of `rows` people, written by
/// rust_xlsxwriter into a batch of its own; returns the batch folder.
fn write_big_list(dir: &Path, rows: u32) -> PathBuf {
    let root = dir.join("batch");
    std::fs::create_dir_all(&root).unwrap();
    let path = root.join("danh-sach-lon.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write_string(0, 0, "DANH SÁCH ĐỀ NGHỊ XÉT CÔNG NHẬN TƯƠNG ĐƯƠNG SƠ CẤP")
        .unwrap();
    let headers = [
        "STT",
        "Họ và tên",
        "Ngày sinh",
        "Chức vụ",
        "Đơn vị",
        "Ngày vào Đảng",
        "Ghi chú",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let mut seed = 2021u64;
    for i in 0..rows {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = i + 3;
        let day = 1 + (seed >> 40) % 28;
        let month = 1 + (seed >> 50) % 12;
        let year = 1950 + (seed >> 20) % 50;
        sheet.write_number(r, 0, f64::from(i + 1)).unwrap();
        sheet
            .write_string(r, 1, format!("Nguyễn Văn {} {:x}", i, seed >> 44))
            .unwrap();
        sheet
            .write_string(r, 2, format!("{day:02}/{month:02}/{year}"))
            .unwrap();
        sheet.write_string(r, 3, "Bí thư chi bộ").unwrap();
        sheet
            .write_string(r, 4, format!("Chi bộ thôn {}", seed % 997))
            .unwrap();
        sheet
            .write_string(r, 5, format!("{day:02}/{month:02}/2010"))
            .unwrap();
        sheet.write_string(r, 6, format!("{seed:016x}")).unwrap();
    }
    book.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let file_mb = bytes.len() as f64 / 1048576.0;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let xml: u64 = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().size())
        .sum();
    println!(
        "{rows} rows: {file_mb:.1} MB file, {:.1} MB of XML",
        xml as f64 / 1048576.0
    );
    root
}

/// 300 000 rows (a 16 MB file, 100 MB of XML): far past the readers' cell
/// cap, so the list is refused with its reason, quickly and within memory.
#[test]
fn a_list_past_the_cell_cap_is_refused_within_memory() {
    let dir = tempfile::tempdir().unwrap();
    let root = write_big_list(dir.path(), 300_000);
    let out = dir.path().join("out");
    let (status, stats) = check_with_stats(&root, &out);
    println!("{stats}");
    assert!(status.success(), "{status}");
    let v: Verdicts =
        serde_json::from_slice(&std::fs::read(out.join("verdicts.json")).unwrap()).unwrap();
    assert!(v.verdicts.is_empty());
    let u = &v.unused_files[0];
    assert_eq!(u.path, "danh-sach-lon.xlsx");
    assert!(
        u.reason
            .starts_with("không đọc được: không đọc được trang nào của bảng tính (")
            && u.reason
                .contains("bị bỏ qua: có hơn 1000000 ô chứa dữ liệu"),
        "{}",
        u.reason
    );
    let peak = stats["peak_rss_mb"].as_f64().expect("peak_rss_mb");
    assert!(peak < 300.0, "peak memory {peak} MB");
}

/// 140 000 rows (a 7 MB file, 48 MB of XML), just under the cell cap: read,
/// and all 140 000 people judged (no dossier each) within bounded memory.
/// The list's rows are kept slimmed (name, birth date, unit; the rest is
/// spilled to disk), verdicts go to a temporary file as they are made and
/// the outputs are streamed from it; what stays is under 2 KB per applicant
/// (measured: 252 MB in a release build), so the bound is 400 MB. About 30 s
/// in a debug build.
#[test]
fn a_legitimate_50_mb_list_is_read_within_memory() {
    let rows = 140_000;
    let dir = tempfile::tempdir().unwrap();
    let root = write_big_list(dir.path(), rows);
    let out = dir.path().join("out");
    let started = Instant::now();
    let (status, stats) = check_with_stats(&root, &out);
    println!("{stats} in {:?}", started.elapsed());
    assert!(status.success(), "{status}");
    let v: Verdicts =
        serde_json::from_slice(&std::fs::read(out.join("verdicts.json")).unwrap()).unwrap();
    assert_eq!(v.verdicts.len(), rows as usize, "{:?}", v.unused_files);
    let peak = stats["peak_rss_mb"].as_f64().expect("peak_rss_mb");
    assert!(peak < 400.0, "peak memory {peak} MB");
}

// ------------------------------------------------------------ year-end import

const ROSTERS: &str = "tests/fixtures/rosters";

/// Runs hoso in `dir` with `args`.
fn hoso_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The fixture rosters (made by openpyxl and LibreOffice) copied to `to`.
fn copy_rosters(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(ROSTERS).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e != "py") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// `hoso import` of the fixture rosters with every hostile spreadsheet
/// beside them: each hostile file is reported on one line and leaves the
/// register untouched; the register ends up exactly as a clean import of
/// the good rosters alone.
#[test]
fn hostile_rosters_are_reported_and_the_good_ones_land() {
    let dir = tempfile::tempdir().unwrap();
    copy_rosters(&dir.path().join("clean"));
    let clean = hoso_in(dir.path(), &["import", "--db", "clean.db", "clean"]);
    assert!(clean.status.success());

    let rosters = dir.path().join("rosters");
    copy_rosters(&rosters);
    let hostile = rosters.join("zz-hostile");
    std::fs::create_dir_all(&hostile).unwrap();
    let mut sources: Vec<PathBuf> = [
        "lists/truncated.xlsx",
        "lists/bomb.xlsx",
        "lists/bomb-lying.xlsx",
        "lists/hostile-sst.xlsx",
        "lists/hostile-dimensions.xls",
        "lists/hostile-far-cell.xls",
        "lists/hostile-loop.xls",
        "lists/hostile-repeat.ods",
        "lists/hostile-xfd.xlsx",
        "lists/encrypted.xlsx",
        "lists/pdf.xlsx",
        "lists/html.xls",
        "lists/csv.xls",
        "lists/empty.xlsx",
        "hostile/billion-laughs.xlsx",
        "hostile/cd-offset.xlsx",
        "hostile/no-central-directory.xlsx",
        "hostile/unclosed-table.ods",
    ]
    .iter()
    .map(|f| Path::new("tests/fixtures").join(f))
    .collect();
    // The fuzz regressions, except the backwards merged range: calamine
    // reads that sheet (it wraps the range), so it is imported, not refused.
    sources.extend(
        std::fs::read_dir("tests/fixtures/hostile/regressions")
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.ends_with("reversed-merge.xlsx")),
    );
    let mut expected_failures = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        // Prefixed: the two encrypted.xlsx and the two truncated files differ.
        let name = format!("{i:02}-{}", name_of(src));
        std::fs::copy(src, hostile.join(&name)).unwrap();
        expected_failures.push(format!("rosters/zz-hostile/{name}"));
    }
    std::fs::copy(
        "tests/fixtures/docx/don-de-nghi.docx",
        hostile.join("word.xlsx"),
    )
    .unwrap();
    expected_failures.push("rosters/zz-hostile/word.xlsx".into());
    std::fs::copy(
        "tests/fixtures/hostile/corrupt-crc.docx",
        hostile.join(OsStr::from_bytes(b"bad-\xff.xlsx")),
    )
    .unwrap();
    expected_failures.push("rosters/zz-hostile/bad-\u{FFFD}.xlsx".into());
    std::os::unix::fs::symlink("..", hostile.join("loop")).unwrap();
    expected_failures.push("rosters/zz-hostile/loop".into());
    std::os::unix::fs::symlink("nowhere.xlsx", hostile.join("dangling.xlsx")).unwrap();
    expected_failures.push("rosters/zz-hostile/dangling.xlsx".into());

    let out = hoso_in(dir.path(), &["import", "--db", "r.db", "rosters"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}\n{text}", out.status);
    let failures: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|l| l.split_once(": LỖI, không nhập: "))
        .collect();
    let failed: Vec<&str> = failures.iter().map(|(file, _)| *file).collect();
    // Every reason a file could not be read is the catalogue's Vietnamese
    // (the walk's own "File system loop" text is not a reader's).
    for (file, reason) in &failures {
        let english = english_outside_parentheses(reason);
        assert!(
            english.is_empty() || file.ends_with("/loop"),
            "{file}: {english:?} in {reason}"
        );
    }
    let mut problems = Vec::new();
    for want in &expected_failures {
        if !failed.iter().any(|f| shows(f, want)) {
            problems.push(format!("{want}: no failure line"));
        }
    }
    assert!(problems.is_empty(), "{}\n{text}", problems.join("\n"));
    assert_eq!(failed.len(), expected_failures.len(), "{text}");

    let report = |db: &str| {
        let out = hoso_in(
            dir.path(),
            &["report", "--db", db, "--year", "2021", "--json"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(report("r.db"), report("clean.db"));
    let conn = rusqlite::Connection::open(dir.path().join("r.db")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

/// A FIFO and a link to /dev/zero with spreadsheet names: `hoso check`
/// reports them as not regular files; `hoso import` must not wait forever
/// for a writer or read an endless stream. Killed after two minutes (a hang
/// guard: the import of these two takes milliseconds).
#[test]
fn import_does_not_hang_on_a_fifo_or_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let rosters = dir.path().join("rosters");
    copy_rosters(&rosters);
    std::os::unix::fs::symlink("/dev/zero", rosters.join("zero.xlsx")).unwrap();
    let fifo = rosters.join("fifo.ods");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(["import", "--db", "r.db", "rosters"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("hoso import still running after two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for f in ["rosters/zero.xlsx", "rosters/fifo.ods"] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{f}: "))),
            "{f}: {text}"
        );
    }
}

fn count_rows(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Ctrl-C during `hoso import`: exit status 130, every file that landed
/// landed whole (each file is one transaction), and importing again adds
/// exactly the rest.
#[test]
fn ctrl_c_during_import_keeps_whole_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let (files, rows) = (200u32, 40u32);
    let child = import_until_some_landed(dir.path(), files, rows);
    let db = dir.path().join("r.db");
    signal(child.id(), "-INT");
    let mut child = child;
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status}");

    let landed = count_rows(&db, "source_files");
    assert!(
        landed >= 3 && landed < i64::from(files),
        "{landed} files landed"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(count_rows(&db, "classes"), landed);
    assert_eq!(count_rows(&db, "enrolments"), landed * i64::from(rows));
    drop(conn);

    let again = hoso_in(dir.path(), &["import", "--db", "r.db", "many"]);
    assert!(again.status.success());
    assert_eq!(count_rows(&db, "source_files"), i64::from(files));
    assert_eq!(count_rows(&db, "enrolments"), i64::from(files * rows));
}

// ------------------------------------------------------------ interruption

/// The python batch `copies` times over, in folders b01, b02, ...: enough
/// files that `hoso check` takes a moment.
fn big_batch(root: &Path, copies: usize) {
    for i in 1..=copies {
        copy_dir(Path::new(PYTHON_BATCH), &root.join(format!("b{i:02}")));
    }
}

fn hoso_check(batch: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoso"));
    cmd.arg("check")
        .arg(batch)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Every file in `out` (the cache included) with its bytes, by name.
fn outputs(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn temp_files(out: &Path) -> Vec<String> {
    outputs(out)
        .into_iter()
        .map(|(name, _)| name)
        .filter(|n| n.starts_with(".hoso-"))
        .collect()
}

fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {sig} {pid}");
}

/// The previous run in the interruption tests: the LibreOffice re-save of
/// the python batch, so its cache holds none of the files of the big batch
/// (copies of the python batch), and the interrupted run reads them all.
const PREVIOUS_BATCH: &str = "tests/fixtures/batch/xet-2021-lo";

#[test]
fn ctrl_c_stops_cleanly_and_keeps_the_previous_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(
        hoso_check(Path::new(PREVIOUS_BATCH), &out)
            .status()
            .unwrap()
            .success()
    );
    let before = outputs(&out);
    let names: Vec<&str> = before.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        names,
        [
            ".hoso.blobs",
            ".hoso.cache",
            ".hoso.folders",
            "verdicts.csv",
            "verdicts.json",
            "verdicts.xlsx"
        ]
    );

    let big = dir.path().join("big");
    big_batch(&big, 50);
    let blobs = out.join(".hoso.blobs");
    let blobs_before = std::fs::metadata(&blobs).unwrap().len();
    let mut child = hoso_check(&big, &out).spawn().unwrap();
    // Interrupted while it reads: once it has added to the blob file. (A
    // fixed wait of 200 ms came after the end of a release build's run.)
    let waiting = Instant::now();
    while std::fs::metadata(&blobs).map_or(0, |m| m.len()) == blobs_before {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it read anything new"
        );
        assert!(
            waiting.elapsed() < Duration::from_secs(120),
            "the run never read"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    signal(child.id(), "-INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status}");
    // The blob file is only ever appended to (the index still points into
    // its first part); everything else is exactly as it was.
    let after = outputs(&out);
    assert_eq!(after.len(), before.len());
    assert!(
        after[0].1.starts_with(&before[0].1),
        "the blob file was rewritten"
    );
    assert!(
        after[1..] == before[1..],
        "the outputs or the cache index changed"
    );
    let json = before.iter().find(|f| f.0 == "verdicts.json").unwrap();
    let v: Verdicts = serde_json::from_slice(&json.1).unwrap();
    assert!(differences(&v).is_empty());
}

/// SIGKILL at moments spread over a whole run (the write phase included):
/// verdicts.json is always either the previous run's or the new run's,
/// complete, byte for byte; and whatever the kill left of the cache, the
/// next run gives the new run's verdicts.
#[test]
fn sigkill_at_any_moment_leaves_a_complete_verdicts_json() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    big_batch(&big, 8);
    let previous_out = dir.path().join("previous");
    assert!(
        hoso_check(Path::new(PREVIOUS_BATCH), &previous_out)
            .status()
            .unwrap()
            .success()
    );
    let previous = std::fs::read(previous_out.join("verdicts.json")).unwrap();

    let full_out = dir.path().join("full");
    copy_dir(&previous_out, &full_out);
    let started = Instant::now();
    assert!(hoso_check(&big, &full_out).status().unwrap().success());
    let full_time = started.elapsed();
    let full = std::fs::read(full_out.join("verdicts.json")).unwrap();
    assert_ne!(previous, full);

    let mut seed = 7u64;
    let mut leftovers = Vec::new();
    let mut outcomes = Vec::new();
    for trial in 0..6 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // Half the trials land in the last fifth of the run, where the writing is.
        let fraction = if trial % 2 == 0 {
            (seed >> 11) as f64 / (1u64 << 53) as f64
        } else {
            0.8 + 0.25 * ((seed >> 11) as f64 / (1u64 << 53) as f64)
        };
        let out = dir.path().join(format!("kill{trial}"));
        copy_dir(&previous_out, &out);
        let mut child = hoso_check(&big, &out).spawn().unwrap();
        std::thread::sleep(full_time.mul_f64(fraction));
        signal(child.id(), "-KILL");
        let status = child.wait().unwrap();
        let now = std::fs::read(out.join("verdicts.json")).unwrap();
        assert!(
            now == previous || now == full,
            "trial {trial} ({status}, at {fraction:.2} of the run): verdicts.json is neither complete version"
        );
        outcomes.push(if now == full { "new" } else { "previous" });
        leftovers.extend(temp_files(&out));

        assert!(hoso_check(&big, &out).status().unwrap().success());
        assert!(
            std::fs::read(out.join("verdicts.json")).unwrap() == full,
            "trial {trial}: the run after the kill gives other verdicts"
        );
    }
    println!("verdicts.json after each kill: {outcomes:?}");
    if !leftovers.is_empty() {
        println!("SIGKILL left temporary files behind: {leftovers:?}");
    }
}

// ------------------------------------------------------ fuzzing regressions

/// Every input the fuzzers found (tests/fixtures/hostile/regressions/, made
/// into real files by fuzz/materialize.py) and the hand-made truncated .ods,
/// checked by the binary in a child process: it must finish and give each
/// file a one-line reason. The child is killed after two minutes, so a
/// reader that loops forever fails this test instead of hanging the suite
/// (a hang guard, not a speed requirement: the batch takes well under a
/// second).
#[test]
fn fuzzing_regressions_finish_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    std::fs::create_dir_all(&batch).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/fixtures/hostile/regressions")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(PathBuf::from("tests/fixtures/hostile/unclosed-table.ods"));
    let mut names = Vec::new();
    for f in &files {
        let name = name_of(f);
        std::fs::copy(f, batch.join(&name)).unwrap();
        names.push(name);
    }
    names.sort();
    let out = dir.path().join("out");
    let mut child = hoso_check(&batch, &out).spawn().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("hoso check still running after two minutes on {names:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
    let v: Verdicts =
        serde_json::from_slice(&std::fs::read(out.join("verdicts.json")).unwrap()).unwrap();
    let mut accounted: Vec<String> = v.unused_files.iter().map(|u| u.path.clone()).collect();
    accounted.extend(v.lists.iter().cloned());
    accounted.sort();
    assert_eq!(accounted, names);
    for u in &v.unused_files {
        assert!(!u.reason.contains('\n'), "{}: {}", u.path, u.reason);
    }
}

/// A merged range written backwards (A3:G2) makes calamine subtract with
/// overflow; the reader must turn that into an error or read the sheet, and
/// never let the panic out.
#[test]
fn a_backwards_merged_range_does_not_panic() {
    let bytes = std::fs::read("tests/fixtures/hostile/regressions/reversed-merge.xlsx").unwrap();
    let read = std::panic::catch_unwind(|| {
        hoso::ingest::spreadsheet::read_workbook_bytes(&bytes, "xlsx", "reversed-merge.xlsx")
    });
    match read.expect("a panic escaped the spreadsheet reader") {
        Ok(wb) => assert!(!wb.sheets.is_empty()),
        Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
    }
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}
