//! Command-line interface: one module per subcommand.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod bench;
pub mod check;
mod common;
pub mod explain;
pub mod import;
pub mod inspect;
pub mod letters;
pub mod report;
pub mod rules;
pub mod samples;

/// hoso turns a batch of submitted paperwork (spreadsheet lists and one Word
/// dossier per applicant) into decisions, letters and year-end reports.
///
/// A typical year:
///   hoso samples demo                         # a realistic sample year to try things on
///   hoso check demo/xet-tuong-duong-2021      # verdicts.json/.csv/.xlsx in ./hoso-out
///   hoso letters hoso-out/verdicts.json       # rejection notices and the recognition list
///   hoso import demo/lop-boi-duong-2021       # class rosters into ./hoso.db
///   hoso report --year 2021                   # the year's statistics and report
#[derive(Parser, Debug)]
#[command(name = "hoso", version, about, long_about, verbatim_doc_comment)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Bench(bench::Args),
    Check(check::Args),
    Explain(explain::Args),
    Inspect(inspect::Args),
    Letters(letters::Args),
    Import(import::Args),
    Report(report::Args),
    #[command(subcommand)]
    Rules(rules::Command),
    Samples(samples::Args),
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Bench(a) => bench::run(a),
        Command::Check(a) => check::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Letters(a) => letters::run(a),
        Command::Import(a) => import::run(a),
        Command::Report(a) => report::run(a),
        Command::Rules(c) => rules::run(c),
        Command::Samples(a) => samples::run(a),
    }
}
