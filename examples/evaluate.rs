//! Measurement harness (not a test) for the evaluate stage: reads a batch
//! once (discover, ingest, match: `hoso check` without writing), then judges
//! every applicant `--rounds` times, so that what judging costs can be told
//! apart from what reading costs.
//!
//!   cargo run --release --example evaluate -- load DIR
//!   cargo run --release --example evaluate -- judge [--rounds N] DIR
//!   cargo run --release --example evaluate -- dump DIR > judgements.txt
//!
//! Under callgrind, count only the judging (the spill read back included,
//! as in the pipeline's evaluate stage) or only the rules:
//!
//!   valgrind --tool=callgrind --collect-atstart=no \
//!     --toggle-collect='evaluate::judge_all*' target/release/examples/evaluate judge DIR
//!   valgrind --tool=callgrind --collect-atstart=no \
//!     --toggle-collect='hoso::evaluate::judge*' target/release/examples/evaluate judge DIR
//!
//! `dump` prints every applicant's verdict and rule outcomes (`{:?}`), for
//! checking that a change to evaluation keeps its results byte for byte.

use hoso::evaluate::{self, ruleset::RuleSet};
use hoso::matching::{Applicant, Assembly};
use hoso::spill::Spill;
use std::io::Write;

#[path = "harness/mod.rs"]
mod harness;

// As in `hoso` itself: allocation is much of what judging costs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Judges every applicant `rounds` times; the number of failed rules, so
/// that nothing is optimised away.
#[inline(never)]
fn judge_all(
    rules: &RuleSet,
    asm: &Assembly,
    applicants: &[Applicant],
    spill: &Spill,
    rounds: usize,
) -> anyhow::Result<usize> {
    let mut reasons = 0;
    for _ in 0..rounds {
        for a in applicants {
            let whole = asm.whole(a, spill)?;
            let judgement = evaluate::judge(rules, asm, a, &whole);
            reasons += std::hint::black_box(judgement.verdict.reasons.len());
        }
    }
    Ok(reasons)
}

fn main() -> anyhow::Result<()> {
    let harness::Args {
        mode,
        rounds,
        paths,
    } = harness::args()?;
    let Some(dir) = paths.into_iter().next() else {
        anyhow::bail!("usage: evaluate load|judge|dump [--rounds N] DIR");
    };
    let rules = RuleSet::default_rules().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let run = hoso::pipeline::run(std::path::Path::new(&dir), &rules, &|_, _| {})?;
    let (asm, applicants, spill) = (&run.assembly, &run.applicants, &*run.spill);
    match mode.as_str() {
        "load" => eprintln!("{} applicants", applicants.len()),
        "judge" => {
            let t = std::time::Instant::now();
            let reasons = judge_all(&rules, asm, applicants, spill, rounds)?;
            eprintln!(
                "{} applicants x {rounds}: {reasons} reasons in {:?}",
                applicants.len(),
                t.elapsed()
            );
        }
        "dump" => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for a in applicants {
                let whole = asm.whole(a, spill)?;
                let j = evaluate::judge_in_detail(&rules, asm, a, &whole);
                writeln!(out, "{:?}\n{:?}", j.verdict, j.outcomes)?;
            }
        }
        _ => anyhow::bail!("usage: evaluate load|judge|dump [--rounds N] DIR"),
    }
    Ok(())
}
