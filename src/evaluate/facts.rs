//! Facts: what rule expressions see about one applicant, and where each fact
//! came from.
//!
//! The shape is generic over the rule file's vocabulary: `form` holds every
//! label field the vocabulary names, `list` every column field, `has` every
//! document and attachment kind. A rule file can therefore add a label and
//! a rule that reads it without a new build. Missing values are "" (not
//! absent), so a condition never fails for a missing key.

use super::benchmark::{self, Coverage};
use super::ruleset::RuleSet;
use crate::matching::{Applicant, Assembly, Mismatch, Whole};
use crate::source::Source;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// A list row was found for the applicant.
    pub in_list: bool,
    /// A dossier was found for the applicant.
    pub has_dossier: bool,
    /// This dossier is a later copy of another dossier of the same person.
    pub duplicate: bool,
    /// The earlier dossier (path), when `duplicate`.
    pub duplicate_of: String,
    /// The further list rows naming the same person (`file!Sheet!row`).
    pub listed_again: Vec<String>,
    /// Document and attachment kinds present in the dossier (`has.bang_diem`);
    /// `cong_van` is true when a request letter covers the dossier.
    pub has: BTreeMap<String, bool>,
    /// Application form fields by vocabulary label name, plus `signed`
    /// (the signing date, `YYYY-MM-DD`, "" when unknown).
    pub form: BTreeMap<String, String>,
    /// Transcript fields by label name, plus `copy_mark`.
    pub transcript: BTreeMap<String, String>,
    /// The list row's fields by column name.
    pub list: BTreeMap<String, String>,
    pub periods: Coverage,
    pub benchmark: BenchmarkFacts,
    /// Mismatches between list, form and transcript, worded by the rule file.
    pub mismatches: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkFacts {
    pub name: String,
    pub total: f64,
}

/// Fact path (`form.party_date`, `has.bang_diem`, `periods`) -> sources.
pub type Provenance = BTreeMap<String, Vec<Source>>;

impl Facts {
    /// Facts with every key the rule set's vocabulary defines, all empty:
    /// the base of real facts, of rule tests, and of name checking.
    pub fn empty(rules: &RuleSet) -> Facts {
        rules.empty_facts.clone()
    }

    pub fn empty_for(v: &crate::vocab::Vocabulary, benchmark: &super::ruleset::Benchmark) -> Facts {
        let mut has: BTreeMap<String, bool> = v
            .documents
            .iter()
            .map(|d| (d.kind.clone(), false))
            .collect();
        has.extend(v.attachments.iter().map(|a| (a.kind.clone(), false)));
        let mut form: BTreeMap<String, String> = v
            .labels
            .keys()
            .map(|k| (k.clone(), String::new()))
            .collect();
        form.insert("signed".into(), String::new());
        let mut transcript = form.clone();
        transcript.remove("signed");
        transcript.insert("copy_mark".into(), String::new());
        let mut list: BTreeMap<String, String> = v
            .columns
            .keys()
            .map(|k| (k.clone(), String::new()))
            .collect();
        list.remove("birth_male");
        list.remove("birth_female");
        Facts {
            has,
            form,
            transcript,
            list,
            benchmark: BenchmarkFacts {
                name: benchmark.name.clone(),
                total: benchmark.parts.iter().map(|p| p.periods).sum(),
            },
            periods: Coverage::default(),
            ..Facts::default()
        }
    }
}

/// Gathers the facts of one applicant from its row and dossier, whole
/// ([`Assembly::whole`]).
pub fn gather(
    rules: &RuleSet,
    asm: &Assembly,
    applicant: &Applicant,
    whole: &Whole,
) -> (Facts, Provenance) {
    let mut prov = Provenance::new();
    let facts = gather_noting(rules, asm, applicant, whole, Notes(Some(&mut prov)));
    (facts, prov)
}

/// The facts without their provenance: what judging needs when every rule
/// passes (building the provenance cost as much as reading the facts).
pub fn gather_facts(
    rules: &RuleSet,
    asm: &Assembly,
    applicant: &Applicant,
    whole: &Whole,
) -> Facts {
    gather_noting(rules, asm, applicant, whole, Notes(None))
}

/// Where the provenance goes, if it is wanted: each path and its sources
/// are only made when it is.
struct Notes<'a>(Option<&'a mut Provenance>);

impl Notes<'_> {
    fn note(&mut self, path: impl FnOnce() -> String, sources: impl FnOnce() -> Vec<Source>) {
        if let Some(prov) = self.0.as_deref_mut() {
            prov.insert(path(), sources());
        }
    }

    fn wanted(&self) -> bool {
        self.0.is_some()
    }

    fn add(&mut self, path: &str, sources: impl FnOnce() -> [Source; 2]) {
        if let Some(prov) = self.0.as_deref_mut() {
            prov.entry(path.into()).or_default().extend(sources());
        }
    }
}

