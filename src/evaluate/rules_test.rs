//! Rule test cases as data, in the spirit of OpenFisca's YAML tests: each
//! case gives an applicant's facts and the status and codes the rules must
//! produce. A case file:
//!
//! ```toml
//! [base]                 # facts shared by every case of the file
//! in_list = true
//! has = { don = true, bang_diem = true }
//!
//! [[case]]
//! name = "ký sau 09/7/2021"
//! facts = { form = { signed = "2021-07-09" } }   # merged over [base]
//! status = "rejected"
//! codes = ["qua-han"]    # every failing rule, warnings included, any order
//! ```
//! Facts start from an empty applicant (every key of the vocabulary, blank);
//! `[base]` and the case's `facts` are merged over it, tables key by key.
//! Unknown fact names are errors, so a typo cannot make a case pass.

use super::facts::{Facts, Provenance};
use super::ruleset::RuleSet;
use super::{State, run_rules};
use crate::verdict::{Severity, Status};
use anyhow::Context as _;
use serde::Deserialize;
use serde_json::Value as Json;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    base: Option<toml::Value>,
    #[serde(rename = "case")]
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    facts: Option<toml::Value>,
    status: Status,
    #[serde(default)]
    codes: Vec<String>,
}

pub struct CaseResult {
    pub file: String,
    pub name: String,
    /// Why the case failed; `None` when it passed.
    pub failure: Option<String>,
}

/// Runs every `*.toml` case file in a folder (sorted), or one file.
pub fn run_path(rules: &RuleSet, path: &Path) -> anyhow::Result<Vec<CaseResult>> {
    let mut files: Vec<std::path::PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    files.sort();
    let mut results = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        results.extend(run_text(rules, &text, &file.display().to_string())?);
    }
    Ok(results)
}

pub fn run_text(rules: &RuleSet, text: &str, origin: &str) -> anyhow::Result<Vec<CaseResult>> {
    let file: CaseFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    let empty = serde_json::to_value(Facts::empty(rules))?;
    let base = match &file.base {
        Some(b) => {
            let b = serde_json::to_value(b)?;
            if let Some(bad) = unknown_key(&empty, &b, "") {
                anyhow::bail!("{origin}: [base]: unknown fact `{bad}`");
            }
            merge(empty.clone(), b)
        }
        None => empty.clone(),
    };
    let mut out = Vec::new();
    for case in file.cases {
        let over = match &case.facts {
            Some(f) => serde_json::to_value(f)?,
            None => Json::Object(Default::default()),
        };
        let unknown = unknown_key(&empty, &over, "");
        let facts = merge(base.clone(), over);
        let failure = match serde_json::from_value::<Facts>(facts) {
            _ if unknown.is_some() => {
                Some(format!("unknown fact `{}`", unknown.unwrap_or_default()))
            }
            Err(e) => Some(format!("bad facts: {e}")),
            Ok(facts) => check(rules, &facts, case.status, &case.codes),
        };
        out.push(CaseResult {
            file: origin.to_string(),
            name: case.name,
            failure,
        });
    }
    Ok(out)
}

fn check(rules: &RuleSet, facts: &Facts, status: Status, codes: &[String]) -> Option<String> {
    let outcomes = run_rules(rules, facts, Provenance::new, false);
    if let Some(err) = outcomes.iter().find_map(|o| match &o.state {
        State::Error(e) => Some(format!("rule {} could not be evaluated: {e}", o.code)),
        _ => None,
    }) {
        return Some(err);
    }
    let failed: Vec<&super::Outcome> = outcomes
        .iter()
        .filter(|o| matches!(o.state, State::Failed(_)))
        .collect();
    let got_status = if failed.iter().any(|o| o.severity == Severity::Reject) {
        Status::Rejected
    } else {
        Status::Accepted
    };
    let mut got: Vec<&str> = failed.iter().map(|o| o.code.as_str()).collect();
    let mut want: Vec<&str> = codes.iter().map(String::as_str).collect();
    got.sort();
    want.sort();
    (got_status != status || got != want).then(|| {
        format!(
            "expected {} {:?}, got {} {:?}",
            status.as_str(),
            want,
            got_status.as_str(),
            got
        )
    })
}

/// The first key of `over` that the facts do not have, as a dotted path.
fn unknown_key(known: &Json, over: &Json, prefix: &str) -> Option<String> {
    let (Json::Object(k), Json::Object(o)) = (known, over) else {
        return None;
    };
    o.iter().find_map(|(name, v)| {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match k.get(name) {
            None => Some(path),
            Some(kv) => unknown_key(kv, v, &path),
        }
    })
}

/// `over` merged into `base`: objects key by key, anything else replaced.
fn merge(base: Json, over: Json) -> Json {
    match (base, over) {
        (Json::Object(mut b), Json::Object(o)) => {
            for (k, v) in o {
                let merged = match b.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                b.insert(k, merged);
            }
            Json::Object(b)
        }
        (_, over) => over,
    }
}
