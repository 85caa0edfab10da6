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

/// A verdict rendered for the report files, as one run of bytes (laid
/// out by [`Rendered::of`], read through [`RenderedRef`]): what the cache
/// keeps is these bytes as they are, so a kept verdict is written from
/// where it lies in the blob file, with nothing decoded or copied on the
/// way (decoding 10,000 kept renderings into their own buffers was a fifth
/// of a re-run's judging, and their copies 25 MB of fresh memory).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rendered(#[serde(with = "serde_bytes")] Vec<u8>);

/// A rendering's parts, borrowed from its bytes ([`RenderedRef::parse`]).
#[derive(Clone, Copy, Debug)]
pub struct RenderedRef<'a> {
    pub status: Status,
    /// The verdict's files as the run's accounting adds them up (a sum of
    /// their paths' hashes, `pipeline::Fingerprint`).
    pub files: u128,
    /// Its element of verdicts.json's `verdicts`, indented for its place
    /// there, without the comma and line break between elements.
    pub json: &'a [u8],
    /// Its record of verdicts.csv, with the record's end.
    pub csv: &'a [u8],
    /// Its row of the verdict sheet after the number: cells
    /// (`xlsx_rows::text_cell`).
    pub verdict_cells: &'a [u8],
    /// The reasons' severities and codes, sorted, each once (what the
    /// counts are made of, [`crate::verdict::Tally`]): [`RenderedRef::codes`].
    codes: Items<'a>,
    /// Its rows of the reason sheet, one per reason:
    /// [`RenderedRef::reason_cells`].
    reason_cells: Items<'a>,
}

impl Rendered {
    /// `v` rendered for the report files of `rules`; `files` is the sum
    /// of its files' path hashes.
    pub fn of(v: &Verdict, rules: &RuleSet, files: u128) -> anyhow::Result<Rendered> {
        let codes = v.codes();
        let json = json_element(v)?;
        let csv = csv_record(v, rules)?;
        let mut out = Vec::with_capacity(json.len() + csv.len() * 3 + 256);
        out.push(status_byte(v.status));
        out.extend_from_slice(&files.to_le_bytes());
        put_piece(&mut out, &json)?;
        put_piece(&mut out, &csv)?;
        // The verdict sheet's cells, written in place behind their length.
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        let mut scratch = Scratch::default();
        for (col, text) in (1..).zip(verdict_texts(v, rules, &mut scratch)) {
            text_cell(&mut out, col, &neutralise(text));
        }
        let len = piece_len(out.len() - at - 4)?;
        out[at..at + 4].copy_from_slice(&len);
        let at = out.len();
        put_count(&mut out, codes.len())?;
        out.extend_from_slice(&[0; 4]);
        for (severity, code) in codes {
            out.push(severity_byte(severity));
            put_piece(&mut out, code.as_bytes())?;
        }
        let len = piece_len(out.len() - at - 8)?;
        out[at + 4..at + 8].copy_from_slice(&len);
        let at = out.len();
        put_count(&mut out, v.reasons.len())?;
        out.extend_from_slice(&[0; 4]);
        let mut sources = String::new();
        let mut cells = Vec::new();
        for reason in &v.reasons {
            cells.clear();
            for (col, text) in (0..).zip(reason_texts(v, reason, rules, &mut sources)) {
                text_cell(&mut cells, col, &neutralise(text));
            }
            put_piece(&mut out, &cells)?;
        }
        let len = piece_len(out.len() - at - 8)?;
        out[at + 4..at + 8].copy_from_slice(&len);
        Ok(Rendered(out))
    }

    /// The rendering's bytes, as the cache keeps them.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The rendering whose bytes are `bytes`, if they are one.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Rendered> {
        RenderedRef::parse(&bytes)?;
        Some(Rendered(bytes))
    }

    /// Its parts. Fails only on bytes that are not a rendering, which
    /// [`Rendered::of`] never makes.
    pub fn view(&self) -> Result<RenderedRef<'_>, NotRendered> {
        // Made by `of` or checked by `from_bytes`.
        RenderedRef::parse_checked(&self.0).ok_or(NotRendered)
    }

    /// The verdict rendered, read back from its JSON.
    pub fn verdict(&self) -> anyhow::Result<Verdict> {
        Ok(self.view()?.verdict()?)
    }
}

