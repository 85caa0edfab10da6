//! A year's figures from the register: classes, enrolments (lượt học viên),
//! unique learners, per class type in catalogue order, grades; joint classes
//! apart and outside the centre's own totals and grades (decision 12).
//!
//! The same class stored twice (two files, or two sheets of one file, with
//! the same type, course, year and start date) is counted once, from the
//! file imported last, and named in `duplicates` so the clerk can delete
//! one copy: a silent double count would inflate the year's figures.

use super::catalogue::Catalogue;
use super::wording::{class_count, fill};
use crate::date::Date;
use rusqlite::{Connection, params};
use serde::Serialize;
use serde::ser::SerializeMap;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

#[derive(Clone, Debug, PartialEq)]
pub struct YearStats {
    pub year: i32,
    /// The centre's own classes (joint ones are in `joint`).
    pub classes: usize,
    pub enrolments: usize,
    /// Distinct (name key, birth date) among the own classes' enrolments.
    pub unique_learners: usize,
    /// Types with at least one own class, in catalogue order; types the
    /// catalogue lacks come last, by name.
    pub by_type: Vec<TypeCount>,
    pub joint: Vec<JointCount>,
    /// Own classes only; every catalogue grade (even at 0), in catalogue
    /// order, then other written grades and the ungraded, when present.
    pub grades: Vec<(String, usize)>,
    /// Every enrolment of the year, own and joint, class by class (classes
    /// counted once: a duplicate's learners are not listed again).
    pub register: Vec<RegisterRow>,
    /// Classes stored twice and counted once, by type, course and start.
    pub duplicates: Vec<DuplicateClass>,
}

