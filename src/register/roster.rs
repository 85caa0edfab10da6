//! One roster sheet → one class and its enrolments, with every data-quality
//! warning pinned to its cell. Only [`class_from_table`] knows the table
//! reader's shapes; the title and row logic below work on plain values.

use super::catalogue::{Catalogue, TypeMatch};
use super::wording::fill;
use crate::date::Date;
use crate::ingest::table::{FieldValue, Record, SheetTable};
use crate::source::Source;
use crate::text::{clean, fold_words, key};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A data-quality remark and the cell (or sheet) it concerns.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    pub source: String,
    pub message: String,
}

/// What the title rows say about a class.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ClassTitle {
    /// The class's own title ("LỚP BỒI DƯỠNG ..."), as written.
    pub title: String,
    /// The catalogue name, or the title's wording for a type the catalogue
    /// does not know (see `known_type`).
    pub class_type: String,
    pub known_type: bool,
    pub course: Option<u32>,
    pub year: Option<i32>,
    pub start: Option<Date>,
    pub end: Option<Date>,
    /// The issuing bodies above the list title ("HUYỆN ỦY KON RẪY / TRUNG TÂM CHÍNH TRỊ").
    pub organiser: String,
    /// Set for a joint class (decision 12): the partner, possibly empty.
    pub joint_with: Option<String>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Enrolment {
    pub name: String,
    pub name_key: String,
    pub birth_date: Option<Date>,
    pub sex: Option<String>,
    pub ethnicity: Option<String>,
    pub position: Option<String>,
    pub unit: Option<String>,
    pub score: Option<f64>,
    /// The catalogue's grade name when recognised, else the text as written.
    pub grade: Option<String>,
    pub note: Option<String>,
    /// The row's name cell: `file!Sheet!B9`.
    pub source: String,
}

/// One class read from one sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Roster {
    pub sheet: String,
    /// Where the class's title starts: `file!Sheet!A4`.
    pub source: String,
    pub class: ClassTitle,
    pub enrolments: Vec<Enrolment>,
    pub warnings: Vec<Warning>,
}

/// A sheet either holds a class or is passed over with a reason.
#[derive(Clone, Debug, PartialEq)]
pub enum SheetOutcome {
    Class(Box<Roster>),
    Skipped(Warning),
}

/// The adapter from the table reader: title rows → [`ClassTitle`], records →
/// enrolments, then the checks.
pub fn class_from_table(t: &SheetTable, catalogue: &Catalogue) -> SheetOutcome {
    let sheet_source = t
        .title_lines
        .first()
        .map(|(_, s)| s.to_string())
        .unwrap_or_else(|| {
            Source::cell(t.file.as_str(), t.sheet.as_str(), t.header_rows.0, 0).to_string()
        });
    let w = &catalogue.warnings;
    if !t.columns.iter().any(|c| c.field == "name") {
        return SheetOutcome::Skipped(Warning {
            source: sheet_source,
            message: fill(&w.no_name_column, &[("sheet", &t.sheet)]),
        });
    }
    let lines: Vec<&str> = t.title_lines.iter().map(|(l, _)| l.as_str()).collect();
    let mut class = read_title(&lines, catalogue);
    let mut warnings: Vec<Warning> = std::mem::take(&mut class.warnings)
        .into_iter()
        .map(|message| Warning {
            source: sheet_source.clone(),
            message,
        })
        .collect();
    let mut enrolments = Vec::new();
    let mut seen = HashMap::new();
    for record in &t.records {
        if let Some(e) = enrolment(record, catalogue, &mut warnings) {
            check_person(&e, &mut seen, &class, catalogue, &mut warnings);
            enrolments.push(e);
        }
    }
    if enrolments.is_empty() {
        return SheetOutcome::Skipped(Warning {
            source: sheet_source,
            message: fill(&w.no_learners, &[("sheet", &t.sheet)]),
        });
    }
    SheetOutcome::Class(Box::new(Roster {
        sheet: t.sheet.clone(),
        source: sheet_source,
        class,
        enrolments,
        warnings,
    }))
}

fn field<'a>(r: &'a Record, name: &str) -> Option<&'a FieldValue> {
    r.fields.get(name).filter(|f| !f.text.trim().is_empty())
}

fn text_of(r: &Record, name: &str) -> Option<String> {
    field(r, name).map(|f| clean(&f.text))
}

