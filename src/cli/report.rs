//! `hoso report`: the year's statistics and report from the register.
//!
//! Usage: hoso report --year Y [--db FILE] [--out DIR] [--verdicts FILE] [--json]
//!
//! Counts the year's classes and enrolments (lượt học viên), unique learners,
//! classes and learners per class type in the catalogue's order, and the
//! grade distribution of the centre's own classes; joint classes are
//! reported apart. Writes DIR/bao-cao-Y.xlsx (summary, the year's register
//! with every enrolment's source cell, grades) and DIR/bao-cao-Y.docx (the
//! report), each atomically, and prints the report paragraph in the centre's
//! wording. Given the year's verdicts.json, adds the review sentence. With
//! --json prints the figures as JSON instead. A class stored twice (two
//! files, or two sheets) is counted once, and a warning naming both goes to
//! stderr and to the workbook's summary sheet.

use hoso::register::catalogue::Catalogue;
use hoso::register::stats::{StatsJson, duplicate_warnings, year_stats};
use hoso::register::{report_docx, report_xlsx, schema, wording};
use hoso::report::write_atomic;
use hoso::verdict::{Summary, Verdicts};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The year's statistics and report from the register.
///
/// Prints: "Trong năm 2021, Trung tâm đã tổ chức mở được 12 lớp với 522
/// lượt học viên tham gia học tập, gồm: (1) 02 lớp ...". Texts and class
/// order come from the class catalogue (rules/lop-hoc.toml, built in).
/// A class found in two files (or on two sheets) is counted once, from the
/// file imported last, with a warning naming both: delete one and import
/// again.
///
/// Example:
///   hoso report --year 2021
///   hoso report --year 2021 --verdicts hoso-out/verdicts.json --out bao-cao
///   hoso report --year 2021 --json
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The year to report on.
    #[arg(long, value_name = "Y")]
    pub year: i32,
    /// The register written by `hoso import`.
    #[arg(long, value_name = "FILE", default_value = schema::DEFAULT_DB)]
    pub db: PathBuf,
    /// Where to write bao-cao-Y.xlsx and bao-cao-Y.docx.
    #[arg(long, value_name = "DIR", default_value = "hoso-out")]
    pub out: PathBuf,
    /// The year's verdicts.json (from `hoso check`), for the review sentence.
    #[arg(long, value_name = "FILE")]
    pub verdicts: Option<PathBuf>,
    /// Print the figures as JSON instead of the paragraph.
    #[arg(long)]
    pub json: bool,
    /// A class catalogue (TOML) instead of the built-in rules/lop-hoc.toml.
    #[arg(long, value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
}

/// `--json`: the figures, plus the review counts when verdicts were given.
#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    stats: StatsJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reviews: Option<&'a Summary>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let catalogue = Catalogue::load(args.catalogue.as_deref())?;
    let reviews = args.verdicts.as_deref().map(read_summary).transpose()?;
    let conn = schema::open_existing(&args.db)?;
    let stats = year_stats(&conn, args.year, &catalogue)?;

    std::fs::create_dir_all(&args.out)?;
    let xlsx = args.out.join(format!("bao-cao-{}.xlsx", args.year));
    let docx = args.out.join(format!("bao-cao-{}.docx", args.year));
    write_atomic(&xlsx, &report_xlsx::workbook_bytes(&stats, &catalogue)?)?;
    write_atomic(
        &docx,
        &report_docx::document_bytes(&stats, reviews.as_ref(), &catalogue)?,
    )?;

    if args.json {
        let out = Output {
            stats: stats.to_json(),
            reviews: reviews.as_ref(),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let r = &catalogue.report;
        println!("{}", wording::paragraph(&stats, r));
        for s in wording::joint_sentences(&stats, r) {
            println!("{s}");
        }
        if let Some(summary) = &reviews {
            println!("{}", wording::review_sentence(summary, r));
        }
    }
    // stdout holds only the paragraph (or the JSON), ready to paste or pipe.
    for warning in duplicate_warnings(&stats, &catalogue) {
        eprintln!("! {warning}");
    }
    for path in [&xlsx, &docx] {
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The counts of a verdicts.json, recounted from its verdicts so the
/// sentence never disagrees with the list.
fn read_summary(path: &Path) -> anyhow::Result<Summary> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let v: Verdicts = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a verdicts.json: {e}", path.display()))?;
    Ok(Summary::of(&v.verdicts))
}
