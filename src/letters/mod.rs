//! Letters: a rejection notice per rejected applicant, the list of
//! recognised people attached to the recognition decision, and one merged
//! file of all notices for printing, filled from Word templates a clerk can
//! edit (layout: HD 36-HD/VPTW, domain.md §8).
//!
//! # Templates
//!
//! A template is an ordinary .docx (`thong-bao.docx` for notices,
//! `danh-sach.docx` for the list) with placeholders in its text, in the
//! body, tables, headers, footers and notes. Word and LibreOffice may split a
//! placeholder over several runs and put bookmarks or proofing marks between
//! them; it still fills, and the value takes the formatting of the run where
//! the placeholder starts. Values are escaped; bookmarks and Word paragraph
//! ids are dropped from filled parts (they would be duplicated).
//!
//! # Placeholder syntax
//!
//! - `{{name}}`: a value. Names are ASCII letters, digits and `_`; case and
//!   spaces inside the braces do not matter (`{{ Ho_Ten }}` is `ho_ten`).
//! - A list of texts (`{{ly_do}}`, and every list in the config's
//!   `[gia_tri]`): the paragraph holding `{{ly_do}}` is repeated once per
//!   item, and removed when the list is empty; `{{ly_do.stt}}` is the item's
//!   number (1, 2, ...). A paragraph repeats for one list only.
//! - A list of records (`nguoi`, the recognised people): the table row
//!   holding `{{nguoi.ho_ten}}` etc. is repeated once per person, with
//!   `{{nguoi.stt}}` numbering them (outside a table, the paragraph repeats).
//!   Consecutive rows holding them repeat together, so a person may take two
//!   rows.
//! - A known name in single braces (`{ho_ten}`) fills nothing: it is left
//!   as written, with one warning per template ([`LettersReport::warnings`]).
//!
//! Names, for the notice body: `ho_ten`, `ngay_sinh`, `don_vi`,
//! `so_van_ban` (the notice number), lists `ly_do` (reasons for rejection)
//! and `luu_y` (warnings). For the list body: `so_nguoi` and the records
//! `nguoi` with fields `stt`, `ho_ten`, `ngay_sinh`, `don_vi`, `ghi_chu`.
//! Everywhere, headers, footers and notes included: `ngay_ky` (the signing
//! date in words, "ngày 15 tháng 12 năm 2021") and every key of the config's
//! `[gia_tri]` table. A template is checked before anything is written: an
//! unknown name is refused with its template, part and paragraph and the list
//! of known names; a `{{` left in any output is an error.
//!
//! # Filling
//!
//! Templates are never read and re-written by a document model: every zip
//! entry is copied as is, except the XML of the body, headers, footers and
//! notes, which is rewritten event by event (`template.rs`). The merged file
//! concatenates the filled bodies of the notice template, each in sections
//! of its own (`sections.rs`) and with Word's automatic numbering started
//! again (`numbering.rs`), so that every notice prints as its own file does:
//! page numbers from 1, its own first page, its reasons from "1.".

pub mod defaults;

mod config;
pub(crate) mod conform;
mod names;
mod numbering;
mod package;
mod placeholders;
mod sections;
mod template;
mod xml;

pub use template::TemplateError;

/// A signing date as typed on the command line (`--date 15/12/2021`); the
/// error says what is wrong, a day the calendar lacks included.
pub fn parse_signing_date(text: &str) -> Result<Date, String> {
    config::parse_signing_date(text)
}

use crate::date::Date;
use crate::text::{clean, display_name};
use crate::verdict::{Severity, Status, Verdict, Verdicts};
use anyhow::Context;
use config::LetterConfig;
use placeholders::{Schema, Values};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use template::Template;

/// File names of a templates folder.
pub const NOTICE_TEMPLATE: &str = "thong-bao.docx";
pub const LIST_TEMPLATE: &str = "danh-sach.docx";
pub const CONFIG_FILE: &str = "letters.toml";

/// What is written in the output folder.
pub const NOTICES_DIR: &str = "thong-bao";
pub const MERGED_FILE: &str = "thong-bao-gop.docx";
pub const LIST_FILE: &str = "danh-sach-cong-nhan.docx";

