//! `hoso import`: class rosters into the year-end register.
//!
//! Usage: hoso import <PATH>... [--db FILE] [--catalogue FILE] [--quiet]
//!
//! Reads every roster spreadsheet (.xlsx .xlsm .xls .ods) given or found
//! below the given folders, one class per sheet with a roster header, and
//! stores classes and enrolments in an SQLite register (default ./hoso.db).
//! Each file is one transaction: a file that cannot be read is reported and
//! leaves the register untouched, the others land. An unchanged file (same
//! content hash) adds nothing; a changed file replaces its classes; files
//! stored from under a folder given now that are gone from disk are
//! forgotten first (one transaction for all of them). Prints
//! what each file added and every data-quality warning with its cell. Exit
//! status 0 when the good files landed, 1 when no file could be imported, 2
//! for a usage error or a register that cannot be opened, 130 when Ctrl-C
//! stopped it (between two files: the files before are in, the rest not).

use super::common::progress_bar;
use hoso::register::catalogue::Catalogue;
use hoso::register::import::{self, FileReport, Outcome};
use hoso::register::schema;
use hoso::register::wording::{class_count, fill};
use std::path::PathBuf;
use std::process::ExitCode;

/// Import class rosters into the register.
///
/// Each sheet with a roster header is one class; its type, course (khóa),
/// year and dates come from the title rows above the header, read through
/// the class catalogue (rules/lop-hoc.toml, built in). A class whose title
/// says "Phối hợp với ..." is joint and is reported apart.
///
/// Importing again is safe: a file whose content is unchanged (or already
/// imported from another path) adds nothing; a changed file replaces the
/// classes it had. When a FOLDER is imported, the files imported earlier
/// from under it that are no longer there (deleted, renamed, corrected and
/// saved under a new name) are forgotten with their classes, each named in a
/// line: re-import the folder after deleting a file. Files outside the
/// folders given are kept, even when missing (an unplugged drive). The same
/// class in two files or on two sheets is imported with a warning, and
/// `hoso report` counts it once and names both: delete one, import again.
/// To start over, delete the register (the --db file) and import again.
///
/// Example:
///   hoso import samples/lop-boi-duong-2021
///   hoso import --db 2021.db lop-doan.xlsx lop-dang-vien-moi.ods
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Roster files, or folders to search recursively.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The register (created when missing).
    #[arg(long, value_name = "FILE", default_value = schema::DEFAULT_DB)]
    pub db: PathBuf,
    /// A class catalogue (TOML) instead of the built-in rules/lop-hoc.toml.
    #[arg(long, value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
    /// Print only failures, forgotten files and the summary line, not the
    /// warnings.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Files below which no progress bar is worth drawing.
const BAR_FROM: usize = 10;

