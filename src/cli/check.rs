//! `hoso check`: review a batch of dossiers against a rule set.
//!
//! Usage: hoso check <BATCH> [--rules FILE] [--out DIR] [--jobs N] [--letters]
//!
//! Reads every spreadsheet and Word file below BATCH, pairs the submission
//! lists with the dossiers, applies every rule and writes verdicts.json,
//! verdicts.csv and verdicts.xlsx to DIR (default ./hoso-out). Prints the
//! counts line and how often each reason occurred. The exit status is 0
//! whatever the verdicts; 2 for a usage or rule-file error.

use super::common::{jobs_pool, load_rules, progress_bar};
use hoso::cache::Cache;
use hoso::evaluate::ruleset::RuleSet;
use hoso::pipeline;
use hoso::report;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Review a batch: verdicts with every reason and its source.
///
/// Reads every spreadsheet (.xlsx .xlsm .xls .ods) and Word file (.docx .doc)
/// below BATCH, pairs submission-list rows with dossiers, applies every rule
/// of the rule set and writes verdicts.json, verdicts.csv and verdicts.xlsx.
/// Files that are not used (or cannot be read) are listed with the reason.
///
/// Example:
///   hoso check samples/xet-tuong-duong-2021 --out hoso-out
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The batch folder (or a single file).
    pub batch: PathBuf,
    /// A rule file (TOML); the built-in Sơ cấp equivalence rules by default.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Where to write the verdicts.
    #[arg(long, value_name = "DIR", default_value = "hoso-out")]
    pub out: PathBuf,
    /// Threads to use (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Also write the letters (as `hoso letters` does) into DIR/letters.
    #[arg(long)]
    pub letters: bool,
    /// Print only the counts line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print stage timings and peak memory as one JSON line on stderr.
    #[arg(long)]
    pub stats: bool,
    /// Read and judge everything again, ignoring (and not writing) the
    /// cache that makes re-runs fast (DIR/.hoso.cache, DIR/.hoso.folders).
    #[arg(long)]
    pub no_cache: bool,
}