/// Bytes that should hold a rendering do not (a damaged blob or tape).
#[derive(Debug, thiserror::Error)]
#[error("a kept verdict is damaged")]
pub struct NotRendered;

impl<'a> RenderedRef<'a> {
    /// The parts of the rendering in `bytes`, every length and code
    /// checked against them, or `None`.
    pub fn parse(bytes: &'a [u8]) -> Option<RenderedRef<'a>> {
        let parts = RenderedRef::parse_checked(bytes)?;
        let mut codes = Pieces::all(parts.codes.rest);
        for _ in 0..parts.codes.count {
            severity_of(codes.byte()?)?;
            std::str::from_utf8(codes.piece()?).ok()?;
        }
        let mut cells = Pieces::all(parts.reason_cells.rest);
        for _ in 0..parts.reason_cells.count {
            cells.piece()?;
        }
        (codes.rest.is_empty() && cells.rest.is_empty()).then_some(parts)
    }

    /// The parts of a rendering checked whole once already
    /// ([`RenderedRef::parse`]), read again as the report writers do, five
    /// times each: the layout's lengths only, as they still bound every
    /// read. (Walking every code and reason again on each reading was a
    /// sixth of writing the reports.)
    pub fn parse_checked(bytes: &'a [u8]) -> Option<RenderedRef<'a>> {
        let mut r = Pieces::all(bytes);
        let status = status_of(r.byte()?)?;
        let files = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
        let json = r.piece()?;
        let csv = r.piece()?;
        let verdict_cells = r.piece()?;
        let codes = r.sequence()?;
        let reason_cells = r.sequence()?;
        r.rest.is_empty().then_some(RenderedRef {
            status,
            files,
            json,
            csv,
            verdict_cells,
            codes,
            reason_cells,
        })
    }

    /// The reasons' severities and codes, sorted, each once.
    pub fn codes(&self) -> impl Iterator<Item = (Severity, &'a str)> + use<'a> {
        let mut p = Pieces::all(self.codes.rest);
        (0..self.codes.count).map_while(move |_| {
            let severity = severity_of(p.byte()?)?;
            let code = std::str::from_utf8(p.piece()?).ok()?;
            Some((severity, code))
        })
    }

    /// Its rows of the reason sheet, one per reason: cells.
    pub fn reason_cells(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let mut p = Pieces::all(self.reason_cells.rest);
        (0..self.reason_cells.count).map_while(move |_| p.piece())
    }

    /// The verdict rendered, read back from its JSON.
    pub fn verdict(&self) -> serde_json::Result<Verdict> {
        serde_json::from_slice(self.json)
    }
}

/// The items of a sequence ([`Pieces::sequence`]): how many, and their
/// bytes.
#[derive(Clone, Copy, Debug)]
struct Items<'a> {
    count: usize,
    rest: &'a [u8],
}

/// Bytes read from the front: fixed-width numbers (little-endian) and
/// pieces, each its length (`u32`) and its bytes.
#[derive(Clone, Copy, Debug)]
struct Pieces<'a> {
    rest: &'a [u8],
}

impl<'a> Pieces<'a> {
    fn all(bytes: &'a [u8]) -> Pieces<'a> {
        Pieces { rest: bytes }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.rest.split_at_checked(n)?;
        self.rest = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn count(&mut self) -> Option<usize> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?);
        usize::try_from(n).ok()
    }

    fn piece(&mut self) -> Option<&'a [u8]> {
        let n = self.count()?;
        self.take(n)
    }

    /// A sequence: its count of items and their length in bytes, then
    /// the items, to be read by the caller.
    fn sequence(&mut self) -> Option<Items<'a>> {
        let count = self.count()?;
        let len = self.count()?;
        Some(Items {
            count,
            rest: self.take(len)?,
        })
    }
}

fn piece_len(len: usize) -> anyhow::Result<[u8; 4]> {
    let len = u32::try_from(len).map_err(|_| anyhow::anyhow!("a verdict rendered over 4 GiB"))?;
    Ok(len.to_le_bytes())
}

fn put_count(out: &mut Vec<u8>, n: usize) -> anyhow::Result<()> {
    out.extend_from_slice(&piece_len(n)?);
    Ok(())
}

