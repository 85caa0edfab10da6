//! A realistic sample year, made with the project's own writers: a review
//! batch (commune folders with request letters, submission lists and one
//! dossier per applicant) whose expected verdicts are known, and the year's
//! class rosters (domain.md §3, §5, §6).
//!
//! Everything is planned first from a seeded PRNG, then written in
//! parallel; the same arguments give the same bytes on any machine.

mod benchmark;
mod docx;
mod lists;
mod model;
mod oracle;
mod people;
mod review;
mod rng;
pub mod rosters;
mod scans;
mod sheet;

use crate::date::Date;
use crate::verdict::{Status, Summary};
use anyhow::Context;
use model::{Case, Plan};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

pub use rosters::{GradeCounts, RosterClass, RosterManifest, TypeCount};

/// The reported year's number of reviewed dossiers (domain.md §1).
pub const DEFAULT_COUNT: usize = 196;
pub const DEFAULT_YEAR: i32 = 2021;
/// Names stay unique well past this; beyond it the disk is the limit anyway.
pub const MAX_COUNT: usize = 1_000_000;
/// KL 09-KL/TW stopped these reviews on 09/07/2021; the rule set starts in 2009.
pub const YEARS: RangeInclusive<i32> = 2010..=2021;
pub const ROSTER_DIR: &str = "lop-boi-duong-2021";

/// "xet-tuong-duong-2021"
pub fn batch_dir_name(year: i32) -> String {
    format!("xet-tuong-duong-{year}")
}

/// What the default rules should conclude for one applicant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectedVerdict {
    pub name: String,
    /// The form's date when there is a dossier, else the list's (may be a year).
    pub birth_date: Date,
    /// The dossier folder relative to the batch; `null` for a list row without one.
    pub dossier: Option<String>,
    pub status: Status,
    /// Sorted codes, warnings included.
    pub codes: Vec<String>,
}

/// `<batch>.expected.json`: the verdicts a correct `hoso check` reaches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewManifest {
    pub summary: Summary,
    /// Sorted by dossier (list rows without one first), then name.
    pub applicants: Vec<ExpectedVerdict>,
}

impl ReviewManifest {
    /// How many applicants carry each code.
    pub fn code_counts(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for a in &self.applicants {
            for c in &a.codes {
                *out.entry(c.clone()).or_insert(0) += 1;
            }
        }
        out
    }
}

/// `batch` laid out flat at `flat`: every file in the one folder, its
/// path's folders joined to its name by hyphens
/// ("xa-dak-koi/03-le-an/bang-diem.docx" becomes
/// "xa-dak-koi-03-le-an-bang-diem.docx"), linked where it can be and else
/// copied. Each form is then a one-file dossier, and the files beside it are
/// matched to it by name: how a batch arrives that was sent as one folder.
/// Built aside and renamed whole, so an interrupted run leaves no
/// half-made batch at `flat`.
pub fn lay_out_flat(batch: &Path, flat: &Path) -> std::io::Result<()> {
    let building = flat.with_extension("partial");
    if building.exists() {
        std::fs::remove_dir_all(&building)?;
    }
    std::fs::create_dir_all(&building)?;
    for f in crate::discover::walk(batch) {
        let to = building.join(f.rel.replace('/', "-"));
        if std::fs::hard_link(f.path(), &to).is_err() {
            std::fs::copy(f.path(), &to)?;
        }
    }
    std::fs::rename(&building, flat)
}

/// Writes a review batch of `count` verdicts into `dir` (created if needed;
/// it should be empty) and returns the expected verdicts.
pub fn write_review_batch(dir: &Path, count: usize, year: i32) -> anyhow::Result<ReviewManifest> {
    write_review_batch_with(dir, count, year, &|| {})
}