/// One data row; row-local warnings (birth date, score, grade, the reader's
/// own) are added here, cross-row and class-relative ones in [`check_person`].
fn enrolment(r: &Record, catalogue: &Catalogue, warnings: &mut Vec<Warning>) -> Option<Enrolment> {
    let name_field = field(r, "name")?;
    let name = clean(&name_field.text);
    let source = name_field.source.to_string();
    let w = &catalogue.warnings;
    let mut warn = |at: &Source, message: String| {
        warnings.push(Warning {
            source: at.to_string(),
            message,
        })
    };
    for m in &r.warnings {
        warn(
            &name_field.source,
            fill(&w.reader, &[("name", &name), ("message", m)]),
        );
    }

    let birth = field(r, "birth_date");
    let birth_date = birth.and_then(|b| b.date);
    match birth {
        None => warn(
            &name_field.source,
            fill(&w.missing_birth_date, &[("name", &name)]),
        ),
        Some(b) if b.date.is_none() => warn(
            &b.source,
            fill(
                &w.bad_birth_date,
                &[("name", &name), ("value", &clean(&b.text))],
            ),
        ),
        Some(_) => {}
    }

    let score = field(r, "score").and_then(|f| match parse_score(&f.text) {
        Some(s) => {
            if !(0.0..=catalogue.checks.max_score).contains(&s) {
                warn(
                    &f.source,
                    fill(
                        &w.score_out_of_range,
                        &[
                            ("name", &name),
                            ("score", &score_text(s)),
                            ("max", &score_text(catalogue.checks.max_score)),
                        ],
                    ),
                );
            }
            Some(s)
        }
        None => {
            warn(
                &f.source,
                fill(&w.bad_score, &[("name", &name), ("value", &clean(&f.text))]),
            );
            None
        }
    });

    let grade = field(r, "grade").map(|f| {
        let written = clean(&f.text);
        match catalogue.grade_named(&written) {
            Some(g) => {
                let expected = score
                    .filter(|s| (0.0..=catalogue.checks.max_score).contains(s))
                    .and_then(|s| catalogue.grade_for_score(s));
                if let (Some(s), Some(e)) = (score, expected)
                    && e.name != g.name
                {
                    warn(
                        &f.source,
                        fill(
                            &w.grade_mismatch,
                            &[
                                ("name", &name),
                                ("score", &score_text(s)),
                                ("grade", &written),
                                ("expected", &e.name),
                            ],
                        ),
                    );
                }
                g.name.clone()
            }
            None => {
                warn(
                    &f.source,
                    fill(&w.unknown_grade, &[("name", &name), ("grade", &written)]),
                );
                written
            }
        }
    });

    Some(Enrolment {
        name_key: key(&name),
        name,
        birth_date,
        sex: text_of(r, "sex").map(|s| normalise_sex(&s)),
        ethnicity: text_of(r, "ethnicity"),
        position: text_of(r, "position"),
        unit: text_of(r, "unit"),
        score,
        grade,
        note: text_of(r, "note"),
        source,
    })
}

/// Checks against earlier rows and the class: the same person twice, and a
/// birth date impossible for the class's dates. `seen` maps each person met
/// so far to their first row.
fn check_person(
    p: &Enrolment,
    seen: &mut HashMap<(String, Option<Date>), String>,
    class: &ClassTitle,
    catalogue: &Catalogue,
    warnings: &mut Vec<Warning>,
) {
    let first = seen
        .entry((p.name_key.clone(), p.birth_date))
        .or_insert_with(|| p.source.clone());
    if *first != p.source {
        warnings.push(Warning {
            source: p.source.clone(),
            message: fill(
                &catalogue.warnings.duplicate,
                &[("name", &p.name), ("first", first)],
            ),
        });
    }
    if let Some(message) = p
        .birth_date
        .and_then(|birth| age_problem(&p.name, birth, class, catalogue))
    {
        warnings.push(Warning {
            source: p.source.clone(),
            message,
        });
    }
}

