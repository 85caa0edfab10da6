//! Letters: filling templates (built-in, and re-saved by LibreOffice),
//! refusing bad ones, and checking every output opens in LibreOffice.

use hoso::date::Date;
use hoso::ingest::zipcap::Archive;
use hoso::letters::{self, LetterOptions, LettersReport};
use hoso::text::clean;
use hoso::verdict::{Reason, RuleSetInfo, Severity, Status, Summary, Verdict, Verdicts};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/letters")
}

fn reason(code: &str, severity: Severity, message: &str) -> Reason {
    Reason {
        code: code.to_string(),
        severity,
        message: message.to_string(),
        sources: vec!["ds.xlsx!Sheet1!C5".to_string()],
    }
}

fn verdict(
    name: &str,
    birth: Option<Date>,
    unit: Option<&str>,
    status: Status,
    reasons: Vec<Reason>,
) -> Verdict {
    Verdict {
        name: name.to_string(),
        birth_date: birth,
        unit: unit.map(str::to_string),
        status,
        reasons,
        dossier: Some(format!("Xa Dak Ruong/{name}")),
        list_row: Some("ds.xlsx!Sheet1!7".to_string()),
        files: vec![],
    }
}

/// A batch as `hoso check` writes it: NFD and upper-case names, markup
/// characters in names and reasons, missing birth dates and units, a
/// duplicate name, warnings, and a verdict needing review.
fn batch() -> Verdicts {
    use Severity::{Reject, Review, Warning};
    let verdicts = vec![
        verdict(
            "Nguye\u{0302}\u{0303}n Va\u{0306}n An",
            Date::ymd(1975, 3, 5),
            Some("Xã Đăk Ruồng"),
            Status::Rejected,
            vec![
                reason("thieu-bang-diem", Reject, "Thiếu bảng điểm"),
                reason(
                    "lech-thong-tin",
                    Reject,
                    "Thông tin không khớp: ngày sinh trong danh sách (05/03/1975) khác trong đơn (06/03/1975)",
                ),
                reason("da-co-trinh-do", Warning, "Đã có trình độ Sơ cấp"),
            ],
        ),
        verdict(
            "Trần Thị Mai",
            Date::ymd(1980, 1, 2),
            Some("Thị trấn Đăk Rve"),
            Status::Accepted,
            vec![],
        ),
        verdict(
            "Lê Thị <Bé> & \"Hoa\"",
            Date::ymd(1990, 12, 31),
            Some("Xã Tân Lập & <Đăk Kôi>"),
            Status::Rejected,
            vec![reason(
                "thieu-so-tiet",
                Reject,
                "Số tiết 120 < 160 (80% của 200) & thiếu nội dung: \"Tư tưởng Hồ Chí Minh\"",
            )],
        ),
        verdict(
            "ĐỖ VĂN HÙNG",
            Date::year_only(1962),
            None,
            Status::Rejected,
            vec![
                reason("thieu-cong-van", Reject, "Thiếu công văn đề nghị"),
                reason(
                    "qua-han",
                    Reject,
                    "KL 09-KL/TW dừng xác định trình độ từ 09/7/2021",
                ),
            ],
        ),
        verdict(
            "Y Blông",
            None,
            Some("Xã Đăk Tơ Lung"),
            Status::Accepted,
            vec![reason("da-co-trinh-do", Warning, "Đã có trình độ Sơ cấp")],
        ),
        verdict(
            "A Thắng",
            Date::ymd(1985, 6, 1),
            Some("Xã Đăk Pne"),
            Status::NeedsReview,
            vec![reason(
                "khong-doc-duoc",
                Review,
                "Không đọc được tệp don-de-nghi.docx",
            )],
        ),
        verdict(
            "Nguyễn Văn An",
            Date::ymd(1988, 8, 8),
            Some("Xã Đăk Pne"),
            Status::Rejected,
            vec![reason("trung-ho-so", Reject, "Hồ sơ trùng")],
        ),
        verdict(
            "Rơ Mah Hiền",
            Date::ymd(1979, 2, 9),
            Some("Xã Đăk Kôi"),
            Status::Accepted,
            vec![],
        ),
    ];
    Verdicts {
        rule_set: RuleSetInfo {
            name: "tuong-duong-so-cap".to_string(),
            version: "1".to_string(),
            sha256: "0".repeat(64),
        },
        summary: Summary::of(&verdicts),
        verdicts,
        unused_files: vec![],
        lists: vec![],
        request_letters: vec![],
        warnings: vec![],
    }
}

