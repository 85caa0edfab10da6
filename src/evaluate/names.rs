//! The names rule expressions use: binding facts into a CEL context,
//! finding which facts a rule reads (for sources and `hoso explain`), and
//! checking at load time that every name a rule reads exists.

use super::cel::{Expr, FUNCTIONS};
use super::facts::Facts;
use super::facts::Provenance;
use super::ruleset::Rule;
use crate::source::Source;
use ::cel::common::types::{CelBool, CelDouble, CelList, CelMap, CelMapKey, CelString};
use ::cel::common::value::{CowVal, Val};
use regex::Regex;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

/// The facts the rules read, as CEL values that borrow the facts' text:
/// what rule expressions see of one applicant.
///
/// Why not `Context::add_variable`: that goes through `cel::Value`, which
/// owns its strings, so every fact was copied twice per applicant
/// (serialised to a `Value`, then converted to cel's values), and each
/// variable's name was allocated again for the context; that was the
/// largest cost of judging. Here the values are cel's own built-in types
/// (`CelString` borrowing the fact's `&str`), so expressions behave exactly
/// as before, and they are handed to the interpreter by reference through
/// a [`VariableResolver`](::cel::context::VariableResolver), without a copy
/// or an allocation per variable.
///
/// Of a map such as `form`, only the keys some expression names are bound
/// (see [`Binding`]): most of a form's fields are read by no rule.
pub struct Bound<'a> {
    vars: Vec<(&'a str, Slot<'a>)>,
}

/// One bound variable: the built-in cel value, unboxed.
enum Slot<'a> {
    Bool(CelBool),
    Double(CelDouble),
    Text(CelString<'a>),
    List(CelList<'a>),
    Map(CelMap<'a>),
}

impl<'a> Slot<'a> {
    fn val(&self) -> &(dyn Val + 'a) {
        match self {
            Slot::Bool(v) => v,
            Slot::Double(v) => v,
            Slot::Text(v) => v,
            Slot::List(v) => v,
            Slot::Map(v) => v,
        }
    }
}

/// A fact's value, borrowed from [`Facts`], before it becomes a cel value.
#[derive(Clone, Copy)]
enum Fact<'a> {
    Bool(bool),
    Number(f64),
    Text(&'a str),
    Texts(&'a [String]),
}

impl<'a> Fact<'a> {
    fn slot(self) -> Slot<'a> {
        match self {
            Fact::Bool(b) => Slot::Bool(b.into()),
            Fact::Number(n) => Slot::Double(n.into()),
            Fact::Text(t) => Slot::Text(t.into()),
            Fact::Texts(items) => Slot::List(list(items)),
        }
    }

    fn boxed(self) -> Box<dyn Val + 'a> {
        match self {
            Fact::Bool(b) => Box::new(CelBool::from(b)),
            Fact::Number(n) => Box::new(CelDouble::from(n)),
            Fact::Text(t) => Box::new(CelString::from(t)),
            Fact::Texts(items) => Box::new(list(items)),
        }
    }
}

fn list(items: &[String]) -> CelList<'_> {
    let items: Vec<Box<dyn Val + '_>> = items
        .iter()
        .map(|s| Box::new(CelString::from(s.as_str())) as Box<dyn Val>)
        .collect();
    items.into()
}

/// The map of `entries` whose keys are in `keys` (all when `None`).
fn map<'a>(
    entries: impl Iterator<Item = (&'a str, Fact<'a>)>,
    keys: Option<&BTreeSet<String>>,
) -> Slot<'a> {
    let map: HashMap<CelMapKey<'a>, Box<dyn Val + 'a>> = entries
        .filter(|(k, _)| keys.is_none_or(|keys| keys.contains(*k)))
        .map(|(k, v)| (CelMapKey::from(k), v.boxed()))
        .collect();
    Slot::Map(map.into())
}