fn put_piece(out: &mut Vec<u8>, piece: &[u8]) -> anyhow::Result<()> {
    put_count(out, piece.len())?;
    out.extend_from_slice(piece);
    Ok(())
}

fn status_byte(s: Status) -> u8 {
    match s {
        Status::Accepted => 0,
        Status::Rejected => 1,
        Status::NeedsReview => 2,
    }
}

fn status_of(b: u8) -> Option<Status> {
    [Status::Accepted, Status::Rejected, Status::NeedsReview]
        .into_iter()
        .find(|&s| status_byte(s) == b)
}

fn severity_byte(s: Severity) -> u8 {
    match s {
        Severity::Reject => 0,
        Severity::Warning => 1,
        Severity::Review => 2,
    }
}

fn severity_of(b: u8) -> Option<Severity> {
    [Severity::Reject, Severity::Warning, Severity::Review]
        .into_iter()
        .find(|&s| severity_byte(s) == b)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Reason;

    fn verdict() -> Verdict {
        let reason = |severity, code: &str, message: &str| Reason {
            code: code.into(),
            severity,
            message: message.into(),
            sources: vec!["xã/đơn.docx#đoạn 3".into(), "ds.xlsx!DS!B4".into()],
        };
        Verdict {
            name: "=Nguyễn Thị Ánh".into(),
            status: Status::Rejected,
            reasons: vec![
                reason(Severity::Reject, "thieu-cong-van", "Thiếu công văn"),
                reason(Severity::Warning, "ngay-sinh", "Ngày sinh khác"),
                reason(
                    Severity::Reject,
                    "thieu-cong-van",
                    "Thiếu công văn, lần hai",
                ),
            ],
            birth_date: crate::date::Date::parse("03/04/1980"),
            unit: Some("Xã Đắk Kôi".into()),
            dossier: Some("xã".into()),
            list_row: None,
            files: vec!["xã/đơn.docx".into()],
        }
    }

    /// A rendering's parts are what was rendered: the verdict from its
    /// JSON, the codes sorted and each once, a row of cells per reason.
    #[test]
    fn a_rendering_reads_back_as_rendered() {
        let rules = RuleSet::default_rules().unwrap();
        let v = verdict();
        let rendered = Rendered::of(&v, &rules, 42).unwrap();
        let parts = rendered.view().unwrap();
        assert_eq!((parts.status, parts.files), (Status::Rejected, 42));
        assert_eq!(parts.verdict().unwrap(), v);
        assert_eq!(rendered.verdict().unwrap(), v);
        assert_eq!(
            parts.codes().collect::<Vec<_>>(),
            [
                (Severity::Reject, "thieu-cong-van"),
                (Severity::Warning, "ngay-sinh")
            ]
        );
        let rows: Vec<String> = parts
            .reason_cells()
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        assert_eq!(rows.len(), 3);
        assert!(rows[2].contains("Thiếu công văn, lần hai"), "{}", rows[2]);
        assert_eq!(parts.json, json_element(&v).unwrap());
        assert_eq!(parts.csv, csv_record(&v, &rules).unwrap());
        let cells = String::from_utf8(parts.verdict_cells.to_vec()).unwrap();
        assert!(
            cells.contains("&apos;=Nguyễn") || cells.contains("'=Nguyễn"),
            "{cells}"
        );
        // As the cache keeps it.
        let kept = Rendered::from_bytes(rendered.bytes().to_vec()).unwrap();
        assert_eq!(kept, rendered);
    }

    /// Bytes cut short, lengthened or with a length that overruns them are
    /// no rendering, and are never read as one.
    #[test]
    fn damaged_renderings_are_refused() {
        let rules = RuleSet::default_rules().unwrap();
        let bytes = Rendered::of(&verdict(), &rules, 7)
            .unwrap()
            .bytes()
            .to_vec();
        for cut in 0..bytes.len() {
            assert!(RenderedRef::parse(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(RenderedRef::parse(&long).is_none());
        let mut bad_status = bytes.clone();
        bad_status[0] = 9;
        assert!(RenderedRef::parse(&bad_status).is_none());
        // The JSON's length, made to overrun the bytes.
        let mut overrun = bytes;
        overrun[17..21].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(RenderedRef::parse(&overrun).is_none());
        assert!(Rendered::from_bytes(overrun).is_none());
    }
}
