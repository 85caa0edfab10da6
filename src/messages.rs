//! Texts about files, worded by the rule file: why a file could not be read
//! (`[vocabulary.unreadable]`), why a file is left unused
//! (`[vocabulary.unused]`). Code names the kind of problem and gives its
//! values; the rule file gives the words, one template per kind with named
//! `{placeholders}`.
//!
//! A rule file may leave kinds out: they keep the shipped wording (that of
//! rules/tuong-duong-so-cap.toml), so rule files written before a kind
//! existed still load. A key that names no kind, or a placeholder the kind
//! does not have, is a rule-file error: a typo must not reach a clerk.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt::Debug;

/// A kind of problem, worded by one template of a rule-file table.
pub trait Kind: Copy + Eq + Debug + Sized + 'static {
    /// The table under `[vocabulary]` that words these kinds.
    const TABLE: &'static str;
    /// Every kind, in the order the shipped rule file lists them.
    const ALL: &'static [Self];
    /// Its key in the table.
    fn key(self) -> &'static str;
    /// The placeholders its template may use, in the order values are given.
    fn placeholders(self) -> &'static [&'static str];
    /// English wording, for logs and `hoso inspect`.
    fn english(self) -> &'static str;
    /// The shipped wording (parsed once).
    fn shipped() -> &'static Texts<Self>;
}

/// One template per kind, compiled.
#[derive(Clone, Debug, PartialEq)]
pub struct Texts<K: Kind> {
    /// In the order of [`Kind::ALL`].
    templates: Vec<Template>,
    kind: std::marker::PhantomData<K>,
}

impl<K: Kind> Texts<K> {
    /// The words for a problem of `kind`; `values` fill its placeholders in
    /// the order of [`Kind::placeholders`] (a missing one is left empty).
    pub fn render(&self, kind: K, values: &[String]) -> String {
        match self.templates.get(index(kind)) {
            Some(template) => template.render(values),
            None => english(kind, values),
        }
    }