/// [`write_review_batch`], calling `progress` once per dossier written.
pub fn write_review_batch_with(
    dir: &Path,
    count: usize,
    year: i32,
    progress: &(dyn Fn() + Sync),
) -> anyhow::Result<ReviewManifest> {
    check_args(count, year)?;
    let plan = review::plan(count, year);
    std::fs::create_dir_all(dir).with_context(|| format!("tạo thư mục {}", dir.display()))?;
    let scans = Scans::new();
    (0..plan.communes.len())
        .into_par_iter()
        .try_for_each(|i| write_commune(dir, &plan, i))?;
    plan.cases
        .par_iter()
        .try_for_each(|case| -> anyhow::Result<()> {
            if write_dossier(dir, case, &scans)? {
                progress();
            }
            Ok(())
        })?;
    Ok(manifest(&plan))
}

/// Refuses a count or year the batch cannot be made for.
pub fn check_args(count: usize, year: i32) -> anyhow::Result<()> {
    if !(1..=MAX_COUNT).contains(&count) {
        anyhow::bail!("số hồ sơ phải từ 1 đến {MAX_COUNT}, không phải {count}");
    }
    if !YEARS.contains(&year) {
        anyhow::bail!(
            "năm phải từ {} đến {} (KL 09-KL/TW dừng xác định trình độ từ 09/7/2021), không phải {year}",
            YEARS.start(),
            YEARS.end()
        );
    }
    Ok(())
}

/// Writes the 2021 class rosters into `dir` (created if needed).
pub fn write_rosters(dir: &Path) -> anyhow::Result<RosterManifest> {
    rosters::write(dir)
}

/// The whole sample year into `dir`: `xet-tuong-duong-2021/` with its
/// `xet-tuong-duong-2021.expected.json` beside it, and `lop-boi-duong-2021/`
/// with `lop-boi-duong-2021.expected.json`.
pub fn write_sample_year(dir: &Path) -> anyhow::Result<()> {
    let batch = batch_dir_name(DEFAULT_YEAR);
    let review = write_review_batch(&dir.join(&batch), DEFAULT_COUNT, DEFAULT_YEAR)?;
    write_json(&expected_path(dir, &batch), &review)?;
    let rosters = write_rosters(&dir.join(ROSTER_DIR))?;
    write_json(&expected_path(dir, ROSTER_DIR), &rosters)?;
    Ok(())
}

/// `<dir>/<name>.expected.json`
pub fn expected_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.expected.json"))
}

/// Pretty JSON with a final newline.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("ghi {}", path.display()))
}

/// Scan stand-ins, made once per batch.
struct Scans {
    jpeg: Vec<u8>,
    portrait: Vec<u8>,
}

impl Scans {
    fn new() -> Scans {
        Scans {
            jpeg: scans::jpeg(64, 48, 224),
            portrait: scans::jpeg(24, 32, 96),
        }
    }

    fn diploma(&self, file: &str) -> Vec<u8> {
        if file.ends_with(".pdf") {
            let stem = file.trim_end_matches(".pdf");
            scans::pdf(&stem.replace('-', " ").to_uppercase())
        } else {
            self.jpeg.clone()
        }
    }
}

fn write_commune(root: &Path, plan: &Plan, index: usize) -> anyhow::Result<()> {
    let Some(commune) = plan.communes.get(index) else {
        return Ok(());
    };
    let dir = root.join(&commune.place.slug);
    std::fs::create_dir_all(&dir)?;
    let rows: Vec<&Case> = plan
        .cases
        .iter()
        .filter(|c| c.commune == index && c.list.is_some())
        .collect();
    let list = lists::list_xlsx(commune, index, &rows)
        .with_context(|| format!("danh sách {}", commune.place.slug))?;
    std::fs::write(dir.join("danh-sach-de-nghi.xlsx"), list)?;
    if let Some(letter) = &commune.letter {
        let bytes = docx::pack(
            docx::letter_blocks(commune, letter, rows.len()),
            letter.date,
        )?;
        std::fs::write(dir.join("cong-van-de-nghi.docx"), bytes)?;
    }
    Ok(())
}

