//! The names rule expressions use: binding facts into a CEL context,
//! finding which facts a rule reads (for sources and `hoso explain`), and
//! checking at load time that every name a rule reads exists.

use super::cel::{Expr, FUNCTIONS};
use super::facts::Provenance;
use super::ruleset::Rule;
use crate::source::Source;
use regex::Regex;
use serde_json::Value as Json;
use std::sync::LazyLock;

/// Puts every top-level fact into the context as a CEL variable, converting
/// the facts straight to CEL values (no intermediate JSON: this runs once
/// per applicant and is most of the cost of judging one).
pub fn bind(ctx: &mut ::cel::Context, facts: &super::facts::Facts) -> Result<(), String> {
    match ::cel::to_value(facts).map_err(|e| e.to_string())? {
        ::cel::Value::Map(map) => {
            for (key, value) in map.map.iter() {
                if let ::cel::objects::Key::String(name) = key {
                    ctx.add_variable_from_value(name.as_str(), value.clone());
                }
            }
            Ok(())
        }
        _ => Err("facts are not a map".into()),
    }
}

static PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*").expect("valid regex")
});
static STRING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'"#).expect("valid regex"));

/// Dotted fact paths an expression reads (`form.party_date`, `periods.matched`),
/// method calls and string contents left out.
pub fn paths(expr: &str) -> Vec<Vec<String>> {
    let code = STRING.replace_all(expr, "\"\"");
    let mut out = Vec::new();
    for m in PATH.find_iter(&code) {
        if code[..m.start()].ends_with('.') {
            continue;
        }
        let mut segments: Vec<String> = m.as_str().split('.').map(str::to_string).collect();
        if code[m.end()..].trim_start().starts_with('(') {
            segments.pop();
        }
        if !segments.is_empty() && !out.contains(&segments) {
            out.push(segments);
        }
    }
    out
}

/// The fact paths a rule reads in its condition and reason, in reading
/// order, without repeats: computed once when the rule file is loaded.
pub fn rule_reads(fails: &Expr, reason: &super::cel::Template) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for expr in std::iter::once(fails).chain(reason.exprs()) {
        for path in paths(&expr.source) {
            if !out.contains(&path) {
                out.push(path);
            }
        }
    }
    out
}

/// The facts a rule reads (`facts` as JSON), with their values and sources.
pub fn used_facts(
    rule: &Rule,
    facts: &Json,
    prov: &Provenance,
) -> Vec<(String, String, Vec<Source>)> {
    rule.reads
        .iter()
        .filter_map(|path| {
            let value = lookup(facts, path)?;
            let name = path.join(".");
            let sources = prov
                .get(&name)
                .or_else(|| prov.get(&path[0]))
                .cloned()
                .unwrap_or_default();
            Some((name, show(value), sources))
        })
        .collect()
}

fn lookup<'a>(json: &'a Json, path: &[String]) -> Option<&'a Json> {
    path.iter().try_fold(json, |v, seg| v.get(seg))
}

fn show(v: &Json) -> String {
    match v {
        Json::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Names in an expression that the facts do not have: unknown top-level
/// variables, and unknown keys of the fact maps (`form.party_dat`).
pub fn unknown_names(expr: &Expr, probe: &Json) -> Vec<String> {
    let mut unknown = Vec::new();
    for var in expr.variables() {
        if probe.get(&var).is_none() && !FUNCTIONS.contains(&var.as_str()) {
            unknown.push(var);
        }
    }
    for path in paths(&expr.source) {
        let Some(root) = probe.get(&path[0]) else {
            continue;
        };
        if path.len() >= 2 && root.is_object() && root.get(&path[1]).is_none() {
            unknown.push(path[..2].join("."));
        }
    }
    unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_skip_methods_and_strings() {
        let p = paths(
            r#"contains_any(form.institution, ["trường chính trị"]) && periods.matched < 0.8 * benchmark.total && form.name.startsWith("a.b")"#,
        );
        let joined: Vec<String> = p.iter().map(|s| s.join(".")).collect();
        assert_eq!(
            joined,
            vec![
                "form.institution",
                "periods.matched",
                "benchmark.total",
                "form.name"
            ]
        );
    }
}
