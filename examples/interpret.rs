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

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let mut rounds = 1usize;
    let mut dirs = Vec::new();
    while let Some(a) = args.next() {
        if a == "--rounds" {
            rounds = args.next().unwrap_or_default().parse()?;
        } else {
            dirs.push(a);
        }
    }
    let mut paths = Vec::new();
    for dir in &dirs {
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry?;
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "docx")
            {
                paths.push(entry.into_path());
            }
        }
    }
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
