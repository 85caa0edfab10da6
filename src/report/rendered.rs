//! A verdict as the report files write it, rendered once.
//!
//! Why: rendering every verdict into JSON, CSV and workbook XML on the
//! writers' threads was a third of a re-run's writing, and reading every
//! kept verdict back from the cache to render it again was more. A verdict
//! is now rendered as it is judged, on the jobs pool, and the rendering is
//! what the cache keeps: a re-run writes a kept verdict's bytes as they are.
//! The verdict itself is its JSON ([`Rendered::verdict`]).

use super::xlsx_rows::text_cell;
use super::{label, neutralise};
use crate::evaluate::ruleset::RuleSet;
use crate::verdict::{Reason, Severity, Status, Verdict};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rendered {
    pub status: Status,
    /// The reasons' severities and codes, sorted, each once: what the
    /// counts are made of ([`crate::verdict::Tally`]).
    pub codes: Vec<(Severity, String)>,
    /// The verdict's files as the run's accounting adds them up (a sum of
    /// their paths' hashes, `pipeline::Fingerprint`).
    pub files: u128,
    /// Its element of verdicts.json's `verdicts`, indented for its place
    /// there, without the comma and line break between elements.
    #[serde(with = "serde_bytes")]
    pub json: Vec<u8>,
    /// Its record of verdicts.csv, with the record's end.
    #[serde(with = "serde_bytes")]
    pub csv: Vec<u8>,
    /// Its row of the verdict sheet after the number: cells
    /// ([`super::xlsx_rows::text_cell`]).
    #[serde(with = "serde_bytes")]
    pub verdict_cells: Vec<u8>,
    /// Its rows of the reason sheet, one per reason.
    pub reason_cells: Vec<serde_bytes::ByteBuf>,
}

impl Rendered {
    /// `v` rendered for the report files of `rules`; `files` is the sum
    /// of its files' path hashes.
    pub fn of(v: &Verdict, rules: &RuleSet, files: u128) -> anyhow::Result<Rendered> {
        let mut codes: Vec<(Severity, String)> = v
            .reasons
            .iter()
            .map(|r| (r.severity, r.code.clone()))
            .collect();
        codes.sort();
        codes.dedup();
        let mut verdict_cells = Vec::new();
        let mut scratch = Scratch::default();
        for (col, text) in (1..).zip(verdict_texts(v, rules, &mut scratch)) {
            text_cell(&mut verdict_cells, col, &neutralise(text));
        }
        let mut sources = String::new();
        let reason_cells = v
            .reasons
            .iter()
            .map(|reason| {
                let mut cells = Vec::new();
                for (col, text) in (0..).zip(reason_texts(v, reason, rules, &mut sources)) {
                    text_cell(&mut cells, col, &neutralise(text));
                }
                serde_bytes::ByteBuf::from(cells)
            })
            .collect();
        Ok(Rendered {
            status: v.status,
            codes,
            files,
            json: json_element(v)?,
            csv: csv_record(v, rules)?,
            verdict_cells,
            reason_cells,
        })
    }

    /// The verdict rendered, read back from its JSON.
    pub fn verdict(&self) -> serde_json::Result<Verdict> {
        serde_json::from_slice(&self.json)
    }
}

/// `v` as serde_json's pretty printer writes it as an element of the
/// `verdicts` array of verdicts.json: two levels deep, so every line after
/// the first is indented four spaces more than on its own. (A JSON text
/// holds no raw line break but between its tokens.)
pub(super) fn json_element(v: &Verdict) -> serde_json::Result<Vec<u8>> {
    nested(v, b"\n    ")
}