fn age_problem(
    name: &str,
    birth: Date,
    class: &ClassTitle,
    catalogue: &Catalogue,
) -> Option<String> {
    let w = &catalogue.warnings;
    let c = &catalogue.checks;
    let reference = class.start.or(class.year.and_then(Date::year_only))?;
    let born_after = match (birth.full(), reference.full()) {
        (Some(b), Some(r)) => b >= r,
        _ => birth.year() > reference.year(),
    };
    if born_after {
        return Some(fill(
            &w.born_after_class,
            &[
                ("name", name),
                ("birth", &birth.display_vn()),
                ("start", &reference.display_vn()),
            ],
        ));
    }
    let age = match (birth.full(), reference.full()) {
        (Some(b), Some(r)) => r.years_since(b).map_or(0, |y| y as i32),
        _ => reference.year() - birth.year(),
    };
    let (template, limit_name, limit) = if age < c.min_age {
        (&w.too_young, "min", c.min_age)
    } else if age > c.max_age {
        (&w.too_old, "max", c.max_age)
    } else {
        return None;
    };
    Some(fill(
        template,
        &[
            ("name", name),
            ("birth", &birth.display_vn()),
            ("age", &age.to_string()),
            (limit_name, &limit.to_string()),
        ],
    ))
}

/// "8,5", "8.5", " 9 " → a number; anything else is not a score.
pub fn parse_score(text: &str) -> Option<f64> {
    let t = clean(text).replace(',', ".");
    t.parse::<f64>().ok().filter(|s| s.is_finite())
}

/// A score as Vietnamese write it: "8,5", "9".
pub fn score_text(s: f64) -> String {
    let rounded = (s * 100.0).round() / 100.0;
    format!("{rounded}").replace('.', ",")
}

fn normalise_sex(s: &str) -> String {
    match fold_words(s).as_str() {
        "nam" => "Nam".to_string(),
        "nu" => "Nữ".to_string(),
        _ => s.to_string(),
    }
}

static COURSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^| )khoa (?:thu )?(\d{1,3}|[ivxlc]{1,7})(?: |$)").unwrap());
static WORDS_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"ngay \d{1,2} thang \d{1,2} nam \d{4}").unwrap());
static PLACE_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i),\s*ngày\s+\d{1,2}\s+tháng").unwrap());
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:^| )nam (\d{4})(?: |$)").unwrap());
/// "từ ngày 05 đến ngày 09/4/2021", "từ 05/4 - 09/4/2021": the start written short.
static SHORT_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)từ\s*(?:ngày\s*)?(\d{1,2})(?:\s*[/.\-]\s*(\d{1,2}))?(?:\s*[/.\-]\s*(\d{4}))?\s*(?:đến|-|–)\s*(?:ngày\s*)?(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
        .unwrap()
});

/// Reads the class from its title rows (already one string per row).
pub fn read_title(lines: &[&str], catalogue: &Catalogue) -> ClassTitle {
    let lines: Vec<String> = lines
        .iter()
        .map(|l| clean(l))
        .filter(|l| !l.is_empty())
        .collect();
    let folded: Vec<String> = lines.iter().map(|l| fold_words(l)).collect();
    let w = &catalogue.warnings;
    let mut out = ClassTitle::default();

    let class_line = folded
        .iter()
        .position(|f| f.starts_with("lop ") || f.contains(" lop "));
    let list_line = folded.iter().position(|f| f.starts_with("danh sach"));
    out.title = match class_line {
        Some(i) => class_title(&lines, &folded, i, catalogue),
        None => lines
            .iter()
            .skip(list_line.map_or(0, |l| l + 1))
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
    };
    let first_of_class = [class_line, list_line].into_iter().flatten().min();
    out.organiser = lines
        .iter()
        .take(first_of_class.unwrap_or(0))
        .filter(|l| catalogue.joint_partner(l).is_none())
        .filter_map(|l| catalogue.organiser_part(&without_place_date(l)))
        .collect::<Vec<_>>()
        .join(" / ");
    out.joint_with = lines.iter().find_map(|l| catalogue.joint_partner(l));

    // Rows above the list title name bodies ("HỘI NÔNG DÂN HUYỆN"), not the
    // class: only the rows from the list title down may stand in for it.
    let below_organiser = lines[first_of_class.unwrap_or(0)..].join(" ");
    let matched = match catalogue.classify(&out.title) {
        TypeMatch::Unknown => catalogue.classify(&below_organiser),
        m => m,
    };
    let raw_type = type_wording(&out.title);
    match matched {
        TypeMatch::Known(name) => {
            out.class_type = name.to_string();
            out.known_type = true;
        }
        TypeMatch::Ambiguous(names) => {
            out.warnings.push(fill(
                &w.ambiguous_type,
                &[("title", &out.title), ("types", &names.join("; "))],
            ));
            out.class_type = raw_type;
        }
        TypeMatch::Unknown => {
            out.warnings
                .push(fill(&w.unknown_type, &[("title", &out.title)]));
            out.class_type = raw_type;
        }
    }

    out.course = folded.iter().find_map(|f| {
        let c = COURSE.captures(f)?;
        let n = &c[1];
        n.parse::<u32>().ok().or_else(|| roman(n))
    });
    let stated_year = folded.iter().find_map(|f| {
        let without_dates = WORDS_DATE.replace_all(f, " ");
        let y: i32 = YEAR.captures(&without_dates)?[1].parse().ok()?;
        Date::year_only(y).map(|d| d.year())
    });
    let (start, end) = class_dates(&lines, &folded, class_line);
    out.start = start;
    out.end = end;
    out.year = stated_year.or(start.map(|s| s.year()));
    match (stated_year, start) {
        (None, None) => out
            .warnings
            .push(fill(&w.no_year, &[("title", &out.title)])),
        (Some(y), Some(s)) if y != s.year() => out.warnings.push(fill(
            &w.year_mismatch,
            &[("year", &y.to_string()), ("start", &s.display_vn())],
        )),
        _ => {}
    }
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        out.warnings.push(fill(
            &w.dates_reversed,
            &[("start", &s.display_vn()), ("end", &e.display_vn())],
        ));
    }
    out
}