fn gather_noting(
    rules: &RuleSet,
    asm: &Assembly,
    applicant: &Applicant,
    whole: &Whole,
    mut prov: Notes,
) -> Facts {
    let mut facts = Facts::empty(rules);
    let row = whole.row();
    let dossier = whole.dossier();

    facts.in_list = row.is_some();
    if let Some(row) = row {
        prov.note(|| "in_list".to_string(), || vec![row.source("name")]);
        for (field, value) in &row.fields {
            if let Some(slot) = facts.list.get_mut(field) {
                *slot = value
                    .date
                    .map(|d| d.iso())
                    .unwrap_or_else(|| value.text.clone());
                prov.note(|| format!("list.{field}"), || vec![value.source.clone()]);
            }
        }
    }
    if !applicant.listed_again.is_empty() {
        let rows = applicant.listed_again.iter().map(|&r| &asm.rows[r]);
        facts.listed_again = rows.clone().map(|row| row.place()).collect();
        prov.note(
            || "listed_again".to_string(),
            || rows.map(|row| row.source("name")).collect(),
        );
    }
    facts.duplicate = applicant.duplicate_of.is_some();
    if let (Some(j), true) = (applicant.duplicate_of, facts.duplicate) {
        facts.duplicate_of = asm.dossiers[j].path.clone();
        prov.note(
            || "duplicate".to_string(),
            || vec![Source::file(asm.dossiers[j].path.clone())],
        );
    }
    if let Some(d) = dossier {
        facts.has_dossier = true;
        prov.note(
            || "has_dossier".to_string(),
            || vec![Source::file(d.path.clone())],
        );
        for (kind, file) in &d.documents {
            facts.has.insert(kind.clone(), true);
            prov.note(
                || format!("has.{kind}"),
                || vec![Source::file(file.clone())],
            );
        }
        let letter = crate::matching::assemble::REQUEST_LETTER;
        if let Some(first) = d.request_letters.first() {
            facts.has.insert(letter.into(), true);
            prov.note(
                || format!("has.{letter}"),
                || vec![Source::file(first.clone())],
            );
        }
        let absent: Vec<String> = match prov.wanted() {
            true => (facts.has.iter())
                .filter(|(_, present)| !**present)
                .map(|(k, _)| k.clone())
                .collect(),
            false => Vec::new(),
        };
        for kind in absent {
            prov.note(
                || format!("has.{kind}"),
                || vec![Source::file(d.path.clone())],
            );
        }
        if let Some(form) = &d.form {
            for (field, value) in &form.fields {
                if let Some(slot) = facts.form.get_mut(field) {
                    *slot = value.text.clone();
                    prov.note(|| format!("form.{field}"), || vec![value.source.clone()]);
                }
            }
            if let Some((date, source)) = form.signed.as_deref() {
                facts.form.insert("signed".into(), date.iso());
                prov.note(|| "form.signed".to_string(), || vec![source.clone()]);
            }
        }
        if let Some(tr) = &d.transcript {
            for (field, value) in &tr.fields {
                if let Some(slot) = facts.transcript.get_mut(field) {
                    *slot = value.text.clone();
                    prov.note(
                        || format!("transcript.{field}"),
                        || vec![value.source.clone()],
                    );
                }
            }
            match &tr.copy_mark {
                Some(mark) => {
                    facts
                        .transcript
                        .insert("copy_mark".into(), mark.text.clone());
                    prov.note(
                        || "transcript.copy_mark".to_string(),
                        || vec![mark.source.clone()],
                    );
                }
                None => {
                    prov.note(
                        || "transcript.copy_mark".to_string(),
                        || vec![Source::file(tr.file.clone())],
                    );
                }
            }
            let (coverage, sources) =
                benchmark::cover(&rules.benchmark, &rules.benchmark_keywords, &tr.subjects);
            facts.periods = coverage;
            prov.note(
                || "periods".to_string(),
                || {
                    if sources.is_empty() {
                        vec![Source::file(tr.file.clone())]
                    } else {
                        sources
                    }
                },
            );
        }
    }
    for m in &applicant.mismatches {
        facts.mismatches.push(word_mismatch(rules, m));
        prov.add("mismatches", || [m.a.2.clone(), m.b.2.clone()]);
    }
    facts
}

fn word_mismatch(rules: &RuleSet, m: &Mismatch) -> String {
    let t = &rules.matching;
    let name = |map: &BTreeMap<String, String>, k: &str| {
        map.get(k).cloned().unwrap_or_else(|| k.to_string())
    };
    t.mismatch
        .replace("{field}", &name(&t.field_names, m.field))
        .replace("{place_a}", &name(&t.place_names, m.a.0.key()))
        .replace("{value_a}", &m.a.1)
        .replace("{source_a}", &m.a.2.to_string())
        .replace("{place_b}", &name(&t.place_names, m.b.0.key()))
        .replace("{value_b}", &m.b.1)
        .replace("{source_b}", &m.b.2.to_string())
}
