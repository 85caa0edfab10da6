//! The class catalogue (rules/lop-hoc.toml): class types recognised from
//! roster titles, grade cut-offs, plausibility limits and every text the
//! import and the report show. Built into the binary; `--catalogue FILE`
//! replaces it.

use super::wording;
use crate::text::fold_words;
use crate::vocab::{Vocabulary, contains_words};
use serde::Deserialize;
use std::path::Path;

const BUILTIN: &str = include_str!("../../rules/lop-hoc.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    vocabulary: Vocabulary,
    matching: MatchingFile,
    class_types: Vec<ClassTypeFile>,
    grades: Vec<Grade>,
    checks: Checks,
    warnings: WarningTexts,
    messages: MessageTexts,
    report: ReportTexts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchingFile {
    #[serde(default)]
    synonyms: Vec<[String; 2]>,
    #[serde(default)]
    joint_markers: Vec<String>,
    #[serde(default)]
    not_organiser: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassTypeFile {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub name: String,
    pub min_score: f64,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checks {
    pub max_score: f64,
    pub min_age: i32,
    pub max_age: i32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningTexts {
    pub duplicate: String,
    pub missing_birth_date: String,
    pub bad_birth_date: String,
    pub reader: String,
    pub bad_score: String,
    pub score_out_of_range: String,
    pub grade_mismatch: String,
    pub unknown_grade: String,
    pub born_after_class: String,
    pub too_young: String,
    pub too_old: String,
    pub unknown_type: String,
    pub ambiguous_type: String,
    pub no_year: String,
    pub year_mismatch: String,
    pub dates_reversed: String,
    pub duplicate_class: String,
    #[serde(default = "shipped::sheet_copy")]
    pub sheet_copy: String,
    pub no_learners: String,
    pub no_name_column: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageTexts {
    pub added: String,
    pub replaced: String,
    pub unchanged: String,
    pub same_content: String,
    #[serde(default = "shipped::forgotten")]
    pub forgotten: String,
    pub failed: String,
    pub skipped: String,
    pub class: String,
    pub joint_suffix: String,
    pub warning: String,
    pub unknown: String,
    pub not_a_spreadsheet: String,
    pub not_a_file: String,
    pub lock_file: String,
    pub no_roster: String,
    pub unreadable_path: String,
    pub database: String,
    pub summary: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportTexts {
    pub title: String,
    pub paragraph: String,
    pub item: String,
    pub item_separator: String,
    pub no_classes: String,
    pub joint: String,
    pub reviews: String,
    pub reviews_pending: String,
    pub ungraded: String,
    pub partner_separator: String,
    pub unknown_partner: String,
    #[serde(default = "shipped::duplicate_class")]
    pub duplicate_class: String,
    pub labels: ReportLabels,
}

/// Headings, column headers and sheet names of the report files.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportLabels {
    pub by_type_heading: String,
    pub joint_heading: String,
    pub grades_heading: String,
    pub reviews_heading: String,
    pub number: String,
    pub class_type: String,
    pub classes: String,
    pub learners: String,
    pub total: String,
    pub partner: String,
    pub grade: String,
    pub count: String,
    pub unique_learners: String,
    #[serde(default = "shipped::warnings_heading")]
    pub warnings_heading: String,
    pub summary_sheet: String,
    pub register_sheet: String,
    pub grades_sheet: String,
    pub course: String,
    pub start: String,
    pub end: String,
    pub name: String,
    pub birth_date: String,
    pub sex: String,
    pub ethnicity: String,
    pub position: String,
    pub unit: String,
    pub score: String,
    pub note: String,
    pub source: String,
}

/// Texts added after catalogues were first shipped: a catalogue written
/// before them (a centre's own copy) still loads and gets the built-in
/// wording, as a rule file's vocabulary does.
mod shipped {
    use std::sync::LazyLock;

    static BUILTIN_TABLE: LazyLock<toml::Table> =
        LazyLock::new(|| toml::from_str(super::BUILTIN).unwrap_or_default());

    fn text(path: &[&str]) -> String {
        let mut value: Option<&toml::Value> = None;
        for key in path {
            value = match value {
                None => BUILTIN_TABLE.get(*key),
                Some(v) => v.get(*key),
            };
        }
        value
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    pub fn sheet_copy() -> String {
        text(&["warnings", "sheet_copy"])
    }
    pub fn forgotten() -> String {
        text(&["messages", "forgotten"])
    }
    pub fn duplicate_class() -> String {
        text(&["report", "duplicate_class"])
    }
    pub fn warnings_heading() -> String {
        text(&["report", "labels", "warnings_heading"])
    }
}

/// One class type; `name` is what the register stores and the report prints.
#[derive(Clone, Debug)]
pub struct ClassType {
    pub name: String,
    patterns: Vec<Pattern>,
}

/// An alias, folded and with abbreviations written out: every part must
/// appear as whole words. `words` is its specificity.
#[derive(Clone, Debug)]
struct Pattern {
    parts: Vec<String>,
    words: usize,
}

/// What a title says about the class type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeMatch<'a> {
    Known(&'a str),
    /// Several types match equally well: reported, never guessed.
    Ambiguous(Vec<&'a str>),
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Catalogue {
    pub vocabulary: Vocabulary,
    pub class_types: Vec<ClassType>,
    /// From the best grade down.
    pub grades: Vec<Grade>,
    pub checks: Checks,
    pub warnings: WarningTexts,
    pub messages: MessageTexts,
    pub report: ReportTexts,
    /// (abbreviation, its words), both folded.
    synonyms: Vec<(String, String)>,
    /// Folded joint markers with the original spelling.
    joint_markers: Vec<(String, String)>,
    /// Phrases removed from the organiser rows, matched case-insensitively.
    not_organiser: Vec<regex::Regex>,
}

impl Catalogue {
    /// The catalogue built into the binary (rules/lop-hoc.toml).
    pub fn builtin() -> Result<Catalogue, String> {
        Catalogue::from_toml(BUILTIN, "rules/lop-hoc.toml (built in)")
    }

    /// `path`, or the built-in catalogue when `None`.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Catalogue> {
        let Some(path) = path else {
            return Catalogue::builtin().map_err(anyhow::Error::msg);
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Catalogue::from_toml(&text, &path.display().to_string()).map_err(anyhow::Error::msg)
    }

    pub fn from_toml(text: &str, origin: &str) -> Result<Catalogue, String> {
        let file: CatalogueFile = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let synonyms: Vec<(String, String)> = file
            .matching
            .synonyms
            .iter()
            .map(|[short, long]| (fold_words(short), fold_words(long)))
            .collect();
        if let Some((short, _)) = synonyms
            .iter()
            .find(|(s, _)| s.is_empty() || s.contains(' '))
        {
            return Err(format!(
                "{origin}: matching.synonyms: \"{short}\" must be a single word"
            ));
        }
        let class_types = file
            .class_types
            .iter()
            .map(|t| ClassType {
                name: crate::text::clean(&t.name),
                patterns: std::iter::once(&t.name)
                    .chain(&t.aliases)
                    .filter_map(|alias| pattern(alias, &synonyms))
                    .collect(),
            })
            .collect();
        let catalogue = Catalogue {
            joint_markers: file
                .matching
                .joint_markers
                .iter()
                .map(|m| (fold_words(m), crate::text::clean(m)))
                .filter(|(f, _)| !f.is_empty())
                .collect(),
            not_organiser: file
                .matching
                .not_organiser
                .iter()
                .filter_map(|p| phrase_regex(p))
                .collect(),
            vocabulary: file.vocabulary,
            class_types,
            grades: file.grades,
            checks: file.checks,
            warnings: file.warnings,
            messages: file.messages,
            report: file.report,
            synonyms,
        };
        catalogue.validate().map_err(|e| format!("{origin}: {e}"))?;
        Ok(catalogue)
    }

    fn validate(&self) -> Result<(), String> {
        if self.class_types.is_empty() {
            return Err("no [[class_types]]".into());
        }
        let mut names: Vec<&str> = self.class_types.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("class type \"{}\" is listed twice", w[0]));
        }
        if !self.vocabulary.columns.contains_key("name") {
            return Err("vocabulary.columns has no `name` column".into());
        }
        if self.grades.is_empty() {
            return Err("no [[grades]]".into());
        }
        if self
            .grades
            .windows(2)
            .any(|w| w[0].min_score <= w[1].min_score)
        {
            return Err("[[grades]] must go from the highest min_score down".into());
        }
        if !self.grades.iter().all(|g| g.min_score.is_finite())
            || !self.checks.max_score.is_finite()
        {
            return Err("scores must be finite numbers".into());
        }
        for (what, text, allowed) in self.templates() {
            wording::check(what, text, allowed)?;
        }
        Ok(())
    }

    /// Every template with the placeholders it may use.
    fn templates(&self) -> Vec<(&'static str, &str, &'static [&'static str])> {
        let w = &self.warnings;
        let m = &self.messages;
        let r = &self.report;
        vec![
            ("warnings.duplicate", &w.duplicate, &["name", "first"]),
            (
                "warnings.missing_birth_date",
                &w.missing_birth_date,
                &["name"],
            ),
            (
                "warnings.bad_birth_date",
                &w.bad_birth_date,
                &["name", "value"],
            ),
            ("warnings.reader", &w.reader, &["name", "message"]),
            ("warnings.bad_score", &w.bad_score, &["name", "value"]),
            (
                "warnings.score_out_of_range",
                &w.score_out_of_range,
                &["name", "score", "max"],
            ),
            (
                "warnings.grade_mismatch",
                &w.grade_mismatch,
                &["name", "score", "grade", "expected"],
            ),
            (
                "warnings.unknown_grade",
                &w.unknown_grade,
                &["name", "grade"],
            ),
            (
                "warnings.born_after_class",
                &w.born_after_class,
                &["name", "birth", "start"],
            ),
            (
                "warnings.too_young",
                &w.too_young,
                &["name", "birth", "age", "min"],
            ),
            (
                "warnings.too_old",
                &w.too_old,
                &["name", "birth", "age", "max"],
            ),
            ("warnings.unknown_type", &w.unknown_type, &["title"]),
            (
                "warnings.ambiguous_type",
                &w.ambiguous_type,
                &["title", "types"],
            ),
            ("warnings.no_year", &w.no_year, &["title"]),
            (
                "warnings.year_mismatch",
                &w.year_mismatch,
                &["year", "start"],
            ),
            (
                "warnings.dates_reversed",
                &w.dates_reversed,
                &["start", "end"],
            ),
            ("warnings.duplicate_class", &w.duplicate_class, &["other"]),
            ("warnings.sheet_copy", &w.sheet_copy, &["sheet", "other"]),
            ("warnings.no_learners", &w.no_learners, &["sheet"]),
            ("warnings.no_name_column", &w.no_name_column, &["sheet"]),
            (
                "messages.added",
                &m.added,
                &["file", "classes", "enrolments"],
            ),
            (
                "messages.replaced",
                &m.replaced,
                &["file", "classes", "enrolments", "old_classes"],
            ),
            ("messages.unchanged", &m.unchanged, &["file"]),
            ("messages.same_content", &m.same_content, &["file", "other"]),
            (
                "messages.forgotten",
                &m.forgotten,
                &["file", "classes", "enrolments"],
            ),
            ("messages.failed", &m.failed, &["file", "reason"]),
            ("messages.skipped", &m.skipped, &["file", "reason"]),
            (
                "messages.class",
                &m.class,
                &["type", "course", "year", "sheet", "enrolments", "joint"],
            ),
            ("messages.joint_suffix", &m.joint_suffix, &["partner"]),
            ("messages.warning", &m.warning, &["source", "message"]),
            ("messages.unknown", &m.unknown, &[]),
            ("messages.not_a_spreadsheet", &m.not_a_spreadsheet, &[]),
            ("messages.not_a_file", &m.not_a_file, &[]),
            ("messages.lock_file", &m.lock_file, &[]),
            ("messages.no_roster", &m.no_roster, &[]),
            ("messages.unreadable_path", &m.unreadable_path, &["error"]),
            ("messages.database", &m.database, &["error"]),
            (
                "messages.summary",
                &m.summary,
                &[
                    "files",
                    "imported",
                    "classes",
                    "enrolments",
                    "unchanged",
                    "failed",
                    "skipped",
                    "forgotten",
                    "warnings",
                ],
            ),
            ("report.title", &r.title, &["year"]),
            (
                "report.paragraph",
                &r.paragraph,
                &["year", "classes", "enrolments", "unique_learners", "items"],
            ),
            (
                "report.item",
                &r.item,
                &["n", "classes", "type", "learners"],
            ),
            ("report.item_separator", &r.item_separator, &[]),
            ("report.no_classes", &r.no_classes, &["year"]),
            (
                "report.joint",
                &r.joint,
                &["classes", "type", "learners", "partner"],
            ),
            (
                "report.reviews",
                &r.reviews,
                &["total", "accepted", "rejected", "needs_review"],
            ),
            (
                "report.reviews_pending",
                &r.reviews_pending,
                &["total", "accepted", "rejected", "needs_review"],
            ),
            ("report.ungraded", &r.ungraded, &[]),
            ("report.partner_separator", &r.partner_separator, &[]),
            ("report.unknown_partner", &r.unknown_partner, &[]),
            (
                "report.duplicate_class",
                &r.duplicate_class,
                &["type", "course", "start", "counted", "ignored"],
            ),
        ]
    }

    /// The class type a title names; the most specific alias wins.
    pub fn classify(&self, title: &str) -> TypeMatch<'_> {
        let text = expand(&fold_words(title), &self.synonyms);
        let mut best: Vec<(&str, usize)> = Vec::new();
        for t in &self.class_types {
            let Some(score) = t
                .patterns
                .iter()
                .filter(|p| p.parts.iter().all(|part| contains_words(&text, part)))
                .map(|p| p.words)
                .max()
            else {
                continue;
            };
            match best.first().map(|(_, s)| *s) {
                Some(s) if s > score => {}
                Some(s) if s == score => best.push((&t.name, score)),
                _ => best = vec![(&t.name, score)],
            }
        }
        match best.as_slice() {
            [] => TypeMatch::Unknown,
            [(name, _)] => TypeMatch::Known(name),
            many => TypeMatch::Ambiguous(many.iter().map(|(n, _)| *n).collect()),
        }
    }

    /// The partner when `line` marks a joint class: the text after the
    /// marker (possibly empty), else `None`.
    pub fn joint_partner(&self, line: &str) -> Option<String> {
        let folded = fold_words(line);
        let (_, marker) = self
            .joint_markers
            .iter()
            .find(|(f, _)| contains_words(&folded, f))?;
        Some(text_after(line, marker).unwrap_or_default())
    }

    /// A title row above the list title without the national motto and
    /// similar header texts; `None` when nothing of the organiser is left.
    pub fn organiser_part(&self, line: &str) -> Option<String> {
        let mut text = crate::text::clean(line);
        for re in &self.not_organiser {
            text = re.replace_all(&text, " ").into_owned();
        }
        let text = crate::text::clean(&text);
        text.chars().any(char::is_alphabetic).then_some(text)
    }

    /// The catalogue position of a class type (unknown types sort last).
    pub fn type_rank(&self, name: &str) -> usize {
        self.class_types
            .iter()
            .position(|t| t.name == name)
            .unwrap_or(self.class_types.len())
    }

    pub fn is_known_type(&self, name: &str) -> bool {
        self.class_types.iter().any(|t| t.name == name)
    }

    /// The grade a score earns. Scores are compared with a small tolerance:
    /// a spreadsheet average shown as 8.0 may be stored as 7.9999999.
    pub fn grade_for_score(&self, score: f64) -> Option<&Grade> {
        self.grades.iter().find(|g| score + 1e-6 >= g.min_score)
    }

    /// The grade a roster's "Xếp loại" text names, by name or alias.
    pub fn grade_named(&self, text: &str) -> Option<&Grade> {
        let t = fold_words(text);
        if t.is_empty() {
            return None;
        }
        self.grades.iter().find(|g| {
            std::iter::once(&g.name)
                .chain(&g.aliases)
                .any(|a| fold_words(a) == t)
        })
    }
}

fn pattern(alias: &str, synonyms: &[(String, String)]) -> Option<Pattern> {
    let parts: Vec<String> = alias
        .split(" + ")
        .map(|p| expand(&fold_words(p), synonyms))
        .filter(|p| !p.is_empty())
        .collect();
    let words = parts.iter().map(|p| p.split(' ').count()).sum();
    (!parts.is_empty()).then_some(Pattern { parts, words })
}

/// Writes abbreviations out in folded text ("llct" -> "ly luan chinh tri").
fn expand(folded: &str, synonyms: &[(String, String)]) -> String {
    folded
        .split(' ')
        .map(|w| {
            synonyms
                .iter()
                .find(|(short, _)| short == w)
                .map_or(w, |(_, long)| long.as_str())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A phrase matched case-insensitively, whatever the spacing.
fn phrase_regex(phrase: &str) -> Option<regex::Regex> {
    let words: Vec<String> = phrase.split_whitespace().map(regex::escape).collect();
    if words.is_empty() {
        return None;
    }
    regex::Regex::new(&format!("(?i){}", words.join(r"\s+"))).ok()
}

/// The original text after `marker` (matched case-insensitively with the
/// original diacritics), trimmed of brackets and punctuation.
fn text_after(line: &str, marker: &str) -> Option<String> {
    let re = phrase_regex(marker)?;
    let clean = crate::text::clean(line);
    let m = re.find(&clean)?;
    Some(
        clean[m.end()..]
            .trim_matches(|c: char| c.is_whitespace() || "()[]:;,.-–".contains(c))
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::builtin().unwrap()
    }

    #[test]
    fn builtin_loads_with_every_section_six_type() {
        let c = cat();
        assert_eq!(c.class_types.len(), 12);
        assert_eq!(c.class_types[0].name, "Nhận thức về Đảng");
        assert_eq!(c.grades.len(), 4);
    }

    #[test]
    fn every_type_name_in_capitals_after_lop_is_its_own_type() {
        let c = cat();
        for t in &c.class_types {
            let title = format!("LỚP {}", t.name.to_uppercase());
            assert_eq!(c.classify(&title), TypeMatch::Known(&t.name), "{title}");
        }
    }

    #[test]
    fn close_llct_types_are_not_confused() {
        let c = cat();
        let cases = [
            (
                "LỚP BỒI DƯỠNG LÝ LUẬN CHÍNH TRỊ VÀ CHUYÊN MÔN NGHIỆP VỤ CÔNG TÁC MẶT TRẬN Ở CƠ SỞ",
                "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Mặt trận ở cơ sở",
            ),
            (
                "Lớp bồi dưỡng LLCT và CMNV công tác Hội Nông dân ở cơ sở",
                "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Hội Nông dân ở cơ sở",
            ),
            (
                "LỚP BỒI DƯỠNG LLCT VÀ CHUYÊN MÔN NGHIỆP VỤ CÔNG TÁC DÂN VẬN Ở CƠ SỞ",
                "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Dân vận ở cơ sở",
            ),
            (
                "LỚP BỒI DƯỠNG NGHIỆP VỤ CÔNG TÁC ĐOÀN Ở CƠ SỞ",
                "Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở",
            ),
            (
                "LỚP BỒI DƯỠNG LLCT VÀ CMNV CÔNG TÁC CÔNG ĐOÀN",
                "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Công đoàn",
            ),
            (
                "LỚP BỒI DƯỠNG LÝ LUẬN CHÍNH TRỊ CHO ĐẢNG VIÊN MỚI",
                "Đảng viên mới",
            ),
            ("LỚP SƠ CẤP LLCT", "Sơ cấp lý luận chính trị"),
            (
                "LỚP BỒI DƯỠNG CÔNG TÁC ĐẢNG CHO BÍ THƯ CHI BỘ VÀ CẤP UỶ VIÊN CƠ SỞ",
                "Bồi dưỡng công tác Đảng cho Bí thư chi bộ và cấp ủy viên cơ sở",
            ),
            ("LỚP BỒI DƯỠNG CẤP ỦY CƠ SỞ", "Bồi dưỡng cấp ủy cơ sở"),
            (
                "lớp bồi dưỡng nhận thức về đảng khoá ii",
                "Nhận thức về Đảng",
            ),
        ];
        for (title, want) in cases {
            assert_eq!(c.classify(title), TypeMatch::Known(want), "{title}");
        }
    }

    #[test]
    fn unknown_and_tied_titles_are_not_guessed() {
        let c = cat();
        assert_eq!(c.classify("LỚP TẬP HUẤN KỸ NĂNG SỐ"), TypeMatch::Unknown);
        match c.classify("LỚP BỒI DƯỠNG CÔNG TÁC MẶT TRẬN VÀ CÔNG TÁC CÔNG ĐOÀN")
        {
            TypeMatch::Ambiguous(names) => assert_eq!(names.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn joint_partner_is_the_text_after_the_marker() {
        let c = cat();
        assert_eq!(
            c.joint_partner("(Phối hợp với Trường Chính trị tỉnh Kon Tum)"),
            Some("Trường Chính trị tỉnh Kon Tum".into())
        );
        assert_eq!(
            c.joint_partner("PHỐI HỢP VỚI TRƯỜNG CHÍNH TRỊ TỈNH"),
            Some("TRƯỜNG CHÍNH TRỊ TỈNH".into())
        );
        assert_eq!(c.joint_partner("TRUNG TÂM CHÍNH TRỊ"), None);
    }

    #[test]
    fn grades_follow_the_cut_offs() {
        let c = cat();
        let g = |s: f64| c.grade_for_score(s).map(|g| g.name.as_str());
        assert_eq!(g(8.0), Some("Giỏi"));
        assert_eq!(g(7.9999999), Some("Giỏi"));
        assert_eq!(g(7.99), Some("Khá"));
        assert_eq!(g(6.5), Some("Khá"));
        assert_eq!(g(5.0), Some("Trung bình"));
        assert_eq!(g(4.9), Some("Không đạt"));
        assert_eq!(c.grade_named("KHÁ").map(|g| g.name.as_str()), Some("Khá"));
        assert_eq!(
            c.grade_named("tb").map(|g| g.name.as_str()),
            Some("Trung bình")
        );
        assert!(c.grade_named("Đạt").is_none());
    }

    #[test]
    fn a_typo_in_a_template_fails_the_load() {
        let bad = BUILTIN.replace("{enrolments} lượt", "{enrolment} lượt");
        let err = Catalogue::from_toml(&bad, "x.toml").unwrap_err();
        assert!(
            err.contains("report.paragraph") && err.contains("{enrolment}"),
            "{err}"
        );
    }

    /// A centre's catalogue written before these texts existed still loads,
    /// with the shipped wording.
    #[test]
    fn a_catalogue_without_the_newer_texts_loads() {
        let old: String = BUILTIN
            .lines()
            .filter(|l| {
                ![
                    "sheet_copy =",
                    "forgotten =",
                    "duplicate_class = \"Lớp",
                    "warnings_heading =",
                ]
                .iter()
                .any(|k| l.starts_with(k))
            })
            .collect::<Vec<_>>()
            .join("\n");
        let c = Catalogue::from_toml(&old, "old.toml").unwrap();
        let b = cat();
        assert_eq!(c.warnings.sheet_copy, b.warnings.sheet_copy);
        assert_eq!(c.messages.forgotten, b.messages.forgotten);
        assert_eq!(c.report.duplicate_class, b.report.duplicate_class);
        assert_eq!(
            c.report.labels.warnings_heading,
            b.report.labels.warnings_heading
        );
        assert!(c.messages.forgotten.contains("{file}"));
    }

    #[test]
    fn grades_out_of_order_fail_the_load() {
        let bad = BUILTIN.replace("min_score = 8.0", "min_score = 6.0");
        assert!(Catalogue::from_toml(&bad, "x.toml").is_err());
    }
}
