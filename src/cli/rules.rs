//! `hoso rules`: validate, test and print rule files.
//!
//! Usage:
//!   hoso rules check <FILE>...              errors with line and column
//!   hoso rules test <DIR|FILE> [--rules FILE]  run rule test cases
//!   hoso rules default                      print the built-in rule file

use super::common::load_rules;
use hoso::evaluate::rules_test;
use std::path::PathBuf;
use std::process::ExitCode;

/// Validate, test and print rule files.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Check rule files: unknown fields, expressions that do not compile,
    /// reasons that name unknown facts. Prints each error with line and column.
    Check {
        /// Rule files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run rule test cases: TOML files of facts with the expected status and
    /// codes (see rules/tests/ for the format). Exit status 1 if any fails.
    Test {
        /// A folder of case files, or one case file.
        path: PathBuf,
        /// The rule file under test (default: the built-in rules).
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
    /// Print the built-in rule file, as a starting point for your own:
    /// hoso rules default > my-rules.toml
    Default,
}

pub fn run(c: Command) -> anyhow::Result<ExitCode> {
    match c {
        Command::Check { files } => {
            let mut bad = 0;
            for f in &files {
                match load_rules(Some(f)) {
                    Ok(r) => println!(
                        "{}: ok ({} rules, {} {})",
                        f.display(),
                        r.rules.len(),
                        r.header.name,
                        r.header.version
                    ),
                    Err(e) => {
                        bad += 1;
                        eprintln!("{e}");
                    }
                }
            }
            Ok(if bad == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Test { path, rules } => {
            let rules = load_rules(rules.as_deref())?;
            let results = rules_test::run_path(&rules, &path)?;
            let mut failed = 0;
            for r in &results {
                match &r.failure {
                    None => println!("ok    {} :: {}", r.file, r.name),
                    Some(why) => {
                        failed += 1;
                        println!("FAIL  {} :: {}\n      {why}", r.file, r.name);
                    }
                }
            }
            println!("{} passed, {} failed", results.len() - failed, failed);
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Default => {
            print!("{}", hoso::evaluate::ruleset::DEFAULT_RULES);
            Ok(ExitCode::SUCCESS)
        }
    }
}
