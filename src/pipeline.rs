//! The review pipeline end to end: discover → ingest → match → evaluate.
//! Reading files and judging applicants run in parallel (rayon); results are
//! collected in input order, so output is identical at any thread count.
//!
//! Memory: each document part and list row is written whole to a [`Spill`]
//! as soon as it is read and kept slimmed (who it names, what it is); the
//! rules read it back applicant by applicant. Judgements are dropped as soon
//! as their verdict is made, and `hoso check` ([`check`]) hands each
//! verdict to a [`Tape`] as it is made, for the report writers to read back
//! (a large run's tape is on disk).

use crate::cache::{self, Cache};
use crate::discover::{self, FoundFile, Stat};
use crate::evaluate::{self, ruleset::RuleSet};
use crate::ingest::ErrorKind;
use crate::ingest::file::{Content, Readers, interpret, load, read_file};
use crate::interrupt;
use crate::matching::{Applicant, Assembly, assemble::assemble, pair::pair};
use crate::report::{Counted, Rendered, RenderedRef, Rendering, Renderings};
use crate::spill::{Blob, Spill, SpillError, Tape};
use crate::verdict::{Summary, Verdict, Verdicts};
use foldhash::fast::FixedState;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Called as files are read (`done`, `total`; every 64 files and at the
/// last), for a progress bar.
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
    /// Where the dossiers' document parts are whole ([`crate::matching::SlimDossier::whole`]).
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
    // The parts read back name this file: they take this copy of its path.
    crate::source::shared::expect(&f.rel);
    if let Some(mut content) = cache.unchanged(&f.rel, size, mtime_ns) {
        content.share_path(&f.rel);
        return Ok(content);
    }
    let bytes = match load(f) {
        Ok(bytes) => bytes,
        // Not cached: a read error may be gone next time.
        Err(unreadable) => return Ok(unreadable),
    };
    let hash = bytes.as_deref().map(cache::hash).unwrap_or(0);
    let content = match cache.same_content(&f.rel, hash) {
        Some(mut content) if bytes.is_some() => {
            content.share_path(&f.rel);
            content
        }
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

/// The cache salt: results depend on the rule file and on hoso itself
/// (its version: bump it with any change to what is read from a file or
/// how a verdict is made, or re-runs would reuse what the old one made).
pub fn cache_salt(rules: &RuleSet) -> String {
    format!("hoso {} rules {}", env!("CARGO_PKG_VERSION"), rules.sha256)
}

/// What [`check`] gives: the counts and the verdicts on a tape, the rest of
/// verdicts.json in memory. The assembly is gone by then (its memory is
/// what the report writers can use).
pub struct Checked {
    /// verdicts.json but its verdicts (`head.verdicts` is empty).
    pub head: Verdicts,
    /// The verdicts, in input order, rendered for the report files (the
    /// verdicts themselves are in verdicts.json once it is written).
    pub verdicts: Renderings,
    pub dossiers: usize,
    pub timings: Timings,
    /// As [`Run::accounting`].
    pub accounting: Vec<String>,
    /// As [`Run::verdict_keys`].
    pub verdict_keys: Vec<u128>,
    /// As [`Run::cache_damaged`].
    pub cache_damaged: bool,
}

/// Verdicts held in memory between judging and writing (at most about
/// 40 MB, rendered by this run; kept ones are only where they lie in the
/// blob file); a larger run's all go to a temporary file.
const VERDICTS_HELD: usize = 16_384;

/// Checks the batch walked by [`find`] as [`run_cached`] does, handing each
/// verdict to a tape as it is made, which goes to a file in `spill_dir` when
/// there are more than `VERDICTS_HELD`: what `hoso check` runs (100,000
/// verdicts in memory cost 64 MB).
pub fn check(
    found: Found,
    rules: &RuleSet,
    progress: Progress,
    cache: Option<&Cache>,
    spill_dir: &Path,
) -> anyhow::Result<Checked> {
    let root = found.root.clone();
    let found = Mutex::new(Some(found));
    let job = Job {
        root: &root,
        found: &found,
        rules,
        progress,
        cache,
        spill_dir,
    };
    let (mut checked, damaged) = with_retry(cache, || check_once(job))?;
    checked.cache_damaged = damaged;
    Ok(checked)
}

/// A batch's files as the walk found them, with their stats. The walk needs
/// neither the rules nor the cache, so `hoso check` walks while they load
/// (a tenth of a re-run's time was the two, on one core).
pub struct Found {
    root: PathBuf,
    files: Vec<FoundFile>,
    stats: Vec<Option<Stat>>,
    took: Duration,
    listings: Option<discover::Listings>,
}

/// Walks the batch at `root` ([`discover::walk_with_stats`]); with
/// `listings_in` (the output folder), reusing the folder listings the last
/// walk kept there ([`discover::walk_reusing`]).
pub fn find(root: &Path, listings_in: Option<&Path>) -> Found {
    let t = Instant::now();
    let (files, stats, listings) = match listings_in {
        Some(out) => discover::walk_reusing(root, out),
        None => {
            let (files, stats) = discover::walk_with_stats(root);
            (files, stats, None)
        }
    };
    Found {
        root: root.to_path_buf(),
        files,
        stats,
        took: t.elapsed(),
        listings,
    }
}

impl Found {
    /// How many files (and entries that could not be walked) were found.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// This walk's folder listings, to save once the run is done.
    pub fn take_listings(&mut self) -> Option<discover::Listings> {
        self.listings.take()
    }
}

/// What one check is asked to do: the arguments of [`check`] and
/// [`run_cached`], handed to each attempt.
#[derive(Clone, Copy)]
struct Job<'a> {
    root: &'a Path,
    /// The batch as walked already, taken by the first attempt (a second
    /// one walks again).
    found: &'a Mutex<Option<Found>>,
    rules: &'a RuleSet,
    progress: Progress<'a>,
    cache: Option<&'a Cache>,
    spill_dir: &'a Path,
}

fn check_once(job: Job) -> anyhow::Result<Checked> {
    let Job {
        rules,
        cache,
        spill_dir,
        ..
    } = job;
    let matched = read_and_match(job)?;
    let Matched {
        mut timings,
        all_files,
        assembly,
        applicants,
        spill,
    } = matched;
    // All in memory, or all on disk: a large run's first verdicts held
    // until the end were 10 MB more at its peak, judging's.
    let held = if applicants.len() <= VERDICTS_HELD {
        VERDICTS_HELD
    } else {
        0
    };
    let mut tape = Tape::new(spill_dir, held);
    tape.reserve(applicants.len());
    let mut counted = Counted::default();
    let (inputs, mut outputs) = (Fingerprint::of(&all_files), Fingerprint::default());
    let t = Instant::now();
    let render = |given: Given| -> anyhow::Result<Rendering> {
        match given {
            // Written from where it lies in the blob file; but a tape on
            // disk takes a copy, as the blob file of a run that large is
            // not mapped and five readings would be five reads.
            Given::Kept(blob) if held > 0 => Ok(Rendering::Kept(blob)),
            Given::Kept(blob) => {
                let bytes = spill.with_checked(blob, |bytes| Ok(bytes.to_vec()))?;
                Ok(Rendering::Made(
                    Rendered::from_bytes(bytes).ok_or(SpillError::Damaged)?,
                ))
            }
            Given::Judged(_, Some(rendered)) => Ok(Rendering::Made(rendered)),
            Given::Judged(verdict, None) => {
                let files = Fingerprint::of(&verdict.files).0;
                Ok(Rendering::Made(Rendered::of(&verdict, rules, files)?))
            }
        }
    };
    let verdict_keys = judge_all(rules, cache, &spill, &assembly, &applicants, render, |v| {
        v.with(&spill, |r| {
            counted.add(r);
            outputs.add(Fingerprint(r.files));
            Ok(())
        })?;
        Ok(tape.push(v)?)
    })?;
    timings.evaluate = t.elapsed();
    let dossiers = assembly.dossiers.len();
    let head = Verdicts {
        rule_set: rules.info(),
        summary: counted.tally().summary,
        verdicts: Vec::new(),
        warnings: warnings(&assembly),
        unused_files: assembly.unused,
        lists: assembly.lists,
        request_letters: assembly.request_letters,
    };
    drop_aside((assembly.dossiers, assembly.rows, applicants));
    let verdicts = Renderings {
        reel: tape.finish()?,
        spill: Arc::clone(&spill),
        counted,
    };
    let s = &head.summary;
    let adds_up = s.total == s.accepted + s.rejected + s.needs_review && s.total == verdicts.len();
    let accounting = if adds_up && inputs == outputs.with_rest_of(&head) {
        Vec::new()
    } else {
        // Which files, then: counted one by one, from the verdicts read
        // back from their JSON.
        let mut accounting = Accounting::of(&all_files);
        verdicts.each(|rendered| {
            let v = rendered.verdict()?;
            v.files.iter().for_each(|f| accounting.add(f));
            anyhow::Ok(())
        })?;
        accounting.finish(&all_files, &head, verdicts.len())
    };
    drop_aside(all_files);
    interrupt::check()?;
    Ok(Checked {
        head,
        verdicts,
        dossiers,
        timings,
        accounting,
        verdict_keys,
        cache_damaged: false,
    })
}

/// Drops `value` on a thread of its own: what matching built is freed
/// while the reports are written (its hundred thousand small frees, at
/// 10,000 dossiers, were a twentieth of a re-run, on one core with the
/// other idle). On Linux the thread runs only on a core nothing else wants
/// (the writers had to share theirs with it); a process that ends first
/// never frees at all. Inline when no thread can be made.
fn drop_aside<T: Send + 'static>(value: T) {
    // On failure `spawn` drops the closure, and the value with it.
    let _ = std::thread::Builder::new()
        .name("hoso-free".into())
        .spawn(move || {
            #[cfg(target_os = "linux")]
            // SAFETY: a plain system call on this thread, with a parameter
            // block that lives through it; failing leaves the thread as it
            // was, which is fine.
            unsafe {
                let idle = libc::sched_param { sched_priority: 0 };
                libc::sched_setscheduler(0, libc::SCHED_IDLE, &idle);
            }
            drop(value)
        });
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
    let found = Mutex::new(None);
    let job = Job {
        root,
        found: &found,
        rules,
        progress,
        cache,
        spill_dir,
    };
    let (mut run, damaged) = with_retry(cache, || run_once(job))?;
    run.cache_damaged = damaged;
    Ok(run)
}

