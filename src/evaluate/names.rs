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

/// Puts the facts the rules read into the context as CEL variables,
/// converting them straight to CEL values (no intermediate JSON). Of a map
/// such as `form`, only the keys some expression names are bound: the
/// conversion, once per applicant, was the largest cost of judging one,
/// and most of a form's fields are read by no rule.
pub fn bind(
    ctx: &mut ::cel::Context,
    facts: &super::facts::Facts,
    binding: &Binding,
) -> Result<(), String> {
    use ::cel::Value;
    use ::cel::objects::Key;
    let Value::Map(map) = ::cel::to_value(facts).map_err(|e| e.to_string())? else {
        return Err("facts are not a map".into());
    };
    for (key, value) in map.map.iter() {
        let Key::String(name) = key else { continue };
        let value = match (binding.get(name.as_str()), value) {
            (None, _) => continue,
            (Some(Some(keys)), Value::Map(whole)) => {
                let read = (whole.map.iter())
                    .filter(|(k, _)| matches!(k, Key::String(k) if keys.contains(k.as_str())))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<std::collections::HashMap<Key, Value>>();
                Value::Map(read.into())
            }
            (Some(_), value) => value.clone(),
        };
        ctx.add_variable_from_value(name.as_str(), value);
    }
    Ok(())
}

/// What expressions read of the facts: each top-level name, with the keys
/// read of it (`form.party_date` reads `party_date` of `form`), or `None`
/// when it is read as a whole (`size(form)`, `form[k]`, `"x" in has`).
pub type Binding = std::collections::BTreeMap<String, Option<std::collections::BTreeSet<String>>>;

/// The [`Binding`] of `exprs`. Top-level names come from the compiled
/// expression, so no variable is ever left unbound; keys from the dotted
/// paths of its text, and any doubt binds the whole value.
pub fn binding<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Binding {
    let mut out = Binding::new();
    for expr in exprs {
        let paths = paths(&expr.source);
        for var in expr.variables() {
            let read: Vec<&Vec<String>> = paths.iter().filter(|p| p[0] == var).collect();
            let whole = read.is_empty() || read.iter().any(|p| p.len() == 1);
            let entry = out.entry(var).or_insert_with(|| Some(Default::default()));
            match entry {
                Some(keys) if !whole => keys.extend(read.iter().map(|p| p[1].clone())),
                _ => *entry = None,
            }
        }
    }
    out
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

#[cfg(test)]
mod binding_tests {
    use super::*;

    fn binding_of(sources: &[&str]) -> Binding {
        let exprs: Vec<Expr> = sources.iter().map(|s| Expr::compile(s).unwrap()).collect();
        binding(&exprs)
    }

    fn keys(names: &[&str]) -> Option<std::collections::BTreeSet<String>> {
        Some(names.iter().map(|n| n.to_string()).collect())
    }

    #[test]
    fn binds_the_keys_read_and_whole_values_when_in_doubt() {
        let b = binding_of(&[
            r#"form.party_date == "" && form.name.startsWith("N")"#,
            r#"size(has) > 0 && list["unit"] == "" && !in_list"#,
            "transcript.copy_mark != '' && periods.covered_percent < 90.0",
            "mismatches.exists(m, m.contains('form'))",
        ]);
        assert_eq!(b["form"], keys(&["name", "party_date"]));
        assert_eq!(b["has"], None, "size(has) reads the whole map");
        assert_eq!(b["list"], None, "an index reads the whole map");
        assert_eq!(b["in_list"], None);
        assert_eq!(b["transcript"], keys(&["copy_mark"]));
        assert_eq!(b["periods"], keys(&["covered_percent"]));
        assert_eq!(b["mismatches"], None);
        assert!(!b.contains_key("duplicate"), "{b:?}");
        // A key read in one expression and the whole in another: the whole.
        let b = binding_of(&["form.name == ''", "'x' in form"]);
        assert_eq!(b["form"], None);
    }
}