/// The built-in templates and configuration (`templates/` in the source).
pub const DEFAULT_NOTICE: &[u8] = include_bytes!("../../templates/thong-bao.docx");
pub const DEFAULT_LIST: &[u8] = include_bytes!("../../templates/danh-sach.docx");
pub const DEFAULT_CONFIG: &str = include_str!("../../templates/letters.toml");

const NOTICE_SCALARS: [&str; 4] = ["ho_ten", "ngay_sinh", "don_vi", "so_van_ban"];
const NOTICE_LISTS: [&str; 2] = ["ly_do", "luu_y"];
const LIST_SCALARS: [&str; 1] = ["so_nguoi"];
const PEOPLE: &str = "nguoi";
const PERSON_FIELDS: [&str; 4] = ["ho_ten", "ngay_sinh", "don_vi", "ghi_chu"];
const SIGNING_DATE: &str = "ngay_ky";

#[derive(Clone, Debug)]
pub struct LetterOptions {
    /// A folder with `thong-bao.docx` and `danh-sach.docx`; `None` uses the
    /// built-in templates.
    pub templates: Option<PathBuf>,
    /// The configuration; `None` uses `letters.toml` of the templates
    /// folder when there is one, else the built-in configuration.
    pub config: Option<PathBuf>,
    pub out: PathBuf,
    /// The signing date, overriding the configuration's `ngay_ky`.
    pub date: Option<Date>,
}

impl Default for LetterOptions {
    fn default() -> Self {
        LetterOptions {
            templates: None,
            config: None,
            out: PathBuf::from("hoso-out/letters"),
            date: None,
        }
    }
}

/// One notice written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenNotice {
    /// The notice number, as printed (`01-TB/TTCT`).
    pub number: String,
    /// The applicant, as printed.
    pub name: String,
    pub path: PathBuf,
}

/// What [`write_letters`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LettersReport {
    /// One per rejected verdict, in verdict order.
    pub notices: Vec<WrittenNotice>,
    /// All notices in one file; `None` when nobody was rejected.
    pub merged: Option<PathBuf>,
    /// The recognition list; `None` when nobody was accepted.
    pub list: Option<PathBuf>,
    /// People on the recognition list.
    pub listed: usize,
    /// Verdicts needing review: no letter is written for them.
    pub needs_review: usize,
    /// Notices in the output folder from an earlier run that this run did
    /// not write (a verdict changed); left in place, reported.
    pub stale: Vec<PathBuf>,
    /// What a clerk should fix in a template though letters were written
    /// (a placeholder name in single braces, left as it is).
    pub warnings: Vec<String>,
}

