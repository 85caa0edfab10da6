//! Placeholder names: finding `{{...}}` in text, what a template may name
//! ([`Schema`]) and the values one letter is filled with ([`Values`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// One `{{...}}` found in a paragraph's text (byte offsets into that text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub start: usize,
    pub end: usize,
    pub name: Result<String, String>,
}

/// Finds every placeholder in `text`. A name is trimmed and lower-cased (a
/// clerk's `{{ Ho_ten }}` is `ho_ten`); a `{{` without its `}}`, or a name
/// that is not `word` or `list.field` in ASCII letters, digits and `_`, comes
/// back as an `Err` with what is wrong.
pub(crate) fn scan(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = text[from..].find("{{") {
        let start = from + rel;
        let inner_from = start + 2;
        let close = text[inner_from..].find("}}").map(|r| inner_from + r);
        let reopen = text[inner_from..].find("{{").map(|r| inner_from + r);
        match close {
            Some(c) if reopen.is_none_or(|r| r > c) => {
                let raw = &text[inner_from..c];
                let name = raw.trim().to_ascii_lowercase();
                let name = if valid_name(&name) {
                    Ok(name)
                } else {
                    Err(format!(
                        "{{{{{raw}}}}} is not a placeholder name (use letters a-z, digits and _, as in {{{{ho_ten}}}})"
                    ))
                };
                out.push(Found {
                    start,
                    end: c + 2,
                    name,
                });
                from = c + 2;
            }
            _ => {
                let end = reopen.unwrap_or(text.len());
                out.push(Found {
                    start,
                    end,
                    name: Err(format!(
                        "{:?} opens a placeholder with {{{{ but does not close it with }}}}",
                        excerpt(&text[start..end])
                    )),
                });
                from = end;
            }
        }
    }
    out
}

/// Names in single braces (`{ho_ten}`, `{ho_ten}}`), as written and as a
/// name: a clerk's slip that would fill nothing and stay in every letter.
/// Double braces are [`scan`]'s.
pub(crate) fn single_braced(text: &str) -> Vec<(String, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = text[from..].find('{') {
        let open = from + rel;
        from = open + 1;
        if bytes.get(open + 1) == Some(&b'{') {
            while bytes.get(from) == Some(&b'{') {
                from += 1;
            }
            continue;
        }
        let Some(close) = text[from..].find(['{', '}']).map(|r| from + r) else {
            break;
        };
        if bytes[close] == b'{' {
            continue;
        }
        let name = text[from..close].trim().to_ascii_lowercase();
        let end = if bytes.get(close + 1) == Some(&b'}') {
            close + 2
        } else {
            close + 1
        };
        if valid_name(&name) {
            out.push((text[open..end].to_string(), name));
        }
        from = end;
    }
    out
}

fn valid_name(name: &str) -> bool {
    let mut parts = name.split('.');
    let ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    let first = parts.next().is_some_and(ok);
    let second = parts.next().is_none_or(ok);
    first && second && parts.next().is_none()
}

pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

/// The field every list item has: its 1-based number.
pub(crate) const NUMBER_FIELD: &str = "stt";

/// What a placeholder name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind<'a> {
    Scalar,
    /// `{{list}}` or `{{list.stt}}` of a list of texts.
    ListItem(&'a str),
    /// `{{list.field}}` of a list of records (a table row per record).
    RecordField(&'a str),
}

/// The names one kind of template part may use.
#[derive(Clone, Debug, Default)]
pub(crate) struct Schema {
    pub scalars: BTreeSet<String>,
    pub lists: BTreeSet<String>,
    pub records: BTreeMap<String, BTreeSet<String>>,
}

impl Schema {
    pub fn resolve<'a>(&'a self, name: &str) -> Option<Kind<'a>> {
        if self.scalars.contains(name) {
            return Some(Kind::Scalar);
        }
        let (base, field) = match name.split_once('.') {
            Some((b, f)) => (b, Some(f)),
            None => (name, None),
        };
        if let Some(list) = self.lists.get(base) {
            return matches!(field, None | Some(NUMBER_FIELD)).then_some(Kind::ListItem(list));
        }
        let (list, fields) = self.records.get_key_value(base)?;
        let field = field?;
        (field == NUMBER_FIELD || fields.contains(field)).then_some(Kind::RecordField(list))
    }

    /// Every name, for the message that refuses an unknown one.
    pub fn known(&self) -> Vec<String> {
        let mut out: Vec<String> = self.scalars.iter().cloned().collect();
        for l in &self.lists {
            out.push(l.clone());
            out.push(format!("{l}.{NUMBER_FIELD}"));
        }
        for (r, fields) in &self.records {
            out.push(format!("{r}.{NUMBER_FIELD}"));
            out.extend(fields.iter().map(|f| format!("{r}.{f}")));
        }
        out
    }
}