/// A row without its place-date part: "TRUNG TÂM CHÍNH TRỊ Kon Rẫy, ngày 15
/// tháng 3 năm 2021" → "TRUNG TÂM CHÍNH TRỊ". The place is the run of
/// mixed-case words before the comma (bodies are written in capitals).
fn without_place_date(line: &str) -> String {
    let Some(m) = PLACE_DATE.find(line) else {
        return line.to_string();
    };
    let mut words: Vec<&str> = line[..m.start()].split(' ').collect();
    while words
        .last()
        .is_some_and(|w| w.is_empty() || w.chars().any(char::is_lowercase))
    {
        words.pop();
    }
    words.join(" ")
}

/// The class line from "LỚP" on, plus the rows it wraps onto (rows without
/// digits, markers or a "Khóa" of their own).
fn class_title(lines: &[String], folded: &[String], i: usize, catalogue: &Catalogue) -> String {
    let line = &lines[i];
    let words: Vec<&str> = line.split(' ').collect();
    let from = words
        .iter()
        .position(|w| fold_words(w) == "lop")
        .unwrap_or(0);
    let mut title = words[from..].join(" ");
    for (l, f) in lines.iter().zip(folded).skip(i + 1) {
        let ends = l.chars().any(|c| c.is_ascii_digit())
            || f.starts_with("khoa ")
            || f.starts_with("danh sach")
            || catalogue.joint_partner(l).is_some();
        if ends {
            break;
        }
        title.push(' ');
        title.push_str(l);
    }
    title
}

/// A title's words naming the class, for a type the catalogue lacks: "LỚP"
/// dropped, cut before the course, year or dates ("LỚP TẬP HUẤN KỸ NĂNG SỐ
/// KHÓA 01, NĂM 2021" → "TẬP HUẤN KỸ NĂNG SỐ").
fn type_wording(title: &str) -> String {
    let words: Vec<&str> = title.split(' ').collect();
    let mut out: Vec<&str> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let f = fold_words(w);
        let next_is_number = words
            .get(i + 1)
            .is_some_and(|n| n.chars().next().is_some_and(|c| c.is_ascii_digit()));
        if i == 0 && f == "lop" {
            continue;
        }
        if w.starts_with('(')
            || f == "khoa"
            || (f == "nam" && next_is_number)
            || (f == "tu" && words.get(i + 1).is_some_and(|n| fold_words(n) == "ngay"))
        {
            break;
        }
        out.push(w);
        if w.ends_with(',') || w.ends_with(';') {
            break;
        }
    }
    out.join(" ")
        .trim_end_matches([',', ';', ':', '-', ' '])
        .to_string()
}

