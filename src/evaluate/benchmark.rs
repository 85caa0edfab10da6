//! Comparing a transcript with the benchmark programme (domain.md §5): a
//! subject counts toward the first part one of whose keywords it contains,
//! case and diacritics ignored.

use super::ruleset::Benchmark;
use crate::ingest::dossier_doc::Subject;
use crate::source::Source;
use crate::text::{fold_words, fold_words_into};
use foldhash::fast::FixedState;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(doc)]
use crate::vocab::contains_words;

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

/// The benchmark parts' keywords, folded and indexed by their first word:
/// computed once per rule set.
///
/// Why an index: a subject counts toward the first part one of whose
/// keywords it contains as whole words. Trying every keyword at every word
/// of every subject cost more than the rest of judging an applicant; a
/// keyword can only start at a word equal to its own first word, so each
/// word of a subject is looked up once instead.
#[derive(Debug, Default)]
pub struct Keywords {
    /// First word -> (part, whole keyword), in part order.
    by_first_word: HashMap<String, Vec<(usize, String)>, FixedState>,
    /// Tells these keywords from others in [`PARTS`].
    id: u64,
}

/// The part each subject name seen on this thread counts toward, for the
/// [`Keywords`] of id `.0`: transcripts of one programme repeat the same
/// subject names, and folding a name cost more than the rest of comparing
/// it. Cleared when it grows past [`PARTS_MAX`] names.
type Parts = (u64, HashMap<Box<str>, Option<usize>, FixedState>);

thread_local! {
    static PARTS: RefCell<Parts> = RefCell::new((0, HashMap::default()));
}

const PARTS_MAX: usize = 8192;

impl Keywords {
    pub fn new(benchmark: &Benchmark) -> Keywords {
        let mut by_first_word: HashMap<String, Vec<(usize, String)>, FixedState> =
            HashMap::default();
        for (part, p) in benchmark.parts.iter().enumerate() {
            for k in &p.keywords {
                let k = fold_words(k);
                // An empty keyword matches nothing (`contains_words`).
                let Some(first) = k.split(' ').next().filter(|w| !w.is_empty()) else {
                    continue;
                };
                by_first_word
                    .entry(first.to_string())
                    .or_default()
                    .push((part, k));
            }
        }
        static IDS: AtomicU64 = AtomicU64::new(1);
        Keywords {
            by_first_word,
            id: IDS.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// [`Self::part_of`] the subject name `name`, unfolded; `buf` is
    /// scratch space.
    fn part_of_subject(&self, name: &str, buf: &mut String) -> Option<usize> {
        let mut fold = || {
            buf.clear();
            fold_words_into(name, buf);
            self.part_of(buf)
        };
        PARTS.with(|parts| {
            let Ok(mut parts) = parts.try_borrow_mut() else {
                return fold();
            };
            let (id, parts) = &mut *parts;
            if *id != self.id {
                *id = self.id;
                parts.clear();
            }
            if let Some(part) = parts.get(name) {
                return *part;
            }
            if parts.len() >= PARTS_MAX {
                parts.clear();
            }
            let part = fold();
            parts.insert(name.into(), part);
            part
        })
    }

    /// The first part (lowest index) one of whose keywords the folded
    /// `name` contains as whole words: what `position` over the parts of
    /// `any` keyword with [`contains_words`] gives.
    fn part_of(&self, name: &str) -> Option<usize> {
        let h = name.as_bytes();
        let mut best: Option<usize> = None;
        let mut start = 0;
        for word in name.split(' ') {
            let at = start;
            start += word.len() + 1;
            let Some(keywords) = self.by_first_word.get(word) else {
                continue;
            };
            for (part, k) in keywords {
                if best.is_some_and(|b| b <= *part) {
                    break;
                }
                let end = at + k.len();
                if h[at..].starts_with(k.as_bytes()) && (end == h.len() || h[end] == b' ') {
                    best = Some(*part);
                }
            }
        }
        best
    }
}

/// The coverage and the cells of the subjects that counted; `keywords` are
/// [`Keywords`] of `benchmark`.
pub fn cover(
    benchmark: &Benchmark,
    keywords: &Keywords,
    subjects: &[Subject],
) -> (Coverage, Vec<Source>) {
    let mut hit = vec![false; benchmark.parts.len()];
    let mut matched = 0.0;
    let mut sources = Vec::new();
    let mut name = String::new();
    for s in subjects {
        if let Some(part) = keywords.part_of_subject(&s.name, &mut name)
            && let Some(h) = hit.get_mut(part)
        {
            *h = true;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::contains_words;

    /// The index finds the part the plain definition finds: the first part
    /// one of whose keywords the name contains as whole words.
    #[test]
    fn the_index_finds_the_first_part_with_a_keyword() {
        let rules = crate::evaluate::ruleset::RuleSet::default_rules().unwrap();
        let benchmark = &rules.benchmark;
        let folded: Vec<Vec<String>> = (benchmark.parts.iter())
            .map(|p| p.keywords.iter().map(|k| fold_words(k)).collect())
            .collect();
        let keywords = Keywords::new(benchmark);
        for name in [
            "Triết học Mác - Lênin",
            "Kinh tế chính trị Mác-Lênin",
            "Tư tưởng Hồ Chí Minh",
            "Lịch sử Đảng Cộng sản Việt Nam",
            "Đường lối cách mạng của Đảng Cộng sản Việt Nam",
            "Nhà nước và pháp luật",
            "Hiến pháp, pháp luật về hệ thống chính trị",
            "Kỹ năng dân vận; công tác mặt trận",
            "Macro kinh tế",
            "Kinh tế vĩ mô",
            "chủ nghĩa xã hội",
            "Chủ nghĩa xã hội khoa học",
            "Chủ nghĩa xã hội khoa học và Hồ Chí Minh",
            "hệ thống chính trị ở cơ sở và nhà nước",
            "xây dựng đảng xây dựng",
            "",
            "   ",
            "Giáo dục thể chất",
        ] {
            let n = fold_words(name);
            let plain = (folded.iter()).position(|ks| ks.iter().any(|k| contains_words(&n, k)));
            assert_eq!(keywords.part_of(&n), plain, "{name:?}");
            let mut buf = String::new();
            for _ in 0..2 {
                assert_eq!(keywords.part_of_subject(name, &mut buf), plain, "{name:?}");
            }
        }
    }
}
