//! The review pipeline end to end: discover → ingest → match → evaluate.
//! Reading files and judging applicants run in parallel (rayon); results are
//! collected in input order, so output is identical at any thread count.
//!
//! Memory: each document part is written whole to a [`Spill`] as soon as it
//! is read and kept slimmed (who it names, what it is); the rules read it
//! back applicant by applicant. Judgements are dropped as soon as their
//! verdict is made.

use crate::cache::{self, Cache};
use crate::discover::{self, FoundFile, Stat};
use crate::evaluate::{self, ruleset::RuleSet};
use crate::ingest::file::{Content, Readers, interpret, load, read_file};
use crate::interrupt;
use crate::matching::{Applicant, Assembly, assemble::assemble, pair::pair};
use crate::spill::{Spill, SpillError};
use crate::verdict::{Summary, Verdict, Verdicts};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
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
    /// The verdict-cache keys of this run's applicants.
    pub verdict_keys: Vec<u128>,
    /// Where the dossiers' document parts are whole ([`crate::matching::Dossier::whole`]).
    pub spill: Arc<Spill>,
    /// The cache's blob file was found damaged, and the batch read again
    /// without it.
    pub cache_damaged: bool,
}

/// Reads a file through the cache: unchanged files (same size and time, or
/// same content) are not interpreted again.
fn read_through(
    f: &FoundFile,
    stat: Option<Stat>,
    readers: &Readers,
    cache: &Cache,
    spill: &Spill,
) -> Result<Content, SpillError> {
    let Some(Stat { size, mtime_ns }) = stat.filter(|_| f.problem.is_none()) else {
        return read_file(f, readers).slim(spill);
    };
    let mtime_ns = i128::from(mtime_ns);
    if let Some(content) = cache.unchanged(&f.rel, size, mtime_ns) {
        return Ok(content);
    }
    let bytes = match load(f) {
        Ok(bytes) => bytes,
        // Not cached: a read error may be gone next time.
        Err(unreadable) => return Ok(unreadable),
    };
    let hash = bytes.as_deref().map(cache::hash).unwrap_or(0);
    let content = match cache.same_content(&f.rel, hash) {
        Some(content) if bytes.is_some() => content,
        _ => interpret(f, bytes.as_deref(), readers).slim(spill)?,
    };
    cache.keep_file(&f.rel, size, mtime_ns, hash, &content);
    Ok(content)
}

#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub discover: Duration,
    pub ingest: Duration,
    pub matching: Duration,
    pub evaluate: Duration,
    pub files: usize,
}

/// [`run_cached`] without a cache, spilling to the system's temporary folder.
pub fn run(root: &Path, rules: &RuleSet, progress: Progress) -> anyhow::Result<Run> {
    run_cached(root, rules, progress, None, &std::env::temp_dir())
}

/// The cache salt: results depend on the rule file and on hoso itself.
pub fn cache_salt(rules: &RuleSet) -> String {
    format!("hoso {} rules {}", env!("CARGO_PKG_VERSION"), rules.sha256)
}

/// Checks the batch at `root`, reusing what `cache` holds from an earlier
/// run and recording what this run read and judged (save it with
/// [`Cache::save`] and [`Run::verdict_keys`]). Without a cache, document
/// parts are spilled to a temporary file in `spill_dir`.
pub fn run_cached(
    root: &Path,
    rules: &RuleSet,
    progress: Progress,
    cache: Option<&Cache>,
    spill_dir: &Path,
) -> anyhow::Result<Run> {
    let first = run_once(root, rules, progress, cache, spill_dir);
    match (first, cache) {
        // A part kept by an earlier run is damaged (the cache checks parts
        // only when they are read): read everything again.
        (Err(e), Some(cache)) if matches!(e.downcast_ref(), Some(SpillError::Damaged)) => {
            cache.distrust();
            let mut run = run_once(root, rules, progress, Some(cache), spill_dir)?;
            run.cache_damaged = true;
            Ok(run)
        }
        (first, _) => first,
    }
}

