//! `hoso samples`: the sample year is what domain.md §3, §5 and §6 say,
//! checked by reading the written files back independently (calamine for
//! spreadsheets, zip + a text scan of word/document.xml for Word files)
//! and re-deriving every verdict from them.

mod common;

use calamine::{Data, DataType, Reader, open_workbook_auto};
use hoso::samples::{self, ReviewManifest, RosterManifest};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

// ------------------------------------------------------------ text helpers

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// NFC, whitespace (non-breaking too) collapsed, lower case: how names compare.
fn key(s: &str) -> String {
    nfc(s)
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn fold(s: &str) -> String {
    key(s)
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// A date as (year, month, day); month and day 0 for a year alone.
type Ymd = (i32, u32, u32);

fn parse_date(text: &str) -> Option<Ymd> {
    static NUMERIC: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$").unwrap());
    static WORDS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})").unwrap());
    let t = nfc(text.trim());
    if let Some(c) = NUMERIC.captures(&t).or_else(|| WORDS.captures(&t)) {
        return Some((c[3].parse().ok()?, c[2].parse().ok()?, c[1].parse().ok()?));
    }
    let year: i32 = t.parse().ok()?;
    (1900..2100).contains(&year).then_some((year, 0, 0))
}

fn compatible(a: Ymd, b: Ymd) -> bool {
    a == b || (a.0 == b.0 && (a.1 == 0 || b.1 == 0))
}

fn iso(d: Ymd) -> String {
    if d.1 == 0 {
        format!("{:04}", d.0)
    } else {
        format!("{:04}-{:02}-{:02}", d.0, d.1, d.2)
    }
}

// ------------------------------------------------------------ .docx reading