/// [`map`] of a fact map, looking up only `keys` when given (a form has
/// dozens of fields, the rules read a few).
fn fact_map<'a, V>(
    m: &'a BTreeMap<String, V>,
    keys: Option<&BTreeSet<String>>,
    fact: impl Fn(&'a V) -> Fact<'a>,
) -> Slot<'a> {
    match keys {
        None => map(m.iter().map(|(k, v)| (k.as_str(), fact(v))), None),
        Some(keys) => {
            let read = keys.iter().filter_map(|k| m.get_key_value(k));
            map(read.map(|(k, v)| (k.as_str(), fact(v))), None)
        }
    }
}

/// The top-level fact `name`, with only `keys` of it when it is a map; as
/// serde would have serialised it (field names, numbers as doubles, maps
/// keyed by string). `None` for a name the facts do not have.
fn fact<'a>(facts: &'a Facts, name: &str, keys: Option<&BTreeSet<String>>) -> Option<Slot<'a>> {
    let text = |v: &'a String| Fact::Text(v);
    let p = &facts.periods;
    let b = &facts.benchmark;
    Some(match name {
        "in_list" => Fact::Bool(facts.in_list).slot(),
        "has_dossier" => Fact::Bool(facts.has_dossier).slot(),
        "duplicate" => Fact::Bool(facts.duplicate).slot(),
        "duplicate_of" => Fact::Text(&facts.duplicate_of).slot(),
        "listed_again" => Fact::Texts(&facts.listed_again).slot(),
        "mismatches" => Fact::Texts(&facts.mismatches).slot(),
        "has" => fact_map(&facts.has, keys, |v| Fact::Bool(*v)),
        "form" => fact_map(&facts.form, keys, text),
        "transcript" => fact_map(&facts.transcript, keys, text),
        "list" => fact_map(&facts.list, keys, text),
        "periods" => map(
            [
                ("matched", Fact::Number(p.matched)),
                ("covered", Fact::Number(p.covered)),
                ("covered_percent", Fact::Number(p.covered_percent)),
                ("missing_parts", Fact::Texts(&p.missing_parts)),
                ("subjects", Fact::Number(p.subjects)),
            ]
            .into_iter(),
            keys,
        ),
        "benchmark" => map(
            [
                ("name", Fact::Text(&b.name)),
                ("total", Fact::Number(b.total)),
            ]
            .into_iter(),
            keys,
        ),
        _ => return None,
    })
}

impl<'a> Bound<'a> {
    /// The facts `binding` names; a name the facts do not have is left
    /// unbound (the expression reading it then fails as undeclared).
    pub fn new(facts: &'a Facts, binding: &'a Binding) -> Bound<'a> {
        let vars = binding
            .iter()
            .filter_map(|(name, keys)| Some((name.as_str(), fact(facts, name, keys.as_ref())?)))
            .collect();
        Bound { vars }
    }
}

impl ::cel::context::VariableResolver for Bound<'_> {
    /// Called for every name an expression reads, and first with the whole
    /// dotted name (`form.signed`, then `form`): a dozen short names, told
    /// apart by length first.
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        let (_, slot) = (self.vars.iter())
            .find(|(name, _)| name.len() == variable.len() && *name == variable)?;
        Some(CowVal::Borrowed(slot.val()))
    }
}

/// What expressions read of the facts: each top-level name, with the keys
/// read of it (`form.party_date` reads `party_date` of `form`), or `None`
/// when it is read as a whole (`size(form)`, `form[k]`, `"x" in has`).
pub type Binding = BTreeMap<String, Option<BTreeSet<String>>>;

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

/// The facts a rule reads, with their values (as JSON shows them) and
/// sources.
pub fn used_facts(
    rule: &Rule,
    facts: &Facts,
    prov: &Provenance,
) -> Vec<(String, String, Vec<Source>)> {
    rule.reads
        .iter()
        .filter_map(|path| {
            let value = fact_json(facts, path)?;
            let name = path.join(".");
            let sources = prov
                .get(&name)
                .or_else(|| prov.get(&path[0]))
                .cloned()
                .unwrap_or_default();
            Some((name, show(&value), sources))
        })
        .collect()
}