/// Runs `attempt`; when it meets a damaged part kept by an earlier run (the
/// cache checks parts only when they are read), forgets what the cache
/// holds and runs it again, reading everything. Tells whether it did.
fn with_retry<T>(
    cache: Option<&Cache>,
    mut attempt: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<(T, bool)> {
    match (attempt(), cache) {
        (Err(e), Some(cache)) if matches!(e.downcast_ref(), Some(SpillError::Damaged)) => {
            cache.distrust();
            Ok((attempt()?, true))
        }
        (first, _) => first.map(|t| (t, false)),
    }
}

fn run_once(job: Job) -> anyhow::Result<Run> {
    let Job { rules, cache, .. } = job;
    let Matched {
        mut timings,
        all_files,
        assembly,
        applicants,
        spill,
    } = read_and_match(job)?;
    let t = Instant::now();
    let mut verdicts = Vec::with_capacity(applicants.len());
    let verdict = |given: Given| -> anyhow::Result<Verdict> {
        match given {
            Given::Judged(verdict, _) => Ok(verdict),
            // A kept verdict that does not read back is a damaged cache:
            // the run starts again without it.
            Given::Kept(blob) => Ok(spill.with_checked(blob, |bytes| {
                RenderedRef::parse(bytes)
                    .and_then(|r| r.verdict().ok())
                    .ok_or(SpillError::Damaged)
            })?),
        }
    };
    let verdict_keys = judge_all(rules, cache, &spill, &assembly, &applicants, verdict, |v| {
        verdicts.push(v);
        Ok(())
    })?;
    timings.evaluate = t.elapsed();

    let verdicts = Verdicts {
        rule_set: rules.info(),
        summary: Summary::of(&verdicts),
        verdicts,
        unused_files: assembly.unused.clone(),
        lists: assembly.lists.clone(),
        request_letters: assembly.request_letters.clone(),
        warnings: warnings(&assembly),
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

fn no_temporary(dir: &Path, e: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("cannot make a temporary file in {}: {e}", dir.display())
}

/// A batch read, grouped and paired: what judging starts from.
struct Matched {
    timings: Timings,
    /// Every input file, for the accounting.
    all_files: Vec<Arc<str>>,
    assembly: Assembly,
    applicants: Vec<Applicant>,
    spill: Arc<Spill>,
}

/// Discovers, reads (through `cache`) and matches the batch at `root`.
fn read_and_match(job: Job) -> anyhow::Result<Matched> {
    let Job {
        root,
        found,
        rules,
        progress,
        cache,
        spill_dir,
    } = job;
    let spill = match cache {
        Some(cache) => cache.spill(),
        None => Arc::new(Spill::temporary(spill_dir).map_err(|e| no_temporary(spill_dir, e))?),
    };
    let taken = found.lock().ok().and_then(|mut f| f.take());
    let Found {
        files: found,
        stats,
        took,
        ..
    } = taken.unwrap_or_else(|| find(root, None));
    let mut timings = Timings {
        discover: took,
        files: found.len(),
        ..Timings::default()
    };

    if let Some(cache) = cache {
        cache.expect_files(found.len());
    }

    let t = Instant::now();
    let total = found.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let readers = Readers::new(&rules.vocabulary);
    // Collected in place, each content where its file is: collecting
    // results instead grew and joined lists of 31,000 contents (a thousand
    // page faults). A spill error is kept aside, and ends the stage.
    let failed = Mutex::new(None);
    let mut contents: Vec<Content> = Vec::new();
    found
        .par_iter()
        .zip(&stats)
        .map(|(f, &stat)| {
            if interrupt::requested() {
                // Never shown: the run stops when reading ends.
                let why = crate::ingest::IngestError::detail(ErrorKind::Other, "interrupted");
                return Content::Unreadable(why);
            }
            let c = match cache {
                Some(cache) => read_through(f, stat, &readers, cache, &spill),
                None => read_file(f, &readers).slim(&spill),
            };
            let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            // Every file's tick cost more than reading it back from the cache.
            if done.is_multiple_of(64) || done == total {
                progress(done, total);
            }
            c.unwrap_or_else(|e| {
                if let Ok(mut failed) = failed.lock() {
                    failed.get_or_insert(e);
                }
                Content::Other { kind: None }
            })
        })
        .collect_into_vec(&mut contents);
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(e.into());
    }
    timings.ingest = t.elapsed();
    // Judging reads the parts just written back.
    spill.map_written();
    drop(stats);
    interrupt::check()?;
    let all_files: Vec<Arc<str>> = found.iter().map(|f| f.rel.clone()).collect();
    drop(found);

    let t = Instant::now();
    let assembly = assemble(&all_files, contents, &rules.vocabulary);
    let applicants = pair(&assembly);
    timings.matching = t.elapsed();
    Ok(Matched {
        timings,
        all_files,
        assembly,
        applicants,
        spill,
    })
}

/// Applicants judged at a time: the verdicts of one batch are handed on
/// while the next is judged. Two batches are held at once, rendered
/// (about 2.5 KB a verdict): 1,024 keeps that at 5 MB.
const JUDGED_AT_ONCE: usize = 1024;

/// An applicant's verdict as judging gives it: just judged (with its
/// rendering when it was kept in the cache), or kept by an earlier run.
enum Given {
    Judged(Verdict, Option<Rendered>),
    /// Where it lies in the blob file, checked whole.
    Kept(Blob),
}

/// Judges every applicant (or takes its verdict from `cache`), makes each
/// verdict what the caller wants of it with `want` (beside judging, on the
/// jobs pool), and hands those to `keep` in input order, whatever the
/// number of threads; returns the verdict-cache keys. Applicants are judged
/// in parallel a batch at a time, and `keep` takes one batch while the next
/// is judged.
fn judge_all<T: Send>(
    rules: &RuleSet,
    cache: Option<&Cache>,
    spill: &Spill,
    assembly: &Assembly,
    applicants: &[Applicant],
    want: impl Fn(Given) -> anyhow::Result<T> + Sync,
    mut keep: impl FnMut(T) -> anyhow::Result<()> + Send,
) -> anyhow::Result<Vec<u128>> {
    let judge = |a: &Applicant| -> anyhow::Result<(T, Option<u128>)> {
        let cached = cache.and_then(|c| Some((c, assembly.verdict_key(a)?)));
        let given = match cached.and_then(|(cache, key)| cache.verdict(key)) {
            Some(blob) => Given::Kept(blob),
            None => {
                // Only the verdict and its rendering are kept: facts and
                // outcomes weigh ten times more.
                let whole = assembly.whole(a, spill)?;
                let verdict = evaluate::judge(rules, assembly, a, &whole).verdict;
                match cached {
                    Some((cache, key)) => {
                        let files = Fingerprint::of(&verdict.files).0;
                        let rendered = Rendered::of(&verdict, rules, files)?;
                        cache.keep_verdict(key, &rendered);
                        Given::Judged(verdict, Some(rendered))
                    }
                    None => Given::Judged(verdict, None),
                }
            }
        };
        Ok((want(given)?, cached.map(|(_, key)| key)))
    };
    let mut keys = Vec::new();
    let mut judged: Vec<T> = Vec::new();
    for batch in applicants.chunks(JUDGED_AT_ONCE) {
        interrupt::check()?;
        let (kept, next) = rayon::join(
            || judged.drain(..).try_for_each(&mut keep),
            || {
                batch
                    .par_iter()
                    .map(judge)
                    .collect::<anyhow::Result<Vec<_>>>()
            },
        );
        kept?;
        for (made, key) in next? {
            keys.extend(key);
            judged.push(made);
        }
    }
    judged.into_iter().try_for_each(keep)?;
    Ok(keys)
}

/// The sum of `files`' path hashes, as the run's accounting adds up a
/// verdict's files ([`crate::report::RenderedRef::files`]).
pub fn files_fingerprint(files: &[Arc<str>]) -> u128 {
    Fingerprint::of(files).0
}

/// A multiset of paths as one number: the sum of their 128-bit hashes.
/// Every input must be in the output once: the inputs' fingerprint is the
/// output's, or a file is missing, repeated or foreign (but by a chance of
/// 2^-128). Taken beside judging, in parallel, it proves the output
/// complete without the path-by-path count (a hash lookup per path on the
/// one thread that keeps the verdicts: a twentieth of a re-run), which
/// runs only to say which files are wrong.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Fingerprint(u128);

impl Fingerprint {
    fn of(paths: &[impl AsRef<str> + Sync]) -> Fingerprint {
        let hash = |p: &_| xxhash_rust::xxh3::xxh3_128(<_ as AsRef<str>>::as_ref(p).as_bytes());
        let sum = if paths.len() > 4096 {
            paths.par_iter().map(hash).reduce(|| 0, u128::wrapping_add)
        } else {
            paths.iter().map(hash).fold(0, u128::wrapping_add)
        };
        Fingerprint(sum)
    }

    fn add(&mut self, other: Fingerprint) {
        self.0 = self.0.wrapping_add(other.0);
    }

    /// With the paths of `head` but its verdicts: the lists, the request
    /// letters and the unused files.
    fn with_rest_of(mut self, head: &Verdicts) -> Fingerprint {
        self.add(Fingerprint::of(&head.lists));
        self.add(Fingerprint::of(&head.request_letters));
        let unused: Vec<&str> = head.unused_files.iter().map(|u| u.path.as_str()).collect();
        self.add(Fingerprint::of(&unused));
        self
    }
}

/// The spreadsheets' warnings (sheets passed over or read in part), then
/// the lists' data-quality warnings, each with its place.
fn warnings(assembly: &Assembly) -> Vec<String> {
    let rows = assembly.rows.iter().flat_map(|r| {
        r.record
            .warnings
            .iter()
            .map(move |w| format!("{}: {w}", r.place()))
    });
    assembly
        .sheet_warnings
        .iter()
        .cloned()
        .chain(rows)
        .collect()
}

/// Every input file must appear exactly once: in a verdict's files, as a
/// list, as a request letter, or as unused; and the summary must add up.
pub fn account(inputs: &[impl AsRef<str>], v: &Verdicts) -> Vec<String> {
    let mut accounting = Accounting::of(inputs);
    v.verdicts
        .iter()
        .flat_map(|x| &x.files)
        .for_each(|f| accounting.add(f));
    accounting.finish(inputs, v, v.verdicts.len())
}

/// [`account`]'s count of each output path against its input, without a
/// copy of the verdicts' paths (30 MB of the peak of 100,000 dossiers): for
/// a check whose [`Fingerprint`]s differ.
struct Accounting<'a> {
    /// Times each input was seen in the output. Hashed, not ordered: a
    /// tree of every path cost a re-run 6 ms.
    seen: HashMap<&'a str, u32, FixedState>,
    /// Output paths that are no input (only a bug makes one).
    strays: Vec<String>,
}

impl<'a> Accounting<'a> {
    fn of(inputs: &'a [impl AsRef<str>]) -> Accounting<'a> {
        let mut seen = HashMap::with_capacity_and_hasher(inputs.len(), FixedState::default());
        seen.extend(inputs.iter().map(|i| (i.as_ref(), 0)));
        Accounting {
            seen,
            strays: Vec::new(),
        }
    }

    fn add(&mut self, path: &str) {
        match self.seen.get_mut(path) {
            Some(n) => *n += 1,
            None => self.strays.push(path.to_string()),
        }
    }

    /// The problems, given the rest of the output (`v` but its verdicts)
    /// and how many verdicts there are.
    fn finish(mut self, inputs: &[impl AsRef<str>], v: &Verdicts, verdicts: usize) -> Vec<String> {
        let rest = v
            .lists
            .iter()
            .chain(&v.request_letters)
            .chain(v.unused_files.iter().map(|u| &u.path));
        rest.for_each(|path| self.add(path));
        let mut problems = Vec::new();
        for input in inputs {
            let input = input.as_ref();
            match self.seen.remove(input) {
                Some(1) => {}
                Some(0) | None => problems.push(format!("{input} is missing from the output")),
                Some(n) => problems.push(format!("{input} appears {n} times in the output")),
            }
        }
        self.strays.sort_unstable();
        self.strays.dedup();
        problems.extend(
            self.strays
                .iter()
                .map(|p| format!("{p} is in the output but was not an input")),
        );
        let s = &v.summary;
        if s.total != s.accepted + s.rejected + s.needs_review || s.total != verdicts {
            problems.push(format!(
                "counts do not add up: total {} = {} + {} + {} for {verdicts} verdicts",
                s.total, s.accepted, s.rejected, s.needs_review,
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(files: &[&[&str]], lists: &[&str], unused: &[&str], total: usize) -> Verdicts {
        let verdicts: Vec<_> = files
            .iter()
            .map(|f| {
                serde_json::json!({"name": "A", "birth_date": null, "unit": null,
                "status": "accepted", "reasons": [], "dossier": null, "list_row": null, "files": f})
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "rule_set": {"name": "r", "version": "1", "sha256": "0"},
            "summary": {"total": total, "accepted": files.len(), "rejected": 0, "needs_review": 0},
            "verdicts": verdicts,
            "unused_files": unused.iter().map(|u| serde_json::json!({"path": u, "reason": "-"})).collect::<Vec<_>>(),
            "lists": lists,
        }))
        .unwrap()
    }

    #[test]
    fn fingerprints_tell_the_same_paths_in_any_order_from_any_other_multiset() {
        let many: Vec<String> = (0..5000).map(|i| format!("xã {i}/đơn.docx")).collect();
        let mut shuffled = many.clone();
        shuffled.reverse();
        shuffled.swap(3, 4000);
        assert_eq!(Fingerprint::of(&many), Fingerprint::of(&shuffled));
        // Summed a verdict at a time, as judging does.
        let mut in_parts = Fingerprint::default();
        for part in shuffled.chunks(7) {
            in_parts.add(Fingerprint::of(part));
        }
        assert_eq!(Fingerprint::of(&many), in_parts);

        let missing = &many[1..];
        let mut repeated = many.clone();
        repeated[9] = repeated[10].clone();
        let mut foreign = many.clone();
        foreign.push("lạ.docx".into());
        let twice: Vec<&String> = many.iter().chain(&many).collect();
        for other in [missing.to_vec(), repeated, foreign] {
            assert_ne!(Fingerprint::of(&many), Fingerprint::of(&other));
        }
        assert_ne!(Fingerprint::of(&many), Fingerprint::of(&twice));
        assert_ne!(Fingerprint::of(&twice), Fingerprint::default());
    }

    #[test]
    fn the_accounting_finds_every_file_missing_repeated_or_foreign() {
        let inputs = ["a/1.docx", "a/2.pdf", "b/x.xlsx", "b/y.txt", "c.docx"];
        let whole = verdicts(
            &[&["a/1.docx", "a/2.pdf"]],
            &["b/x.xlsx"],
            &["b/y.txt", "c.docx"],
            1,
        );
        assert_eq!(account(&inputs, &whole), Vec::<String>::new());

        let broken = verdicts(
            &[&["a/1.docx", "a/1.docx"], &["zz.docx"]],
            &["b/x.xlsx"],
            &["c.docx", "zz.docx"],
            3,
        );
        assert_eq!(
            account(&inputs, &broken),
            [
                "a/1.docx appears 2 times in the output",
                "a/2.pdf is missing from the output",
                "b/y.txt is missing from the output",
                "zz.docx is in the output but was not an input",
                "counts do not add up: total 3 = 2 + 0 + 0 for 2 verdicts",
            ]
        );
    }
}