/// One document's body: its paragraphs (tables' included, in order) and
/// its table rows; `parts` splits a file at page breaks.
#[derive(Default)]
struct Doc {
    paragraphs: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn document_xml(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn paragraph_text(p: &str) -> String {
    static RUN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:tab\s*/>").unwrap());
    let mut out = String::new();
    for c in RUN.captures_iter(p) {
        match c.get(1) {
            Some(t) => out.push_str(&unescape(t.as_str())),
            None => out.push('\t'),
        }
    }
    nfc(&out)
}

/// The documents of a .docx, split at page breaks.
fn read_docx(path: &Path) -> Vec<Doc> {
    static PARA: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)<w:p[ >].*?</w:p>|<w:tr[ >]|</w:tr>").unwrap());
    static CELL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<w:tc>.*?</w:tc>").unwrap());
    let xml = document_xml(path);
    let mut docs = vec![Doc::default()];
    // Rows are read whole; paragraphs one by one, tables' included.
    static ROW: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<w:tr[ >].*?</w:tr>").unwrap());
    let mut rows = ROW.find_iter(&xml).peekable();
    for m in PARA.find_iter(&xml) {
        let s = m.as_str();
        if s.starts_with("<w:tr") {
            if let Some(row) = rows.next() {
                let cells = CELL
                    .find_iter(row.as_str())
                    .map(|c| {
                        PARA.find_iter(c.as_str())
                            .map(|p| paragraph_text(p.as_str()))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .collect();
                docs.last_mut().unwrap().rows.push(cells);
            }
            continue;
        }
        if s.starts_with("</w:tr") {
            continue;
        }
        if s.contains(r#"w:type="page""#) {
            docs.push(Doc::default());
            continue;
        }
        docs.last_mut().unwrap().paragraphs.push(paragraph_text(s));
    }
    docs
}

impl Doc {
    /// `Label: value`, `Label<TAB>value` paragraphs and two-cell table rows.
    fn field(&self, labels: &[&str]) -> Option<String> {
        let lines = self.paragraphs.iter().cloned().chain(
            self.rows
                .iter()
                .filter(|r| r.len() == 2)
                .map(|r| r.join("\t")),
        );
        for line in lines {
            let Some(at) = line.find([':', '\t']) else {
                continue;
            };
            let (label, value) = line.split_at(at);
            if labels.iter().any(|l| key(l) == key(label)) {
                return Some(value[1..].trim().to_string());
            }
        }
        None
    }

    fn signed(&self) -> Option<Ymd> {
        static PLACE_DATE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^[^:\t]+, (ngày \d{1,2} tháng \d{1,2} năm \d{4})$").unwrap()
        });
        self.paragraphs
            .iter()
            .rev()
            .find_map(|p| PLACE_DATE.captures(p))
            .and_then(|c| parse_date(&c[1]))
    }

    fn title_at(&self, titles: &[&str]) -> Option<usize> {
        self.paragraphs
            .iter()
            .position(|p| titles.iter().any(|t| key(p).starts_with(&key(t))))
    }
}

// ------------------------------------------------------------ the rules, again

/// domain.md §5's benchmark: (periods, keywords) per part.
const PARTS: &[(u32, &[&str])] = &[
    (
        40,
        &[
            "mác",
            "lênin",
            "triết học",
            "kinh tế chính trị",
            "chủ nghĩa xã hội khoa học",
        ],
    ),
    (30, &["hồ chí minh"]),
    (
        50,
        &[
            "lịch sử đảng",
            "đường lối",
            "xây dựng đảng",
            "đảng cộng sản",
        ],
    ),
    (40, &["nhà nước", "pháp luật", "hiến pháp"]),
    (
        40,
        &[
            "hệ thống chính trị",
            "dân vận",
            "mặt trận",
            "đoàn thể",
            "nghiệp vụ",
            "kỹ năng",
        ],
    ),
];

fn periods(doc: &Doc) -> (u32, u32) {
    let mut matched = 0;
    let mut covered = [false; 5];
    for row in &doc.rows {
        let (Some(subject), Some(n)) = (row.get(1), row.get(2)) else {
            continue;
        };
        let Ok(n) = n.trim().parse::<u32>() else {
            continue;
        };
        let s = fold(subject);
        if let Some(p) = PARTS
            .iter()
            .position(|(_, kws)| kws.iter().any(|k| s.contains(&fold(k))))
        {
            matched += n;
            covered[p] = true;
        }
    }
    let coverage = PARTS
        .iter()
        .zip(covered)
        .filter(|(_, c)| *c)
        .map(|((p, _), _)| p)
        .sum();
    (matched, coverage)
}

struct ListRow {
    name: String,
    birth: Option<Ymd>,
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

fn cell_date(c: &Data) -> Option<Ymd> {
    use chrono::Datelike;
    match c {
        Data::DateTime(_) => c.as_datetime().map(|d| (d.year(), d.month(), d.day())),
        Data::Float(f) if (1900.0..2100.0).contains(f) => Some((*f as i32, 0, 0)),
        Data::Int(i) => Some((*i as i32, 0, 0)),
        Data::String(s) => parse_date(s),
        _ => None,
    }
}

/// People in a list: rows with a numeric STT and a name; the birth date
/// from the "Ngày sinh" column or whichever of "Nam"/"Nữ" holds it.
fn read_list(path: &Path) -> Vec<ListRow> {
    let mut wb = open_workbook_auto(path).unwrap();
    let mut out = Vec::new();
    for (_, range) in wb.worksheets() {
        let rows: Vec<&[Data]> = range.rows().collect();
        let Some(h) = rows
            .iter()
            .position(|r| r.iter().any(|c| cell_text(c) == "Họ và tên"))
        else {
            continue;
        };
        let mut birth_cols = BTreeSet::new();
        for r in rows.iter().skip(h).take(2) {
            for (i, c) in r.iter().enumerate() {
                let t = cell_text(c);
                if t.contains("sinh") || t == "Nam" || t == "Nữ" {
                    birth_cols.insert(i);
                }
            }
        }
        for r in &rows[h + 1..] {
            let numbered = matches!(r.first(), Some(Data::Float(_) | Data::Int(_)));
            let name = r.get(1).map(cell_text).unwrap_or_default();
            if !numbered || name.trim().is_empty() {
                continue;
            }
            let birth = birth_cols
                .iter()
                .filter_map(|&i| r.get(i))
                .find_map(cell_date);
            out.push(ListRow { name, birth });
        }
    }
    out
}

/// Every verdict of a batch re-derived from its files: (dossier or
/// "list:<name>", birth date, sorted codes).
fn rederive(batch: &Path) -> BTreeMap<String, (String, Vec<String>)> {
    let mut list = Vec::new();
    // (folder, has letter)
    let mut dossiers: Vec<(String, bool)> = Vec::new();
    for commune in sorted_dirs(batch) {
        let has_letter = commune.join("cong-van-de-nghi.docx").exists();
        for entry in std::fs::read_dir(&commune).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "xlsx") {
                list.extend(read_list(&p));
            }
        }
        for d in sorted_dirs(&commune) {
            let rel = d
                .strip_prefix(batch)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            dossiers.push((rel, has_letter));
        }
    }
    let mut out = BTreeMap::new();
    let mut seen_names: BTreeMap<String, String> = BTreeMap::new();
    dossiers.sort();
    for (rel, has_letter) in &dossiers {
        let dir = batch.join(rel);
        let files: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        let mut docs = if files.contains("ho-so.docx") {
            read_docx(&dir.join("ho-so.docx"))
        } else {
            let mut docs = read_docx(&dir.join("don-de-nghi.docx"));
            if files.contains("bang-diem.docx") {
                docs.extend(read_docx(&dir.join("bang-diem.docx")));
            }
            docs
        };
        let transcript = (docs.len() > 1).then(|| docs.remove(1));
        let form = docs.remove(0);
        let mut codes = Vec::new();

        let name = form.field(&["Họ và tên", "Họ và tên khai sinh"]).unwrap();
        let birth = form
            .field(&["Ngày sinh", "Sinh ngày"])
            .and_then(|b| parse_date(&b))
            .unwrap();
        let row = list.iter().find(|r| key(&r.name) == key(&name));
        if row.is_none() {
            codes.push("ngoai-danh-sach");
        }
        if seen_names.insert(key(&name), rel.clone()).is_some() {
            codes.push("trung-ho-so");
        }
        let mut differs = row.is_some_and(|r| !r.birth.is_some_and(|b| compatible(b, birth)));
        match &transcript {
            None => codes.push("thieu-bang-diem"),
            Some(t) => {
                let title = t.title_at(&["BẢNG ĐIỂM", "BẢNG KẾT QUẢ HỌC TẬP"]).unwrap();
                assert!(title < 3, "{rel}: transcript title is paragraph {title}");
                let marked = t.paragraphs[..title].iter().any(|p| {
                    let f = fold(p);
                    ["ban chinh", "ban sao co chung thuc", "sao y ban chinh"]
                        .iter()
                        .any(|m| f.contains(m))
                });
                if !marked {
                    codes.push("bang-diem-khong-hop-le");
                }
                let (matched, coverage) = periods(t);
                if matched < 160 {
                    codes.push("thieu-so-tiet");
                }
                if coverage < 150 {
                    codes.push("thieu-noi-dung");
                }
                let t_name = t.field(&["Họ và tên"]).unwrap();
                let t_birth = t.field(&["Ngày sinh"]).and_then(|b| parse_date(&b));
                differs |= key(&t_name) != key(&name) || t_birth != Some(birth);
            }
        }
        if differs {
            codes.push("lech-thong-tin");
        }
        let diploma = files.iter().any(|f| {
            let f = fold(f).replace(['-', '_'], " ");
            ["bang tot nghiep", "giay chung nhan", "chung chi"]
                .iter()
                .any(|d| f.contains(d))
        });
        if !diploma {
            codes.push("thieu-van-bang");
        }
        if !has_letter {
            codes.push("thieu-cong-van");
        }
        let none = |v: Option<String>| {
            v.is_none_or(|v| v.is_empty() || ["không", "chưa"].contains(&key(&v).as_str()))
        };
        if none(form.field(&["Ngày vào Đảng", "Ngày kết nạp Đảng"]))
            && none(form.field(&["Chức vụ", "Chức vụ hiện nay"]))
        {
            codes.push("khong-thuoc-doi-tuong");
        }
        let institution = fold(&form.field(&["Cơ sở đào tạo", "Nơi học"]).unwrap());
        if [
            "truong chinh tri",
            "trung tam chinh tri",
            "hoc vien chinh tri",
        ]
        .iter()
        .any(|s| institution.contains(s))
        {
            codes.push("da-hoc-truong-chinh-tri");
        }
        if form.signed().unwrap() >= (2021, 7, 9) {
            codes.push("qua-han");
        }
        let level = fold(&form.field(&["Trình độ lý luận chính trị"]).unwrap());
        if ["so cap", "trung cap", "cao cap"]
            .iter()
            .any(|l| level.contains(l))
        {
            codes.push("da-co-trinh-do");
        }
        codes.sort_unstable();
        out.insert(
            rel.clone(),
            (iso(birth), codes.into_iter().map(String::from).collect()),
        );
    }
    for r in &list {
        if !seen_names.contains_key(&key(&r.name)) {
            out.insert(
                format!("list:{}", key(&r.name)),
                (
                    r.birth.map(iso).unwrap_or_default(),
                    vec!["khong-co-ho-so".to_string()],
                ),
            );
        }
    }
    out
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn manifest_view(m: &ReviewManifest) -> BTreeMap<String, (String, Vec<String>)> {
    m.applicants
        .iter()
        .map(|a| {
            let id = match &a.dossier {
                Some(d) => d.clone(),
                None => format!("list:{}", key(&a.name)),
            };
            (id, (a.birth_date.iso(), a.codes.clone()))
        })
        .collect()
}

fn read_manifest(path: &Path) -> ReviewManifest {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sample_year() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    samples::write_sample_year(dir.path()).unwrap();
    dir
}

/// The codes of the 196-verdict year, as planned in the brief.
const CODE_COUNTS: &[(&str, usize)] = &[
    ("bang-diem-khong-hop-le", 5),
    ("da-co-trinh-do", 3),
    ("da-hoc-truong-chinh-tri", 4),
    ("khong-co-ho-so", 3),
    ("khong-thuoc-doi-tuong", 3),
    ("lech-thong-tin", 4),
    ("ngoai-danh-sach", 2),
    ("qua-han", 6),
    ("thieu-bang-diem", 4),
    ("thieu-cong-van", 2),
    ("thieu-noi-dung", 4),
    ("thieu-so-tiet", 6),
    ("thieu-van-bang", 5),
    ("trung-ho-so", 2),
];

// ------------------------------------------------------------ tests

#[test]
fn the_review_batch_is_the_reported_year_and_its_files_say_so() {
    let dir = sample_year();
    let batch = dir.path().join("xet-tuong-duong-2021");
    let m = read_manifest(&dir.path().join("xet-tuong-duong-2021.expected.json"));
    let s = m.summary;
    assert_eq!(
        (s.total, s.accepted, s.rejected, s.needs_review),
        (196, 151, 45, 0)
    );
    assert_eq!(m.applicants.len(), 196);
    let counts: Vec<(String, usize)> = m.code_counts().into_iter().collect();
    let want: Vec<(String, usize)> = CODE_COUNTS
        .iter()
        .map(|(c, n)| (c.to_string(), *n))
        .collect();
    assert_eq!(counts, want);
    // One rejection with several codes is one rejected verdict.
    let multi = m.applicants.iter().filter(|a| a.codes.len() > 1).count();
    assert_eq!(multi, 5);
    let order: Vec<_> = m.applicants.iter().map(|a| (&a.dossier, &a.name)).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);

