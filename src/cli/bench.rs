//! `hoso bench`: how fast `hoso check` is, stage by stage, against a floor.
//!
//! Usage: hoso bench [--count 1000,10000] [--jobs 1,2] [--dir DIR] [--rerun] [--flat]
//!
//! For each size, makes a review batch with `hoso samples --count N` (kept
//! in DIR for the next run), then measures in this process the floor (the
//! time to merely open every Word and spreadsheet file and inflate its XML)
//! and runs `hoso check --stats` in a child process for each job count, so
//! that peak memory is the checker's own. With `--rerun`, also measures
//! re-checks through the cache with nothing changed and after 1% of the
//! files changed (the median of five each, each from the first run's
//! output), and compares the latter's verdicts with a cold run's. With
//! `--flat`, also measures each batch with every file in one folder, the
//! layout in which matching must look files up by name rather than by
//! folder (it once grew with the square of the batch there). Prints a
//! table; nothing is asserted (speed is measured by benchmarks, never by
//! timing asserts).

use hoso::ingest::zipcap::Archive;
use hoso::stats::CheckStats;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Measure `hoso check`: dossiers per second, each stage, peak memory, and
/// the floor (opening every file and inflating its XML, nothing more).
///
/// Example (release build recommended):
///   cargo run --release -- bench --count 1000,10000 --jobs 1,2
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Batch sizes in dossiers, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1000usize, 10000])]
    pub count: Vec<usize>,
    /// Job counts to compare, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 2])]
    pub jobs: Vec<usize>,
    /// Where the generated batches are kept between runs.
    #[arg(long, value_name = "DIR", default_value = "target/hoso-bench")]
    pub dir: PathBuf,
    /// Also time re-checks with nothing changed and after 1% of the files
    /// changed (on a copy of the batch, with the last job count; the median
    /// of five each), against the first run's time.
    #[arg(long)]
    pub rerun: bool,
    /// Also measure each batch laid out flat: every file in one folder,
    /// named after its unit and applicant (forms as one-file dossiers, with
    /// transcripts and scans beside them that are matched by name).
    #[arg(long)]
    pub flat: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe()?;
    println!(
        "{:>8} {:>4} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "dossiers",
        "jobs",
        "total s",
        "dossier/s",
        "discover",
        "ingest",
        "match",
        "evaluate",
        "write",
        "floor s",
        "x floor",
        "peak MB"
    );
    for &count in &args.count {
        let batch = args.dir.join(format!("batch-{count}"));
        if !batch.exists() {
            eprintln!(
                "making a batch of {count} dossiers in {} ...",
                batch.display()
            );
            hoso::samples::write_review_batch(&batch, count, 2021)?;
        }
        measure(&exe, &batch, count, &args.jobs)?;
        if args.flat {
            let flat = args.dir.join(format!("batch-{count}-flat"));
            if !flat.exists() {
                hoso::samples::lay_out_flat(&batch, &flat)?;
            }
            println!("{count} dossiers laid out flat (every file in one folder):");
            measure(&exe, &flat, count, &args.jobs)?;
        }
    }
    println!(
        "(stage columns in ms; floor = open every .docx/.xlsx and inflate its XML, same jobs)"
    );
    if args.rerun {
        let jobs = args.jobs.last().copied().unwrap_or(2);
        for &count in &args.count {
            rerun(&exe, &args.dir.join(format!("batch-{count}")), count, jobs)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One table row per job count: `hoso check` of `batch` (of `count`
/// dossiers) against the floor.
fn measure(exe: &Path, batch: &Path, count: usize, jobs_list: &[usize]) -> anyhow::Result<()> {
    let mut single = None;
    // Once untimed, so that every measurement finds the batch in the
    // page cache (the first, from disk, cost the floor 6x).
    floor_seconds(batch)?;
    for &jobs in jobs_list {
        // The best of three: the floor is what the machine can do.
        let floor = (0..3)
            .map(|_| super::common::with_jobs(Some(jobs), || floor_seconds(batch))?)
            .try_fold(f64::INFINITY, |best, t| t.map(|t| best.min(t)))?;
        let out = tempfile::tempdir()?;
        let jobs_arg = jobs.to_string();
        let s = check_stats(exe, batch, out.path(), &["--jobs", &jobs_arg])?;
        let total = s.total_ms / 1000.0;
        let speedup = match single {
            None => {
                single = Some(total);
                String::new()
            }
            Some(t1) => format!("  ({:.2}x the speed of {} job)", t1 / total, jobs_list[0]),
        };
        println!(
            "{:>8} {:>4} {:>9.2} {:>9.0} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>8.2} {:>8.2} {:>9}{speedup}",
            count,
            jobs,
            total,
            s.verdicts as f64 / total,
            s.discover_ms,
            s.ingest_ms,
            s.match_ms,
            s.evaluate_ms,
            s.write_ms,
            floor,
            total / floor,
            s.peak_rss_mb
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "?".into()),
        );
    }
    Ok(())
}

/// `hoso check --stats` of `batch` into `out`; the stats line.
fn check_stats(exe: &Path, batch: &Path, out: &Path, extra: &[&str]) -> anyhow::Result<CheckStats> {
    let output = Command::new(exe)
        .arg("check")
        .arg(batch)
        .args(["--quiet", "--stats", "--out"])
        .arg(out)
        .args(extra)
        .output()?;
    if !output.status.success() {
        anyhow::bail!(
            "hoso check failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("{}");
    Ok(serde_json::from_str(line)?)
}

/// A first run with the cache; re-runs through the cache with nothing
/// changed; then 1% of the files changed (forms and transcripts given
/// another dossier's content, so verdicts change) and re-runs again, the
/// last compared with a cold run of the changed batch.
fn rerun(exe: &Path, batch: &Path, count: usize, jobs: usize) -> anyhow::Result<()> {
    let work = tempfile::tempdir_in(batch.parent().unwrap_or(Path::new(".")))?;
    let copy = work.path().join("batch");
    let files = hoso::discover::walk(batch);
    for f in &files {
        let to = copy.join(&*f.rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(f.path(), &to)?;
    }
    // A batch arrives before it is checked. Files written just before a
    // run are read again by the next one, to be safe (the cache's racy
    // margin): without this pause the re-run would read the whole copy.
    let margin = std::time::Duration::from_nanos(hoso::cache::RACY_MARGIN_NS.unsigned_abs());
    std::thread::sleep(margin + std::time::Duration::from_millis(100));
    let jobs_arg = jobs.to_string();
    let extra = ["--jobs", jobs_arg.as_str()];
    let out = work.path().join("out");
    let first = check_stats(exe, &copy, &out, &extra)?;
    // Each re-run starts from the first run's output folder, as it was:
    // the median of several says more than one on a machine whose speed
    // wavers by a tenth from one second to the next.
    let kept = work.path().join("kept");
    copy_folder(&out, &kept)?;
    // Nothing changed: what a re-run costs whatever the change.
    let unchanged = Reruns::time(exe, &copy, &out, &kept, &extra)?;

    let docx: Vec<&str> = files
        .iter()
        .map(|f| &*f.rel)
        .filter(|r| r.ends_with(".docx"))
        .collect();
    let step = (docx.len() * 100 / files.len().max(1)).max(1);
    let chosen: Vec<&str> = docx.iter().step_by(step).copied().collect();
    for pair in chosen.windows(2) {
        std::fs::copy(copy.join(pair[1]), copy.join(pair[0]))?;
    }
    let changed = chosen.len().saturating_sub(1);
    let warm = Reruns::time(exe, &copy, &out, &kept, &extra)?;
    let cold_out = work.path().join("cold");
    check_stats(
        exe,
        &copy,
        &cold_out,
        &[&extra[..], &["--no-cache"]].concat(),
    )?;
    let same = ["verdicts.json", "verdicts.csv"]
        .iter()
        .all(|f| std::fs::read(out.join(f)).ok() == std::fs::read(cold_out.join(f)).ok());
    let share = |ms: f64| ms * 100.0 / first.total_ms;
    println!(
        "re-run of {count} dossiers with nothing changed, {jobs} jobs: {} = {:.1}% of the first run ({:.2} s)",
        unchanged.range(),
        share(unchanged.median.total_ms),
        first.total_ms / 1000.0,
    );
    println!(
        "re-run of {count} dossiers after changing {changed} of {} files ({:.1}%), {jobs} jobs: \
         {} = {:.1}% of the first run; peak {} MB; verdicts identical to a cold run: {}",
        files.len(),
        changed as f64 * 100.0 / files.len() as f64,
        warm.range(),
        share(warm.median.total_ms),
        warm.median
            .peak_rss_mb
            .map(|m| format!("{m:.0}"))
            .unwrap_or_else(|| "?".into()),
        if same { "yes" } else { "NO" }
    );
    Ok(())
}

/// Re-runs timed one after the other, each from the same output folder.
struct Reruns {
    /// The run of median total time.
    median: CheckStats,
    fastest_ms: f64,
    slowest_ms: f64,
}

impl Reruns {
    /// [`RERUNS`] checks of `batch` into `out`, each from a fresh copy of
    /// `kept` (a first run's output).
    fn time(
        exe: &Path,
        batch: &Path,
        out: &Path,
        kept: &Path,
        extra: &[&str],
    ) -> anyhow::Result<Reruns> {
        let mut runs = Vec::with_capacity(RERUNS);
        for _ in 0..RERUNS {
            std::fs::remove_dir_all(out)?;
            copy_folder(kept, out)?;
            runs.push(check_stats(exe, batch, out, extra)?);
        }
        runs.sort_by(|a, b| a.total_ms.total_cmp(&b.total_ms));
        let (fastest_ms, slowest_ms) = (runs[0].total_ms, runs[RERUNS - 1].total_ms);
        Ok(Reruns {
            median: runs.swap_remove(RERUNS / 2),
            fastest_ms,
            slowest_ms,
        })
    }

    /// "0.114 s (median of 5, 0.112–0.120 s)".
    fn range(&self) -> String {
        format!(
            "{:.3} s (median of {RERUNS}, {:.3}–{:.3} s)",
            self.median.total_ms / 1000.0,
            self.fastest_ms / 1000.0,
            self.slowest_ms / 1000.0
        )
    }
}

/// Re-runs timed after the change, of which the median is shown.
const RERUNS: usize = 5;

/// A copy of the folder `from` (an output folder: files, and folders of
/// files) at `to`.
fn copy_folder(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_folder(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The least any checker must do: read every Office file and inflate its XML.
fn floor_seconds(batch: &Path) -> anyhow::Result<f64> {
    let started = Instant::now();
    let files = hoso::discover::walk(batch);
    let bytes: usize = files
        .par_iter()
        .filter(|f| {
            matches!(
                hoso::ingest::format_of(Path::new(&*f.rel)),
                hoso::ingest::Format::Word | hoso::ingest::Format::Spreadsheet
            )
        })
        .map(|f| inflate_all(&f.path()).unwrap_or(0))
        .sum();
    std::hint::black_box(bytes);
    Ok(started.elapsed().as_secs_f64())
}

fn inflate_all(path: &Path) -> Option<usize> {
    let data = std::fs::read(path).ok()?;
    let mut archive = Archive::open(&data).ok()?;
    let mut total = 0;
    for name in archive.names().into_iter().filter(|n| n.ends_with(".xml")) {
        total += archive.read(&name).ok()??.len();
    }
    Some(total)
}