/// Below this many files (about 33,000 dossiers) a batch's peak memory is
/// far from a concern, and freed memory is kept for reuse longer
/// ([`crate::keep_freed_memory_longer`]).
const FILES_KEEPING_FREED_MEMORY: usize = 100_000;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.batch.exists() {
        anyhow::bail!("{}: no such file or folder", args.batch.display());
    }
    let started = std::time::Instant::now();
    let bar = progress_bar("Reading");
    let tick = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    // One pool for checking and writing: `--jobs` bounds both.
    let pool = jobs_pool(args.jobs)?;
    let (rules, cache, run) = pool.install(|| -> anyhow::Result<_> {
        // The walk needs neither the rules nor the cache: it runs while
        // they load.
        let listings_in = (!args.no_cache).then_some(args.out.as_path());
        let (mut found, loaded) = rayon::join(
            || pipeline::find(&args.batch, listings_in),
            || -> anyhow::Result<_> {
                let rules = load_rules(args.rules.as_deref())?;
                let cache = (!args.no_cache)
                    .then(|| open_cache(&args.out, &rules))
                    .flatten();
                Ok((rules, cache))
            },
        );
        let (rules, cache) = loaded?;
        if found.file_count() < FILES_KEEPING_FREED_MEMORY {
            crate::keep_freed_memory_longer();
        }
        // Packed beside the run, for saving at its end.
        let listings = found
            .take_listings()
            .map(|listings| std::thread::spawn(|| listings.pack()));
        let run = pipeline::check(found, &rules, &tick, cache.as_ref(), &args.out)?;
        Ok((rules, cache.map(|c| (c, listings)), run))
    })?;
    bar.finish_and_clear();
    if run.cache_damaged {
        eprintln!(
            "hoso: warning: the cache in {} was damaged; the batch was read again without it",
            args.out.display()
        );
    }
    // A wrong folder, or a list hoso did not recognise, would otherwise show
    // only as counts of nothing or of `ngoai-danh-sach`.
    if run.timings.files == 0 {
        eprintln!(
            "hoso: warning: {} holds no files: is it the batch folder?",
            args.batch.display()
        );
    } else if run.head.lists.is_empty() {
        eprintln!(
            "hoso: warning: no submission list found in {} (a spreadsheet whose header row names a \"Họ và tên\" column): every dossier is judged as not on a list; see the unused files for why each spreadsheet was passed over",
            args.batch.display()
        );
    }
    let write_started = std::time::Instant::now();
    // The cache's index is saved while the reports are written: neither
    // needs the other, and each waits on the disk at its end.
    let (written, saved) = std::thread::scope(|s| {
        let saved = cache.map(|(cache, listings)| {
            s.spawn(|| {
                cache.save(&run.verdict_keys)?;
                match listings.map(|packing| packing.join()) {
                    Some(Ok(listings)) => listings.save(&args.out),
                    Some(Err(_)) => Err(anyhow::anyhow!("the folder listings were not packed")),
                    None => Ok(()),
                }
            })
        });
        let written =
            pool.install(|| report::write_all_of(&args.out, &run.head, &run.verdicts, &rules));
        (written, saved.map(|saved| saved.join()))
    });
    match saved {
        // A cache that cannot be written only costs time on the next run.
        Some(Ok(Err(e))) => eprintln!("hoso: warning: cache not saved: {e:#}"),
        Some(Err(_)) => eprintln!("hoso: warning: cache not saved"),
        Some(Ok(Ok(()))) | None => {}
    }
    let written = written?;
    if args.stats {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        let t = &run.timings;
        let stats = hoso::stats::CheckStats {
            files: t.files,
            dossiers: run.dossiers,
            verdicts: run.verdicts.len(),
            jobs: rayon_threads(args.jobs),
            discover_ms: ms(t.discover),
            ingest_ms: ms(t.ingest),
            match_ms: ms(t.matching),
            evaluate_ms: ms(t.evaluate),
            write_ms: ms(write_started.elapsed()),
            total_ms: ms(started.elapsed()),
            peak_rss_mb: hoso::stats::peak_rss_mb(),
        };
        eprintln!("{}", serde_json::to_string(&stats)?);
    }

    if !run.accounting.is_empty() {
        eprintln!(
            "hoso: BUG: the output does not account for every input file; please report this:"
        );
        for p in &run.accounting {
            eprintln!("  {p}");
        }
    }
    println!("{}", report::counts_line(&run.head, &rules));
    if !args.quiet {
        for (code, _, n) in run.verdicts.counted.tally().reason_counts() {
            println!("  {n:>5}  {code}");
        }
        let warnings = &run.head.warnings;
        if !warnings.is_empty() {
            println!("{} warning(s) about the lists:", warnings.len());
            for w in warnings.iter().take(20) {
                println!("  {w}");
            }
            if warnings.len() > 20 {
                println!("  ... and {} more (see verdicts.json)", warnings.len() - 20);
            }
        }
        let unused = &run.head.unused_files;
        if !unused.is_empty() {
            println!("{} file(s) not used:", unused.len());
            for u in unused.iter().take(20) {
                println!("  {}: {}", u.path, u.reason);
            }
            if unused.len() > 20 {
                println!("  ... and {} more (see verdicts.json)", unused.len() - 20);
            }
        }
        for path in &written {
            println!("wrote {}", path.display());
        }
    }
    if args.letters {
        // The letters need every verdict at hand: read back whole, from
        // the verdicts.json just written (as `hoso letters` reads it).
        let json = args.out.join("verdicts.json");
        let text = std::fs::read(&json)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", json.display()))?;
        let verdicts: hoso::verdict::Verdicts = serde_json::from_slice(&text)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", json.display()))?;
        super::letters::write_for(&verdicts, &args.out.join("letters"))?;
    }
    let code = if run.accounting.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    };
    // The process ends here and its memory goes back whole: the verdicts
    // freed one by one were the run's last two milliseconds, on one core.
    std::mem::forget(run);
    Ok(code)
}

/// The cache in `out`, or none (with a warning) when it cannot be opened.
fn open_cache(out: &Path, rules: &RuleSet) -> Option<Cache> {
    match Cache::load(out, &pipeline::cache_salt(rules)) {
        Ok(cache) => Some(cache),
        Err(e) => {
            eprintln!("hoso: warning: running without the cache: {e:#}");
            None
        }
    }
}

fn rayon_threads(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}