/// The values one letter is filled with.
#[derive(Clone, Debug, Default)]
pub(crate) struct Values {
    pub scalars: BTreeMap<String, String>,
    pub lists: BTreeMap<String, Vec<String>>,
    pub records: BTreeMap<String, Vec<BTreeMap<String, String>>>,
}

impl Values {
    /// How many times a paragraph or row repeated for `list` appears.
    pub fn len_of(&self, list: &str) -> usize {
        self.lists
            .get(list)
            .map(Vec::len)
            .or_else(|| self.records.get(list).map(Vec::len))
            .unwrap_or(0)
    }

    /// The value of `name` with `bound` the (list, item index) pairs of the
    /// paragraphs and rows being repeated around it.
    pub fn lookup(&self, name: &str, bound: &[(&str, usize)]) -> Option<Cow<'_, str>> {
        if let Some(v) = self.scalars.get(name) {
            return Some(Cow::Borrowed(v));
        }
        let (base, field) = match name.split_once('.') {
            Some((b, f)) => (b, Some(f)),
            None => (name, None),
        };
        let index = bound.iter().rev().find(|(l, _)| *l == base)?.1;
        if field == Some(NUMBER_FIELD) {
            return Some(Cow::Owned((index + 1).to_string()));
        }
        match field {
            None => self
                .lists
                .get(base)?
                .get(index)
                .map(|s| Cow::Borrowed(s.as_str())),
            Some(f) => self
                .records
                .get(base)?
                .get(index)?
                .get(f)
                .map(|s| Cow::Borrowed(s.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<Result<String, String>> {
        scan(text).into_iter().map(|f| f.name).collect()
    }

    #[test]
    fn scans_names_and_offsets() {
        let f = scan("Đồng chí {{ho_ten}}, sinh {{ Ngay_Sinh }}.");
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].name, Ok("ho_ten".into()));
        assert_eq!(
            &"Đồng chí {{ho_ten}}, sinh {{ Ngay_Sinh }}."[f[0].start..f[0].end],
            "{{ho_ten}}"
        );
        assert_eq!(f[1].name, Ok("ngay_sinh".into()));
        assert_eq!(names("{{nguoi.ho_ten}}"), vec![Ok("nguoi.ho_ten".into())]);
    }

    #[test]
    fn reports_bad_syntax() {
        assert!(
            names("{{ho_ten")[0]
                .as_ref()
                .unwrap_err()
                .contains("does not close")
        );
        let n = names("{{ho {{ho_ten}}");
        assert!(n[0].is_err());
        assert_eq!(n[1], Ok("ho_ten".into()));
        assert!(names("{{họ tên}}")[0].is_err());
        assert!(names("{{}}")[0].is_err());
        assert!(names("{{a.b.c}}")[0].is_err());
        assert!(names("a }} b { c").is_empty());
    }

    #[test]
    fn finds_names_in_single_braces() {
        let found = single_braced("Đồng chí {ho_ten}, sinh { Ngay_Sinh }}; {{don_vi}} {a b} {x");
        assert_eq!(
            found,
            [
                ("{ho_ten}".to_string(), "ho_ten".to_string()),
                ("{ Ngay_Sinh }}".to_string(), "ngay_sinh".to_string())
            ]
        );
        assert!(single_braced("{{ho_ten}} {{{ly_do}}} {").is_empty());
    }

    #[test]
    fn resolves_kinds() {
        let mut s = Schema::default();
        s.scalars.insert("ho_ten".into());
        s.lists.insert("ly_do".into());
        s.records
            .insert("nguoi".into(), ["ho_ten".to_string()].into_iter().collect());
        assert_eq!(s.resolve("ho_ten"), Some(Kind::Scalar));
        assert_eq!(s.resolve("ly_do"), Some(Kind::ListItem("ly_do")));
        assert_eq!(s.resolve("ly_do.stt"), Some(Kind::ListItem("ly_do")));
        assert_eq!(s.resolve("ly_do.x"), None);
        assert_eq!(s.resolve("nguoi.ho_ten"), Some(Kind::RecordField("nguoi")));
        assert_eq!(s.resolve("nguoi.stt"), Some(Kind::RecordField("nguoi")));
        assert_eq!(s.resolve("nguoi"), None);
        assert_eq!(s.resolve("ho_tem"), None);
    }

    #[test]
    fn looks_up_bound_items() {
        let mut v = Values::default();
        v.lists.insert("ly_do".into(), vec!["a".into(), "b".into()]);
        assert_eq!(v.lookup("ly_do", &[("ly_do", 1)]).as_deref(), Some("b"));
        assert_eq!(v.lookup("ly_do.stt", &[("ly_do", 1)]).as_deref(), Some("2"));
        assert_eq!(v.lookup("ly_do", &[]), None);
    }
}