    // Every verdict follows from the files alone.
    assert_eq!(rederive(&batch), manifest_view(&m));

    // 5–7 commune folders; the one without a request letter holds two people.
    let communes = sorted_dirs(&batch);
    assert!((5..=7).contains(&communes.len()), "{}", communes.len());
    let without: Vec<_> = communes
        .iter()
        .filter(|c| !c.join("cong-van-de-nghi.docx").exists())
        .collect();
    assert_eq!(without.len(), 1);
    assert_eq!(sorted_dirs(without[0]).len(), 2);
    for c in &communes {
        assert!(c.join("danh-sach-de-nghi.xlsx").exists(), "{}", c.display());
    }
}

#[test]
fn the_batch_has_the_mess_a_checker_must_handle() {
    let dir = sample_year();
    let batch = dir.path().join("xet-tuong-duong-2021");
    let m = read_manifest(&dir.path().join("xet-tuong-duong-2021.expected.json"));
    let mut combined = 0;
    let mut tabs = 0;
    let mut tables = 0;
    let mut nfd = 0;
    let mut portraits_without_diploma = 0;
    let mut exact_160 = 0;
    let mut exact_150 = 0;
    let mut last_day = 0;
    let mut cutoff_day = 0;
    for a in &m.applicants {
        let Some(rel) = &a.dossier else { continue };
        let dir = batch.join(rel);
        let ho_so = dir.join("ho-so.docx");
        let form_file = if ho_so.exists() {
            combined += 1;
            ho_so.clone()
        } else {
            dir.join("don-de-nghi.docx")
        };
        let xml = document_xml(&form_file);
        if xml.contains("<w:tab/>") || xml.contains("<w:tab />") {
            tabs += 1;
        }
        let docs = read_docx(&form_file);
        if docs[0]
            .rows
            .iter()
            .any(|r| r.len() == 2 && r[0] == "Họ và tên")
        {
            tables += 1;
        }
        if xml.contains(&a.name.nfd().collect::<String>()) && !xml.contains(&a.name) {
            nfd += 1;
        }
        if a.codes.contains(&"thieu-van-bang".to_string()) && dir.join("anh-the.jpg").exists() {
            portraits_without_diploma += 1;
        }
        let transcript = if ho_so.exists() {
            docs.into_iter().nth(1)
        } else if dir.join("bang-diem.docx").exists() {
            read_docx(&dir.join("bang-diem.docx")).into_iter().next()
        } else {
            None
        };
        if a.codes.is_empty()
            && let Some(t) = transcript
        {
            let (matched, coverage) = periods(&t);
            exact_160 += usize::from(matched == 160);
            exact_150 += usize::from(coverage == 150);
        }
        let signed = read_docx(&form_file)[0].signed();
        last_day += usize::from(a.codes.is_empty() && signed == Some((2021, 7, 8)));
        cutoff_day += usize::from(signed == Some((2021, 7, 9)));
    }
    assert!(combined >= 5, "{combined}");
    assert!(tabs >= 5, "{tabs}");
    assert!(tables >= 5, "{tables}");
    assert!(nfd >= 3, "{nfd}");
    assert!(portraits_without_diploma >= 1);
    assert!(exact_160 >= 2, "{exact_160}");
    assert!(exact_150 >= 2, "{exact_150}");
    assert_eq!(last_day, 1);
    assert_eq!(cutoff_day, 1);

    // Lists: a Nam/Nữ pair, a workbook with two sheets, year-only births
    // (as numbers and as text), names in capitals and with doubled spaces.
    let mut male_female = 0;
    let mut two_sheets = 0;
    let mut year_numbers = 0;
    let mut year_texts = 0;
    let mut capitals = 0;
    let mut doubled = 0;
    for commune in sorted_dirs(&batch) {
        let path = commune.join("danh-sach-de-nghi.xlsx");
        let mut wb = open_workbook_auto(&path).unwrap();
        let sheets = wb.worksheets();
        two_sheets += usize::from(sheets.len() == 2);
        for (_, range) in &sheets {
            male_female += usize::from(range.rows().any(|r| {
                r.iter().any(|c| cell_text(c) == "Nam") && r.iter().any(|c| cell_text(c) == "Nữ")
            }));
            for r in range.rows() {
                if !matches!(r.first(), Some(Data::Float(_))) {
                    continue;
                }
                year_numbers += r
                    .iter()
                    .filter(|c| matches!(c, Data::Float(f) if *f > 1900.0))
                    .count();
                year_texts += r
                    .iter()
                    .filter(|c| matches!(c, Data::String(s) if s.len() == 4 && s.parse::<i32>().is_ok()))
                    .count();
                let name = r.get(1).map(cell_text).unwrap_or_default();
                capitals += usize::from(
                    name.chars().any(char::is_alphabetic) && name == name.to_uppercase(),
                );
                doubled += usize::from(name.contains("  "));
            }
        }
        for r in read_list(&path) {
            assert!(r.birth.is_some(), "{}: {}", path.display(), r.name);
        }
    }
    assert_eq!(male_female, 1);
    assert_eq!(two_sheets, 1);
    assert!(
        year_numbers >= 3 && year_texts >= 3,
        "{year_numbers} {year_texts}"
    );
    assert!(capitals >= 5 && doubled >= 5, "{capitals} {doubled}");
}