    /// Texts from a rule-file table; kinds it leaves out come from
    /// `fallback`, or are worded in English when there is none.
    pub fn from_table(
        table: &BTreeMap<String, String>,
        fallback: Option<&Texts<K>>,
    ) -> Result<Texts<K>, String> {
        let mut given: Vec<Option<Template>> = vec![None; K::ALL.len()];
        for (key, text) in table {
            let Some(i) = K::ALL.iter().position(|k| k.key() == key) else {
                return Err(format!(
                    "[vocabulary.{}]: unknown kind `{key}` (kinds: {})",
                    K::TABLE,
                    K::ALL
                        .iter()
                        .map(|k| k.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            let template = Template::compile(text, K::ALL[i].placeholders())
                .map_err(|e| format!("[vocabulary.{}] {key}: {e}", K::TABLE))?;
            given[i] = Some(template);
        }
        let templates = given
            .into_iter()
            .zip(K::ALL)
            .map(|(template, &kind)| {
                template
                    .or_else(|| fallback.and_then(|f| f.templates.get(index(kind)).cloned()))
                    .unwrap_or_else(|| Template::english(kind))
            })
            .collect();
        Ok(Texts {
            templates,
            kind: std::marker::PhantomData,
        })
    }

    /// The shipped texts: the table of the built-in rule file (a test
    /// holds it complete and valid; English stands in otherwise).
    pub fn parse_shipped() -> Texts<K> {
        Texts::from_table(&shipped_table(K::TABLE), None).unwrap_or_else(|_| Texts {
            templates: K::ALL.iter().map(|&k| Template::english(k)).collect(),
            kind: std::marker::PhantomData,
        })
    }
}

impl<K: Kind> Default for Texts<K> {
    fn default() -> Self {
        K::shipped().clone()
    }
}

impl<'de, K: Kind> Deserialize<'de> for Texts<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = BTreeMap::<String, String>::deserialize(deserializer)?;
        Texts::from_table(&table, Some(K::shipped())).map_err(serde::de::Error::custom)
    }
}

/// The `[vocabulary.<name>]` table of the built-in rule file, as text.
pub fn shipped_table(name: &str) -> BTreeMap<String, String> {
    #[derive(Deserialize)]
    struct File {
        vocabulary: toml::Table,
    }
    toml::from_str::<File>(crate::evaluate::ruleset::DEFAULT_RULES)
        .ok()
        .and_then(|f| f.vocabulary.get(name).cloned())
        .and_then(|t| t.try_into().ok())
        .unwrap_or_default()
}

fn index<K: Kind>(kind: K) -> usize {
    K::ALL.iter().position(|k| *k == kind).unwrap_or(usize::MAX)
}

/// `kind`'s English wording with `values` filled in.
pub fn english<K: Kind>(kind: K, values: &[String]) -> String {
    Template::english(kind).render(values)
}

/// A template cut at its placeholders.
#[derive(Clone, Debug, PartialEq)]
struct Template(Vec<Piece>);

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    /// The value at this index of the kind's placeholders.
    Value(usize),
}

impl Template {
    /// `text` with each `{name}` one of `allowed`; a `{` without a closing
    /// `}` is text.
    fn compile(text: &str, allowed: &[&str]) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                break;
            };
            let name = &after[..close];
            let Some(i) = allowed.iter().position(|a| *a == name) else {
                return Err(format!(
                    "unknown placeholder {{{name}}} (allowed: {})",
                    placeholder_list(allowed)
                ));
            };
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            pieces.push(Piece::Value(i));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template(pieces))
    }

    fn english<K: Kind>(kind: K) -> Template {
        Template::compile(kind.english(), kind.placeholders())
            .unwrap_or_else(|_| Template(vec![Piece::Text(kind.english().to_string())]))
    }

    fn render(&self, values: &[String]) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Value(i) => out.push_str(values.get(*i).map_or("", String::as_str)),
            }
        }
        out
    }
}