/// Writes the notices, the merged notices and the recognition list into
/// `opts.out`. Templates and configuration are checked and every letter is
/// filled in memory first: on any error nothing is written.
pub fn write_letters(verdicts: &Verdicts, opts: &LetterOptions) -> anyhow::Result<LettersReport> {
    let config = load_config(opts)?;
    let date = opts
        .date
        .or(config.date)
        .context("no signing date: set ngay_ky in the letters configuration or pass --date")?;
    let mut shared = config.values.clone();
    shared
        .scalars
        .insert(SIGNING_DATE.to_string(), date.in_words());
    let shared_schema = schema_of(&shared);
    let notice_schema = {
        let mut s = shared_schema.clone();
        s.scalars.extend(NOTICE_SCALARS.map(String::from));
        s.lists.extend(NOTICE_LISTS.map(String::from));
        s
    };
    let list_schema = {
        let mut s = shared_schema.clone();
        s.scalars.extend(LIST_SCALARS.map(String::from));
        s.records.insert(
            PEOPLE.to_string(),
            PERSON_FIELDS.map(String::from).into_iter().collect(),
        );
        s
    };
    let (notice_label, notice_bytes) = template_bytes(opts, NOTICE_TEMPLATE, DEFAULT_NOTICE)?;
    let (list_label, list_bytes) = template_bytes(opts, LIST_TEMPLATE, DEFAULT_LIST)?;
    let notice_t = Template::load(
        &notice_label,
        &notice_bytes,
        &notice_schema,
        &shared_schema,
        &shared,
    )?;
    let list_t = Template::load(
        &list_label,
        &list_bytes,
        &list_schema,
        &shared_schema,
        &shared,
    )?;

    let rejected: Vec<&Verdict> = by_status(verdicts, Status::Rejected);
    let accepted: Vec<&Verdict> = by_status(verdicts, Status::Accepted);
    let last_number = u64::from(config.numbering.start) + rejected.len().saturating_sub(1) as u64;
    let last_number = u32::try_from(last_number).context("too many notices for the numbering")?;
    let width = last_number.to_string().len().max(3);

    let notices_dir = opts.out.join(NOTICES_DIR);
    let filled: Vec<(WrittenNotice, template::Body)> = rejected
        .par_iter()
        .enumerate()
        .map(|(i, v)| {
            let n = config.numbering.start + i as u32;
            let values = notice_values(&shared, &config, v, &config.numbering.format(n));
            let name = values
                .scalars
                .get(NOTICE_SCALARS[0])
                .cloned()
                .unwrap_or_default();
            let file = names::notice_file_name(n, width, &v.name);
            let body = notice_t
                .fill_body(&values, i as u32)
                .map_err(|e| anyhow::anyhow!("notice {file}: {e}"))?;
            let notice = WrittenNotice {
                number: config.numbering.format(n),
                name,
                path: notices_dir.join(file),
            };
            Ok((notice, body))
        })
        .collect::<anyhow::Result<_>>()?;
    let merged = if filled.is_empty() {
        None
    } else {
        let bodies: Vec<&template::Body> = filled.iter().map(|(_, b)| b).collect();
        Some(notice_t.package(&bodies)?)
    };
    let list = if accepted.is_empty() {
        None
    } else {
        let values = list_values(&shared, &config, &accepted);
        let body = list_t
            .fill_body(&values, 0)
            .map_err(|e| anyhow::anyhow!("{LIST_FILE}: {e}"))?;
        Some(list_t.package(&[&body])?)
    };
    // Everything filled (a value a template refuses stops the run before
    // anything is written), each notice is packaged and written in turn:
    // holding every notice's file at once took 400 MB for 30,000 verdicts.
    std::fs::create_dir_all(&notices_dir)
        .with_context(|| format!("cannot create {}", notices_dir.display()))?;
    filled.par_iter().try_for_each(|(notice, body)| {
        crate::report::write_atomic_unsynced(&notice.path, &notice_t.package(&[body])?)
    })?;

    let mut report = LettersReport {
        listed: accepted.len(),
        needs_review: by_status(verdicts, Status::NeedsReview).len(),
        warnings: [&notice_t, &list_t]
            .iter()
            .flat_map(|t| t.warnings.iter().cloned())
            .collect(),
        ..LettersReport::default()
    };
    if let Some(bytes) = merged {
        let path = opts.out.join(MERGED_FILE);
        crate::report::write_atomic_unsynced(&path, &bytes)?;
        report.merged = Some(path);
    }
    if let Some(bytes) = list {
        let path = opts.out.join(LIST_FILE);
        crate::report::write_atomic_unsynced(&path, &bytes)?;
        report.list = Some(path);
    }
    report.notices = filled.into_iter().map(|(n, _)| n).collect();
    report.stale = stale_notices(&notices_dir, &report.notices);
    Ok(report)
}