#[test]
fn rosters_hold_the_years_classes() {
    let dir = sample_year();
    let rosters = dir.path().join("lop-boi-duong-2021");
    let table: &[(&str, usize, usize)] = &common::CLASSES_2021;
    let mut own: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut joint = Vec::new();
    let mut learners = BTreeMap::new();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&rosters).unwrap() {
        files.push(entry.unwrap().path());
    }
    files.sort();
    assert_eq!(files.len(), 12);
    for path in &files {
        let mut wb = open_workbook_auto(path).unwrap();
        for (sheet, range) in wb.worksheets() {
            let texts: Vec<String> = range
                .rows()
                .filter_map(|r| r.first().map(cell_text))
                .collect();
            let title = texts.iter().find(|t| t.starts_with("LỚP ")).unwrap();
            let is_joint = texts
                .iter()
                .any(|t| t.contains("Phối hợp với Trường Chính trị tỉnh Kon Tum"));
            assert!(texts.iter().any(|t| t == "HUYỆN ỦY KON RẪY"));
            assert!(
                texts
                    .iter()
                    .any(|t| t.starts_with("Khóa 0") && t.contains("năm 2021 (từ ngày"))
            );
            let header = range
                .rows()
                .find(|r| r.iter().any(|c| cell_text(c) == "Họ và tên"))
                .unwrap();
            let col = |name: &str| header.iter().position(|c| cell_text(c) == name).unwrap();
            let (score_col, grade_col) = (col("Điểm"), col("Xếp loại"));
            let mut n = 0;
            for r in range.rows() {
                if !matches!(r.first(), Some(Data::Float(_))) {
                    continue;
                }
                n += 1;
                let score = match &r[score_col] {
                    Data::Float(f) => *f,
                    Data::String(s) => s.replace(',', ".").parse().unwrap(),
                    other => panic!("score {other:?}"),
                };
                assert!((5.0..=9.8).contains(&score), "{score}");
                let grade = match score {
                    s if s >= 8.0 => "Giỏi",
                    s if s >= 6.5 => "Khá",
                    s if s >= 5.0 => "Trung bình",
                    _ => "Không đạt",
                };
                assert_eq!(
                    cell_text(&r[grade_col]),
                    grade,
                    "{} {sheet}",
                    path.display()
                );
                *learners.entry(cell_text(&r[1])).or_insert(0) += usize::from(!is_joint);
            }
            if is_joint {
                joint.push((title.clone(), n));
            } else {
                let e = own.entry(title.clone()).or_insert((0, 0));
                e.0 += 1;
                e.1 += n;
            }
        }
    }
    let want: BTreeMap<String, (usize, usize)> = table
        .iter()
        .map(|(t, c, n)| (format!("LỚP {}", t.to_uppercase()), (*c, *n)))
        .collect();
    assert_eq!(own, want);
    assert_eq!(own.values().map(|v| v.0).sum::<usize>(), 12);
    assert_eq!(own.values().map(|v| v.1).sum::<usize>(), 522);
    assert_eq!(joint, vec![("LỚP BỒI DƯỠNG CẤP ỦY CƠ SỞ".to_string(), 55)]);
    let distinct = learners.values().filter(|n| **n > 0).count();
    assert!(distinct < 522 && distinct > 450, "{distinct}");

    let m: RosterManifest = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("lop-boi-duong-2021.expected.json")).unwrap(),
    )
    .unwrap();
    assert_eq!((m.classes, m.enrolments), (12, 522));
    assert_eq!(m.unique_learners, distinct);
    assert_eq!(m.rosters.len(), 13);
    let g = m.grades;
    assert_eq!(g.gioi + g.kha + g.trung_binh + g.khong_dat, 522);
    for (t, c, n) in table {
        assert!(
            m.by_type
                .iter()
                .any(|b| b.class_type == *t && b.classes == *c && b.learners == *n),
            "{t}"
        );
    }
}

