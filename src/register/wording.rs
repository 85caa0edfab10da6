//! `{name}` templates from rules/lop-hoc.toml, and the report's wording built
//! from them. Templates are checked when the catalogue loads, so a typo in a
//! placeholder is a load error, never a `{nmae}` in a printed report.

use super::catalogue::ReportTexts;
use super::stats::YearStats;
use crate::verdict::Summary;

/// Replaces every `{name}` with its value. Names without a value stay as
/// written (load-time [`check`] makes that impossible for catalogue texts).
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match values.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders a template uses, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names
}

/// An error naming the template when it uses a placeholder not in `allowed`.
pub fn check(what: &str, template: &str, allowed: &[&str]) -> Result<(), String> {
    match placeholders(template)
        .into_iter()
        .find(|p| !allowed.contains(p))
    {
        Some(bad) => Err(format!(
            "{what}: unknown placeholder {{{bad}}} (allowed: {})",
            crate::messages::placeholder_list(allowed)
        )),
        None => Ok(()),
    }
}

/// Class counts as the centre writes them: at least two digits ("01 lớp").
pub fn class_count(n: usize) -> String {
    format!("{n:02}")
}

/// "Trong năm 2021, Trung tâm đã tổ chức mở được 12 lớp với 522 lượt học viên
/// tham gia học tập, gồm: (1) 02 lớp Nhận thức về Đảng với 77 học viên; ...".
pub fn paragraph(stats: &YearStats, texts: &ReportTexts) -> String {
    let year = stats.year.to_string();
    if stats.classes == 0 {
        return fill(&texts.no_classes, &[("year", &year)]);
    }
    let items: Vec<String> = stats
        .by_type
        .iter()
        .enumerate()
        .map(|(i, t)| {
            fill(
                &texts.item,
                &[
                    ("n", &(i + 1).to_string()),
                    ("classes", &class_count(t.classes)),
                    ("type", &t.class_type),
                    ("learners", &t.learners.to_string()),
                ],
            )
        })
        .collect();
    fill(
        &texts.paragraph,
        &[
            ("year", &year),
            ("classes", &class_count(stats.classes)),
            ("enrolments", &stats.enrolments.to_string()),
            ("unique_learners", &stats.unique_learners.to_string()),
            ("items", &items.join(&texts.item_separator)),
        ],
    )
}

/// One sentence per joint class type, in catalogue order.
pub fn joint_sentences(stats: &YearStats, texts: &ReportTexts) -> Vec<String> {
    stats
        .joint
        .iter()
        .map(|j| {
            let partner = if j.partners.is_empty() {
                texts.unknown_partner.clone()
            } else {
                j.partners.join(&texts.partner_separator)
            };
            fill(
                &texts.joint,
                &[
                    ("classes", &class_count(j.classes)),
                    ("type", &j.class_type),
                    ("learners", &j.learners.to_string()),
                    ("partner", &partner),
                ],
            )
        })
        .collect()
}

/// "Tổng số hồ sơ được xét là 196 bộ (trong đó có 151 hồ sơ được công nhận
/// đạt, 45 hồ sơ không được công nhận đạt)."; dossiers still needing review
/// are named, not hidden among the rejected.
pub fn review_sentence(summary: &Summary, texts: &ReportTexts) -> String {
    let template = if summary.needs_review == 0 {
        &texts.reviews
    } else {
        &texts.reviews_pending
    };
    fill(
        template,
        &[
            ("total", &summary.total.to_string()),
            ("accepted", &summary.accepted.to_string()),
            ("rejected", &summary.rejected.to_string()),
            ("needs_review", &summary.needs_review.to_string()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_and_keeps_unknown() {
        assert_eq!(
            fill("{a} và {b}, {c}", &[("a", "1"), ("b", "hai")]),
            "1 và hai, {c}"
        );
        assert_eq!(fill("mở { không đóng", &[]), "mở { không đóng");
    }

    #[test]
    fn check_names_the_bad_placeholder() {
        assert!(check("t", "{year} {classes}", &["year", "classes"]).is_ok());
        let err = check("report.title", "{yaer}", &["year"]).unwrap_err();
        assert!(
            err.contains("report.title") && err.contains("{yaer}"),
            "{err}"
        );
    }

    #[test]
    fn class_counts_have_two_digits() {
        assert_eq!(class_count(1), "01");
        assert_eq!(class_count(12), "12");
        assert_eq!(class_count(120), "120");
    }
}