/// Start and end from the rows that carry the class's dates: the class line,
/// its "Khóa" row, "Thời gian ..." or a "từ ... đến ..." row. A place-date
/// line ("Kon Rẫy, ngày 12 tháng 4 năm 2021") is not the class's date.
fn class_dates(
    lines: &[String],
    folded: &[String],
    class_line: Option<usize>,
) -> (Option<Date>, Option<Date>) {
    for (i, (l, f)) in lines.iter().zip(folded).enumerate() {
        let padded = format!(" {f} ");
        let carries_dates = Some(i) == class_line
            || padded.contains(" khoa ")
            || padded.contains(" thoi gian ")
            || padded.contains(" khai giang ")
            || (padded.contains(" tu ") && padded.contains(" den "));
        if !carries_dates {
            continue;
        }
        let found: Vec<Date> = Date::find_all(l)
            .into_iter()
            .filter(|d| d.full().is_some())
            .collect();
        if found.len() < 2
            && let Some((s, e)) = short_range(l)
        {
            return (Some(s), Some(e));
        }
        match found.as_slice() {
            [] => continue,
            [s] => return (Some(*s), None),
            [s, e, ..] => return (Some(*s), Some(*e)),
        }
    }
    (None, None)
}

fn short_range(line: &str) -> Option<(Date, Date)> {
    let c = SHORT_RANGE.captures(line)?;
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let (ed, em, ey) = (num(4)?, num(5)?, num(6)? as i32);
    let end = Date::ymd(ey, em, ed)?;
    let start = Date::ymd(
        num(3).map_or(ey, |y| y as i32),
        num(2).unwrap_or(em),
        num(1)?,
    )?;
    Some((start, end))
}