/// A class found in two places; only `counted` is in the figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DuplicateClass {
    #[serde(rename = "type")]
    pub class_type: String,
    pub course: Option<i64>,
    /// YYYY-MM-DD.
    pub start: String,
    /// `file!sheet` of the copy counted: from the file imported last.
    pub counted: String,
    /// `file!sheet` of the copy left out of the figures.
    pub ignored: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeCount {
    pub class_type: String,
    pub known: bool,
    pub classes: usize,
    pub learners: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JointCount {
    pub class_type: String,
    pub classes: usize,
    pub learners: usize,
    /// Distinct partners named on the titles, sorted.
    pub partners: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RegisterRow {
    pub class_type: String,
    pub course: Option<i64>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub partner: Option<String>,
    pub joint: bool,
    pub name: String,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub ethnicity: Option<String>,
    pub position: Option<String>,
    pub unit: Option<String>,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub note: Option<String>,
    pub source: String,
}

struct ClassRow {
    id: i64,
    class_type: String,
    known: bool,
    course: Option<i64>,
    start: Option<String>,
    end: Option<String>,
    joint: bool,
    partner: Option<String>,
    origin: String,
    source_id: i64,
}

pub fn year_stats(
    conn: &Connection,
    year: i32,
    catalogue: &Catalogue,
) -> anyhow::Result<YearStats> {
    let (mut classes, duplicates) = count_once(load_classes(conn, year)?);
    classes.sort_by(|a, b| {
        (
            catalogue.type_rank(&a.class_type),
            &a.class_type,
            &a.start,
            a.course,
            &a.origin,
        )
            .cmp(&(
                catalogue.type_rank(&b.class_type),
                &b.class_type,
                &b.start,
                b.course,
                &b.origin,
            ))
    });
    let mut stats = YearStats {
        year,
        classes: 0,
        enrolments: 0,
        unique_learners: 0,
        by_type: Vec::new(),
        joint: Vec::new(),
        grades: catalogue
            .grades
            .iter()
            .map(|g| (g.name.clone(), 0))
            .collect(),
        register: Vec::new(),
        duplicates,
    };
    let mut learners: HashSet<(String, Option<String>)> = HashSet::new();
    let mut other_grades: BTreeMap<String, usize> = BTreeMap::new();
    let mut ungraded = 0usize;
    let mut partners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT name, name_key, birth_date, sex, ethnicity, position, unit, score, grade, note, source
         FROM enrolments WHERE class_id = ?1 ORDER BY id",
    )?;
    for c in &classes {
        let rows = stmt
            .query_map(params![c.id], |r| {
                Ok((
                    RegisterRow {
                        class_type: c.class_type.clone(),
                        course: c.course,
                        start: c.start.clone(),
                        end: c.end.clone(),
                        partner: c.partner.clone(),
                        joint: c.joint,
                        name: r.get(0)?,
                        birth_date: r.get(2)?,
                        sex: r.get(3)?,
                        ethnicity: r.get(4)?,
                        position: r.get(5)?,
                        unit: r.get(6)?,
                        score: r.get(7)?,
                        grade: r.get(8)?,
                        note: r.get(9)?,
                        source: r.get(10)?,
                    },
                    r.get::<_, String>(1)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let n = rows.len();
        if c.joint {
            add_joint(&mut stats.joint, &c.class_type, n);
            if let Some(p) = c.partner.as_ref().filter(|p| !p.is_empty()) {
                partners
                    .entry(c.class_type.clone())
                    .or_default()
                    .insert(p.clone());
            }
        } else {
            stats.classes += 1;
            stats.enrolments += n;
            add_type(&mut stats.by_type, &c.class_type, c.known, n);
            for (row, name_key) in &rows {
                learners.insert((name_key.clone(), row.birth_date.clone()));
                match grade_of(row, catalogue) {
                    Some(g) => match stats.grades.iter_mut().find(|(name, _)| *name == g) {
                        Some((_, count)) => *count += 1,
                        None => *other_grades.entry(g).or_default() += 1,
                    },
                    None => ungraded += 1,
                }
            }
        }
        stats.register.extend(rows.into_iter().map(|(row, _)| row));
    }
    for j in &mut stats.joint {
        j.partners = partners
            .remove(&j.class_type)
            .map(|s| s.into_iter().collect())
            .unwrap_or_default();
    }
    stats.unique_learners = learners.len();
    stats.grades.extend(other_grades);
    if ungraded > 0 {
        stats
            .grades
            .push((catalogue.report.ungraded.clone(), ungraded));
    }
    Ok(stats)
}

/// The grade as written when the catalogue knows it (import stored its
/// canonical name), else what the score earns; `None` when neither exists.
fn grade_of(row: &RegisterRow, catalogue: &Catalogue) -> Option<String> {
    if let Some(g) = row.grade.as_ref().filter(|g| !g.is_empty()) {
        return Some(g.clone());
    }
    let score = row.score?;
    catalogue.grade_for_score(score).map(|g| g.name.clone())
}

fn add_type(counts: &mut Vec<TypeCount>, class_type: &str, known: bool, learners: usize) {
    match counts.iter_mut().find(|t| t.class_type == class_type) {
        Some(t) => {
            t.classes += 1;
            t.learners += learners;
        }
        None => counts.push(TypeCount {
            class_type: class_type.to_string(),
            known,
            classes: 1,
            learners,
        }),
    }
}

fn add_joint(counts: &mut Vec<JointCount>, class_type: &str, learners: usize) {
    match counts.iter_mut().find(|t| t.class_type == class_type) {
        Some(t) => {
            t.classes += 1;
            t.learners += learners;
        }
        None => counts.push(JointCount {
            class_type: class_type.to_string(),
            classes: 1,
            learners,
            partners: Vec::new(),
        }),
    }
}

/// Keeps one class per (type, course, start date): the one from the file
/// imported last (the highest source id: a replaced file gets a new row),
/// then the first sheet; the others are returned as duplicates. Classes
/// without a start date are all kept, as import never takes them for
/// another (import.rs, `same_class_elsewhere`).
fn count_once(mut classes: Vec<ClassRow>) -> (Vec<ClassRow>, Vec<DuplicateClass>) {
    classes.sort_by_key(|c| (std::cmp::Reverse(c.source_id), c.id));
    let mut kept: Vec<ClassRow> = Vec::with_capacity(classes.len());
    let mut first_of: HashMap<(String, Option<i64>, String), usize> = HashMap::new();
    let mut duplicates = Vec::new();
    for c in classes {
        let Some(start) = c.start.clone() else {
            kept.push(c);
            continue;
        };
        let key = (c.class_type.clone(), c.course, start.clone());
        match first_of.get(&key) {
            Some(&i) => duplicates.push(DuplicateClass {
                class_type: c.class_type,
                course: c.course,
                start,
                counted: kept[i].origin.clone(),
                ignored: c.origin,
            }),
            None => {
                first_of.insert(key, kept.len());
                kept.push(c);
            }
        }
    }
    duplicates.sort_by(|a, b| {
        (&a.class_type, a.course, &a.start, &a.ignored).cmp(&(
            &b.class_type,
            b.course,
            &b.start,
            &b.ignored,
        ))
    });
    (kept, duplicates)
}

/// One line per class counted once, in the catalogue's words: printed by
/// `hoso report` and written in the workbook's summary sheet.
pub fn duplicate_warnings(stats: &YearStats, catalogue: &Catalogue) -> Vec<String> {
    stats
        .duplicates
        .iter()
        .map(|d| {
            let course = d.course.map_or_else(
                || catalogue.messages.unknown.clone(),
                |k| class_count(usize::try_from(k).unwrap_or(0)),
            );
            let start = Date::parse(&d.start).map_or_else(|| d.start.clone(), |d| d.display_vn());
            fill(
                &catalogue.report.duplicate_class,
                &[
                    ("type", &d.class_type),
                    ("course", &course),
                    ("start", &start),
                    ("counted", &d.counted),
                    ("ignored", &d.ignored),
                ],
            )
        })
        .collect()
}

fn load_classes(conn: &Connection, year: i32) -> rusqlite::Result<Vec<ClassRow>> {
    let mut stmt = conn.prepare(
        "SELECT c.id, c.class_type, c.known_type, c.course, c.start_date, c.end_date, c.joint,
                c.partner, s.display || '!' || c.sheet, s.id
         FROM classes c JOIN source_files s ON s.id = c.source_id
         WHERE c.year = ?1",
    )?;
    stmt.query_map([year], |r| {
        Ok(ClassRow {
            id: r.get(0)?,
            class_type: r.get(1)?,
            known: r.get(2)?,
            course: r.get(3)?,
            start: r.get(4)?,
            end: r.get(5)?,
            joint: r.get(6)?,
            partner: r.get(7)?,
            origin: r.get(8)?,
            source_id: r.get(9)?,
        })
    })?
    .collect()
}

/// The `--json` shape: `{"year", "classes", "enrolments", "unique_learners",
/// "by_type": [{"type", "classes", "learners"}], "joint": [{"type",
/// "learners"}], "grades": {...}, "duplicates": [{"type", "course", "start",
/// "counted", "ignored"}]}`, keys in this order; `duplicates` only when a
/// class was counted once.
#[derive(Serialize)]
pub struct StatsJson<'a> {
    year: i32,
    classes: usize,
    enrolments: usize,
    unique_learners: usize,
    by_type: Vec<TypeJson<'a>>,
    joint: Vec<JointJson<'a>>,
    grades: OrderedCounts<'a>,
    #[serde(skip_serializing_if = "<[DuplicateClass]>::is_empty")]
    duplicates: &'a [DuplicateClass],
}

#[derive(Serialize)]
struct TypeJson<'a> {
    #[serde(rename = "type")]
    class_type: &'a str,
    classes: usize,
    learners: usize,
}

#[derive(Serialize)]
struct JointJson<'a> {
    #[serde(rename = "type")]
    class_type: &'a str,
    learners: usize,
}

/// A JSON object whose keys keep the catalogue's order.
struct OrderedCounts<'a>(&'a [(String, usize)]);

impl Serialize for OrderedCounts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl YearStats {
    pub fn to_json(&self) -> StatsJson<'_> {
        StatsJson {
            year: self.year,
            classes: self.classes,
            enrolments: self.enrolments,
            unique_learners: self.unique_learners,
            by_type: self
                .by_type
                .iter()
                .map(|t| TypeJson {
                    class_type: &t.class_type,
                    classes: t.classes,
                    learners: t.learners,
                })
                .collect(),
            joint: self
                .joint
                .iter()
                .map(|j| JointJson {
                    class_type: &j.class_type,
                    learners: j.learners,
                })
                .collect(),
            grades: OrderedCounts(&self.grades),
            duplicates: &self.duplicates,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::import::{SourceFile, store};
    use super::super::roster::tests::{DOAN_TITLE, catalogue, table};
    use super::super::roster::{Roster, SheetOutcome, class_from_table};
    use super::super::{report_docx, report_xlsx, schema, wording};
    use super::*;

    const NHAN_THUC: [&str; 3] = [
        "TRUNG TÂM CHÍNH TRỊ",
        "DANH SÁCH HỌC VIÊN LỚP NHẬN THỨC VỀ ĐẢNG",
        "Khóa {k}, năm 2021 (từ ngày 0{k}/3/2021 đến ngày 1{k}/3/2021)",
    ];

    fn roster(sheet: &str, title: &[&str], rows: &[(&str, &str, &str, &str)]) -> Roster {
        match class_from_table(&table(sheet, title, rows), &catalogue()) {
            SheetOutcome::Class(r) => *r,
            SheetOutcome::Skipped(w) => panic!("{w:?}"),
        }
    }

    fn nhan_thuc(k: &str, rows: &[(&str, &str, &str, &str)]) -> Roster {
        let title: Vec<String> = NHAN_THUC.iter().map(|l| l.replace("{k}", k)).collect();
        let refs: Vec<&str> = title.iter().map(String::as_str).collect();
        roster(&format!("Khóa {k}"), &refs, rows)
    }

    fn file(name: &str, sha: &str) -> SourceFile {
        SourceFile {
            path: format!("/data/{name}"),
            display: name.into(),
            sha256: sha.into(),
        }
    }

    fn sample_year(conn: &mut Connection) {
        let c = catalogue();
        let doan = roster(
            "Sheet1",
            &DOAN_TITLE,
            &[
                ("Nguyễn Văn An", "12/03/1990", "8,5", "Giỏi"),
                ("Lê Thị Bình", "1985", "7", ""),
                ("Y Nhung", "05/06/1999", "", ""),
            ],
        );
        store(conn, &file("doan.xlsx", "h1"), &[doan], &c).unwrap();
        let k1 = nhan_thuc(
            "1",
            &[
                ("Nguyễn Văn An", "12/03/1990", "9", "Giỏi"),
                ("A Thơ", "1995", "6", "TB"),
            ],
        );
        let k2 = nhan_thuc("2", &[("Hà Văn Tư", "02/02/2000", "4", "Không đạt")]);
        let joint = roster(
            "Phối hợp",
            &[
                "DANH SÁCH HỌC VIÊN",
                "LỚP BỒI DƯỠNG CẤP ỦY CƠ SỞ",
                "Phối hợp với Trường Chính trị tỉnh Kon Tum",
                "Khóa 01, năm 2021",
            ],
            &[
                ("Đỗ Văn Sáu", "1970", "9", "Giỏi"),
                ("Võ Thị Bảy", "1972", "8", "Giỏi"),
            ],
        );
        store(conn, &file("nhan-thuc.xlsx", "h2"), &[k2, joint, k1], &c).unwrap();
    }

    #[test]
    fn counts_a_year_with_joint_classes_apart() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = schema::open(&dir.path().join("r.db")).unwrap();
        sample_year(&mut conn);
        let c = catalogue();
        let s = year_stats(&conn, 2021, &c).unwrap();
        assert_eq!((s.classes, s.enrolments, s.unique_learners), (3, 6, 5));
        let types: Vec<(&str, usize, usize)> = s
            .by_type
            .iter()
            .map(|t| (t.class_type.as_str(), t.classes, t.learners))
            .collect();
        assert_eq!(
            types,
            [
                ("Nhận thức về Đảng", 2, 3),
                ("Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở", 1, 3)
            ]
        );
        assert_eq!(s.joint.len(), 1);
        assert_eq!(s.joint[0].learners, 2);
        assert_eq!(s.joint[0].partners, ["Trường Chính trị tỉnh Kon Tum"]);
        assert_eq!(
            serde_json::to_string(&s.to_json()).unwrap(),
            r#"{"year":2021,"classes":3,"enrolments":6,"unique_learners":5,"by_type":[{"type":"Nhận thức về Đảng","classes":2,"learners":3},{"type":"Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở","classes":1,"learners":3}],"joint":[{"type":"Bồi dưỡng cấp ủy cơ sở","learners":2}],"grades":{"Giỏi":2,"Khá":1,"Trung bình":1,"Không đạt":1,"Chưa xếp loại":1}}"#
        );
        assert_eq!(
            wording::paragraph(&s, &c.report),
            "Trong năm 2021, Trung tâm đã tổ chức mở được 03 lớp với 6 lượt học viên tham gia học tập, gồm: (1) 02 lớp Nhận thức về Đảng với 3 học viên; (2) 01 lớp Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở với 3 học viên."
        );
        assert_eq!(
            wording::joint_sentences(&s, &c.report),
            [
                "Ngoài ra, Trung tâm phối hợp với Trường Chính trị tỉnh Kon Tum tổ chức 01 lớp Bồi dưỡng cấp ủy cơ sở với 2 học viên (không tính vào số liệu trên)."
            ]
        );
        assert_eq!(s.register.len(), 8, "the register lists joint learners too");
        assert_eq!(s.register[0].source, "lop.xlsx!Khóa 1!B5");
        assert!(year_stats(&conn, 2020, &c).unwrap().register.is_empty());
    }

    #[test]
    fn a_changed_file_replaces_its_classes() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = schema::open(&dir.path().join("r.db")).unwrap();
        sample_year(&mut conn);
        let c = catalogue();
        let k3 = nhan_thuc("3", &[("Mới Một", "1990", "", "")]);
        let stored = store(&mut conn, &file("nhan-thuc.xlsx", "h3"), &[k3], &c).unwrap();
        assert_eq!(stored.replaced, Some(3));
        let s = year_stats(&conn, 2021, &c).unwrap();
        assert_eq!((s.classes, s.enrolments), (2, 4));
        assert!(s.joint.is_empty());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM enrolments", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4, "no orphan enrolments");
    }

    #[test]
    fn the_same_class_in_two_files_is_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = schema::open(&dir.path().join("r.db")).unwrap();
        let c = catalogue();
        let rows = [("Nguyễn Văn An", "12/03/1990", "", "")];
        store(
            &mut conn,
            &file("a.xlsx", "1"),
            &[nhan_thuc("1", &rows)],
            &c,
        )
        .unwrap();
        let stored = store(&mut conn, &file("a.ods", "2"), &[nhan_thuc("1", &rows)], &c).unwrap();
        assert_eq!(stored.warnings.len(), 1);
        assert!(
            stored.warnings[0].message.contains("a.xlsx!Khóa 1"),
            "{:?}",
            stored.warnings
        );
    }

    #[test]
    fn report_files_hold_the_figures() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = schema::open(&dir.path().join("r.db")).unwrap();
        sample_year(&mut conn);
        let c = catalogue();
        let s = year_stats(&conn, 2021, &c).unwrap();
        let summary = crate::verdict::Summary {
            total: 196,
            accepted: 151,
            rejected: 45,
            needs_review: 0,
        };
        let docx = report_docx::document_bytes(&s, Some(&summary), &c).unwrap();
        let xml = zip_entry(&docx, "word/document.xml");
        assert!(xml.contains("mở được 03 lớp với 6 lượt học viên"), "{xml}");
        assert!(xml.contains("Tổng số hồ sơ được xét là 196 bộ (trong đó có 151 hồ sơ được công nhận đạt, 45 hồ sơ không được công nhận đạt)"));
        assert!(xml.contains("Trường Chính trị tỉnh Kon Tum"));
        let xlsx = report_xlsx::workbook_bytes(&s, &c).unwrap();
        let strings = zip_entry(&xlsx, "xl/sharedStrings.xml");
        assert!(
            strings.contains("Danh sách học viên")
                || zip_entry(&xlsx, "xl/workbook.xml").contains("Danh sách học viên")
        );
        assert!(strings.contains("lop.xlsx!Khóa 1!B5"));
        assert!(strings.contains("Đỗ Văn Sáu"));
    }

    fn zip_entry(bytes: &[u8], name: &str) -> String {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut z.by_name(name).unwrap(), &mut out).unwrap();
        out
    }
}
