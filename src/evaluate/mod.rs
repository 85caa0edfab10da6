//! Evaluate: facts → rule outcomes → a verdict.
//!
//! The rules themselves are data ([`ruleset`]); this module only knows the
//! order of judgement: a dossier that cannot be read is *needs review* and is
//! not judged (domain.md §5 decision 6); otherwise every rule is evaluated and
//! every failing one reported, not just the first.

pub mod benchmark;
pub mod cel;
pub mod facts;
pub mod functions;
pub mod names;
pub mod rules_test;
pub mod ruleset;

use crate::matching::{Applicant, Assembly, Dossier, UnreadDocument, Whole};
use crate::source::Source;
use crate::verdict::{Reason, Severity, Status, Verdict};
use facts::{Facts, Provenance};
use ruleset::{Rule, RuleSet};

/// What one rule said about one applicant.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum State {
    Passed,
    Failed(String),
    NotApplicable,
    /// The expression could not be evaluated on these facts.
    Error(String),
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub code: String,
    pub severity: Severity,
    pub state: State,
    /// The facts the rule reads, with their values and sources.
    pub used: Vec<(String, String, Vec<Source>)>,
}

/// The full judgement of one applicant: the verdict and how it was reached.
pub struct Judgement {
    pub verdict: Verdict,
    pub facts: Facts,
    pub outcomes: Vec<Outcome>,
}

/// One applicant's judgement, from its row and dossier, whole
/// ([`Assembly::whole`]).
pub fn judge(rules: &RuleSet, asm: &Assembly, applicant: &Applicant, whole: &Whole) -> Judgement {
    judge_with(rules, asm, applicant, whole, false)
}

/// Like [`judge`], with the facts every rule read even when it passed (for
/// `hoso explain`); `judge` keeps them only for failed rules.
pub fn judge_in_detail(
    rules: &RuleSet,
    asm: &Assembly,
    applicant: &Applicant,
    whole: &Whole,
) -> Judgement {
    judge_with(rules, asm, applicant, whole, true)
}

fn judge_with(
    rules: &RuleSet,
    asm: &Assembly,
    applicant: &Applicant,
    whole: &Whole,
    detail: bool,
) -> Judgement {
    let facts = facts::gather_facts(rules, asm, applicant, whole);
    let dossier = whole.dossier();
    let row = whole.row();
    let identity = dossier.and_then(|d| d.identity());

    let mut reasons = review_reasons(rules, dossier);
    if let (None, Some(r)) = (dossier, applicant.row) {
        let unread = asm.unread_near(r);
        reasons.extend(unread_reason(&rules.review.unread_dossier, &unread));
    }
    let outcomes = if reasons.is_empty() {
        // Where the facts came from is only needed to source a failed rule
        // (or to explain): gathered again then, with the provenance.
        let provenance = || facts::gather(rules, asm, applicant, whole).1;
        run_rules(rules, &facts, provenance, detail)
    } else {
        Vec::new()
    };
    for o in &outcomes {
        match &o.state {
            State::Failed(message) => reasons.push(Reason {
                code: o.code.clone(),
                severity: o.severity,
                message: message.clone(),
                sources: dedup(
                    o.used
                        .iter()
                        .flat_map(|(_, _, s)| s.iter().map(Source::to_string)),
                ),
            }),
            State::Error(why) => reasons.push(Reason {
                code: o.code.clone(),
                severity: Severity::Review,
                message: why.clone(),
                sources: Vec::new(),
            }),
            State::Passed | State::NotApplicable => {}
        }
    }
    // A rejection for want of the unit's request letter waits for a clerk
    // when a Word file that could not be read lies where that letter would.
    if let Some(d) = applicant.dossier
        && outcomes.iter().any(fails_for_want_of_a_letter)
    {
        let unread = asm.unread_above(d);
        reasons.extend(unread_reason(&rules.review.unread_letter, &unread));
    }
    // So does a rejection for not being on the list, when a spreadsheet
    // that could not be read lies above the dossier: it may be the list.
    if let (None, Some(d)) = (applicant.row, applicant.dossier)
        && outcomes.iter().any(fails_for_want_of_a_list)
    {
        let unread = asm.unread_lists_above(d);
        reasons.extend(unread_reason(&rules.review.unread_list, &unread));
    }
    let status = if reasons.iter().any(|r| r.severity == Severity::Review) {
        Status::NeedsReview
    } else if reasons.iter().any(|r| r.severity == Severity::Reject) {
        Status::Rejected
    } else {
        Status::Accepted
    };
    let name = identity
        .as_ref()
        .map(|i| i.name.clone())
        .or_else(|| row.and_then(|r| r.text("name")).map(str::to_string))
        .or_else(|| dossier.map(|d| d.path.clone()))
        .unwrap_or_default();
    let birth_date = identity
        .as_ref()
        .and_then(|i| i.birth_date)
        .or_else(|| row.and_then(|r| r.birth_date()));
    let unit = row
        .and_then(|r| r.text("unit"))
        .or_else(|| dossier.and_then(|d| d.form_text("unit")))
        .map(str::to_string);
    let verdict = Verdict {
        name,
        birth_date,
        unit,
        status,
        reasons,
        dossier: dossier.map(|d| d.path.clone()),
        list_row: row.map(|r| r.place()),
        files: dossier.map(|d| d.files.clone()).unwrap_or_default(),
    };
    Judgement {
        verdict,
        facts,
        outcomes,
    }
}

