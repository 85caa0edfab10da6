//! `hoso explain`: why an applicant got their verdict.
//!
//! Usage: hoso explain <BATCH> <NAME> [--rules FILE]
//!
//! Runs the same review as `hoso check` and, for every applicant whose name
//! matches NAME (case, spacing and Unicode form ignored; diacritics too when
//! nothing matches exactly), prints every rule as passed, failed or not
//! applicable, with the facts it read, their values and their sources.

use super::common::{load_rules, with_jobs};
use hoso::evaluate::{self, State};
use hoso::pipeline;
use hoso::text::{fold, key};
use std::path::PathBuf;
use std::process::ExitCode;

/// Show how one applicant's verdict was reached, rule by rule.
///
/// Example:
///   hoso explain samples/xet-tuong-duong-2021 "Nguyễn Văn An"
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The batch folder.
    pub batch: PathBuf,
    /// The applicant's name.
    pub name: String,
    /// A rule file (TOML); the built-in rules by default.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Also print every fact the rules can read, as JSON.
    #[arg(long)]
    pub facts: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rules = load_rules(args.rules.as_deref())?;
    let run = with_jobs(None, || pipeline::run(&args.batch, &rules, &|_, _| {}))??;
    let names: Vec<&str> = run
        .verdicts
        .verdicts
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    let mut chosen: Vec<usize> = (0..names.len())
        .filter(|&i| key(names[i]) == key(&args.name))
        .collect();
    if chosen.is_empty() {
        chosen = (0..names.len())
            .filter(|&i| fold(names[i]) == fold(&args.name))
            .collect();
    }
    if chosen.is_empty() {
        anyhow::bail!(
            "no applicant named {:?} in {}",
            args.name,
            args.batch.display()
        );
    }
    for i in chosen {
        let applicant = &run.applicants[i];
        let whole = run.assembly.whole(applicant, &run.spill)?;
        let j = evaluate::judge_in_detail(&rules, &run.assembly, applicant, &whole);
        let v = &j.verdict;
        let birth = v
            .birth_date
            .map(|d| d.display_vn())
            .unwrap_or_else(|| "?".into());
        println!("{} ({birth}): {}", v.name, rules.status_name(v.status));
        if let Some(d) = &v.dossier {
            println!("  dossier:  {d}");
        }
        if let Some(r) = &v.list_row {
            println!("  list row: {r}");
        }
        for reason in v
            .reasons
            .iter()
            .filter(|r| r.severity == hoso::verdict::Severity::Review)
        {
            println!(
                "  needs review: {} ({})",
                reason.message,
                reason.sources.join(", ")
            );
        }
        for o in &j.outcomes {
            let (mark, word, detail) = match &o.state {
                State::Passed => ("✓", "passed", String::new()),
                State::Failed(m) => ("✗", "FAILED", format!(": {m}")),
                State::NotApplicable => ("–", "not applicable", String::new()),
                State::Error(e) => ("!", "ERROR", format!(": {e}")),
            };
            println!("  {mark} {:<24} {word}{detail}", o.code);
            if o.state != State::NotApplicable {
                for (fact, value, sources) in &o.used {
                    let from: Vec<String> = sources.iter().map(ToString::to_string).collect();
                    let from = if from.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", from.join(", "))
                    };
                    println!("        {fact} = {value}{from}");
                }
            }
        }
        if args.facts {
            println!("{}", serde_json::to_string_pretty(&j.facts)?);
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}