/// `value` pretty-printed with each line break followed by `indent`.
pub(super) fn nested(value: &impl Serialize, indent: &[u8]) -> serde_json::Result<Vec<u8>> {
    thread_local! {
        // One buffer per thread, reused: each verdict's JSON is a few
        // hundred bytes, re-indented into its own exact copy.
        static PLAIN: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    PLAIN.with_borrow_mut(|plain| {
        plain.clear();
        serde_json::to_writer_pretty(&mut *plain, value)?;
        let breaks = plain.iter().filter(|&&b| b == b'\n').count();
        let mut out = Vec::with_capacity(plain.len() + breaks * (indent.len() - 1));
        for (i, line) in plain.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                out.extend_from_slice(indent);
            }
            out.extend_from_slice(line);
        }
        Ok(out)
    })
}

/// `v`'s record of verdicts.csv, as the csv crate's writer writes it.
fn csv_record(v: &Verdict, rules: &RuleSet) -> anyhow::Result<Vec<u8>> {
    let codes: Vec<&str> = v.reasons.iter().map(|r| r.code.as_str()).collect();
    let messages: Vec<&str> = v.reasons.iter().map(|r| r.message.as_str()).collect();
    let sources: Vec<&str> = v
        .reasons
        .iter()
        .flat_map(|r| r.sources.iter().map(String::as_str))
        .collect();
    let birth = v.birth_date.map(|d| d.iso()).unwrap_or_default();
    let (codes, messages, sources) = (codes.join("; "), messages.join("; "), sources.join("; "));
    let fields = [
        v.name.as_str(),
        birth.as_str(),
        v.unit.as_deref().unwrap_or(""),
        rules.status_name(v.status),
        &codes,
        &messages,
        &sources,
        v.dossier.as_deref().unwrap_or(""),
        v.list_row.as_deref().unwrap_or(""),
    ]
    .map(neutralise);
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1024)
        .from_writer(Vec::with_capacity(512));
    w.write_record(fields.iter().map(|f| f.as_bytes()))?;
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("a verdict's CSV record: {}", e.error()))
}

/// Label keys of verdicts.csv's columns, in order.
pub(super) const CSV_COLUMNS: [&str; 9] = [
    "name",
    "birth_date",
    "unit",
    "status",
    "codes",
    "reasons",
    "sources",
    "dossier",
    "list_row",
];

/// The CSV header record, labelled by `rules`.
pub(super) fn csv_header(rules: &RuleSet) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(CSV_COLUMNS.iter().map(|h| label(rules, h)))?;
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("the CSV header: {}", e.error()))
}

/// Room for the verdict sheet's texts that are made, not borrowed.
#[derive(Default)]
struct Scratch {
    birth_date: String,
    codes: String,
}

/// The verdict sheet's text columns (after the number), before
/// [`neutralise`].
fn verdict_texts<'a>(v: &'a Verdict, rules: &'a RuleSet, scratch: &'a mut Scratch) -> [&'a str; 7] {
    scratch.birth_date = v.birth_date.map(|d| d.display_vn()).unwrap_or_default();
    scratch.codes.clear();
    for (i, reason) in v.reasons.iter().enumerate() {
        if i > 0 {
            scratch.codes.push_str("; ");
        }
        scratch.codes.push_str(&reason.code);
    }
    [
        &v.name,
        &scratch.birth_date,
        v.unit.as_deref().unwrap_or(""),
        rules.status_name(v.status),
        &scratch.codes,
        v.dossier.as_deref().unwrap_or(""),
        v.list_row.as_deref().unwrap_or(""),
    ]
}

/// The reason sheet's columns for `reason` of `v`, before [`neutralise`].
fn reason_texts<'a>(
    v: &'a Verdict,
    reason: &'a Reason,
    rules: &'a RuleSet,
    sources: &'a mut String,
) -> [&'a str; 5] {
    sources.clear();
    for (i, source) in reason.sources.iter().enumerate() {
        if i > 0 {
            sources.push_str("; ");
        }
        sources.push_str(source);
    }
    [
        &v.name,
        &reason.code,
        label(rules, severity_key(reason.severity)),
        &reason.message,
        sources,
    ]
}

pub(super) fn severity_key(s: Severity) -> &'static str {
    match s {
        Severity::Reject => "reject",
        Severity::Warning => "warning",
        Severity::Review => "review",
    }
}