/// Why a dossier cannot be judged, if it cannot (decision 6).
fn review_reasons(rules: &RuleSet, dossier: Option<&Dossier>) -> Vec<Reason> {
    let Some(d) = dossier else {
        return Vec::new();
    };
    let t = &rules.review;
    let review = |code: &str, message: String, source: String| Reason {
        code: code.to_string(),
        severity: Severity::Review,
        message,
        sources: vec![source],
    };
    let mut out: Vec<Reason> = d
        .unreadable
        .iter()
        .map(|(file, why)| {
            review(
                "khong-doc-duoc",
                t.unreadable.replace("{file}", file).replace("{why}", why),
                file.to_string(),
            )
        })
        .collect();
    out.extend(d.unattributed.iter().map(|file| {
        review(
            "chua-ro-ho-so",
            t.unattributed.replace("{file}", file),
            file.to_string(),
        )
    }));
    // What cannot be read is never taken as missing: rules would reject
    // such a transcript for 0 periods.
    if let Some(transcript) = &d.transcript
        && transcript.subjects.is_empty()
        && let Some(table) = &transcript.unread_table
    {
        let number = match table.loc {
            crate::source::Loc::TableCell { table, .. } => table.to_string(),
            _ => String::new(),
        };
        out.push(review(
            "bang-diem-chua-doc-duoc",
            t.unread_transcript
                .replace("{file}", &transcript.file)
                .replace("{table}", &number),
            table.to_string(),
        ));
    }
    match &d.form {
        None => out.push(review("thieu-don", t.no_form.clone(), d.path.clone())),
        Some(form) if d.form_text("name").is_none() => out.push(review(
            "thieu-ho-ten",
            t.no_name.clone(),
            form.file.to_string(),
        )),
        Some(_) => {}
    }
    out
}

/// Files named in one reason, at most: the rest are counted.
const FILES_NAMED: usize = 5;

/// A rule that rejects and failed reading whether the dossier has a request
/// letter (`has.cong_van`).
fn fails_for_want_of_a_letter(o: &Outcome) -> bool {
    let letter = crate::matching::assemble::REQUEST_LETTER;
    rejects_reading(o, |fact| fact.strip_prefix("has.") == Some(letter))
}

/// Whether the rule `o` rejects reading whether the applicant is on a list.
fn fails_for_want_of_a_list(o: &Outcome) -> bool {
    rejects_reading(o, |fact| fact == "in_list")
}

/// Whether `o` failed, rejecting, having read a fact `wanted` picks.
fn rejects_reading(o: &Outcome, wanted: impl Fn(&str) -> bool) -> bool {
    o.severity == Severity::Reject
        && matches!(o.state, State::Failed(_))
        && o.used.iter().any(|(fact, _, _)| wanted(fact))
}

