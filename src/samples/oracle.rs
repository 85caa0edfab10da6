//! The verdicts the default rules (domain.md §5) should reach on a planned
//! batch, worked out from the plan's own facts rather than from the intent
//! of each case, so a slip in the generator shows up as a disagreement.

use super::benchmark;
use super::model::{Case, ListEntry, Party, Plan};
use crate::date::Date;
use crate::text;
use crate::verdict::Status;
use chrono::NaiveDate;

/// KL 09-KL/TW: no determinations from this day on.
pub fn cutoff() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 7, 9).unwrap_or_default()
}

const VALID_MARKS: &[&str] = &["bản chính", "bản sao có chứng thực", "sao y bản chính"];
const PARTY_SCHOOLS: &[&str] = &[
    "trường chính trị",
    "trung tâm chính trị",
    "học viện chính trị",
];
const LEVELS: &[&str] = &["sơ cấp", "trung cấp", "cao cấp"];
pub const WARNINGS: &[&str] = &["da-co-trinh-do"];

fn contains_any(haystack: &str, needles: &[&str]) -> bool {
    let h = text::fold(haystack);
    needles.iter().any(|n| h.contains(&text::fold(n)))
}

/// The list row a case's dossier answers to.
fn list_of<'a>(plan: &'a Plan, case: &'a Case) -> Option<&'a ListEntry> {
    match case.duplicate_of {
        Some(original) => plan.cases.get(original).and_then(|c| c.list.as_ref()),
        None => case.list.as_ref(),
    }
}

/// Sorted codes (warnings included) and the status for one case.
pub fn judge(plan: &Plan, case: &Case) -> (Status, Vec<&'static str>) {
    let mut codes = Vec::new();
    let list = list_of(plan, case);
    match &case.dossier {
        None => codes.push("khong-co-ho-so"),
        Some(d) => {
            if list.is_none() {
                codes.push("ngoai-danh-sach");
            }
            if let Some(original) = case.duplicate_of.and_then(|i| plan.cases.get(i))
                && let Some(first) = &original.dossier
                && first.folder.as_bytes() < d.folder.as_bytes()
            {
                codes.push("trung-ho-so");
            }
            let form_birth = Date::Full(d.form.birth);
            let list_differs = list.is_some_and(|l| {
                text::key(&l.name) != text::key(&d.form.name)
                    || !l.birth.date().is_some_and(|b| b.compatible(&form_birth))
            });
            let transcript_differs = d.transcript.as_ref().is_some_and(|t| {
                text::key(&t.name) != text::key(&d.form.name) || t.birth != d.form.birth
            });
            if list_differs || transcript_differs {
                codes.push("lech-thong-tin");
            }
            match &d.transcript {
                None => codes.push("thieu-bang-diem"),
                Some(t) => {
                    if !t.mark.is_some_and(|m| contains_any(m, VALID_MARKS)) {
                        codes.push("bang-diem-khong-hop-le");
                    }
                    let (matched, coverage) = benchmark::score(&t.subjects);
                    if matched < benchmark::MIN_PERIODS {
                        codes.push("thieu-so-tiet");
                    }
                    if coverage < benchmark::MIN_COVERAGE {
                        codes.push("thieu-noi-dung");
                    }
                }
            }
            if d.diploma.is_none() {
                codes.push("thieu-van-bang");
            }
            let letter = plan
                .communes
                .get(case.commune)
                .and_then(|c| c.letter.as_ref());
            if letter.is_none() {
                codes.push("thieu-cong-van");
            }
            let p = &case.person;
            let member = matches!(p.party, Party::Member(_));
            let position = text::fold(&p.position);
            if !member && (position.is_empty() || position == "khong") {
                codes.push("khong-thuoc-doi-tuong");
            }
            if contains_any(p.institution.name, PARTY_SCHOOLS) {
                codes.push("da-hoc-truong-chinh-tri");
            }
            if d.form.signed >= cutoff() {
                codes.push("qua-han");
            }
            if contains_any(p.current_level, LEVELS) {
                codes.push("da-co-trinh-do");
            }
        }
    }
    codes.sort_unstable();
    let rejected = codes.iter().any(|c| !WARNINGS.contains(c));
    let status = if rejected {
        Status::Rejected
    } else {
        Status::Accepted
    };
    (status, codes)
}
