//! `hoso inspect`: what hoso reads from one file.
//!
//! Usage: hoso inspect <FILE> [--json] [--text] [--rules FILE]
//!
//! For a spreadsheet: every sheet, the header row it found and how each
//! column was understood, the title lines, every person with their values and
//! the cell each came from, and the footer lines that were not read as
//! people. For a Word file: each document in it (type, title), its fields,
//! signing date, copy mark and transcript rows, each with its paragraph or
//! table cell. The command to reach for when a verdict surprises you.

use super::common::load_rules;
use hoso::ingest::dossier_doc::split_parts;
use hoso::ingest::table::read_tables;
use hoso::ingest::{Block, Format, docx, format_of, spreadsheet};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Show what hoso reads from one spreadsheet or Word file, with sources.
///
/// Examples:
///   hoso inspect danh-sach-de-nghi.xlsx
///   hoso inspect --json don-de-nghi.docx
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A spreadsheet (.xlsx .xlsm .xls .ods) or Word file (.docx .doc).
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// For Word files, also print every paragraph and table as read.
    #[arg(long)]
    pub text: bool,
    /// A rule file whose vocabulary (column and label names) to use.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

#[derive(Serialize)]
struct SheetView {
    sheet: String,
    header_rows: Option<(u32, u32)>,
    columns: Vec<ColumnView>,
    title_lines: Vec<Sourced>,
    people: Vec<PersonView>,
    footer_lines: Vec<Sourced>,
}

#[derive(Serialize)]
struct ColumnView {
    field: String,
    header: String,
    column: String,
}

#[derive(Serialize)]
struct PersonView {
    row: u32,
    values: Vec<FieldView>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct FieldView {
    field: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    source: String,
}

#[derive(Serialize)]
struct Sourced {
    text: String,
    source: String,
}

#[derive(Serialize)]
struct PartView {
    kind: Option<String>,
    title: Option<Sourced>,
    fields: Vec<FieldView>,
    signed: Option<FieldView>,
    copy_mark: Option<Sourced>,
    subjects: Vec<SubjectView>,
    /// A table of marks whose columns were not recognised (where it starts).
    #[serde(skip_serializing_if = "Option::is_none")]
    unread_table: Option<String>,
}

#[derive(Serialize)]
struct SubjectView {
    name: String,
    periods: Option<f64>,
    score: Option<String>,
    source: String,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum View {
    Spreadsheet {
        file: String,
        sheets: Vec<SheetView>,
        sheets_without_list: Vec<String>,
        warnings: Vec<String>,
    },
    Word {
        file: String,
        documents: Vec<PartView>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        text: Vec<String>,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rules = load_rules(args.rules.as_deref())?;
    let vocab = &rules.vocabulary;
    let display = args.file.display().to_string();
    let view = match format_of(&args.file) {
        Format::Spreadsheet => {
            let wb = spreadsheet::read_workbook(&args.file, &display)
                .map_err(|e| anyhow::anyhow!("{display}: {e}"))?;
            let (tables, told) = read_tables(&wb, vocab);
            let table_warnings: Vec<String> =
                tables.iter().flat_map(|t| t.warnings.clone()).collect();
            // A hidden sheet passed over has a list, said in its warning.
            let with_list: Vec<&str> = (tables.iter().map(|t| t.sheet.as_str()))
                .chain(told.iter().map(|w| w.sheet()))
                .collect();
            let sheets_without_list = wb
                .sheets
                .iter()
                .map(|s| s.name.clone())
                .filter(|n| !with_list.contains(&n.as_str()))
                .collect();
            let sheets = tables
                .into_iter()
                .map(|t| SheetView {
                    sheet: t.sheet.clone(),
                    header_rows: Some((t.header_rows.0 + 1, t.header_rows.1 + 1)),
                    columns: t
                        .columns
                        .iter()
                        .map(|c| ColumnView {
                            field: c.field.clone(),
                            header: c.header.clone(),
                            column: hoso::source::column_letters(c.col),
                        })
                        .collect(),
                    title_lines: t
                        .title_lines
                        .iter()
                        .map(|(x, s)| Sourced {
                            text: x.clone(),
                            source: s.to_string(),
                        })
                        .collect(),
                    people: t
                        .records
                        .iter()
                        .map(|r| PersonView {
                            row: r.row + 1,
                            values: r
                                .fields
                                .iter()
                                .map(|(k, v)| FieldView {
                                    field: k.clone(),
                                    text: v.text.clone(),
                                    date: v.date.map(|d| d.iso()),
                                    source: v.source.to_string(),
                                })
                                .collect(),
                            warnings: r.warnings.clone(),
                        })
                        .collect(),
                    footer_lines: t
                        .footer_lines
                        .iter()
                        .map(|(x, s)| Sourced {
                            text: x.clone(),
                            source: s.to_string(),
                        })
                        .collect(),
                })
                .collect();
            View::Spreadsheet {
                file: display.clone(),
                sheets,
                sheets_without_list,
                warnings: (wb.warnings.iter().chain(&told))
                    .map(|w| w.explain(vocab))
                    .chain(table_warnings)
                    .collect(),
            }
        }
        Format::Word => {
            let doc = docx::read_document(&args.file, &display)
                .map_err(|e| anyhow::anyhow!("{display}: {e}"))?;
            let text = if args.text {
                raw_text(&doc.blocks)
            } else {
                Vec::new()
            };
            let documents = split_parts(&doc, vocab)
                .into_iter()
                .map(|p| PartView {
                    kind: p.kind.clone(),
                    title: p.title.as_deref().map(|(t, s)| Sourced {
                        text: t.clone(),
                        source: s.to_string(),
                    }),
                    fields: p
                        .fields
                        .iter()
                        .map(|(k, f)| FieldView {
                            field: k.clone(),
                            text: f.text.clone(),
                            date: hoso::date::Date::parse(&f.text).map(|d| d.iso()),
                            source: f.source.to_string(),
                        })
                        .collect(),
                    signed: p.signed.as_deref().map(|(d, s)| FieldView {
                        field: "signed".into(),
                        text: d.display_vn(),
                        date: Some(d.iso()),
                        source: s.to_string(),
                    }),
                    copy_mark: p.copy_mark.as_ref().map(|f| Sourced {
                        text: f.text.clone(),
                        source: f.source.to_string(),
                    }),
                    subjects: p
                        .subjects
                        .iter()
                        .map(|s| SubjectView {
                            name: s.name.clone(),
                            periods: s.periods,
                            score: s.score.clone(),
                            source: s.source.to_string(),
                        })
                        .collect(),
                    unread_table: p.unread_table.as_deref().map(ToString::to_string),
                })
                .collect();
            View::Word {
                file: display.clone(),
                documents,
                text,
            }
        }
        Format::Other => match hoso::ingest::file::word_format_problem(&args.file) {
            Some(why) => anyhow::bail!("{display}: {why}"),
            None => anyhow::bail!(
                "{display}: not a spreadsheet (.xlsx .xlsm .xls .ods) or Word file (.docx .doc)"
            ),
        },
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        // Sources name the inspected file; in text, `C14` or `#p3` is enough.
        let text = render_text(&view);
        let short = text
            .replace(&format!("[{display}!"), "[")
            .replace(&format!("[{display}#"), "[#");
        print!("{short}");
    }
    Ok(ExitCode::SUCCESS)
}

fn raw_text(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => format!("p{}: {}", p.n, p.text),
            Block::Table(t) => {
                let rows: Vec<String> = t
                    .rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|c| c.text.replace('\n', " / "))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    })
                    .collect();
                format!("t{}:\n    {}", t.n, rows.join("\n    "))
            }
            Block::PageBreak => "--- page break ---".to_string(),
        })
        .collect()
}