/// Why a verdict waits for a clerk rather than reject for want of a
/// document (a dossier, a request letter): Word files that could not be
/// read lie where it would be, and one of them may be it (domain.md §5: a
/// dossier that cannot be read is *needs review*). `template` words it,
/// with {files}.
fn unread_reason(template: &str, unread: &[&UnreadDocument]) -> Option<Reason> {
    if unread.is_empty() {
        return None;
    }
    let named = &unread[..unread.len().min(FILES_NAMED)];
    let mut files: Vec<String> = named
        .iter()
        .map(|d| format!("{} ({})", d.path, d.why))
        .collect();
    if unread.len() > named.len() {
        files.push(format!("… (+{})", unread.len() - named.len()));
    }
    Some(Reason {
        code: "khong-doc-duoc".to_string(),
        severity: Severity::Review,
        message: template.replace("{files}", &files.join("; ")),
        sources: named.iter().map(|d| d.path.to_string()).collect(),
    })
}

/// Every rule, in file order. The facts each rule read are kept for failed
/// rules (their sources go into the verdict), and for all rules in `detail`.
/// Every rule on `facts`; `provenance` is called once at most, when a
/// failed rule (or `detail`) needs the sources of the facts it read.
pub fn run_rules(
    rules: &RuleSet,
    facts: &Facts,
    provenance: impl Fn() -> Provenance,
    detail: bool,
) -> Vec<Outcome> {
    let prov = std::cell::OnceCell::new();
    let prov = || prov.get_or_init(&provenance);
    let bound = names::Bound::new(facts, &rules.binding);
    let mut ctx = cel::base_context();
    ctx.set_variable_resolver(&bound);
    // Each rule's `when`, once evaluated, for the rules with the same one.
    let mut whens: Vec<Option<Result<bool, String>>> = vec![None; rules.rules.len()];
    rules
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let applies = match (&rule.when, rule.same_when.and_then(|j| whens.get(j))) {
                (None, _) => Ok(true),
                (Some(_), Some(Some(same))) => same.clone(),
                (Some(when), _) => {
                    let applies = when.eval_bool(&ctx);
                    if let Some(slot) = whens.get_mut(i) {
                        *slot = Some(applies.clone());
                    }
                    applies
                }
            };
            let state = evaluate_rule(rule, applies, &ctx);
            let used = if detail || matches!(state, State::Failed(_)) {
                names::used_facts(rule, facts, prov())
            } else {
                Vec::new()
            };
            Outcome {
                code: rule.code.clone(),
                severity: rule.severity,
                state,
                used,
            }
        })
        .collect()
}

/// The state of `rule`, given whether it applies (its `when`).
fn evaluate_rule(rule: &Rule, applies: Result<bool, String>, ctx: &::cel::Context) -> State {
    match applies.and_then(|applies| {
        if applies {
            rule.fails.eval_bool(ctx).map(Some)
        } else {
            Ok(None)
        }
    }) {
        Ok(None) => State::NotApplicable,
        Ok(Some(false)) => State::Passed,
        Ok(Some(true)) => match rule.reason.render(ctx) {
            Ok(message) => State::Failed(message),
            Err(e) => State::Error(e),
        },
        Err(e) => State::Error(e),
    }
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::dossier_doc::DocPart;

    fn part(kind: &str) -> DocPart {
        DocPart {
            file: "a/bang-diem.docx".into(),
            kind: Some(kind.to_string()),
            title: None,
            fields: Default::default(),
            signed: None,
            subjects: Vec::new(),
            copy_mark: None,
            text_len: 100,
            unread_table: Some(Box::new(Source::table_cell("a/bang-diem.docx", 2, 1, 1))),
        }
    }

    #[test]
    fn a_transcript_whose_marks_table_was_not_read_waits_for_a_clerk() {
        let rules = RuleSet::default_rules().unwrap();
        let dossier = Dossier {
            path: "a".to_string(),
            form: Some(part("don")),
            transcript: Some(part("bang_diem")),
            ..Dossier::default()
        };
        let reasons = review_reasons(&rules, Some(&dossier));
        let unread: Vec<_> = reasons
            .iter()
            .filter(|r| r.code == "bang-diem-chua-doc-duoc")
            .collect();
        assert_eq!(unread.len(), 1, "{reasons:?}");
        assert_eq!(unread[0].severity, Severity::Review);
        assert!(unread[0].message.contains("a/bang-diem.docx"));
        assert!(
            unread[0].message.contains("(bảng 2)"),
            "{}",
            unread[0].message
        );
        assert_eq!(unread[0].sources, ["a/bang-diem.docx#t2.r1.c1"]);
    }
}
