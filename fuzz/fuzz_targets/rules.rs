//! Rule files on any UTF-8 text: the whole file, and (so the fuzzer reaches
//! the CEL compiler and evaluator) one extra rule spliced into the default
//! rules, `fails` = the text before the first NUL, `reason` = the text after
//! it. A spliced rule set that compiles is then evaluated for every
//! applicant of the python-made fixture batch.

#![no_main]

use hoso::evaluate::ruleset::DEFAULT_RULES;
use hoso::evaluate::{judge, ruleset::RuleSet};
use hoso::pipeline::{self, Run};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::LazyLock;

static BATCH: LazyLock<Option<Run>> = LazyLock::new(|| {
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/batch/xet-2021"
    );
    let rules = RuleSet::default_rules().ok()?;
    pipeline::run(Path::new(root), &rules, &|_, _| {}).ok()
});

/// A TOML basic string holding `text` exactly.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = RuleSet::parse(text, "fuzz.toml");

    let (fails, reason) = text.split_once('\0').unwrap_or((text, "lý do"));
    let spliced = format!(
        "{DEFAULT_RULES}\n[[rules]]\ncode = \"fuzz\"\nseverity = \"reject\"\nfails = {}\nreason = {}\n",
        toml_string(fails),
        toml_string(reason)
    );
    if let (Ok(rules), Some(run)) = (RuleSet::parse(&spliced, "fuzz.toml"), BATCH.as_ref()) {
        for applicant in &run.applicants {
            if let Ok(whole) = run.assembly.whole(applicant, &run.spill) {
                let _ = judge(&rules, &run.assembly, applicant, &whole);
            }
        }
    }
});