fn render_text(view: &View) -> String {
    // Writing to a String cannot fail.
    let mut out = String::new();
    match view {
        View::Spreadsheet {
            file,
            sheets,
            sheets_without_list,
            warnings,
        } => {
            let _ = writeln!(out, "{file}: spreadsheet");
            for w in warnings {
                let _ = writeln!(out, "  warning: {w}");
            }
            for s in sheets {
                let _ = writeln!(out, "\nsheet {:?}", s.sheet);
                for t in &s.title_lines {
                    let _ = writeln!(out, "  title   {}  [{}]", t.text, t.source);
                }
                if let Some((a, b)) = s.header_rows {
                    let _ = writeln!(
                        out,
                        "  header  row {}{}",
                        a,
                        if a == b {
                            String::new()
                        } else {
                            format!("-{b}")
                        }
                    );
                }
                for c in &s.columns {
                    let _ = writeln!(out, "  column  {} {:?} -> {}", c.column, c.header, c.field);
                }
                let _ = writeln!(out, "  {} people:", s.people.len());
                for p in &s.people {
                    let values: Vec<String> = p
                        .values
                        .iter()
                        .map(|v| match &v.date {
                            Some(d) => format!("{}={} ({d}) [{}]", v.field, v.text, v.source),
                            None => format!("{}={} [{}]", v.field, v.text, v.source),
                        })
                        .collect();
                    let _ = writeln!(out, "    row {:>4}: {}", p.row, values.join("; "));
                    for w in &p.warnings {
                        let _ = writeln!(out, "              warning: {w}");
                    }
                }
                for f in &s.footer_lines {
                    let _ = writeln!(out, "  footer  {}  [{}]", f.text, f.source);
                }
            }
            for s in sheets_without_list {
                let _ = writeln!(out, "\nsheet {s:?}: no list header found");
            }
        }
        View::Word {
            file,
            documents,
            text,
        } => {
            let _ = writeln!(
                out,
                "{file}: Word document, {} document(s)",
                documents.len()
            );
            for (i, d) in documents.iter().enumerate() {
                let kind = d.kind.as_deref().unwrap_or("(unrecognised)");
                let _ = writeln!(out, "\n[{}] {kind}", i + 1);
                if let Some(t) = &d.title {
                    let _ = writeln!(out, "  title      {}  [{}]", t.text, t.source);
                }
                for f in &d.fields {
                    let _ = writeln!(out, "  {:<10} {}  [{}]", f.field, f.text, f.source);
                }
                if let Some(s) = &d.signed {
                    let _ = writeln!(out, "  signed     {}  [{}]", s.text, s.source);
                }
                if let Some(c) = &d.copy_mark {
                    let _ = writeln!(out, "  copy mark  {}  [{}]", c.text, c.source);
                }
                if !d.subjects.is_empty() {
                    let _ = writeln!(out, "  subjects:");
                    for s in &d.subjects {
                        let periods = s
                            .periods
                            .map(|p| p.to_string())
                            .unwrap_or_else(|| "?".into());
                        let _ = writeln!(
                            out,
                            "    {:<50} {:>5} tiết  {}  [{}]",
                            s.name,
                            periods,
                            s.score.as_deref().unwrap_or(""),
                            s.source
                        );
                    }
                }
                if let Some(table) = &d.unread_table {
                    let _ = writeln!(
                        out,
                        "  table of marks not read (no header row naming the subject and periods columns)  [{table}]"
                    );
                }
            }
            if !text.is_empty() {
                let _ = writeln!(out, "\ntext:");
                for t in text {
                    let _ = writeln!(out, "  {t}");
                }
            }
        }
    }
    out
}
