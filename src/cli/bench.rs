//! `hoso bench`: how fast `hoso check` is, stage by stage, against a floor.
//!
//! Usage: hoso bench [--count 1000,10000] [--jobs 1,2] [--dir DIR]
//!
//! For each size, makes a review batch with `hoso samples --count N` (kept
//! in DIR for the next run), then measures in this process the floor (the
//! time to merely open every Word and spreadsheet file and inflate its XML)
//! and runs `hoso check --stats` in a child process for each job count, so
//! that peak memory is the checker's own. Prints a table; nothing is
//! asserted (speed is measured by benchmarks, never by timing asserts).

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
        let mut single = None;
        for &jobs in &args.jobs {
            let floor = super::common::with_jobs(Some(jobs), || floor_seconds(&batch))??;
            let out = tempfile::tempdir()?;
            let output = Command::new(&exe)
                .arg("check")
                .arg(&batch)
                .args(["--quiet", "--stats", "--jobs", &jobs.to_string(), "--out"])
                .arg(out.path())
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
            let s: CheckStats = serde_json::from_str(line)?;
            let total = s.total_ms / 1000.0;
            let speedup = match single {
                None => {
                    single = Some(total);
                    String::new()
                }
                Some(t1) => format!("  ({:.2}x the speed of {} job)", t1 / total, args.jobs[0]),
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
    }
    println!(
        "(stage columns in ms; floor = open every .docx/.xlsx and inflate its XML, same jobs)"
    );
    Ok(ExitCode::SUCCESS)
}

/// The least any checker must do: read every Office file and inflate its XML.
fn floor_seconds(batch: &Path) -> anyhow::Result<f64> {
    let started = Instant::now();
    let files = hoso::discover::walk(batch);
    let bytes: usize = files
        .par_iter()
        .filter(|f| {
            matches!(
                hoso::ingest::format_of(&f.path),
                hoso::ingest::Format::Word | hoso::ingest::Format::Spreadsheet
            )
        })
        .map(|f| inflate_all(&f.path).unwrap_or(0))
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
