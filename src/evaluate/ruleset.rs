//! The rule file: everything domain-specific, as data.
//!
//! A rule set is TOML (serde_yaml is deprecated; TOML is what Rust tooling
//! speaks). Conditions and the `{…}` parts of reason texts are CEL
//! expressions over the applicant's facts (see [`super::facts`]); they are
//! compiled once at load time, so a typo is reported with its line and column
//! before any dossier is read.

use super::cel::{Expr, Template};
use crate::verdict::{RuleSetInfo, Severity};
use crate::vocab::Vocabulary;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The default rule set, built in so `hoso check` works from any folder.
pub const DEFAULT_RULES: &str = include_str!("../../rules/tuong-duong-so-cap.toml");
pub const DEFAULT_RULES_NAME: &str = "rules/tuong-duong-so-cap.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule_set: Header,
    vocabulary: Vocabulary,
    benchmark: Benchmark,
    #[serde(default)]
    matching: MatchingTexts,
    review: ReviewTexts,
    report: ReportTexts,
    #[serde(rename = "rules")]
    rules: Vec<RawRule>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub id: String,
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub legal_basis: Vec<String>,
    pub effective: Option<Effective>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effective {
    pub from: Option<String>,
    pub until: Option<String>,
}

/// The programme a transcript is compared with (domain.md §5).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    pub name: String,
    pub parts: Vec<BenchmarkPart>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkPart {
    pub name: String,
    pub periods: f64,
    pub keywords: Vec<String>,
}

/// How an information mismatch is worded.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchingTexts {
    /// Vietnamese names of the compared fields, by field.
    pub field_names: BTreeMap<String, String>,
    /// Vietnamese names of the places facts come from: list, form, transcript.
    pub place_names: BTreeMap<String, String>,
    /// One mismatch; placeholders {field} {place_a} {value_a} {source_a} {place_b} {value_b} {source_b}.
    pub mismatch: String,
}

impl Default for MatchingTexts {
    fn default() -> Self {
        MatchingTexts {
            field_names: BTreeMap::new(),
            place_names: BTreeMap::new(),
            mismatch: "{field}: {place_a} \"{value_a}\", {place_b} \"{value_b}\"".to_string(),
        }
    }
}

/// Texts of the "needs review" outcome, which is not a rule: the dossier
/// could not be judged.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewTexts {
    /// Placeholders {file} and {why}.
    pub unreadable: String,
    /// A dossier folder without an application form.
    pub no_form: String,
    /// A form without the applicant's name.
    pub no_name: String,
    /// A list row without a dossier while Word files in the list's folder
    /// could not be read; placeholder {files}. A rule file written before
    /// it keeps the shipped wording.
    #[serde(default = "shipped_unread_dossier")]
    pub unread_dossier: String,
    /// A dossier rejected for want of a request letter while Word files in
    /// the folders above it could not be read; placeholder {files}. Also
    /// defaults to the shipped wording.
    #[serde(default = "shipped_unread_letter")]
    pub unread_letter: String,
    /// A one-file dossier lacking a document that a file beside it may be:
    /// the file names its applicant and another dossier's alike;
    /// placeholder {file}. Also defaults to the shipped wording.
    #[serde(default = "shipped_unattributed")]
    pub unattributed: String,
    /// A dossier on no list while spreadsheets in the folders above it
    /// could not be read; placeholder {files}. Also defaults to the
    /// shipped wording.
    #[serde(default = "shipped_unread_list")]
    pub unread_list: String,
    /// A transcript whose table of numbers could not be read as subjects
    /// and periods: judged on it, the applicant would be rejected for 0
    /// periods. Placeholders {file} and {table}. Also defaults to the
    /// shipped wording.
    #[serde(default = "shipped_unread_transcript")]
    pub unread_transcript: String,
}

/// The shipped rule file's `[review]` texts that older rule files lack.
#[derive(Deserialize)]
struct ShippedReview {
    unread_dossier: String,
    unread_letter: String,
    unattributed: String,
    unread_list: String,
    unread_transcript: String,
}

fn shipped_review() -> Option<ShippedReview> {
    #[derive(Deserialize)]
    struct Shipped {
        review: ShippedReview,
    }
    toml::from_str::<Shipped>(DEFAULT_RULES)
        .ok()
        .map(|s| s.review)
}

fn shipped_unread_dossier() -> String {
    shipped_review()
        .map(|r| r.unread_dossier)
        .unwrap_or_default()
}

fn shipped_unread_letter() -> String {
    shipped_review()
        .map(|r| r.unread_letter)
        .unwrap_or_default()
}

fn shipped_unread_list() -> String {
    shipped_review().map(|r| r.unread_list).unwrap_or_default()
}

fn shipped_unattributed() -> String {
    shipped_review().map(|r| r.unattributed).unwrap_or_default()
}