/// Writes a case's dossier folder; false when the case has none.
fn write_dossier(root: &Path, case: &Case, scans: &Scans) -> anyhow::Result<bool> {
    let Some(d) = &case.dossier else {
        return Ok(false);
    };
    let dir = root.join(&d.folder);
    std::fs::create_dir_all(&dir).with_context(|| format!("tạo {}", dir.display()))?;
    let form = docx::form_blocks(&case.person, &d.form);
    match (&d.transcript, d.combined) {
        (Some(t), true) => {
            let mut blocks = form;
            blocks.push(docx::page_break());
            blocks.extend(docx::transcript_blocks(&case.person, t));
            std::fs::write(dir.join("ho-so.docx"), docx::pack(blocks, d.form.signed)?)?;
        }
        (transcript, _) => {
            std::fs::write(
                dir.join("don-de-nghi.docx"),
                docx::pack(form, d.form.signed)?,
            )?;
            if let Some(t) = transcript {
                let blocks = docx::transcript_blocks(&case.person, t);
                std::fs::write(dir.join("bang-diem.docx"), docx::pack(blocks, t.issued)?)?;
            }
        }
    }
    if let Some(file) = d.diploma {
        std::fs::write(dir.join(file), scans.diploma(file))?;
    }
    if d.portrait {
        std::fs::write(dir.join("anh-the.jpg"), &scans.portrait)?;
    }
    Ok(true)
}

fn manifest(plan: &Plan) -> ReviewManifest {
    let mut applicants: Vec<ExpectedVerdict> = plan
        .cases
        .par_iter()
        .map(|case| {
            let (status, codes) = oracle::judge(plan, case);
            let birth_date = match (&case.dossier, &case.list) {
                (Some(d), _) => Date::Full(d.form.birth),
                (None, Some(l)) => l.birth.date().unwrap_or(Date::Full(case.person.birth)),
                (None, None) => Date::Full(case.person.birth),
            };
            ExpectedVerdict {
                name: case.person.name.clone(),
                birth_date,
                dossier: case.dossier.as_ref().map(|d| d.folder.clone()),
                status,
                codes: codes.into_iter().map(str::to_string).collect(),
            }
        })
        .collect();
    applicants.sort_by(|a, b| (&a.dossier, &a.name).cmp(&(&b.dossier, &b.name)));
    let mut summary = Summary {
        total: applicants.len(),
        ..Summary::default()
    };
    for a in &applicants {
        match a.status {
            Status::Accepted => summary.accepted += 1,
            Status::Rejected => summary.rejected += 1,
            Status::NeedsReview => summary.needs_review += 1,
        }
    }
    ReviewManifest {
        summary,
        applicants,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::Kind;

    /// The oracle, reading only the planned facts, must reach exactly the
    /// codes each case was built for.
    #[test]
    fn oracle_agrees_with_every_case_intent() {
        for count in [196, 1000, 137] {
            let plan = review::plan(count, 2021);
            assert_eq!(plan.cases.len(), count);
            for case in &plan.cases {
                let (_, codes) = oracle::judge(&plan, case);
                assert_eq!(
                    codes,
                    case.kind.codes(),
                    "{:?} {}",
                    case.kind,
                    case.person.name
                );
            }
        }
    }

    #[test]
    fn default_mix_is_the_reported_year() {
        let mix = review::scaled_mix(DEFAULT_COUNT);
        let n = |k: Kind| mix.iter().find(|(x, _)| *x == k).map_or(0, |(_, n)| *n);
        assert_eq!(n(Kind::Accepted) + n(Kind::AlreadyTrained), 151);
        assert_eq!(mix.iter().map(|(_, n)| n).sum::<usize>(), 196);
        for count in [1, 10, 99, 100, 1000, 100_000] {
            let mix = review::scaled_mix(count);
            assert_eq!(mix.iter().map(|(_, n)| n).sum::<usize>(), count);
            if count >= 100 {
                assert!(mix.iter().all(|(_, n)| *n >= 1), "{count}");
            }
        }
    }

    #[test]
    fn other_years_are_judged_by_the_fixed_cutoff() {
        // In 2020 the "late" forms are signed in July 2020, still in time.
        let plan = review::plan(196, 2020);
        let late = plan
            .cases
            .iter()
            .filter(|c| c.kind == Kind::Late)
            .map(|c| oracle::judge(&plan, c).0)
            .collect::<Vec<_>>();
        assert_eq!(late, vec![Status::Accepted; 4]);
    }
}