/// Copies the built-in templates and configuration into `dir` for a clerk
/// to edit; refuses to overwrite any existing file.
pub fn init_templates(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let files: [(&str, &[u8]); 3] = [
        (NOTICE_TEMPLATE, DEFAULT_NOTICE),
        (LIST_TEMPLATE, DEFAULT_LIST),
        (CONFIG_FILE, DEFAULT_CONFIG.as_bytes()),
    ];
    for (name, _) in &files {
        let path = dir.join(name);
        if path.exists() {
            anyhow::bail!(
                "{} already exists; move it away first (nothing was written)",
                path.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        crate::report::write_atomic_unsynced(&path, bytes)?;
        written.push(path);
    }
    Ok(written)
}

fn load_config(opts: &LetterOptions) -> anyhow::Result<LetterConfig> {
    let beside_templates = opts
        .templates
        .as_ref()
        .map(|d| d.join(CONFIG_FILE))
        .filter(|p| p.is_file());
    let reserved: Vec<&str> = NOTICE_SCALARS
        .iter()
        .chain(&NOTICE_LISTS)
        .chain(&LIST_SCALARS)
        .chain([&PEOPLE, &SIGNING_DATE])
        .copied()
        .collect();
    match opts.config.as_ref().or(beside_templates.as_ref()) {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            LetterConfig::parse(&text, &reserved)
                .map_err(|e| anyhow::anyhow!("letters configuration {}: {e}", path.display()))
        }
        None => LetterConfig::parse(DEFAULT_CONFIG, &reserved)
            .map_err(|e| anyhow::anyhow!("built-in letters configuration: {e}")),
    }
}

fn template_bytes(
    opts: &LetterOptions,
    name: &str,
    builtin: &[u8],
) -> anyhow::Result<(String, Vec<u8>)> {
    match &opts.templates {
        Some(dir) => {
            let path = dir.join(name);
            let bytes = std::fs::read(&path).with_context(|| {
                format!("cannot read the template {} (a templates folder holds {NOTICE_TEMPLATE} and {LIST_TEMPLATE}; `hoso letters --init-templates DIR` makes one)", path.display())
            })?;
            Ok((path.display().to_string(), bytes))
        }
        None => Ok((format!("{name} (built-in)"), builtin.to_vec())),
    }
}

fn schema_of(values: &Values) -> Schema {
    Schema {
        scalars: values.scalars.keys().cloned().collect(),
        lists: values.lists.keys().cloned().collect(),
        records: BTreeMap::new(),
    }
}

fn by_status(verdicts: &Verdicts, status: Status) -> Vec<&Verdict> {
    verdicts
        .verdicts
        .iter()
        .filter(|v| v.status == status)
        .collect()
}

/// Name, birth date and unit as printed; `missing` stands in for what the
/// verdict does not know.
fn person(v: &Verdict, missing: &str) -> [String; 3] {
    let or_missing = |s: String| if s.is_empty() { missing.to_string() } else { s };
    [
        or_missing(display_name(&v.name)),
        or_missing(v.birth_date.map(|d| d.display_vn()).unwrap_or_default()),
        or_missing(v.unit.as_deref().map(clean).unwrap_or_default()),
    ]
}

fn messages(v: &Verdict, warnings: bool) -> Vec<String> {
    v.reasons
        .iter()
        .filter(|r| (r.severity == Severity::Warning) == warnings)
        .map(|r| clean(&r.message))
        .filter(|m| !m.is_empty())
        .collect()
}

fn notice_values(shared: &Values, config: &LetterConfig, v: &Verdict, number: &str) -> Values {
    let mut values = shared.clone();
    let [name, birth, unit] = person(v, &config.missing);
    for (k, val) in NOTICE_SCALARS
        .iter()
        .zip([name, birth, unit, number.to_string()])
    {
        values.scalars.insert(k.to_string(), val);
    }
    values
        .lists
        .insert(NOTICE_LISTS[0].to_string(), messages(v, false));
    values
        .lists
        .insert(NOTICE_LISTS[1].to_string(), messages(v, true));
    values
}

fn list_values(shared: &Values, config: &LetterConfig, accepted: &[&Verdict]) -> Values {
    let mut values = shared.clone();
    values
        .scalars
        .insert(LIST_SCALARS[0].to_string(), accepted.len().to_string());
    let people = accepted
        .iter()
        .map(|v| {
            let [name, birth, unit] = person(v, &config.missing);
            let note = messages(v, true).join("; ");
            PERSON_FIELDS
                .iter()
                .map(|f| f.to_string())
                .zip([name, birth, unit, note])
                .collect()
        })
        .collect();
    values.records.insert(PEOPLE.to_string(), people);
    values
}

fn stale_notices(dir: &Path, written: &[WrittenNotice]) -> Vec<PathBuf> {
    let ours: BTreeSet<&Path> = written.iter().map(|n| n.path.as_path()).collect();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "docx") && !ours.contains(p.as_path()))
        .collect();
    stale.sort();
    stale
}