/// I, II, IV, IX, XII ... (folded, lower case).
fn roman(s: &str) -> Option<u32> {
    let value = |c: char| match c {
        'i' => Some(1),
        'v' => Some(5),
        'x' => Some(10),
        'l' => Some(50),
        'c' => Some(100),
        _ => None,
    };
    let digits: Vec<i32> = s.chars().map(value).collect::<Option<_>>()?;
    let mut total = 0i32;
    for (i, d) in digits.iter().enumerate() {
        match digits.get(i + 1) {
            Some(next) if next > d => total -= d,
            _ => total += d,
        }
    }
    // "khoa ci" would read as 101; a course number is small.
    u32::try_from(total).ok().filter(|t| (1..=99).contains(t))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ingest::table::Column;

    pub(crate) fn catalogue() -> Catalogue {
        Catalogue::builtin().unwrap()
    }

    pub(crate) const DOAN_TITLE: [&str; 5] = [
        "HUYỆN ỦY KON RẪY",
        "TRUNG TÂM CHÍNH TRỊ",
        "DANH SÁCH HỌC VIÊN",
        "LỚP BỒI DƯỠNG NGHIỆP VỤ CÔNG TÁC ĐOÀN Ở CƠ SỞ",
        "Khóa 01, năm 2021 (từ ngày 05/4/2021 đến ngày 09/4/2021)",
    ];

    /// A roster as the table reader would hand it over: title rows from row
    /// 0, the header below them, one record per row with fields
    /// (name, birth, score, grade) in columns B, C, D, E.
    pub(crate) fn table(
        sheet: &str,
        title: &[&str],
        rows: &[(&str, &str, &str, &str)],
    ) -> SheetTable {
        let file = "lop.xlsx";
        let header = title.len() as u32;
        let columns = ["stt", "name", "birth_date", "score", "grade"]
            .iter()
            .zip(0u32..)
            .map(|(f, col)| Column {
                field: f.to_string(),
                col,
                header: f.to_string(),
            })
            .collect();
        let records = rows
            .iter()
            .zip(header + 1..)
            .map(|((name, birth, score, grade), row)| {
                let mut fields = litemap::LiteMap::new();
                for (col, field, text) in [
                    (0, "stt", (row - header).to_string()),
                    (1, "name", name.to_string()),
                    (2, "birth_date", birth.to_string()),
                    (3, "score", score.to_string()),
                    (4, "grade", grade.to_string()),
                ] {
                    fields.insert(
                        field.to_string(),
                        FieldValue {
                            date: (field == "birth_date")
                                .then(|| Date::parse(&text))
                                .flatten(),
                            text,
                            source: Source::cell(file, sheet, row, col),
                        },
                    );
                }
                Record {
                    row,
                    fields,
                    warnings: Vec::new(),
                }
            })
            .collect();
        SheetTable {
            file: file.into(),
            sheet: sheet.into(),
            header_rows: (header, header),
            columns,
            title_lines: title
                .iter()
                .zip(0u32..)
                .map(|(l, row)| (l.to_string(), Source::cell(file, sheet, row, 0)))
                .collect(),
            records,
            footer_lines: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn roster(t: &SheetTable) -> Roster {
        match class_from_table(t, &catalogue()) {
            SheetOutcome::Class(r) => *r,
            SheetOutcome::Skipped(w) => panic!("skipped: {w:?}"),
        }
    }

    #[test]
    fn reads_the_usual_title() {
        let c = read_title(&DOAN_TITLE, &catalogue());
        assert_eq!(c.class_type, "Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở");
        assert!(c.known_type);
        assert_eq!(c.title, "LỚP BỒI DƯỠNG NGHIỆP VỤ CÔNG TÁC ĐOÀN Ở CƠ SỞ");
        assert_eq!(c.course, Some(1));
        assert_eq!(c.year, Some(2021));
        assert_eq!(c.start, Date::ymd(2021, 4, 5));
        assert_eq!(c.end, Date::ymd(2021, 4, 9));
        assert_eq!(c.organiser, "HUYỆN ỦY KON RẪY / TRUNG TÂM CHÍNH TRỊ");
        assert_eq!(c.joint_with, None);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    #[test]
    fn every_type_in_a_header_with_motto_and_place_date() {
        let c = catalogue();
        for t in &c.class_types {
            let title = format!("LỚP {}", t.name.to_uppercase());
            let lines = [
                "HUYỆN ỦY KON RẪY ĐẢNG CỘNG SẢN VIỆT NAM",
                "TRUNG TÂM CHÍNH TRỊ Kon Rẫy, ngày 29 tháng 3 năm 2021",
                "*",
                "DANH SÁCH HỌC VIÊN",
                &title,
                "Khóa 02, năm 2021 (từ ngày 22/3/2021 đến ngày 26/3/2021)",
            ];
            let r = read_title(&lines, &c);
            assert_eq!(r.class_type, t.name, "{title}");
            assert!(r.known_type && r.warnings.is_empty(), "{:?}", r.warnings);
            assert_eq!((r.course, r.year), (Some(2), Some(2021)));
            assert_eq!(
                (r.start, r.end),
                (Date::ymd(2021, 3, 22), Date::ymd(2021, 3, 26))
            );
            assert_eq!(r.organiser, "HUYỆN ỦY KON RẪY / TRUNG TÂM CHÍNH TRỊ");
        }
    }

    #[test]
    fn roman_course_short_range_and_wrapped_title() {
        let c = read_title(
            &[
                "TRUNG TÂM CHÍNH TRỊ HUYỆN KON RẪY",
                "DANH SÁCH HỌC VIÊN LỚP BỒI DƯỠNG LLCT VÀ CHUYÊN MÔN NGHIỆP VỤ",
                "CÔNG TÁC HỘI NÔNG DÂN Ở CƠ SỞ",
                "KHOÁ III - Từ ngày 12 đến ngày 16/7/2021",
            ],
            &catalogue(),
        );
        assert_eq!(
            c.class_type,
            "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Hội Nông dân ở cơ sở"
        );
        assert_eq!(
            c.title,
            "LỚP BỒI DƯỠNG LLCT VÀ CHUYÊN MÔN NGHIỆP VỤ CÔNG TÁC HỘI NÔNG DÂN Ở CƠ SỞ"
        );
        assert_eq!(c.course, Some(3));
        assert_eq!(c.start, Date::ymd(2021, 7, 12));
        assert_eq!(c.end, Date::ymd(2021, 7, 16));
        assert_eq!(c.year, Some(2021), "the year follows the start date");
    }

    #[test]
    fn joint_class_names_its_partner() {
        let c = read_title(
            &[
                "HUYỆN ỦY KON RẪY",
                "TRUNG TÂM CHÍNH TRỊ",
                "DANH SÁCH HỌC VIÊN",
                "LỚP BỒI DƯỠNG CẤP ỦY CƠ SỞ",
                "(Phối hợp với Trường Chính trị tỉnh Kon Tum)",
                "Khóa 01, năm 2021 (từ ngày 14/6/2021 đến ngày 18/6/2021)",
            ],
            &catalogue(),
        );
        assert_eq!(c.class_type, "Bồi dưỡng cấp ủy cơ sở");
        assert_eq!(
            c.joint_with.as_deref(),
            Some("Trường Chính trị tỉnh Kon Tum")
        );
        assert_eq!(c.organiser, "HUYỆN ỦY KON RẪY / TRUNG TÂM CHÍNH TRỊ");
    }

    #[test]
    fn a_place_date_line_is_not_the_class_date() {
        let c = read_title(
            &[
                "TRUNG TÂM CHÍNH TRỊ Kon Rẫy, ngày 20 tháng 12 năm 2021",
                "DANH SÁCH HỌC VIÊN",
                "LỚP NHẬN THỨC VỀ ĐẢNG",
                "Thời gian học: 08/3/2021 - 12/3/2021",
            ],
            &catalogue(),
        );
        assert_eq!(c.class_type, "Nhận thức về Đảng");
        assert_eq!(c.start, Date::ymd(2021, 3, 8));
        assert_eq!(c.end, Date::ymd(2021, 3, 12));
        assert_eq!(c.year, Some(2021));
        assert_eq!(c.course, None);
    }

    #[test]
    fn unknown_type_keeps_its_wording_and_says_so() {
        let c = read_title(
            &[
                "DANH SÁCH HỌC VIÊN",
                "LỚP TẬP HUẤN KỸ NĂNG SỐ KHÓA 02, NĂM 2021",
            ],
            &catalogue(),
        );
        assert!(!c.known_type);
        assert_eq!(c.class_type, "TẬP HUẤN KỸ NĂNG SỐ");
        assert_eq!(c.course, Some(2));
        assert_eq!(c.year, Some(2021));
        assert_eq!(c.warnings.len(), 1);
        assert!(c.warnings[0].contains("KỸ NĂNG SỐ"), "{:?}", c.warnings);
    }

    #[test]
    fn the_organiser_never_names_the_class() {
        let c = read_title(
            &[
                "HỘI NÔNG DÂN HUYỆN KON RẪY",
                "DANH SÁCH HỌC VIÊN",
                "LỚP TẬP HUẤN KỸ THUẬT TRỒNG SÂM",
            ],
            &catalogue(),
        );
        assert!(!c.known_type);
        assert_eq!(c.class_type, "TẬP HUẤN KỸ THUẬT TRỒNG SÂM");
        let c = read_title(
            &[
                "DANH SÁCH HỌC VIÊN LỚP BỒI DƯỠNG",
                "(Dành cho cán bộ Mặt trận cơ sở)",
                "năm 2021",
            ],
            &catalogue(),
        );
        assert_eq!(
            c.class_type,
            "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Mặt trận ở cơ sở"
        );
    }

    #[test]
    fn missing_year_and_contradicting_dates_are_warned() {
        let c = read_title(&["LỚP ĐẢNG VIÊN MỚI"], &catalogue());
        assert_eq!(c.year, None);
        assert!(
            c.warnings.iter().any(|w| w.contains("năm")),
            "{:?}",
            c.warnings
        );
        let c = read_title(
            &[
                "LỚP ĐẢNG VIÊN MỚI",
                "Khóa 1 năm 2020, từ ngày 09/4/2021 đến ngày 05/4/2021",
            ],
            &catalogue(),
        );
        assert_eq!(c.year, Some(2020), "the stated year wins");
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
    }

    #[test]
    fn rows_become_enrolments_with_decimal_comma_scores() {
        let t = table(
            "Sheet1",
            &DOAN_TITLE,
            &[
                ("Nguyễn Văn An", "12/03/1990", "8,5", "Giỏi"),
                ("A Thị Bình", "1985", "7", "khá"),
                ("Y Nhung", "05/06/1999", "", ""),
            ],
        );
        let r = roster(&t);
        assert_eq!(r.sheet, "Sheet1");
        assert_eq!(r.source, "lop.xlsx!Sheet1!A1");
        assert_eq!(r.enrolments.len(), 3);
        let an = &r.enrolments[0];
        assert_eq!(an.name_key, "nguyễn văn an");
        assert_eq!(an.score, Some(8.5));
        assert_eq!(an.grade.as_deref(), Some("Giỏi"));
        assert_eq!(an.source, "lop.xlsx!Sheet1!B7");
        assert_eq!(r.enrolments[1].birth_date, Some(Date::Year(1985)));
        assert_eq!(r.enrolments[1].grade.as_deref(), Some("Khá"));
        assert_eq!(r.enrolments[2].score, None);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn every_data_quality_problem_is_pinned_to_its_cell() {
        let mut t = table(
            "Lớp Đoàn",
            &DOAN_TITLE,
            &[
                ("Nguyễn Văn An", "12/03/1990", "8,5", "Giỏi"),
                ("NGUYỄN  VĂN AN", "12/03/1990", "8", "Giỏi"),
                ("Lê Văn Cường", "", "7", "Trung bình"),
                ("Trần Thị Dung", "31/02/1990", "7,2", "Khá"),
                ("Phạm Văn Em", "01/01/1980", "11", ""),
                ("Hồ Thị Gấm", "01/01/2015", "abc", "Xuất sắc"),
                ("Đinh Văn Hải", "1920", "5", "TB"),
            ],
        );
        t.records[2]
            .warnings
            .push("có ngày sinh ở cả cột Nam và cột Nữ".into());
        let r = roster(&t);
        let found = |cell: &str, words: &str| {
            r.warnings.iter().any(|w| {
                w.source == format!("lop.xlsx!Lớp Đoàn!{cell}") && w.message.contains(words)
            })
        };
        assert!(found("B8", "hai lần"), "duplicate: {:#?}", r.warnings);
        assert!(
            found("B8", "B7"),
            "points at the first row: {:#?}",
            r.warnings
        );
        assert!(found("B9", "thiếu ngày sinh"), "{:#?}", r.warnings);
        assert!(found("B9", "cả cột Nam và cột Nữ"), "{:#?}", r.warnings);
        assert!(
            found("E9", "phải xếp loại Khá"),
            "grade vs score: {:#?}",
            r.warnings
        );
        assert!(
            found("C10", "không đọc được (31/02/1990)"),
            "{:#?}",
            r.warnings
        );
        assert!(found("D11", "ngoài thang"), "{:#?}", r.warnings);
        assert!(
            found("D12", "điểm không đọc được (abc)"),
            "{:#?}",
            r.warnings
        );
        assert!(
            found("E12", "xếp loại không rõ (Xuất sắc)"),
            "{:#?}",
            r.warnings
        );
        assert!(found("B12", "dưới 15"), "{:#?}", r.warnings);
        assert!(found("B13", "trên 90"), "{:#?}", r.warnings);
        assert_eq!(r.warnings.len(), 10, "{:#?}", r.warnings);
        assert_eq!(r.enrolments.len(), 7, "warnings never drop a learner");
    }

    #[test]
    fn sheets_without_learners_or_names_are_passed_over() {
        let empty = table("Mẫu", &DOAN_TITLE, &[]);
        assert!(matches!(
            class_from_table(&empty, &catalogue()),
            SheetOutcome::Skipped(w) if w.message.contains("Mẫu")
        ));
        let mut no_name = table("Tổng hợp", &DOAN_TITLE, &[("x", "", "", "")]);
        no_name.columns.retain(|c| c.field != "name");
        assert!(matches!(
            class_from_table(&no_name, &catalogue()),
            SheetOutcome::Skipped(w) if w.message.contains("họ và tên")
        ));
    }

    #[test]
    fn born_on_or_after_the_first_day_is_impossible() {
        let t = table("S", &DOAN_TITLE, &[("Bé Na", "05/04/2021", "", "")]);
        let r = roster(&t);
        assert_eq!(r.warnings.len(), 1, "{:#?}", r.warnings);
        assert!(
            r.warnings[0]
                .message
                .contains("không trước ngày học 05/04/2021")
        );
    }

    #[test]
    fn scores_and_romans() {
        assert_eq!(parse_score(" 8,5 "), Some(8.5));
        assert_eq!(parse_score("7.25"), Some(7.25));
        assert_eq!(parse_score("tám"), None);
        assert_eq!(parse_score("NaN"), None);
        assert_eq!(score_text(8.5), "8,5");
        assert_eq!(score_text(9.0), "9");
        assert_eq!(roman("iv"), Some(4));
        assert_eq!(roman("xii"), Some(12));
        assert_eq!(roman("c"), None);
    }
}
