//! The decision record: what `hoso check` writes and `hoso letters` /
//! `hoso report` read back. Field order is the JSON order, so keep it stable.

use crate::date::Date;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Accepted,
    Rejected,
    NeedsReview,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::NeedsReview => "needs_review",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Reject,
    Warning,
    /// Not a rule outcome: the dossier could not be judged (unreadable, no form).
    Review,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub severity: Severity,
    /// Vietnamese, from the rule file's reason template.
    pub message: String,
    /// Where the facts behind it came from (`file!Sheet!C14`, `file#p7`).
    pub sources: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub name: String,
    pub birth_date: Option<Date>,
    pub unit: Option<String>,
    pub status: Status,
    pub reasons: Vec<Reason>,
    /// The dossier folder or file, relative to the batch root.
    pub dossier: Option<String>,
    /// The list row, as `file!Sheet!row`.
    pub list_row: Option<String>,
    /// Every file of the dossier, relative to the batch root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Shared with the run's file list (a batch can hold 300,000 files).
    pub files: Vec<std::sync::Arc<str>>,
}

impl Verdict {
    /// Its reasons' severities and codes, sorted, each once: what the
    /// counts are made of ([`Tally`]).
    pub fn codes(&self) -> Vec<(Severity, &str)> {
        let mut codes: Vec<(Severity, &str)> = self
            .reasons
            .iter()
            .map(|r| (r.severity, r.code.as_str()))
            .collect();
        codes.sort();
        codes.dedup();
        codes
    }
}

/// A verdict in a binary form (postcard, on a [`crate::spill::Tape`]):
/// every field always written, in [`Verdict`]'s order. Postcard is not self-describing, so a field
/// left out when empty, as `files` is in JSON, could not be read back.
pub struct Stored<V>(pub V);

type Fields<'a> = (
    &'a String,
    &'a Option<Date>,
    &'a Option<String>,
    &'a Status,
    &'a Vec<Reason>,
    &'a Option<String>,
    &'a Option<String>,
    &'a Vec<std::sync::Arc<str>>,
);

impl Serialize for Stored<&Verdict> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        let fields: Fields = (
            &v.name,
            &v.birth_date,
            &v.unit,
            &v.status,
            &v.reasons,
            &v.dossier,
            &v.list_row,
            &v.files,
        );
        fields.serialize(s)
    }
}

impl Serialize for Stored<Verdict> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Stored(&self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Stored<Verdict> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (name, birth_date, unit, status, reasons, dossier, list_row, files) =
            Deserialize::deserialize(d)?;
        Ok(Stored(Verdict {
            name,
            birth_date,
            unit,
            status,
            reasons,
            dossier,
            list_row,
            files,
        }))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleSetInfo {
    pub name: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub needs_review: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedFile {
    pub path: String,
    pub reason: String,
}

/// The whole of `verdicts.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdicts {
    pub rule_set: RuleSetInfo,
    pub summary: Summary,
    pub verdicts: Vec<Verdict>,
    pub unused_files: Vec<UnusedFile>,
    /// Spreadsheets read as submission lists.
    #[serde(default)]
    pub lists: Vec<String>,
    /// Request letters outside dossiers (each covers the dossiers below it).
    #[serde(default)]
    pub request_letters: Vec<String>,
    /// Data-quality warnings about the lists (Vietnamese), each with its place.
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl Summary {
    pub fn of(verdicts: &[Verdict]) -> Summary {
        let mut s = Summary::default();
        verdicts.iter().for_each(|v| s.add(v.status));
        s
    }

    pub fn add(&mut self, status: Status) {
        self.total += 1;
        match status {
            Status::Accepted => self.accepted += 1,
            Status::Rejected => self.rejected += 1,
            Status::NeedsReview => self.needs_review += 1,
        }
    }
}

/// The counts of a run, kept as its verdicts go by (they are written as
/// they are made, never all in memory at once).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub summary: Summary,
    /// How many verdicts carry each reason code, by severity then code
    /// (nested, so that a code counted again is looked up by its text: a
    /// key of both was a new string for each of 30,000 codes a re-run adds
    /// up).
    pub reasons: std::collections::BTreeMap<Severity, std::collections::BTreeMap<String, usize>>,
}

impl Tally {
    pub fn of(verdicts: &[Verdict]) -> Tally {
        let mut t = Tally::default();
        verdicts.iter().for_each(|v| t.add(v));
        t
    }

    pub fn add(&mut self, v: &Verdict) {
        self.add_rendered(v.status, v.codes());
    }

    /// Adds a verdict of `status` whose reasons have `codes` (sorted, each
    /// once), as [`crate::report::Rendered`] keeps them.
    pub fn add_rendered<'a>(
        &mut self,
        status: Status,
        codes: impl IntoIterator<Item = (Severity, &'a str)>,
    ) {
        self.summary.add(status);
        for (sev, code) in codes {
            self.add_code(sev, code);
        }
    }

    fn add_code(&mut self, sev: Severity, code: &str) {
        let codes = self.reasons.entry(sev).or_default();
        match codes.get_mut(code) {
            Some(n) => *n += 1,
            None => {
                codes.insert(code.to_string(), 1);
            }
        }
    }

    /// `(code, severity, verdicts)`, by severity then code.
    pub fn reason_counts(&self) -> Vec<(String, Severity, usize)> {
        self.reasons
            .iter()
            .flat_map(|(sev, codes)| codes.iter().map(|(code, n)| (code.clone(), *sev, *n)))
            .collect()
    }
}