/// `allowed` as a rule-file error names them: `{a} {b}`, or `none`.
pub(crate) fn placeholder_list(allowed: &[&str]) -> String {
    if allowed.is_empty() {
        return "none".to_string();
    }
    allowed
        .iter()
        .map(|a| format!("{{{a}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::ruleset::{DEFAULT_RULES, RuleSet};
    use crate::ingest::table::RowProblem;
    use crate::ingest::{ErrorKind, IngestError, SheetProblem};
    use crate::matching::assemble::Unused;

    /// Every kind is worded in the shipped rule file, with known placeholders.
    fn complete<K: Kind>() {
        let table = shipped_table(K::TABLE);
        let missing: Vec<&str> = (K::ALL.iter().map(|k| k.key()))
            .filter(|k| !table.contains_key(*k))
            .collect();
        assert!(
            missing.is_empty(),
            "[vocabulary.{}] lacks {missing:?}",
            K::TABLE
        );
        let texts = Texts::<K>::from_table(&table, None).unwrap_or_else(|e| panic!("{e}"));
        for &kind in K::ALL {
            let values: Vec<String> = kind
                .placeholders()
                .iter()
                .map(|p| format!("<{p}>"))
                .collect();
            let text = texts.render(kind, &values);
            assert!(!text.is_empty() && !text.contains('{'), "{kind:?}: {text}");
            // Each value the kind has reaches the clerk.
            for v in &values {
                assert!(text.contains(v.as_str()), "{kind:?} drops {v}: {text}");
            }
            assert_ne!(text, english(kind, &values), "{kind:?} is not translated");
        }
    }

    #[test]
    fn the_shipped_rule_file_words_every_kind() {
        complete::<ErrorKind>();
        complete::<Unused>();
        complete::<SheetProblem>();
        complete::<RowProblem>();
        // The English wording compiles too (it stands in for a missing text).
        for &kind in ErrorKind::ALL {
            assert!(
                Template::compile(kind.english(), kind.placeholders()).is_ok(),
                "{kind:?}"
            );
        }
        for &kind in Unused::ALL {
            assert!(
                Template::compile(kind.english(), kind.placeholders()).is_ok(),
                "{kind:?}"
            );
        }
        for &kind in SheetProblem::ALL {
            assert!(
                Template::compile(kind.english(), kind.placeholders()).is_ok(),
                "{kind:?}"
            );
        }
        for &kind in RowProblem::ALL {
            assert!(
                Template::compile(kind.english(), kind.placeholders()).is_ok(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_rule_file_without_the_tables_gets_the_shipped_wording() {
        let start = DEFAULT_RULES.find("\n[vocabulary.unreadable]\n").unwrap();
        let end = DEFAULT_RULES.find("\n[benchmark]\n").unwrap();
        let old = format!("{}{}", &DEFAULT_RULES[..start], &DEFAULT_RULES[end..]);
        assert!(!old.contains("\n[vocabulary.unused]\n"));
        let rules = RuleSet::parse(&old, "old.toml").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(&rules.vocabulary.unreadable, ErrorKind::shipped());
        assert_eq!(&rules.vocabulary.unused, Unused::shipped());
        assert_eq!(&rules.vocabulary.sheets, SheetProblem::shipped());
        let empty = IngestError::new(ErrorKind::Empty, []);
        assert_eq!(empty.explain(&rules.vocabulary), "tệp rỗng (0 byte)");

        // A table naming some kinds keeps the shipped wording for the rest.
        let partial = old.replace(
            "\n[benchmark]\n",
            "\n[vocabulary.unreadable]\nempty = \"tệp trống trơn\"\n\n[benchmark]\n",
        );
        let rules = RuleSet::parse(&partial, "partial.toml").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(empty.explain(&rules.vocabulary), "tệp trống trơn");
        let damaged = IngestError::detail(ErrorKind::Damaged, "zip: EOCD");
        assert_eq!(
            damaged.explain(&rules.vocabulary),
            "tệp bị hỏng hoặc không đầy đủ (zip: EOCD)"
        );
    }

    #[test]
    fn an_unknown_kind_or_placeholder_is_a_rule_file_error_with_its_line() {
        for (from, to, wanted) in [
            ("\ndamaged = ", "\ndamagd = ", "unknown kind `damagd`"),
            (
                "({detail})\"\nxlsb",
                "({detial})\"\nxlsb",
                "unknown placeholder {detial}",
            ),
            ("\nno_list = ", "\nno_lists = ", "unknown kind `no_lists`"),
            (
                "\nempty = \"tệp rỗng",
                "\nempty = \"{file} rỗng",
                "allowed: none",
            ),
        ] {
            assert!(DEFAULT_RULES.contains(from), "{from}");
            let text = DEFAULT_RULES.replacen(from, to, 1);
            let errs = RuleSet::parse(&text, "x.toml").expect_err(to);
            assert!(errs[0].message.contains(wanted), "{errs:?}");
            let table = text.find("\n[vocabulary.unreadable]\n").unwrap();
            let line = text[..table].matches('\n').count() + 1;
            assert!(errs[0].line >= line, "{errs:?} (table at line {line})");
        }
    }

    #[test]
    fn templates_fill_named_values_and_refuse_unknown_names() {
        let t = Template::compile("a {x} b {y}{x} {", &["x", "y"]).unwrap();
        assert_eq!(t.render(&["1".into(), "2".into()]), "a 1 b 21 {");
        assert_eq!(t.render(&[]), "a  b  {");
        let e = Template::compile("{x} {z}", &["x"]).unwrap_err();
        assert!(e.contains("{z}") && e.contains("{x}"), "{e}");
        let e = Template::compile("{}", &[]).unwrap_err();
        assert!(e.contains("none"), "{e}");
    }
}