#[derive(Default)]
struct Tally {
    imported: usize,
    classes: usize,
    enrolments: usize,
    unchanged: usize,
    failed: usize,
    skipped: usize,
    forgotten: usize,
    warnings: usize,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let catalogue = Catalogue::load(args.catalogue.as_deref())?;
    let mut conn = schema::open(&args.db)?;
    let mut tally = Tally::default();
    for line in forget_missing(&mut conn, &args.paths, &catalogue, &mut tally) {
        println!("{line}");
    }
    let candidates = import::collect(&args.paths, &catalogue);
    let bar = if candidates.len() >= BAR_FROM {
        progress_bar("hoso import")
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_length(candidates.len() as u64);
    let mut interrupted = false;
    for candidate in &candidates {
        // Between files: every file before this one is committed in full.
        if hoso::interrupt::requested() {
            interrupted = true;
            break;
        }
        let report = import::import(&mut conn, candidate, &catalogue);
        count(&mut tally, &report);
        let lines = describe(&report, &catalogue, args.quiet);
        if !lines.is_empty() {
            bar.suspend(|| {
                for l in &lines {
                    println!("{l}");
                }
            });
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let n = |v: usize| v.to_string();
    println!(
        "{}",
        fill(
            &catalogue.messages.summary,
            &[
                ("files", &n(candidates.len())),
                ("imported", &n(tally.imported)),
                ("classes", &n(tally.classes)),
                ("enrolments", &n(tally.enrolments)),
                ("unchanged", &n(tally.unchanged)),
                ("failed", &n(tally.failed)),
                ("skipped", &n(tally.skipped)),
                ("forgotten", &n(tally.forgotten)),
                ("warnings", &n(tally.warnings)),
            ],
        )
    );
    let nothing_landed = tally.imported + tally.unchanged == 0;
    Ok(if interrupted {
        ExitCode::from(130)
    } else if tally.failed > 0 && nothing_landed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Forgets the files gone from the folders given (before importing, so a
/// renamed roster is not taken for a copy of its old self); the lines to
/// print, or the database error as a failure: the import goes on.
fn forget_missing(
    conn: &mut rusqlite::Connection,
    paths: &[PathBuf],
    catalogue: &Catalogue,
    tally: &mut Tally,
) -> Vec<String> {
    let m = &catalogue.messages;
    match import::forget_missing(conn, paths) {
        Ok(forgotten) => {
            tally.forgotten = forgotten.len();
            forgotten
                .iter()
                .map(|f| {
                    fill(
                        &m.forgotten,
                        &[
                            ("file", &f.display),
                            ("classes", &f.classes.to_string()),
                            ("enrolments", &f.enrolments.to_string()),
                        ],
                    )
                })
                .collect()
        }
        Err(e) => {
            tally.failed += 1;
            let reason = fill(&m.database, &[("error", &e.to_string())]);
            let file = args_display(paths);
            vec![fill(&m.failed, &[("file", &file), ("reason", &reason)])]
        }
    }
}

/// The folders given, as the clerk typed them, for a line about all of them.
fn args_display(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.to_string_lossy())
        .collect::<Vec<_>>()
        .join(", ")
}

fn count(t: &mut Tally, r: &FileReport) {
    t.warnings += r.warnings.len();
    match &r.outcome {
        Outcome::Added { classes, .. } => {
            t.imported += 1;
            t.classes += classes.len();
            t.enrolments += classes.iter().map(|c| c.enrolments).sum::<usize>();
        }
        Outcome::Unchanged | Outcome::SameContent { .. } => t.unchanged += 1,
        Outcome::Failed { .. } => t.failed += 1,
        Outcome::Skipped { .. } => t.skipped += 1,
    }
}

/// The lines a file's report prints, in the catalogue's wording.
fn describe(r: &FileReport, catalogue: &Catalogue, quiet: bool) -> Vec<String> {
    let m = &catalogue.messages;
    let file = r.display.as_str();
    let mut lines = Vec::new();
    match &r.outcome {
        Outcome::Added { classes, replaced } => {
            if quiet {
                return lines;
            }
            let total = classes
                .iter()
                .map(|c| c.enrolments)
                .sum::<usize>()
                .to_string();
            let n = classes.len().to_string();
            let mut vars = vec![("file", file), ("classes", &n), ("enrolments", &total)];
            let old = replaced.map(|o| o.to_string());
            lines.push(match &old {
                Some(old) => {
                    vars.push(("old_classes", old));
                    fill(&m.replaced, &vars)
                }
                None => fill(&m.added, &vars),
            });
            for c in classes {
                let course = c
                    .course
                    .map_or_else(|| m.unknown.clone(), |k| class_count(k as usize));
                let year = c.year.map_or_else(|| m.unknown.clone(), |y| y.to_string());
                let joint = c
                    .joint_with
                    .as_ref()
                    .map(|p| fill(&m.joint_suffix, &[("partner", p)]))
                    .unwrap_or_default();
                lines.push(fill(
                    &m.class,
                    &[
                        ("type", &c.class_type),
                        ("course", &course),
                        ("year", &year),
                        ("sheet", &c.sheet),
                        ("enrolments", &c.enrolments.to_string()),
                        ("joint", &joint),
                    ],
                ));
            }
        }
        Outcome::Unchanged if !quiet => lines.push(fill(&m.unchanged, &[("file", file)])),
        Outcome::SameContent { other } if !quiet => {
            lines.push(fill(&m.same_content, &[("file", file), ("other", other)]))
        }
        Outcome::Failed { reason } => {
            lines.push(fill(&m.failed, &[("file", file), ("reason", reason)]))
        }
        Outcome::Skipped { reason } if !quiet => {
            lines.push(fill(&m.skipped, &[("file", file), ("reason", reason)]))
        }
        _ => {}
    }
    if !quiet {
        for w in &r.warnings {
            lines.push(fill(
                &m.warning,
                &[("source", &w.source), ("message", &w.message)],
            ));
        }
    }
    lines
}
