//! Measurement harness (not a test) for reading Word documents as dossier
//! documents: loads every .docx under the given folders, then runs
//! `Interpreter::split_parts` on each, so `perf stat -e instructions:u`
//! on `interp` minus `load` is what interpretation costs.
//!
//!   cargo run --release --example interpret -- load DIR...
//!   cargo run --release --example interpret -- interp [--rounds N] DIR...
//!   cargo run --release --example interpret -- dump DIR... > parts.txt
//!
//! `dump` prints every document's parts (`{:?}`), for checking that a change
//! to interpretation keeps its results byte for byte.

use hoso::evaluate::ruleset::RuleSet;
use hoso::ingest::docx::read_document_bytes;
use hoso::ingest::dossier_doc::Interpreter;
use std::io::Write;

#[path = "harness/mod.rs"]
mod harness;

fn main() -> anyhow::Result<()> {
    let harness::Args {
        mode,
        rounds,
        paths: dirs,
    } = harness::args()?;
    let paths = harness::docx_below(&dirs);
    let docs: Vec<_> = paths
        .iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            read_document_bytes(&bytes, &p.display().to_string()).ok()
        })
        .collect();
    let rules = RuleSet::default_rules().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let interpreter = Interpreter::new(&rules.vocabulary);
    match mode.as_str() {
        "load" => eprintln!("{} documents loaded", docs.len()),
        "interp" => {
            let mut parts = 0usize;
            for _ in 0..rounds {
                for doc in &docs {
                    parts += std::hint::black_box(interpreter.split_parts(doc)).len();
                }
            }
            eprintln!("{} documents x {rounds}: {parts} parts", docs.len());
        }
        "dump" => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for doc in &docs {
                writeln!(out, "{}\n{:?}", doc.path, interpreter.split_parts(doc))?;
            }
        }
        _ => anyhow::bail!("usage: interpret load|interp|dump [--rounds N] DIR..."),
    }
    Ok(())
}
