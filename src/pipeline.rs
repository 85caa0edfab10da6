//! The review pipeline end to end: discover → ingest → match → evaluate.
//! Reading files and judging applicants run in parallel (rayon); results are
//! collected in input order, so output is identical at any thread count.

use crate::discover::{self, FoundFile};
use crate::evaluate::{self, Judgement, ruleset::RuleSet};
use crate::ingest::file::{Content, read_file};
use crate::interrupt::{self, Interrupted};
use crate::matching::{Applicant, Assembly, assemble::assemble, pair::pair};
use crate::verdict::{Summary, Verdicts};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Called as files are read (`done`, `total`), for a progress bar.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

pub struct Run {
    pub verdicts: Verdicts,
    pub assembly: Assembly,
    pub applicants: Vec<Applicant>,
    pub timings: Timings,
    /// Accounting problems: files missing from, or repeated in, the output.
    /// Always empty unless hoso has a bug.
    pub accounting: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub discover: Duration,
    pub ingest: Duration,
    pub matching: Duration,
    pub evaluate: Duration,
    pub files: usize,
}

pub fn run(root: &Path, rules: &RuleSet, progress: Progress) -> Result<Run, Interrupted> {
    let mut timings = Timings::default();
    let t = Instant::now();
    let found = discover::walk(root);
    timings.discover = t.elapsed();
    timings.files = found.len();

    let t = Instant::now();
    let total = found.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let contents: Vec<Content> = found
        .par_iter()
        .map(|f| {
            if interrupt::requested() {
                return Content::Unreadable("interrupted".into());
            }
            let c = read_file(f, &rules.vocabulary);
            progress(
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                total,
            );
            c
        })
        .collect();
    timings.ingest = t.elapsed();
    interrupt::check()?;
    let all_files: Vec<String> = found.iter().map(|f| f.rel.clone()).collect();

    let t = Instant::now();
    let files: Vec<(FoundFile, Content)> = found.into_iter().zip(contents).collect();
    let assembly = assemble(files);
    let applicants = pair(&assembly);
    timings.matching = t.elapsed();

    let t = Instant::now();
    let judgements: Vec<Judgement> = applicants
        .par_iter()
        .map(|a| evaluate::judge(rules, &assembly, a))
        .collect();
    timings.evaluate = t.elapsed();

    let verdicts: Vec<_> = judgements.into_iter().map(|j| j.verdict).collect();
    let verdicts = Verdicts {
        rule_set: rules.info(),
        summary: Summary::of(&verdicts),
        verdicts,
        unused_files: assembly.unused.clone(),
        lists: assembly.lists.clone(),
        request_letters: assembly.request_letters.clone(),
    };
    let accounting = account(&all_files, &verdicts);
    interrupt::check()?;
    Ok(Run {
        verdicts,
        assembly,
        applicants,
        timings,
        accounting,
    })
}

/// Every input file must appear exactly once: in a verdict's files, as a
/// list, as a request letter, or as unused; and the summary must add up.
pub fn account(inputs: &[String], v: &Verdicts) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let outputs = v
        .verdicts
        .iter()
        .flat_map(|x| x.files.iter())
        .chain(&v.lists)
        .chain(&v.request_letters)
        .chain(v.unused_files.iter().map(|u| &u.path));
    for path in outputs {
        *seen.entry(path.as_str()).or_default() += 1;
    }
    let mut problems = Vec::new();
    for input in inputs {
        match seen.remove(input.as_str()) {
            Some(1) => {}
            Some(n) => problems.push(format!("{input} appears {n} times in the output")),
            None => problems.push(format!("{input} is missing from the output")),
        }
    }
    problems.extend(
        seen.keys()
            .map(|p| format!("{p} is in the output but was not an input")),
    );
    let s = &v.summary;
    if s.total != s.accepted + s.rejected + s.needs_review || s.total != v.verdicts.len() {
        problems.push(format!(
            "counts do not add up: total {} = {} + {} + {} for {} verdicts",
            s.total,
            s.accepted,
            s.rejected,
            s.needs_review,
            v.verdicts.len()
        ));
    }
    problems
}