/// The fact at `path` as JSON: what looking `path` up in the facts
/// serialised whole gives, serialising only the value read (the whole
/// facts, for every applicant with a failed rule, cost a tenth of judging).
fn fact_json(facts: &Facts, path: &[String]) -> Option<Json> {
    fn at<T: serde::Serialize + ?Sized>(value: &T, rest: &[String]) -> Option<Json> {
        let json = serde_json::to_value(value).ok()?;
        lookup(&json, rest).cloned()
    }
    fn in_map<V: serde::Serialize>(map: &BTreeMap<String, V>, rest: &[String]) -> Option<Json> {
        match rest.split_first() {
            None => at(map, rest),
            Some((key, rest)) => at(map.get(key)?, rest),
        }
    }
    let (top, rest) = path.split_first()?;
    match top.as_str() {
        "in_list" => at(&facts.in_list, rest),
        "has_dossier" => at(&facts.has_dossier, rest),
        "duplicate" => at(&facts.duplicate, rest),
        "duplicate_of" => at(&facts.duplicate_of, rest),
        "listed_again" => at(&facts.listed_again, rest),
        "mismatches" => at(&facts.mismatches, rest),
        "has" => in_map(&facts.has, rest),
        "form" => in_map(&facts.form, rest),
        "transcript" => in_map(&facts.transcript, rest),
        "list" => in_map(&facts.list, rest),
        "periods" => at(&facts.periods, rest),
        "benchmark" => at(&facts.benchmark, rest),
        _ => None,
    }
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

#[cfg(test)]
mod facts_tests {
    use super::*;
    use crate::evaluate::ruleset::RuleSet;

    /// Facts with a value in every kind of fact.
    fn sample(rules: &RuleSet) -> Facts {
        let mut f = Facts::empty(rules);
        f.in_list = true;
        f.duplicate_of = "a/b".into();
        f.mismatches = vec!["x".into(), "y".into()];
        f.has.insert("bang_diem".into(), true);
        f.form.insert("signed".into(), "2021-07-01".into());
        f.form
            .insert("institution".into(), "Trường Chính trị".into());
        f.transcript.insert("copy_mark".into(), "Bản sao".into());
        f.periods.matched = 150.5;
        f.periods.missing_parts = vec!["Nhà nước".into()];
        f
    }

    /// Every fact the facts serialise is bound, to the value cel's serde
    /// conversion gives (as the binding did before it was done by hand),
    /// and looked up as in the facts serialised whole.
    #[test]
    fn every_fact_is_bound_and_shown_as_serialised() {
        use ::cel::context::VariableResolver;
        let rules = RuleSet::default_rules().unwrap();
        let facts = sample(&rules);
        let ::cel::Value::Map(cel) = ::cel::to_value(&facts).unwrap() else {
            panic!("facts are not a map");
        };
        let json = serde_json::to_value(&facts).unwrap();
        let Json::Object(top) = &json else {
            panic!("facts are not an object");
        };
        let binding: Binding = top.keys().map(|k| (k.clone(), None)).collect();
        let bound = Bound::new(&facts, &binding);
        for (name, value) in top {
            let key = ::cel::objects::Key::String(std::sync::Arc::new(name.clone()));
            let got = bound
                .resolve(name)
                .unwrap_or_else(|| panic!("{name} unbound"));
            let got = ::cel::Value::try_from(got.as_ref()).unwrap();
            assert_eq!(Some(&got), cel.map.get(&key), "{name}");
            let path = vec![name.clone()];
            assert_eq!(fact_json(&facts, &path).as_ref(), Some(value), "{name}");
            if let Json::Object(fields) = value {
                for (field, v) in fields {
                    let path = vec![name.clone(), field.clone()];
                    assert_eq!(fact_json(&facts, &path).as_ref(), Some(v), "{path:?}");
                }
            }
        }
        let path = vec!["form".to_string(), "nope".to_string()];
        assert_eq!(fact_json(&facts, &path), None);
        // Only the keys read are bound of a map.
        let binding: Binding = [("form".to_string(), Some(["signed".to_string()].into()))].into();
        let bound = Bound::new(&facts, &binding);
        let form = bound.resolve("form").unwrap();
        let form = ::cel::Value::try_from(form.as_ref()).unwrap();
        let ::cel::Value::Map(form) = form else {
            panic!("form is not a map");
        };
        assert_eq!(form.map.len(), 1);
    }
}