fn all_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn same_bytes_on_every_run_and_any_number_of_threads() {
    let one = tempfile::tempdir().unwrap();
    let many = tempfile::tempdir().unwrap();
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| samples::write_sample_year(one.path()))
        .unwrap();
    rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| samples::write_sample_year(many.path()))
        .unwrap();
    let a = all_files(one.path());
    let b = all_files(many.path());
    assert!(a.len() > 600, "{}", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(b.get(name) == Some(bytes), "{name} differs");
    }
}

#[test]
fn committed_samples_are_a_fresh_generation() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    assert!(
        committed.is_dir(),
        "no samples/; generate it with `cargo run -- samples samples --force`"
    );
    let fresh = sample_year();
    let want = all_files(fresh.path());
    let outputs = [
        "xet-tuong-duong-2021/",
        "xet-tuong-duong-2021.expected.json",
        "lop-boi-duong-2021/",
        "lop-boi-duong-2021.expected.json",
    ];
    let have: BTreeMap<String, Vec<u8>> = all_files(&committed)
        .into_iter()
        .filter(|(k, _)| outputs.iter().any(|o| k.starts_with(o)))
        .collect();
    let stale: Vec<&String> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .chain(have.keys().filter(|k| !want.contains_key(*k)))
        .collect();
    assert!(
        stale.is_empty(),
        "samples/ is stale ({} files, e.g. {:?}); regenerate with `cargo run -- samples samples --force`",
        stale.len(),
        stale.first()
    );
}

