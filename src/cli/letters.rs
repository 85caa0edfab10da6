//! `hoso letters`: rejection notices and the recognition list, filled from
//! Word templates a clerk can edit.
//!
//! Usage:
//!   hoso letters <VERDICTS.json> [--templates DIR] [--config FILE] [--out DIR] [--date DATE]
//!   hoso letters --init-templates DIR

use hoso::letters::{self, LetterOptions};
use hoso::verdict::Verdicts;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write the rejection notices and the recognition list (.docx).
///
/// For a checked batch: one notice per rejected applicant with every
/// reason, all notices merged into one file for printing, and the list of
/// recognised people attached to the decision.
///
/// Examples:
///   hoso letters hoso-out/verdicts.json
///   hoso letters hoso-out/verdicts.json --templates mau-thu --date 20/12/2021
///   hoso letters --init-templates mau-thu     # default templates to edit
///
/// Writes into --out: thong-bao/001-<name>.docx (one per rejected applicant,
/// numbered in verdict order), thong-bao-gop.docx (all notices, each in a
/// section of its own that prints as its own file does: page numbers and
/// Word's list numbering start again) and danh-sach-cong-nhan.docx. Nothing
/// is written when a template or the configuration has a problem; a
/// placeholder name in single braces ({ho_ten}) is left as written, with a
/// warning.
///
/// Templates are ordinary .docx files (thong-bao.docx, danh-sach.docx) with
/// placeholders such as {{ho_ten}}; the configuration (letters.toml: issuing
/// bodies, place, signing date, numbering, signer, recipients) is taken from
/// --config, else from letters.toml in the templates folder, else built in.
/// The placeholder syntax is described in the comments of letters.toml
/// (see --init-templates).
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The verdicts.json written by `hoso check`.
    #[arg(required_unless_present = "init_templates")]
    pub verdicts: Option<PathBuf>,
    /// Folder with the templates thong-bao.docx and danh-sach.docx [default: built in].
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Letters configuration [default: letters.toml in --templates, else built in].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "hoso-out/letters")]
    pub out: PathBuf,
    /// Signing date (15/12/2021 or 2021-12-15), instead of the configuration's ngay_ky.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Copy the default templates and configuration into DIR to edit, and stop.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["verdicts", "templates", "config", "date"])]
    pub init_templates: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(dir) = args.init_templates {
        for path in letters::init_templates(&dir)? {
            println!("wrote {}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(verdicts_path) = args.verdicts else {
        anyhow::bail!("give the verdicts.json written by `hoso check`");
    };
    let date = match &args.date {
        Some(text) => Some(
            letters::parse_signing_date(text)
                .map_err(|why| anyhow::anyhow!("--date {text:?}: {why}"))?,
        ),
        None => None,
    };
    let text = std::fs::read(&verdicts_path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", verdicts_path.display()))?;
    let verdicts: Verdicts = serde_json::from_slice(&text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a verdicts.json written by `hoso check`: {e}",
            verdicts_path.display()
        )
    })?;
    let opts = LetterOptions {
        templates: args.templates,
        config: args.config,
        out: args.out,
        date,
    };
    let report = letters::write_letters(&verdicts, &opts)?;
    print_report(&report, &opts);
    Ok(ExitCode::SUCCESS)
}

/// `hoso check --letters`: the letters with the default templates and
/// configuration, into `out`.
pub fn write_for(verdicts: &Verdicts, out: &std::path::Path) -> anyhow::Result<()> {
    let opts = LetterOptions {
        out: out.to_path_buf(),
        ..LetterOptions::default()
    };
    let report = letters::write_letters(verdicts, &opts)?;
    print_report(&report, &opts);
    Ok(())
}

fn print_report(report: &letters::LettersReport, opts: &LetterOptions) {
    println!(
        "{} notices in {}",
        report.notices.len(),
        opts.out.join(letters::NOTICES_DIR).display()
    );
    if let Some(p) = &report.merged {
        println!("all notices merged for printing: {}", p.display());
    }
    match &report.list {
        Some(p) => println!(
            "recognition list ({} people): {}",
            report.listed,
            p.display()
        ),
        None => println!("nobody recognised: no recognition list"),
    }
    if report.needs_review > 0 {
        println!(
            "{} verdicts need review: no letter for them",
            report.needs_review
        );
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for p in &report.stale {
        eprintln!(
            "warning: {} is from an earlier run and was not rewritten; remove it if it is no longer valid",
            p.display()
        );
    }
}