fn shipped_unread_transcript() -> String {
    shipped_review()
        .map(|r| r.unread_transcript)
        .unwrap_or_default()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportTexts {
    /// The counts line; placeholders {total} {accepted} {rejected} {needs_review}.
    pub counts: String,
    /// Names of the statuses, for spreadsheets and the terminal.
    pub status_names: BTreeMap<String, String>,
    /// Column and sheet names of the output spreadsheets, by key.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    code: String,
    severity: Severity,
    #[serde(default)]
    when: Option<Spanned<String>>,
    fails: Spanned<String>,
    reason: Spanned<String>,
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub code: String,
    pub severity: Severity,
    /// When the rule applies at all; `None` means always.
    pub when: Option<Expr>,
    pub fails: Expr,
    pub reason: Template,
    pub basis: Option<String>,
    pub description: Option<String>,
    /// The fact paths `fails` and `reason` read (for sources and explain).
    pub reads: Vec<Vec<String>>,
    /// The first earlier rule whose `when` is the same text: its answer is
    /// this rule's too, so it is evaluated once per applicant (rule files
    /// repeat a few conditions, `has_dossier && has.bang_diem`, over many
    /// rules; expressions have no side effects).
    pub same_when: Option<usize>,
}

#[derive(Debug)]
pub struct RuleSet {
    pub header: Header,
    pub vocabulary: Vocabulary,
    pub benchmark: Benchmark,
    pub matching: MatchingTexts,
    pub review: ReviewTexts,
    pub report: ReportTexts,
    pub rules: Vec<Rule>,
    /// SHA-256 of the file's bytes: verdicts say exactly which rules made them.
    pub sha256: String,
    /// Every fact key the vocabulary defines, blank: the start of every
    /// applicant's facts (built once; it is a few dozen strings).
    pub empty_facts: super::facts::Facts,
    /// The benchmark parts' keywords, folded and indexed once.
    pub benchmark_keywords: super::benchmark::Keywords,
    /// The facts the rules' expressions read, to bind only those.
    pub binding: super::names::Binding,
    /// Where it came from, for messages.
    pub origin: String,
}

/// A rule-file error with its place, ready to print.
#[derive(Debug, thiserror::Error)]
#[error("{origin}:{line}:{column}: {message}")]
pub struct RuleError {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl RuleSet {
    /// The built-in default rule set.
    pub fn default_rules() -> Result<RuleSet, Vec<RuleError>> {
        RuleSet::parse(DEFAULT_RULES, DEFAULT_RULES_NAME)
    }

    pub fn load(path: &Path) -> Result<RuleSet, Vec<RuleError>> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![RuleError {
                origin: origin.clone(),
                line: 0,
                column: 0,
                message: format!("cannot read: {e}"),
            }]
        })?;
        RuleSet::parse(&text, &origin)
    }

    /// Parses and compiles; every error found is returned, not just the first.
    pub fn parse(text: &str, origin: &str) -> Result<RuleSet, Vec<RuleError>> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            RuleError {
                origin: origin.to_string(),
                line,
                column,
                message,
            }
        };
        let file: RuleFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            vec![at(offset, e.message().trim().to_string())]
        })?;
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        let mut seen = BTreeMap::new();
        // Every name an expression reads must be a fact this vocabulary gives.
        let probe = serde_json::to_value(super::facts::Facts::empty_for(
            &file.vocabulary,
            &file.benchmark,
        ))
        .unwrap_or(serde_json::Value::Null);
        for raw in file.rules {
            if seen.insert(raw.code.clone(), ()).is_some() {
                errors.push(at(
                    raw.fails.span().start,
                    format!("rule code {:?} is used twice", raw.code),
                ));
            }
            let check = |spanned: &Spanned<String>,
                         exprs: Vec<&Expr>,
                         errors: &mut Vec<RuleError>| {
                for expr in exprs {
                    for name in super::names::unknown_names(expr, &probe) {
                        errors.push(at(
                            spanned.span().start,
                            format!("rule {}: unknown name `{name}` (see `hoso explain` for the facts a rule can read)", raw.code),
                        ));
                    }
                }
            };
            let mut failed = false;
            let mut compile =
                |s: &Spanned<String>, errors: &mut Vec<RuleError>| match Expr::compile(s.get_ref())
                {
                    Ok(e) => Some(e),
                    Err(msg) => {
                        errors.push(at(s.span().start, format!("rule {}: {msg}", raw.code)));
                        failed = true;
                        None
                    }
                };
            let when = raw.when.as_ref().and_then(|w| compile(w, &mut errors));
            let fails = compile(&raw.fails, &mut errors);
            let reason = match Template::compile(raw.reason.get_ref()) {
                Ok(t) => Some(t),
                Err(msg) => {
                    errors.push(at(
                        raw.reason.span().start,
                        format!("rule {}: reason: {msg}", raw.code),
                    ));
                    None
                }
            };
            if let (Some(w), Some(spanned)) = (&when, &raw.when) {
                check(spanned, vec![w], &mut errors);
            }
            if let Some(f) = &fails {
                check(&raw.fails, vec![f], &mut errors);
            }
            if let Some(r) = &reason {
                check(&raw.reason, r.exprs().collect(), &mut errors);
            }
            if let (false, Some(fails), Some(reason)) = (failed, fails, reason) {
                rules.push(Rule {
                    reads: super::names::rule_reads(&fails, &reason),
                    code: raw.code,
                    severity: raw.severity,
                    when,
                    fails,
                    reason,
                    basis: raw.basis,
                    description: raw.description,
                    same_when: None,
                });
            }
        }
        for i in 0..rules.len() {
            let source = |r: &Rule| r.when.as_ref().map(|w| w.source.clone());
            let Some(when) = source(&rules[i]) else {
                continue;
            };
            rules[i].same_when = (0..i).find(|&j| source(&rules[j]).as_ref() == Some(&when));
        }
        if errors.is_empty() {
            let sha256 = hex(&Sha256::digest(text.as_bytes()));
            Ok(RuleSet {
                empty_facts: super::facts::Facts::empty_for(&file.vocabulary, &file.benchmark),
                benchmark_keywords: super::benchmark::Keywords::new(&file.benchmark),
                binding: super::names::binding(
                    rules
                        .iter()
                        .flat_map(|r| (r.when.iter()).chain([&r.fails]).chain(r.reason.exprs())),
                ),
                header: file.rule_set,
                vocabulary: file.vocabulary,
                benchmark: file.benchmark,
                matching: file.matching,
                review: file.review,
                report: file.report,
                rules,
                sha256,
                origin: origin.to_string(),
            })
        } else {
            Err(errors)
        }
    }

    pub fn info(&self) -> RuleSetInfo {
        RuleSetInfo {
            name: self.header.name.clone(),
            version: self.header.version.clone(),
            sha256: self.sha256.clone(),
        }
    }

    pub fn benchmark_total(&self) -> f64 {
        self.benchmark.parts.iter().map(|p| p.periods).sum()
    }

    pub fn status_name(&self, status: crate::verdict::Status) -> &str {
        self.report
            .status_names
            .get(status.as_str())
            .map(String::as_str)
            .unwrap_or(status.as_str())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rule_set_compiles_with_every_code() {
        let rules = RuleSet::default_rules().unwrap_or_else(|e| panic!("{e:?}"));
        let codes: Vec<&str> = rules.rules.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes.len(), 15);
        assert!(codes.contains(&"qua-han") && codes.contains(&"da-co-trinh-do"));
        assert_eq!(rules.benchmark_total(), 200.0);
        let at = |code: &str| codes.iter().position(|c| *c == code);
        let rule = |code: &str| &rules.rules[at(code).unwrap()];
        // `has_dossier` first read by trung-ho-so, reused by the next three.
        assert_eq!(rule("trung-ho-so").same_when, None);
        assert_eq!(rule("thieu-cong-van").same_when, at("trung-ho-so"));
        assert_eq!(
            rule("thieu-so-tiet").same_when,
            at("bang-diem-khong-hop-le")
        );
        assert_eq!(rule("qua-han").same_when, None);
        assert_eq!(rule("lech-thong-tin").same_when, None);
    }

    #[test]
    fn a_rule_file_without_the_newer_review_texts_keeps_the_shipped_ones() {
        let shipped = RuleSet::default_rules().unwrap().review;
        let older: String = DEFAULT_RULES
            .lines()
            .filter(|l| {
                ![
                    "unread_dossier =",
                    "unread_letter =",
                    "unattributed =",
                    "unread_list =",
                    "unread_transcript =",
                ]
                .iter()
                .any(|key| l.starts_with(key))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(!older.contains("unattributed ="));
        let review = RuleSet::parse(&older, "older.toml").unwrap().review;
        assert_eq!(review.unattributed, shipped.unattributed);
        assert!(review.unattributed.contains("{file}"));
        assert_eq!(review.unread_dossier, shipped.unread_dossier);
        assert_eq!(review.unread_letter, shipped.unread_letter);
        assert_eq!(review.unread_list, shipped.unread_list);
        assert!(review.unread_list.contains("{files}"));
        assert_eq!(review.unread_transcript, shipped.unread_transcript);
        assert!(review.unread_transcript.contains("{table}"));
    }

    #[test]
    fn errors_carry_line_and_column() {
        let text = DEFAULT_RULES.replace("fails = \"duplicate\"", "fails = \"duplicat\"");
        let errs = RuleSet::parse(&text, "x.toml").unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.message.contains("duplicat") && e.line > 1),
            "{errs:?}"
        );
        let text = DEFAULT_RULES.replace("fails = \"duplicate\"", "fails = \"duplicate &&\"");
        let errs = RuleSet::parse(&text, "x.toml").unwrap_err();
        assert!(errs[0].message.contains("does not compile"), "{errs:?}");
        let text = DEFAULT_RULES.replace("{form.institution}", "{form.instituton}");
        let errs = RuleSet::parse(&text, "x.toml").unwrap_err();
        assert!(errs[0].message.contains("form.instituton"), "{errs:?}");
        let text = DEFAULT_RULES.replace(
            "severity = \"warning\"",
            "severity = \"warning\"\nlevel = 1",
        );
        let errs = RuleSet::parse(&text, "x.toml").unwrap_err();
        assert!(errs[0].message.contains("level"), "{errs:?}");
        assert!(errs[0].line > 100, "{errs:?}");
    }
}
