//! `hoso check` on the committed sample year: 196 dossiers, 151 recognised,
//! 45 not, each applicant with exactly the status and codes the generator
//! intended (samples/xet-tuong-duong-2021.expected.json, written beside the
//! batch by `hoso samples`).

use hoso::evaluate::ruleset::RuleSet;
use hoso::pipeline;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Expected {
    applicants: Vec<Applicant>,
}

#[derive(Deserialize)]
struct Applicant {
    name: String,
    dossier: Option<String>,
    status: String,
    codes: Vec<String>,
}

#[test]
fn the_sample_year_gets_every_intended_verdict() {
    let rules = RuleSet::default_rules().unwrap();
    let run = pipeline::run(
        Path::new("samples/xet-tuong-duong-2021"),
        &rules,
        &|_, _| {},
    )
    .unwrap();
    assert!(run.accounting.is_empty(), "{:?}", run.accounting);
    let s = run.verdicts.summary;
    assert_eq!(
        (s.total, s.accepted, s.rejected, s.needs_review),
        (196, 151, 45, 0)
    );

    let text = std::fs::read_to_string("samples/xet-tuong-duong-2021.expected.json").unwrap();
    let expected: Expected = serde_json::from_str(&text).unwrap();
    assert_eq!(expected.applicants.len(), 196);
    let mut problems = Vec::new();
    for e in &expected.applicants {
        let found = run.verdicts.verdicts.iter().find(|v| {
            v.dossier == e.dossier
                && (e.dossier.is_some() || hoso::text::key(&v.name) == hoso::text::key(&e.name))
        });
        let Some(v) = found else {
            problems.push(format!("no verdict for {} ({:?})", e.name, e.dossier));
            continue;
        };
        let mut codes: Vec<&str> = v.reasons.iter().map(|r| r.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        if v.status.as_str() != e.status || codes != e.codes {
            problems.push(format!(
                "{} ({:?}): expected {} {:?}, got {} {:?}",
                e.name,
                e.dossier,
                e.status,
                e.codes,
                v.status.as_str(),
                codes
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // A later copy names the earlier dossier (another verdict's folder).
    let dossiers: Vec<&str> = run
        .verdicts
        .verdicts
        .iter()
        .filter_map(|v| v.dossier.as_deref())
        .collect();
    let duplicates: Vec<&hoso::verdict::Reason> = run
        .verdicts
        .verdicts
        .iter()
        .flat_map(|v| &v.reasons)
        .filter(|r| r.code == "trung-ho-so")
        .collect();
    assert!(!duplicates.is_empty());
    for r in duplicates {
        assert!(
            dossiers
                .iter()
                .any(|d| r.message.contains(&format!(" {d} "))),
            "{}",
            r.message
        );
    }
    assert!(
        run.verdicts.unused_files.is_empty(),
        "{:?}",
        run.verdicts.unused_files
    );
}
