//! Comparing a transcript with the benchmark programme (domain.md §5): a
//! subject counts toward the first part one of whose keywords it contains,
//! case and diacritics ignored.

use super::ruleset::Benchmark;
use crate::ingest::dossier_doc::Subject;
use crate::source::Source;
use crate::text::fold_words;
use crate::vocab::contains_words;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// Periods of transcript subjects that match a benchmark part.
    pub matched: f64,
    /// Benchmark periods of the parts with at least one matched subject.
    pub covered: f64,
    /// `covered` as a percentage of the benchmark total.
    pub covered_percent: f64,
    /// Names of the parts with no matched subject.
    pub missing_parts: Vec<String>,
    /// Number of subject rows read from the transcript.
    pub subjects: f64,
}

/// Each part's keywords, folded: computed once per rule set.
pub fn folded_keywords(benchmark: &Benchmark) -> Vec<Vec<String>> {
    benchmark
        .parts
        .iter()
        .map(|p| p.keywords.iter().map(|k| fold_words(k)).collect())
        .collect()
}

/// The coverage and the cells of the subjects that counted; `keywords` are
/// [`folded_keywords`] of `benchmark`.
pub fn cover(
    benchmark: &Benchmark,
    keywords: &[Vec<String>],
    subjects: &[Subject],
) -> (Coverage, Vec<Source>) {
    let mut hit = vec![false; benchmark.parts.len()];
    let mut matched = 0.0;
    let mut sources = Vec::new();
    for s in subjects {
        let name = fold_words(&s.name);
        if let Some(part) = keywords
            .iter()
            .position(|ks| ks.iter().any(|k| contains_words(&name, k)))
        {
            hit[part] = true;
            matched += s.periods.unwrap_or(0.0);
            sources.push(s.source.clone());
        }
    }
    let total: f64 = benchmark.parts.iter().map(|p| p.periods).sum();
    let covered: f64 = benchmark
        .parts
        .iter()
        .zip(&hit)
        .filter(|(_, h)| **h)
        .map(|(p, _)| p.periods)
        .sum();
    let coverage = Coverage {
        matched,
        covered,
        covered_percent: if total > 0.0 {
            (covered * 1000.0 / total).round() / 10.0
        } else {
            0.0
        },
        missing_parts: benchmark
            .parts
            .iter()
            .zip(&hit)
            .filter(|(_, h)| !**h)
            .map(|(p, _)| p.name.clone())
            .collect(),
        subjects: subjects.len() as f64,
    };
    (coverage, sources)
}
