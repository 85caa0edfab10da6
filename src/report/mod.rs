//! Report: the verdicts as files a clerk opens (verdicts.json, .csv, .xlsx)
//! and the counts line in the centre's own words.
//!
//! Every file is written atomically ([`write_atomic`]): an interrupted run
//! leaves the previous file or none, never half of one.

mod csv_out;
mod xlsx_out;

use crate::evaluate::ruleset::RuleSet;
use crate::verdict::{Severity, Verdicts};
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use csv_out::to_csv;
pub use xlsx_out::to_xlsx;

/// Writes `bytes` to `path` through a temporary file in the same folder and
/// a rename, so readers never see a partial file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".hoso-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// or a tab/CR that some programs strip first) gets a leading apostrophe.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// Pretty JSON with a final newline.
pub fn to_json(v: &Verdicts) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(v)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// verdicts.json, verdicts.csv and verdicts.xlsx in `out`.
pub fn write_all(out: &Path, v: &Verdicts, rules: &RuleSet) -> anyhow::Result<Vec<PathBuf>> {
    let files = [
        (out.join("verdicts.json"), to_json(v)?),
        (out.join("verdicts.csv"), to_csv(v, rules)?),
        (out.join("verdicts.xlsx"), to_xlsx(v, rules)?),
    ];
    let mut written = Vec::new();
    for (path, bytes) in files {
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// "196 hồ sơ: 151 công nhận đạt, 45 không công nhận, 0 cần xem lại".
pub fn counts_line(v: &Verdicts, rules: &RuleSet) -> String {
    let s = &v.summary;
    rules
        .report
        .counts
        .replace("{total}", &s.total.to_string())
        .replace("{accepted}", &s.accepted.to_string())
        .replace("{rejected}", &s.rejected.to_string())
        .replace("{needs_review}", &s.needs_review.to_string())
}

/// How many verdicts carry each reason code, by severity then code.
pub fn reason_counts(v: &Verdicts) -> Vec<(String, Severity, usize)> {
    let mut counts: BTreeMap<(Severity, String), usize> = BTreeMap::new();
    for verdict in &v.verdicts {
        let mut codes: Vec<(Severity, &str)> = verdict
            .reasons
            .iter()
            .map(|r| (r.severity, r.code.as_str()))
            .collect();
        codes.sort();
        codes.dedup();
        for (sev, code) in codes {
            *counts.entry((sev, code.to_string())).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((sev, code), n)| (code, sev, n))
        .collect()
}

/// A label for a spreadsheet header, from the rule file's `[report.labels]`.
fn label<'a>(rules: &'a RuleSet, key: &'a str) -> &'a str {
    rules
        .report
        .labels
        .get(key)
        .map(String::as_str)
        .unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
        assert_eq!(neutralise("Nguyễn Văn An"), "Nguyễn Văn An");
    }

    #[test]
    fn atomic_write_replaces_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }
}
