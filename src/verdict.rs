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
        let mut s = Summary {
            total: verdicts.len(),
            ..Summary::default()
        };
        for v in verdicts {
            match v.status {
                Status::Accepted => s.accepted += 1,
                Status::Rejected => s.rejected += 1,
                Status::NeedsReview => s.needs_review += 1,
            }
        }
        s
    }
}