fn run_once(
    root: &Path,
    rules: &RuleSet,
    progress: Progress,
    cache: Option<&Cache>,
    spill_dir: &Path,
) -> anyhow::Result<Run> {
    let spill = match cache {
        Some(cache) => cache.spill(),
        None => Arc::new(Spill::temporary(spill_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot make a temporary file in {}: {e}",
                spill_dir.display()
            )
        })?),
    };
    let mut timings = Timings::default();
    let t = Instant::now();
    let (found, stats) = discover::walk_with_stats(root);
    timings.discover = t.elapsed();
    timings.files = found.len();

    if let Some(cache) = cache {
        cache.expect_files(found.len());
    }

    let t = Instant::now();
    let total = found.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let readers = Readers::new(&rules.vocabulary);
    let contents: Vec<Content> = found
        .par_iter()
        .zip(&stats)
        .map(|(f, &stat)| {
            if interrupt::requested() {
                return Ok(Content::Unreadable("interrupted".into()));
            }
            let c = match cache {
                Some(cache) => read_through(f, stat, &readers, cache, &spill),
                None => read_file(f, &readers).slim(&spill),
            };
            progress(
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                total,
            );
            c
        })
        .collect::<Result<_, SpillError>>()?;
    timings.ingest = t.elapsed();
    drop(stats);
    interrupt::check()?;
    let all_files: Vec<Arc<str>> = found.iter().map(|f| f.rel.clone()).collect();

    let t = Instant::now();
    let assembly = assemble(found, contents);
    let applicants = pair(&assembly);
    timings.matching = t.elapsed();

    let t = Instant::now();
    // Only the verdict is kept: facts and outcomes weigh ten times more.
    let judged: Vec<(Verdict, Option<u128>)> = applicants
        .par_iter()
        .map(|a| {
            let cached = cache.and_then(|c| Some((c, assembly.verdict_key(a)?)));
            if let Some((cache, key)) = cached
                && let Some(verdict) = cache.verdict(key)
            {
                return Ok((verdict, Some(key)));
            }
            let whole = assembly.whole(a, &spill)?;
            let verdict = evaluate::judge(rules, &assembly, a, &whole).verdict;
            if let Some((cache, key)) = cached {
                cache.keep_verdict(key, &verdict);
            }
            Ok((verdict, cached.map(|(_, key)| key)))
        })
        .collect::<Result<_, SpillError>>()?;
    let verdict_keys: Vec<u128> = judged.iter().filter_map(|(_, k)| *k).collect();
    let verdicts: Vec<Verdict> = judged.into_iter().map(|(v, _)| v).collect();
    timings.evaluate = t.elapsed();

    let verdicts = Verdicts {
        rule_set: rules.info(),
        summary: Summary::of(&verdicts),
        verdicts,
        unused_files: assembly.unused.clone(),
        lists: assembly.lists.clone(),
        request_letters: assembly.request_letters.clone(),
        warnings: assembly
            .rows
            .iter()
            .flat_map(|r| {
                r.warnings
                    .iter()
                    .map(move |w| format!("{}: {w}", r.place()))
            })
            .collect(),
    };
    let accounting = account(&all_files, &verdicts);
    interrupt::check()?;
    Ok(Run {
        verdicts,
        assembly,
        applicants,
        timings,
        accounting,
        verdict_keys,
        spill,
        cache_damaged: false,
    })
}

/// Every input file must appear exactly once: in a verdict's files, as a
/// list, as a request letter, or as unused; and the summary must add up.
pub fn account(inputs: &[impl AsRef<str>], v: &Verdicts) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let outputs = v
        .verdicts
        .iter()
        .flat_map(|x| x.files.iter().map(|f| &**f))
        .chain(v.lists.iter().map(String::as_str))
        .chain(v.request_letters.iter().map(String::as_str))
        .chain(v.unused_files.iter().map(|u| u.path.as_str()));
    for path in outputs {
        *seen.entry(path).or_default() += 1;
    }
    let mut problems = Vec::new();
    for input in inputs {
        let input = input.as_ref();
        match seen.remove(input) {
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