#[test]
fn a_bigger_batch_keeps_the_mix() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("b");
    let m = samples::write_review_batch(&batch, 1000, 2021).unwrap();
    assert_eq!(m.summary.total, 1000);
    assert_eq!(m.summary.needs_review, 0);
    // Each kind of case scaled by 1000/196 and rounded; codes of the
    // several-defect cases count once per code.
    let scaled = |n: usize| (n * 1000 + 98) / 196;
    let counts = m.code_counts();
    let n = |c: &str| counts.get(c).copied().unwrap_or(0);
    assert_eq!(n("khong-co-ho-so"), scaled(3));
    assert_eq!(n("ngoai-danh-sach"), scaled(2));
    assert_eq!(n("lech-thong-tin"), scaled(2) + 2 * scaled(1));
    assert_eq!(n("trung-ho-so"), scaled(2));
    assert_eq!(n("thieu-bang-diem"), scaled(3) + scaled(1));
    assert_eq!(n("thieu-van-bang"), scaled(3) + 2 * scaled(1));
    assert_eq!(n("thieu-cong-van"), scaled(2));
    assert_eq!(n("qua-han"), scaled(4) + 2 * scaled(1));
    assert_eq!(n("da-co-trinh-do"), scaled(3));
    // The 45 rejections of the base year are 20 kinds of case, of 1 to 4 each.
    let bases = [3, 2, 2, 1, 1, 2, 3, 3, 2, 4, 3, 3, 4, 3, 4, 1, 1, 1, 1, 1];
    assert_eq!(bases.iter().sum::<usize>(), 45);
    let rejected: usize = bases.iter().map(|&b| scaled(b)).sum();
    assert_eq!(m.summary.rejected, rejected);
    // 30–40 per commune folder, plus the letterless pairs.
    let communes = sorted_dirs(&batch).len();
    let letterless = scaled(2).div_ceil(2);
    let lettered = communes - letterless;
    assert!((1000 / 40..=1000 / 28).contains(&lettered), "{lettered}");
    assert_eq!(rederive(&batch), manifest_view(&m));
}

#[test]
fn the_command_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hoso"))
            .arg("samples")
            .arg(dir.path())
            .args(["--count", "120"])
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = all_files(dir.path());
    let m = read_manifest(&dir.path().join("xet-tuong-duong-2021.expected.json"));
    assert_eq!(m.summary.total, 120);
    assert!(dir.path().join("lop-boi-duong-2021").is_dir());

    let again = run(&[]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(all_files(dir.path()), before);

    let stray = dir.path().join("xet-tuong-duong-2021").join("stray.txt");
    std::fs::write(&stray, "x").unwrap();
    let keep = dir.path().join("README.txt");
    std::fs::write(&keep, "mine").unwrap();
    let forced = run(&["--force"]);
    assert!(forced.status.success());
    assert!(!stray.exists());
    assert!(keep.exists());
    let mut after = all_files(dir.path());
    after.remove("README.txt");
    assert_eq!(after, before);
}