fn options(out: &Path) -> LetterOptions {
    LetterOptions {
        out: out.to_path_buf(),
        ..LetterOptions::default()
    }
}

fn read_parts(path: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    let mut archive = Archive::open(&bytes).unwrap();
    let mut parts = Vec::new();
    for name in archive.names() {
        let data = archive.read_required(&name).unwrap();
        parts.push((name, data));
    }
    parts
}

fn part(path: &Path, name: &str) -> String {
    let (_, data) = read_parts(path)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap();
    String::from_utf8(data).unwrap()
}

/// Every paragraph's text, in document order (table cells included).
fn paragraphs(xml: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let mut in_t = false;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == "w:p" => current = Some(String::new()),
            Event::End(e) if e.name().as_ref() == "w:p" => out.extend(current.take()),
            Event::Start(e) if e.name().as_ref() == "w:t" => in_t = true,
            Event::End(e) if e.name().as_ref() == "w:t" => in_t = false,
            Event::Text(t) if in_t => {
                if let Some(c) = current.as_mut() {
                    c.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) if in_t => {
                let s = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r)
                        .unwrap()
                        .to_string(),
                };
                if let Some(c) = current.as_mut() {
                    c.push_str(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// Fails unless every XML part of the .docx is well-formed and none holds `{{`.
fn assert_clean_package(path: &Path) {
    for (name, data) in read_parts(path) {
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let text = std::str::from_utf8(&data).unwrap();
        assert!(!text.contains("{{"), "{} {name}: {{{{ left", path.display());
        let mut reader = Reader::from_str(text);
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{} {name}: malformed XML: {e}", path.display()),
            }
        }
    }
}

fn file_names(report: &LettersReport) -> Vec<String> {
    report
        .notices
        .iter()
        .map(|n| n.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn rejected(v: &Verdicts) -> Vec<&Verdict> {
    v.verdicts
        .iter()
        .filter(|v| v.status == Status::Rejected)
        .collect()
}

#[test]
fn fills_a_notice_per_rejected_applicant_with_every_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("letters");
    let v = batch();
    let report = letters::write_letters(&v, &options(&out)).unwrap();
    assert_eq!(
        file_names(&report),
        [
            "001-nguyen-van-an.docx",
            "002-le-thi-be-hoa.docx",
            "003-do-van-hung.docx",
            "004-nguyen-van-an.docx"
        ]
    );
    assert_eq!(report.listed, 3);
    assert_eq!(report.needs_review, 1);
    assert!(report.stale.is_empty());
    for (i, (notice, verdict)) in report.notices.iter().zip(rejected(&v)).enumerate() {
        assert_clean_package(&notice.path);
        // Letters are for sharing: readable by colleagues, like any new file
        // (they were owner-only once, through tempfile's default).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&notice.path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o644, "{}", notice.path.display());
        }
        let text = paragraphs(&part(&notice.path, "word/document.xml")).join("\n");
        let name = hoso::text::display_name(&verdict.name);
        assert_eq!(notice.name, name);
        assert!(text.contains(&format!("Đồng chí {name}, sinh ")), "{text}");
        for r in &verdict.reasons {
            assert!(text.contains(&clean(&r.message)), "{}: {text}", r.message);
        }
        assert!(
            text.contains(&format!("Số: {:02}-TB/TTCT", i + 1)),
            "{text}"
        );
        assert!(
            text.contains("Kon Rẫy, ngày 15 tháng 12 năm 2021"),
            "{text}"
        );
        assert!(text.contains("HUYỆN ỦY KON RẪY"), "{text}");
        assert!(text.contains("K/T GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"), "{text}");
    }
    let first = paragraphs(&part(&report.notices[0].path, "word/document.xml"));
    assert!(
        first.contains(&"1. Thiếu bảng điểm".to_string()),
        "{first:?}"
    );
    assert!(
        first.contains(&"Lưu ý: Đã có trình độ Sơ cấp".to_string()),
        "{first:?}"
    );
    let hung = paragraphs(&part(&report.notices[2].path, "word/document.xml")).join("\n");
    assert!(
        hung.contains("Đồng chí Đỗ Văn Hùng, sinh 1962, đơn vị (chưa rõ): không được"),
        "{hung}"
    );
    assert!(
        !hung.contains("Lưu ý"),
        "an empty list removes its paragraph: {hung}"
    );
    let raw = part(&report.notices[1].path, "word/document.xml");
    assert!(
        raw.contains("Lê Thị &lt;Bé&gt; &amp; \"Hoa\""),
        "values are escaped"
    );
}

#[test]
fn merges_notices_and_lists_the_recognised() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("letters");
    let v = batch();
    let report = letters::write_letters(&v, &options(&out)).unwrap();

    let merged = report.merged.clone().unwrap();
    assert_eq!(merged, out.join(letters::MERGED_FILE));
    assert_clean_package(&merged);
    let xml = part(&merged, "word/document.xml");
    // A section per notice, each starting a page numbered from 1.
    assert_eq!(xml.matches("<w:sectPr").count(), 4, "{xml}");
    assert_eq!(xml.matches(r#"<w:pgNumType w:start="1"/>"#).count(), 4);
    assert_eq!(xml.matches(r#"<w:br w:type="page"/>"#).count(), 0);
    let text = paragraphs(&xml).join("\n");
    let mut at = 0;
    for (i, n) in report.notices.iter().enumerate() {
        let line = format!("Số: {:02}-TB/TTCT", i + 1);
        let found = text[at..]
            .find(&line)
            .unwrap_or_else(|| panic!("{line} in order"));
        at += found;
        assert!(text.contains(&format!("Đồng chí {}", n.name)));
    }

    let list = report.list.clone().unwrap();
    assert_clean_package(&list);
    let rows = paragraphs(&part(&list, "word/document.xml"));
    let joined = rows.join("|");
    assert!(
        joined.contains("1|Trần Thị Mai|02/01/1980|Thị trấn Đăk Rve||"),
        "{joined}"
    );
    assert!(
        joined.contains("2|Y Blông|(chưa rõ)|Xã Đăk Tơ Lung|Đã có trình độ Sơ cấp|"),
        "{joined}"
    );
    assert!(
        joined.contains("3|Rơ Mah Hiền|09/02/1979|Xã Đăk Kôi|"),
        "{joined}"
    );
    assert!(joined.contains("Danh sách có 3 đồng chí./."), "{joined}");
    assert!(!joined.contains("A Thắng"), "needs review is not listed");

    // Same input, same bytes: names and contents are stable across runs.
    let before: Vec<Vec<u8>> = report
        .notices
        .iter()
        .map(|n| std::fs::read(&n.path).unwrap())
        .collect();
    let again = letters::write_letters(&v, &options(&out)).unwrap();
    assert_eq!(again, report);
    let after: Vec<Vec<u8>> = again
        .notices
        .iter()
        .map(|n| std::fs::read(&n.path).unwrap())
        .collect();
    assert_eq!(before, after);

    // A later run without the last rejection reports its old notice.
    let mut fewer = v.clone();
    fewer.verdicts.pop();
    fewer.verdicts.pop();
    let report = letters::write_letters(&fewer, &options(&out)).unwrap();
    assert_eq!(report.notices.len(), 3);
    assert_eq!(
        report.stale,
        vec![out.join("thong-bao/004-nguyen-van-an.docx")]
    );
}

#[test]
fn the_date_option_overrides_the_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = options(tmp.path());
    opts.date = Date::ymd(2022, 2, 3);
    let report = letters::write_letters(&batch(), &opts).unwrap();
    let text = paragraphs(&part(&report.notices[0].path, "word/document.xml")).join("\n");
    assert!(
        text.contains("Kon Rẫy, ngày 03 tháng 02 năm 2022"),
        "{text}"
    );
}

/// Whether the run holding `needle` in `xml` is bold.
fn run_is_bold(xml: &str, needle: &str) -> Option<bool> {
    let mut reader = Reader::from_str(xml);
    let (mut in_rpr, mut bold, mut in_t) = (false, false, false);
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == "w:r" => bold = false,
            Event::Start(e) if e.name().as_ref() == "w:rPr" => in_rpr = true,
            Event::End(e) if e.name().as_ref() == "w:rPr" => in_rpr = false,
            Event::Empty(e) if in_rpr && e.name().as_ref() == "w:b" => bold = true,
            Event::Start(e) if e.name().as_ref() == "w:t" => in_t = true,
            Event::End(e) if e.name().as_ref() == "w:t" => in_t = false,
            Event::Text(t) if in_t && t.xml10_content().contains(needle) => return Some(bold),
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[test]
fn a_template_resaved_by_libreoffice_with_split_runs_still_fills() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("letters");
    let opts = LetterOptions {
        templates: Some(fixtures().join("resaved")),
        ..options(&out)
    };
    let template = part(
        &fixtures().join("resaved/thong-bao.docx"),
        "word/document.xml",
    );
    assert!(
        template.contains("<w:t>{{</w:t>"),
        "the fixture splits {{{{ho_ten}}}}"
    );
    let v = batch();
    let report = letters::write_letters(&v, &opts).unwrap();
    assert_eq!(report.notices.len(), 4);
    for (notice, verdict) in report.notices.iter().zip(rejected(&v)) {
        assert_clean_package(&notice.path);
        let xml = part(&notice.path, "word/document.xml");
        let text = paragraphs(&xml).join("\n");
        assert!(
            text.contains(&format!("Kính gửi đồng chí {}, sinh ", notice.name)),
            "{text}"
        );
        for (i, r) in verdict
            .reasons
            .iter()
            .filter(|r| r.severity != Severity::Warning)
            .enumerate()
        {
            assert!(
                text.contains(&format!("{}) {}", i + 1, clean(&r.message))),
                "{text}"
            );
        }
        assert_eq!(run_is_bold(&xml, "Kính gửi"), Some(false));
        // Markup characters come as separate XML events: look for the text before them.
        let plain = notice
            .name
            .split(['<', '&'])
            .next()
            .unwrap_or_default()
            .trim();
        assert_eq!(
            run_is_bold(&xml, plain),
            Some(true),
            "the name takes the bold of the run holding {{{{: {xml}"
        );
        assert!(
            !xml.contains("bookmarkStart"),
            "copied bookmarks would clash"
        );
        let header = paragraphs(&part(&notice.path, "word/header1.xml")).join("\n");
        assert_eq!(header, "TRUNG TÂM CHÍNH TRỊ");
        let footer = paragraphs(&part(&notice.path, "word/footer1.xml")).join("\n");
        assert_eq!(footer, "Nơi ký: Kon Rẫy");
    }
    let unit = paragraphs(&part(&report.notices[1].path, "word/document.xml"));
    assert!(
        unit.contains(&"Xã Tân Lập & <Đăk Kôi>".to_string()),
        "{unit:?}"
    );

    let list = report.list.unwrap();
    assert_clean_package(&list);
    let xml = part(&list, "word/document.xml");
    let rows = paragraphs(&xml).join("|");
    assert!(rows.starts_with("DANH SÁCH (3 người)|STT|Họ và tên|Ngày sinh|Đơn vị|1|Trần Thị Mai|02/01/1980|Thị trấn Đăk Rve|2|Y Blông|"), "{rows}");
    assert_eq!(run_is_bold(&xml, "Rơ Mah Hiền"), Some(true));
}

#[test]
fn an_unknown_placeholder_is_refused_with_its_place_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("mau");
    std::fs::create_dir(&templates).unwrap();
    std::fs::copy(
        fixtures().join("unknown/thong-bao.docx"),
        templates.join("thong-bao.docx"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("resaved/danh-sach.docx"),
        templates.join("danh-sach.docx"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "x").unwrap();
    let opts = LetterOptions {
        templates: Some(templates.clone()),
        ..options(&out)
    };
    let err = letters::write_letters(&batch(), &opts).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains(&templates.join("thong-bao.docx").display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("word/document.xml, paragraph 2"), "{msg}");
    assert!(msg.contains("unknown placeholder {{ho_tem}}"), "{msg}");
    assert!(msg.contains("known placeholders in the body:"), "{msg}");
    assert!(msg.contains("ho_ten"), "{msg}");
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("keep.txt")]);
}

#[test]
fn a_configuration_beside_the_templates_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mau");
    let written = letters::init_templates(&dir).unwrap();
    assert_eq!(written.len(), 3);
    assert_eq!(
        std::fs::read(dir.join("thong-bao.docx")).unwrap(),
        letters::DEFAULT_NOTICE
    );
    assert!(letters::init_templates(&dir).is_err(), "never overwrites");
    let config = letters::DEFAULT_CONFIG
        .replace("HUYỆN ỦY KON RẪY", "ĐẢNG ỦY XÃ ĐĂK RUỒNG")
        .replace("{n:02}-TB/TTCT", "{n:03}/TB-TTCT")
        .replace("bat_dau = 1", "bat_dau = 7");
    std::fs::write(dir.join("letters.toml"), config).unwrap();
    let opts = LetterOptions {
        templates: Some(dir),
        ..options(&tmp.path().join("out"))
    };
    let report = letters::write_letters(&batch(), &opts).unwrap();
    assert_eq!(report.notices[0].number, "007/TB-TTCT");
    assert!(file_names(&report)[0].starts_with("007-"));
    let text = paragraphs(&part(&report.notices[1].path, "word/document.xml")).join("\n");
    assert!(
        text.contains("ĐẢNG ỦY XÃ ĐĂK RUỒNG") && text.contains("Số: 008/TB-TTCT"),
        "{text}"
    );
}

#[test]
fn committed_default_templates_are_the_built_ones() {
    let built = [
        (
            "thong-bao.docx",
            letters::defaults::notice_template().unwrap(),
        ),
        (
            "danh-sach.docx",
            letters::defaults::list_template().unwrap(),
        ),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    for (name, bytes) in &built {
        if std::env::var_os("HOSO_WRITE_TEMPLATES").is_some() {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        let committed = std::fs::read(dir.join(name)).unwrap();
        assert!(
            &committed == bytes,
            "templates/{name} differs from what letters::defaults builds; rerun this test with HOSO_WRITE_TEMPLATES=1 and commit"
        );
    }
    assert_eq!(letters::DEFAULT_NOTICE, built[0].1.as_slice());
    assert_eq!(letters::DEFAULT_LIST, built[1].1.as_slice());
    let again = letters::defaults::notice_template().unwrap();
    assert_eq!(again, built[0].1, "building twice gives the same bytes");
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}

/// Converts the files to PDF with LibreOffice and returns each one's text.
fn pdf_texts(files: &[PathBuf], work: &Path) -> Vec<String> {
    let profile = work.join("lo-profile");
    let pdf_dir = work.join("pdf");
    let status = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&pdf_dir)
        .args(files)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    files
        .iter()
        .map(|f| {
            let pdf = pdf_dir.join(f.file_stem().unwrap()).with_extension("pdf");
            assert!(
                pdf.exists(),
                "LibreOffice could not convert {}",
                f.display()
            );
            let out = Command::new("pdftotext")
                .arg(&pdf)
                .arg("-")
                .output()
                .unwrap();
            assert!(out.status.success());
            clean(&String::from_utf8_lossy(&out.stdout))
        })
        .collect()
}

#[test]
fn libreoffice_opens_every_letter() {
    for t in ["soffice", "pdftotext"] {
        if !on_path(t) {
            println!("skipped: {t} not found");
            return;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let v = batch();
    let builtin = letters::write_letters(&v, &options(&tmp.path().join("a"))).unwrap();
    let resaved_opts = LetterOptions {
        templates: Some(fixtures().join("resaved")),
        ..options(&tmp.path().join("b"))
    };
    let resaved = letters::write_letters(&v, &resaved_opts).unwrap();
    let mut files = Vec::new();
    for (tag, report) in [("a", &builtin), ("b", &resaved)] {
        // Copies with distinct names: one soffice call converts them all.
        for (i, path) in report
            .notices
            .iter()
            .map(|n| n.path.clone())
            .chain(report.merged.clone())
            .chain(report.list.clone())
            .enumerate()
        {
            let copy = tmp.path().join(format!("{tag}{i}.docx"));
            std::fs::copy(&path, &copy).unwrap();
            files.push(copy);
        }
    }
    let texts = pdf_texts(&files, tmp.path());
    let people = rejected(&v);
    for (base, report) in [(0, &builtin), (builtin.notices.len() + 2, &resaved)] {
        for (i, (notice, verdict)) in report.notices.iter().zip(&people).enumerate() {
            let text = &texts[base + i];
            assert!(text.contains(&notice.name), "{}: {text}", notice.name);
            for r in &verdict.reasons {
                assert!(text.contains(&clean(&r.message)), "{}: {text}", r.message);
            }
            assert!(!text.contains("{{"));
        }
        let merged = &texts[base + report.notices.len()];
        for n in &report.notices {
            assert!(merged.contains(&n.name), "merged: {}", n.name);
        }
        let list = &texts[base + report.notices.len() + 1];
        for name in ["Trần Thị Mai", "Y Blông", "Rơ Mah Hiền"] {
            assert!(list.contains(name), "list: {name}: {list}");
        }
    }
}

/// A templates folder in `dir` holding the fixtures `notice` and `list`.
fn templates_from(dir: &Path, notice: &str, list: &str) -> PathBuf {
    let templates = dir.join("mau");
    std::fs::create_dir_all(&templates).unwrap();
    for (fixture, name) in [(notice, "thong-bao.docx"), (list, "danh-sach.docx")] {
        std::fs::copy(fixtures().join(fixture), templates.join(name)).unwrap();
    }
    templates
}

/// The notices of the HD 36 print fixture (Word numbering for the reasons,
/// the page number in the header from page 2, two pages a notice), merged.
fn merged_print_notices(dir: &Path) -> (LettersReport, PathBuf) {
    let templates = templates_from(dir, "print/thong-bao.docx", "resaved/danh-sach.docx");
    let opts = LetterOptions {
        templates: Some(templates),
        ..options(&dir.join("out"))
    };
    let report = letters::write_letters(&batch(), &opts).unwrap();
    let merged = report.merged.clone().unwrap();
    (report, merged)
}

/// The `w:val` of every `<w:NAME w:val="..."/>` in `xml`, in order.
fn values_of(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<w:{name} w:val=\"");
    xml.split(&open)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

/// The `w:num` elements of a numbering part, by id.
fn nums(numbering: &str) -> std::collections::BTreeMap<String, String> {
    numbering
        .split("<w:num w:numId=\"")
        .skip(1)
        .map(|rest| {
            let (id, body) = rest.split_once('"').unwrap();
            (
                id.to_string(),
                body.split("</w:num>").next().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_merged_file_numbers_each_notices_reasons_from_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, merged) = merged_print_notices(tmp.path());
    let template = part(
        &fixtures().join("print/thong-bao.docx"),
        "word/document.xml",
    );
    let template_num = values_of(&template, "numId");
    assert_eq!(template_num.len(), 1, "the fixture numbers one paragraph");
    let template_nums = nums(&part(
        &fixtures().join("print/thong-bao.docx"),
        "word/numbering.xml",
    ));
    let template_list = &template_nums[&template_num[0]];

    let xml = part(&merged, "word/document.xml");
    let numbering = nums(&part(&merged, "word/numbering.xml"));
    let notices: Vec<&str> = xml
        .split("</w:sectPr>")
        .take(report.notices.len())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for (i, notice) in notices.iter().enumerate() {
        let ids: std::collections::BTreeSet<String> =
            values_of(notice, "numId").into_iter().collect();
        assert_eq!(
            ids.len(),
            1,
            "notice {i}: one list for its reasons: {ids:?}"
        );
        let id = ids.into_iter().next().unwrap();
        assert!(seen.insert(id.clone()), "notice {i} shares list {id}");
        let list = &numbering[&id];
        if i == 0 {
            assert_eq!(
                list, template_list,
                "the first notice keeps the template's list"
            );
        } else {
            assert!(
                list.starts_with(&template_list[..template_list.find("/>").unwrap()]),
                "notice {i}: the template's definition: {list}"
            );
            assert!(
                list.contains(r#"<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/>"#),
                "notice {i} starts again at 1: {list}"
            );
        }
    }
    // Each notice's own file defines the list it uses.
    for notice in &report.notices {
        let own = part(&notice.path, "word/document.xml");
        let defined = nums(&part(&notice.path, "word/numbering.xml"));
        for id in values_of(&own, "numId") {
            assert!(
                defined.contains_key(&id),
                "{}: list {id}",
                notice.path.display()
            );
        }
    }
}

#[test]
fn the_merged_file_gives_each_notice_a_section_numbered_from_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, merged) = merged_print_notices(tmp.path());
    let xml = part(&merged, "word/document.xml");
    let sections: Vec<&str> = xml
        .split("<w:sectPr>")
        .skip(1)
        .map(|s| s.split("</w:sectPr>").next().unwrap())
        .collect();
    assert_eq!(sections.len(), report.notices.len(), "{xml}");
    for s in &sections {
        assert!(s.contains(r#"<w:headerReference w:type="default""#), "{s}");
        assert!(s.contains(r#"<w:type w:val="nextPage"/>"#), "{s}");
        assert!(
            s.contains(r#"<w:pgNumType w:fmt="decimal" w:start="1"/>"#),
            "{s}"
        );
        assert!(s.contains("<w:titlePg/>"), "{s}");
    }
    assert!(
        !xml.contains(r#"<w:sz w:val="2"/></w:rPr><w:br w:type="page"/>"#),
        "sections, not page breaks, part the notices: {xml}"
    );
    assert!(xml.ends_with("</w:sectPr></w:body></w:document>"));
}

#[test]
fn two_rows_per_person_repeat_together_and_single_braces_warn() {
    let tmp = tempfile::tempdir().unwrap();
    let templates = templates_from(
        tmp.path(),
        "resaved/thong-bao.docx",
        "two-rows/danh-sach.docx",
    );
    let opts = LetterOptions {
        templates: Some(templates.clone()),
        ..options(&tmp.path().join("out"))
    };
    let report = letters::write_letters(&batch(), &opts).unwrap();
    let list = report.list.clone().unwrap();
    assert_clean_package(&list);
    let cells = paragraphs(&part(&list, "word/document.xml")).join("|");
    assert!(
        cells.contains(concat!(
            "STT|Họ và tên|Ngày sinh|",
            "1|Trần Thị Mai|02/01/1980||Thị trấn Đăk Rve||",
            "2|Y Blông|(chưa rõ)||Xã Đăk Tơ Lung|Đã có trình độ Sơ cấp|",
            "3|Rơ Mah Hiền|09/02/1979||Xã Đăk Kôi|"
        )),
        "{cells}"
    );
    assert!(cells.starts_with("DANH SÁCH ({so_nguoi} người)"), "{cells}");
    let template = templates.join("danh-sach.docx").display().to_string();
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let warning = &report.warnings[0];
    assert!(
        warning.contains(&template) && warning.contains("{so_nguoi}"),
        "{warning}"
    );
}

fn hoso(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_command_warns_of_single_braces_and_names_a_day_that_does_not_exist() {
    let tmp = tempfile::tempdir().unwrap();
    let verdicts = tmp.path().join("verdicts.json");
    std::fs::write(&verdicts, serde_json::to_vec(&batch()).unwrap()).unwrap();
    let verdicts = verdicts.to_str().unwrap();
    let templates = templates_from(
        tmp.path(),
        "resaved/thong-bao.docx",
        "two-rows/danh-sach.docx",
    );
    let out = tmp.path().join("out");
    let args = ["letters", verdicts, "--out", out.to_str().unwrap()];

    let run = hoso(&[&args[..], &["--templates", templates.to_str().unwrap()]].concat());
    assert!(run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(stderr.matches("warning: template ").count(), 1, "{stderr}");
    assert!(stderr.contains("{so_nguoi} in single braces"), "{stderr}");

    let run = hoso(&[&args[..], &["--date", "31/02/2021"]].concat());
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("--date \"31/02/2021\": no such date: month 2 of 2021 has no day 31"),
        "{stderr}"
    );
}

#[test]
fn libreoffice_prints_each_merged_notice_as_its_own_file() {
    for t in ["soffice", "pdftotext"] {
        if !on_path(t) {
            println!("skipped: {t} not found");
            return;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let (report, merged) = merged_print_notices(tmp.path());
    let pdf_dir = tmp.path().join("pdf");
    let status = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            tmp.path().join("lo-profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&pdf_dir)
        .arg(&merged)
        .output()
        .unwrap();
    assert!(status.status.success());
    let pdf = pdf_dir.join("thong-bao-gop.pdf");
    let page = |n: usize| {
        let out = Command::new("pdftotext")
            .args(["-f", &n.to_string(), "-l", &n.to_string()])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let squeezed = |s: &str| -> String { s.split_whitespace().collect() };
    let v = batch();
    for (i, (notice, verdict)) in report.notices.iter().zip(rejected(&v)).enumerate() {
        // Two pages a notice: the first without the page number, the
        // second numbered 2, whatever notices came before.
        let (first, second) = (page(2 * i + 1), page(2 * i + 2));
        assert!(
            first.contains(&notice.number),
            "page {}: {first}",
            2 * i + 1
        );
        assert!(!first.contains("Trang"), "page {}: {first}", 2 * i + 1);
        assert!(
            squeezed(&second).contains("Trang2"),
            "page {}: {second}",
            2 * i + 2
        );
        let reasons = verdict
            .reasons
            .iter()
            .filter(|r| r.severity != Severity::Warning);
        for (k, r) in reasons.enumerate() {
            let line = squeezed(&format!("{}. {}", k + 1, clean(&r.message)));
            assert!(squeezed(&first).contains(&line), "{line}: {first}");
        }
    }
}
