//! Filling a .docx template by streaming its zip entries and rewriting the
//! XML of the body, headers, footers and notes with quick-xml.
//!
//! Placeholders are found in the concatenated text of each paragraph, so a
//! `{{ho_ten}}` that Word or LibreOffice split into the runs `{{`, `ho_`,
//! `ten}}` (with bookmarks or proofing marks between them) is still one
//! placeholder. The value goes into the run where the placeholder starts and
//! the rest of the placeholder's text is removed from the following runs:
//! the first run's formatting is kept and nothing else in the paragraph moves.
//!
//! A template is validated once, when loaded: every placeholder must be a
//! known name for its part; only then is anything filled or written.

use super::package;
use super::placeholders::{Kind, Schema, Values, excerpt, scan};
use super::xml::{Elem, Node, Part, Tag, write_nodes};
use crate::ingest::zipcap::Archive;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::writer::Writer;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

/// The main document part; renamed mains (rare) are refused with a clear error.
const DOCUMENT: &str = "word/document.xml";

/// A template refused at load, with every problem found.
#[derive(Debug)]
pub struct TemplateError {
    pub template: String,
    pub problems: Vec<String>,
    /// Known names per part kind, shown when a name was unknown.
    pub known: Vec<(&'static str, Vec<String>)>,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template {} cannot be used:", self.template)?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        for (where_, names) in &self.known {
            write!(
                f,
                "\n  known placeholders in {where_}: {}",
                names.join(", ")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for TemplateError {}

enum Entry {
    Fixed(Vec<u8>),
    Document,
}

/// A loaded, validated template.
pub(crate) struct Template {
    entries: Vec<(String, Entry)>,
    document: Document,
    prefix: String,
}

/// `word/document.xml` cut around the body's content.
struct Document {
    /// Everything up to and including `<w:body>`.
    prologue: Vec<u8>,
    body: Vec<Node>,
    /// The final `w:sectPr`, `</w:body>` and the rest.
    epilogue: Vec<u8>,
}

impl Template {
    /// Reads and validates a template. `body` names what the main text may
    /// use; headers, footers and notes may use only `shared`, and are filled
    /// here once with `shared_values` because every letter shares them.
    pub fn load(
        label: &str,
        bytes: &[u8],
        body: &Schema,
        shared: &Schema,
        shared_values: &Values,
    ) -> anyhow::Result<Template> {
        let mut archive =
            Archive::open(bytes).map_err(|e| anyhow::anyhow!("template {label}: {e}"))?;
        let mut problems = Vec::new();
        let (mut unknown_in_body, mut unknown_in_shared) = (false, false);
        let mut entries = Vec::new();
        let mut document = None;
        for name in archive.names() {
            if name.ends_with('/') {
                continue;
            }
            let data = archive
                .read(&name)
                .map_err(|e| anyhow::anyhow!("template {label}: {e}"))?
                .unwrap_or_default();
            if name == DOCUMENT {
                let mut part = Part::parse(&data)
                    .map_err(|e| anyhow::anyhow!("template {label}, {name}: {e}"))?;
                normalize(&mut part.nodes);
                unknown_in_body |= check_part(body, &name, &mut part, &mut problems);
                document = Some(part);
                entries.push((name, Entry::Document));
            } else if is_shared_part(&name) {
                let mut part = Part::parse(&data)
                    .map_err(|e| anyhow::anyhow!("template {label}, {name}: {e}"))?;
                normalize(&mut part.nodes);
                unknown_in_shared |= check_part(shared, &name, &mut part, &mut problems);
                let filled = if problems.is_empty() {
                    fill_part(&part, shared_values)
                        .map_err(|e| anyhow::anyhow!("template {label}, {name}: {e}"))?
                } else {
                    Vec::new()
                };
                if contains_braces(&filled) {
                    problems.push(format!(
                        "{name}: {{{{ is left after filling (a configuration value holds {{{{?)"
                    ));
                }
                entries.push((name, Entry::Fixed(filled)));
            } else {
                if (name.ends_with(".xml") || name.ends_with(".rels")) && contains_braces(&data) {
                    problems.push(format!(
                        "{name}: holds {{{{, but placeholders are only filled in the body, headers, footers, footnotes and endnotes"
                    ));
                }
                entries.push((name, Entry::Fixed(data)));
            }
        }
        let Some(document) = document else {
            anyhow::bail!("template {label}: not a Word document ({DOCUMENT} is missing)");
        };
        if !problems.is_empty() {
            let mut known = Vec::new();
            if unknown_in_body {
                known.push(("the body", body.known()));
            }
            if unknown_in_shared {
                known.push(("headers, footers and notes", shared.known()));
            }
            return Err(TemplateError {
                template: label.to_string(),
                problems,
                known,
            }
            .into());
        }
        let prefix = document.prefix;
        let document =
            split_document(document.nodes).map_err(|e| anyhow::anyhow!("template {label}: {e}"))?;
        if contains_braces(&document.prologue) || contains_braces(&document.epilogue) {
            anyhow::bail!(
                "template {label}: {DOCUMENT} holds {{{{ outside the text, where it cannot be filled"
            );
        }
        Ok(Template {
            entries,
            document,
            prefix,
        })
    }

    /// Fills the body for one letter; the result goes to [`Self::package`].
    /// Drawing ids start after `drawing_base`, so bodies filled with
    /// different bases can share one document.
    pub fn fill_body(&self, values: &Values, drawing_base: u32) -> Result<Vec<u8>, String> {
        let mut filler = Filler {
            values,
            bound: Vec::new(),
            next_drawing: drawing_base,
            prefix: &self.prefix,
        };
        let mut out = Vec::with_capacity(self.document.body.len());
        filler.nodes(&self.document.body, &mut out)?;
        let mut w = Writer::new(Vec::with_capacity(16 << 10));
        write_nodes(&mut w, &out);
        let bytes = w.into_inner();
        if let Some(at) = find_braces(&bytes) {
            return Err(format!(
                "{{{{ is left in {DOCUMENT} after filling (a value holds {{{{?) near: {}",
                excerpt(&String::from_utf8_lossy(
                    &bytes[at.saturating_sub(60)..(at + 40).min(bytes.len())]
                ))
            ));
        }
        Ok(bytes)
    }

    /// A .docx holding the given filled bodies one after another, each
    /// starting on a new page, under the template's one final section.
    pub fn package(&self, bodies: &[&[u8]]) -> anyhow::Result<Vec<u8>> {
        let p = &self.prefix;
        let page_break = format!(
            "<{p}p><{p}pPr><{p}spacing {p}before=\"0\" {p}after=\"0\" {p}line=\"20\" {p}lineRule=\"exact\"/></{p}pPr><{p}r><{p}rPr><{p}sz {p}val=\"2\"/></{p}rPr><{p}br {p}type=\"page\"/></{p}r></{p}p>"
        );
        let mut document = Vec::with_capacity(2 * bodies.len() + 1);
        document.push(self.document.prologue.as_slice());
        for (i, body) in bodies.iter().enumerate() {
            if i > 0 {
                document.push(page_break.as_bytes());
            }
            document.push(body);
        }
        document.push(&self.document.epilogue);
        let entries = self.entries.iter().map(|(name, e)| match e {
            Entry::Fixed(data) => (name.as_str(), vec![data.as_slice()]),
            Entry::Document => (name.as_str(), document.clone()),
        });
        Ok(package::zip_pieces(entries)?)
    }
}

fn is_shared_part(name: &str) -> bool {
    let Some(file) = name.strip_prefix("word/") else {
        return false;
    };
    let Some(stem) = file.strip_suffix(".xml") else {
        return false;
    };
    let numbered = |kind: &str| {
        stem.strip_prefix(kind)
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    };
    numbered("header") || numbered("footer") || stem == "footnotes" || stem == "endnotes"
}

fn contains_braces(bytes: &[u8]) -> bool {
    find_braces(bytes).is_some()
}

fn find_braces(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"{{")
}

/// Drops what must not be repeated or duplicated when paragraphs are
/// copied: bookmarks (their names must be unique) and Word's paragraph ids.
pub(crate) fn normalize(nodes: &mut Vec<Node>) {
    nodes.retain(|n| !matches!(n, Node::Elem(e) if e.tag == Tag::Bookmark));
    for n in nodes {
        if let Node::Elem(e) = n {
            if matches!(e.tag, Tag::P | Tag::Tr) {
                retain_attributes(&mut e.start, |key| {
                    !matches!(key.rsplit(':').next(), Some("paraId" | "textId"))
                });
            }
            normalize(&mut e.children);
        }
    }
}

pub(crate) fn retain_attributes(start: &mut BytesStart<'static>, keep: impl Fn(&str) -> bool) {
    let attrs: Vec<(String, String)> = start
        .attributes()
        .flatten()
        .map(|a| (a.key.as_ref().to_string(), a.value.into_owned()))
        .collect();
    if attrs.iter().all(|(k, _)| keep(k)) {
        return;
    }
    start.clear_attributes();
    for (k, v) in attrs.iter().filter(|(k, _)| keep(k)) {
        start.push_attribute(Attribute {
            key: QName(k),
            value: Cow::Borrowed(v),
        });
    }
}

/// Cuts `word/document.xml` into the text before the body's content, the
/// content, and the final section properties with the rest.
fn split_document(nodes: Vec<Node>) -> Result<Document, String> {
    let mut head = Writer::new(Vec::new());
    let mut tail = Writer::new(Vec::new());
    let mut body_nodes = None;
    for node in nodes {
        let Node::Elem(root) = node else {
            let w = if body_nodes.is_none() {
                &mut head
            } else {
                &mut tail
            };
            write_nodes(w, std::slice::from_ref(&node));
            continue;
        };
        let _ = head.write_event(Event::Start(root.start.borrow()));
        let mut after_body = false;
        for child in root.children {
            match child {
                Node::Elem(body) if body.tag == Tag::Body && !after_body => {
                    after_body = true;
                    let _ = head.write_event(Event::Start(body.start.borrow()));
                    let mut content = body.children;
                    let last_elem = content.iter().rposition(|n| matches!(n, Node::Elem(_)));
                    let sect = match last_elem {
                        Some(i) if matches!(&content[i], Node::Elem(e) if e.tag == Tag::SectPr) => {
                            content.split_off(i)
                        }
                        _ => Vec::new(),
                    };
                    write_nodes(&mut tail, &sect);
                    let _ = tail.write_event(Event::End(body.start.to_end()));
                    body_nodes = Some(content);
                }
                other if after_body => write_nodes(&mut tail, std::slice::from_ref(&other)),
                other => write_nodes(&mut head, std::slice::from_ref(&other)),
            }
        }
        if !after_body {
            return Err(format!("{DOCUMENT} has no body"));
        }
        let _ = tail.write_event(Event::End(root.start.to_end()));
    }
    let body = body_nodes.ok_or_else(|| format!("{DOCUMENT} has no body"))?;
    Ok(Document {
        prologue: head.into_inner(),
        body,
        epilogue: tail.into_inner(),
    })
}

/// The `w:t` elements of a paragraph's own text (not of paragraphs nested
/// in its text boxes).
fn own_texts<'e>(nodes: &'e [Node], out: &mut Vec<&'e Elem>) {
    for n in nodes {
        if let Node::Elem(e) = n {
            match e.tag {
                Tag::T => out.push(e),
                Tag::P => {}
                _ => own_texts(&e.children, out),
            }
        }
    }
}

fn own_texts_mut<'e>(nodes: &'e mut [Node], out: &mut Vec<&'e mut Elem>) {
    for n in nodes {
        if let Node::Elem(e) = n {
            match e.tag {
                Tag::T => out.push(e),
                Tag::P => {}
                _ => own_texts_mut(&mut e.children, out),
            }
        }
    }
}

fn own_text(p: &Elem) -> String {
    let mut ts = Vec::new();
    own_texts(&p.children, &mut ts);
    ts.iter().map(|t| t.text()).collect()
}

/// Validates one part and marks the paragraphs and rows that repeat;
/// returns whether an unknown name was met.
fn check_part(schema: &Schema, name: &str, part: &mut Part, problems: &mut Vec<String>) -> bool {
    let mut checker = Checker::new(schema, name, problems);
    checker.nodes(&mut part.nodes);
    checker.unknown
}

struct Checker<'a> {
    schema: &'a Schema,
    part: &'a str,
    paragraph: usize,
    /// Record lists used in each enclosing table row, innermost last.
    rows: Vec<(BTreeSet<String>, Option<usize>)>,
    problems: &'a mut Vec<String>,
    unknown: bool,
}

impl<'a> Checker<'a> {
    fn new(schema: &'a Schema, part: &'a str, problems: &'a mut Vec<String>) -> Self {
        Checker {
            schema,
            part,
            paragraph: 0,
            rows: Vec::new(),
            problems,
            unknown: false,
        }
    }

    fn nodes(&mut self, nodes: &mut [Node]) {
        for n in nodes {
            if let Node::Elem(e) = n {
                self.elem(e);
            }
        }
    }

    fn elem(&mut self, e: &mut Elem) {
        match e.tag {
            Tag::Tr => {
                self.rows.push((BTreeSet::new(), None));
                self.nodes(&mut e.children);
                let Some((records, first)) = self.rows.pop() else {
                    return;
                };
                if records.len() > 1 {
                    let at = first.unwrap_or(self.paragraph);
                    let lists: Vec<&str> = records.iter().map(String::as_str).collect();
                    self.problems.push(format!(
                        "{}, table row at paragraph {at}: uses the lists {}; a row repeats for one list only",
                        self.part,
                        lists.join(" and ")
                    ));
                } else {
                    e.repeat = records.into_iter().next();
                }
            }
            Tag::P => {
                self.paragraph += 1;
                let n = self.paragraph;
                if let Some(row) = self.rows.last_mut() {
                    row.1.get_or_insert(n);
                }
                self.paragraph_text(e, n);
                self.nodes(&mut e.children);
            }
            _ => self.nodes(&mut e.children),
        }
    }

    fn paragraph_text(&mut self, p: &mut Elem, n: usize) {
        let text = own_text(p);
        let found = scan(&text);
        p.has_placeholder = !found.is_empty();
        if found.is_empty() {
            return;
        }
        let place = format!("{}, paragraph {n} {:?}", self.part, excerpt(&text));
        let mut lists = BTreeSet::new();
        let mut records = BTreeSet::new();
        for f in &found {
            let name = match &f.name {
                Ok(name) => name,
                Err(why) => {
                    self.problems.push(format!("{place}: {why}"));
                    continue;
                }
            };
            match self.schema.resolve(name) {
                None => {
                    self.unknown = true;
                    self.problems
                        .push(format!("{place}: unknown placeholder {{{{{name}}}}}"));
                }
                Some(Kind::Scalar) => {}
                Some(Kind::ListItem(l)) => {
                    lists.insert(l.to_string());
                }
                Some(Kind::RecordField(r)) => {
                    records.insert(r.to_string());
                }
            }
        }
        let in_row = !self.rows.is_empty();
        let mut repeating: Vec<&String> = lists.iter().collect();
        if !in_row {
            repeating.extend(records.iter());
        }
        if repeating.len() > 1 {
            let names: Vec<&str> = repeating.iter().map(|s| s.as_str()).collect();
            self.problems.push(format!(
                "{place}: uses the lists {}; a paragraph repeats for one list only",
                names.join(" and ")
            ));
            return;
        }
        p.repeat = repeating.first().map(|s| s.to_string());
        if let Some(row) = self.rows.last_mut() {
            row.0.extend(records);
        }
    }
}

/// Fills headers, footers and notes: no per-letter values there.
fn fill_part(part: &Part, values: &Values) -> Result<Vec<u8>, String> {
    let mut filler = Filler {
        values,
        bound: Vec::new(),
        next_drawing: 0,
        prefix: &part.prefix,
    };
    let mut out = Vec::with_capacity(part.nodes.len());
    filler.nodes(&part.nodes, &mut out)?;
    let mut w = Writer::new(Vec::new());
    write_nodes(&mut w, &out);
    Ok(w.into_inner())
}

struct Filler<'t, 'v> {
    values: &'v Values,
    bound: Vec<(&'t str, usize)>,
    next_drawing: u32,
    prefix: &'t str,
}

impl<'t> Filler<'t, '_> {
    fn nodes(&mut self, nodes: &'t [Node], out: &mut Vec<Node>) -> Result<(), String> {
        for n in nodes {
            match n {
                Node::Elem(e) => match e.repeat.as_deref() {
                    Some(list) if !self.bound.iter().any(|(l, _)| *l == list) => {
                        let count = self.values.len_of(list);
                        for i in 0..count {
                            self.bound.push((list, i));
                            let r = self.elem(e, out);
                            self.bound.pop();
                            r?;
                            // A row is looked at no more once filled: it is
                            // kept written out. (A paragraph is not: its
                            // cell checks that it ends with one.)
                            if e.tag == Tag::Tr
                                && let Some(row) = out.pop()
                            {
                                let mut w = Writer::new(Vec::new());
                                write_nodes(&mut w, std::slice::from_ref(&row));
                                out.push(Node::Written(w.into_inner()));
                            }
                        }
                        if count == 0 {
                            self.keep_section_break(e, out);
                        }
                    }
                    _ => self.elem(e, out)?,
                },
                other => out.push(other.clone()),
            }
        }
        Ok(())
    }

    fn elem(&mut self, e: &'t Elem, out: &mut Vec<Node>) -> Result<(), String> {
        let mut children = Vec::with_capacity(e.children.len());
        self.nodes(&e.children, &mut children)?;
        let mut filled = Elem {
            start: e.start.clone(),
            tag: e.tag,
            children,
            empty: e.empty,
            repeat: None,
            has_placeholder: false,
        };
        match e.tag {
            Tag::P if e.has_placeholder => self.substitute(&mut filled)?,
            Tag::Tc
                if ends_with_paragraph(&e.children) && !ends_with_paragraph(&filled.children) =>
            {
                // A cell must end with a paragraph; its last one was a list
                // that came out empty.
                filled.children.push(Node::Elem(Elem::new(
                    BytesStart::new(format!("{}p", self.prefix)),
                    Tag::P,
                    true,
                )));
            }
            Tag::DocPr => {
                self.next_drawing = self.next_drawing.saturating_add(1);
                let id = self.next_drawing.to_string();
                let attrs: Vec<(String, String)> = filled
                    .start
                    .attributes()
                    .flatten()
                    .map(|a| {
                        let k = a.key.as_ref().to_string();
                        let v = if k == "id" {
                            id.clone()
                        } else {
                            a.value.into_owned()
                        };
                        (k, v)
                    })
                    .collect();
                filled.start.clear_attributes();
                for (k, v) in &attrs {
                    filled.start.push_attribute(Attribute {
                        key: QName(k),
                        value: Cow::Borrowed(v),
                    });
                }
            }
            _ => {}
        }
        out.push(Node::Elem(filled));
        Ok(())
    }

    /// A repeated paragraph with no items disappears, unless it carries a
    /// section break: then its properties stay so the layout does not change.
    fn keep_section_break(&self, e: &Elem, out: &mut Vec<Node>) {
        if e.tag != Tag::P || !holds_section(&e.children) {
            return;
        }
        let ppr = format!("{}pPr", self.prefix);
        let mut kept = Elem::new(e.start.clone(), Tag::P, true);
        kept.children = e
            .children
            .iter()
            .filter(|n| matches!(n, Node::Elem(c) if c.start.name().as_ref() == ppr))
            .cloned()
            .collect();
        out.push(Node::Elem(kept));
    }

    fn substitute(&self, p: &mut Elem) -> Result<(), String> {
        let mut slots = Vec::new();
        own_texts_mut(&mut p.children, &mut slots);
        let texts: Vec<String> = slots.iter().map(|t| t.text()).collect();
        let full: String = texts.concat();
        let mut edits = Vec::new();
        for f in scan(&full) {
            let name = f.name.map_err(|why| format!("{why} in {full:?}"))?;
            let value = self
                .values
                .lookup(&name, &self.bound)
                .ok_or_else(|| format!("no value for {{{{{name}}}}}"))?;
            edits.push((f.start, f.end, value));
        }
        let mut from = 0;
        for (slot, text) in slots.iter_mut().zip(&texts) {
            let (a, b) = (from, from + text.len());
            from = b;
            if !edits.iter().any(|(s, e, _)| *s < b && *e > a) {
                continue;
            }
            let mut new = String::with_capacity(text.len());
            let mut pos = a;
            for (s, e, value) in &edits {
                if *e <= a || *s >= b {
                    continue;
                }
                if *s > pos {
                    new.push_str(&full[pos..*s]);
                }
                if *s >= a {
                    new.push_str(value);
                }
                pos = (*e).min(b).max(pos);
            }
            new.push_str(&full[pos..b]);
            slot.set_text(new);
        }
        Ok(())
    }
}

fn ends_with_paragraph(children: &[Node]) -> bool {
    children.iter().rev().find_map(|n| match n {
        Node::Elem(e) if matches!(e.tag, Tag::P | Tag::Tbl) => Some(e.tag),
        _ => None,
    }) == Some(Tag::P)
}

fn holds_section(nodes: &[Node]) -> bool {
    nodes.iter().any(|n| match n {
        Node::Elem(e) => e.tag == Tag::SectPr || holds_section(&e.children),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        let mut s = Schema::default();
        for n in ["ho_ten", "don_vi"] {
            s.scalars.insert(n.into());
        }
        s.lists.insert("ly_do".into());
        s.records
            .insert("nguoi".into(), ["ho_ten".to_string()].into_iter().collect());
        s
    }

    fn values() -> Values {
        let mut v = Values::default();
        v.scalars.insert("ho_ten".into(), "Lê <A> & B".into());
        v.scalars.insert("don_vi".into(), "Xã Đăk Ruồng".into());
        v.lists.insert(
            "ly_do".into(),
            vec!["Thiếu bảng điểm".into(), "Hồ sơ trùng".into()],
        );
        v.records.insert(
            "nguoi".into(),
            vec![
                [("ho_ten".to_string(), "An".to_string())]
                    .into_iter()
                    .collect(),
                [("ho_ten".to_string(), "Bình".to_string())]
                    .into_iter()
                    .collect(),
            ],
        );
        v
    }

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml""#;

    fn doc(body: &str) -> Vec<u8> {
        format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"#).into_bytes()
    }

    fn load_body(body: &str) -> anyhow::Result<Template> {
        let bytes = package::zip([(DOCUMENT, doc(body).as_slice())])?;
        Template::load(
            "t.docx",
            &bytes,
            &schema(),
            &Schema::default(),
            &Values::default(),
        )
    }

    fn fill(body: &str) -> String {
        let t = load_body(body).unwrap();
        String::from_utf8(t.fill_body(&values(), 0).unwrap()).unwrap()
    }

    #[test]
    fn fills_a_placeholder_split_across_runs_keeping_the_first_runs_format() {
        let out = fill(
            r#"<w:p w14:paraId="1A2B3C4D"><w:r><w:t>Đồng chí </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>{</w:t></w:r><w:proofErr w:type="spellStart"/><w:bookmarkStart w:id="0" w:name="_GoBack"/><w:r><w:t>{ho_</w:t></w:r><w:bookmarkEnd w:id="0"/><w:r><w:rPr><w:i/></w:rPr><w:t>ten}}, đơn vị {{don_vi}}.</w:t></w:r></w:p>"#,
        );
        assert!(
            out.contains(
                r#"<w:rPr><w:b/></w:rPr><w:t xml:space="preserve">Lê &lt;A&gt; &amp; B</w:t>"#
            ),
            "{out}"
        );
        assert!(
            out.contains(r#"<w:t xml:space="preserve">, đơn vị Xã Đăk Ruồng.</w:t>"#),
            "{out}"
        );
        assert!(!out.contains("{{") && !out.contains("ho_") && !out.contains("bookmark"));
        assert!(!out.contains("paraId"));
    }

    #[test]
    fn repeats_list_paragraphs_and_record_rows() {
        let out = fill(
            r#"<w:p><w:r><w:t>{{ly_do.stt}}. {{ly_do}}</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>STT</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p><w:r><w:t>{{nguoi.stt}}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>{{nguoi.ho_ten}}</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/>"#,
        );
        assert!(
            out.contains(">1. Thiếu bảng điểm<") && out.contains(">2. Hồ sơ trùng<"),
            "{out}"
        );
        assert_eq!(out.matches("<w:tr>").count(), 3, "{out}");
        assert!(
            out.contains(
                ">2</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t xml:space=\"preserve\">Bình<"
            ),
            "{out}"
        );
    }

    #[test]
    fn an_empty_list_leaves_its_cell_a_paragraph() {
        let t = load_body(
            r#"<w:tbl><w:tr><w:tc><w:tcPr/><w:p><w:r><w:t>{{ly_do}}</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/>"#,
        )
        .unwrap();
        let mut v = values();
        v.lists.insert("ly_do".into(), Vec::new());
        let out = String::from_utf8(t.fill_body(&v, 0).unwrap()).unwrap();
        assert!(out.contains("<w:tc><w:tcPr/><w:p/></w:tc>"), "{out}");
    }

    #[test]
    fn refuses_unknown_names_with_their_place() {
        let err = load_body(
            r#"<w:p><w:r><w:t>a</w:t></w:r></w:p><w:p><w:r><w:t>Đồng chí {{</w:t></w:r><w:r><w:t>ho_tem}}</w:t></w:r></w:p>"#,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("t.docx"), "{err}");
        assert!(err.contains("word/document.xml, paragraph 2"), "{err}");
        assert!(err.contains("{{ho_tem}}"), "{err}");
        assert!(
            err.contains("known placeholders in the body: don_vi, ho_ten"),
            "{err}"
        );
    }

    #[test]
    fn refuses_two_lists_in_one_paragraph() {
        let mut s = schema();
        s.lists.insert("can_cu".into());
        let bytes = package::zip([(
            DOCUMENT,
            doc(r#"<w:p><w:r><w:t>{{ly_do}} {{can_cu}}</w:t></w:r></w:p>"#).as_slice(),
        )])
        .unwrap();
        let err = Template::load("t.docx", &bytes, &s, &Schema::default(), &Values::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("repeats for one list only"), "{err}");
    }

    #[test]
    fn merges_bodies_under_one_final_section() {
        let t = load_body(r#"<w:p><w:r><w:t>{{ho_ten}}</w:t></w:r></w:p>"#).unwrap();
        let a = t.fill_body(&values(), 0).unwrap();
        let bytes = t.package(&[&a, &a, &a]).unwrap();
        let mut ar = Archive::open(&bytes).unwrap();
        let xml = String::from_utf8(ar.read_required(DOCUMENT).unwrap()).unwrap();
        assert_eq!(xml.matches("<w:sectPr>").count(), 1);
        assert_eq!(xml.matches(r#"<w:br w:type="page"/>"#).count(), 2);
        assert!(xml.ends_with("</w:sectPr></w:body></w:document>"), "{xml}");
        Part::parse(xml.as_bytes()).unwrap();
    }

    fn load_parts(body: &str, extra: &[(&str, &str)]) -> anyhow::Result<Template> {
        let doc = doc(body);
        let mut entries = vec![(DOCUMENT, doc.as_slice())];
        entries.extend(extra.iter().map(|(n, x)| (*n, x.as_bytes())));
        let bytes = package::zip(entries)?;
        let mut shared = Schema::default();
        shared.scalars.insert("noi_ky".into());
        let mut values = Values::default();
        values.scalars.insert("noi_ky".into(), "Kon Rẫy".into());
        Template::load("t.docx", &bytes, &schema(), &shared, &values)
    }

    fn header(text: &str) -> String {
        format!(r#"<w:hdr {W}><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:hdr>"#)
    }

    #[test]
    fn headers_take_only_shared_values() {
        let t = load_parts("<w:p/>", &[("word/header1.xml", &header("{{noi_ky}}"))]).unwrap();
        let bytes = t.package(&[b""]).unwrap();
        let mut ar = Archive::open(&bytes).unwrap();
        let h = String::from_utf8(ar.read_required("word/header1.xml").unwrap()).unwrap();
        assert!(h.contains(">Kon Rẫy<"), "{h}");
        let err = load_parts("<w:p/>", &[("word/footer2.xml", &header("{{ho_ten}}"))])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("word/footer2.xml, paragraph 1"), "{err}");
        assert!(
            err.contains("known placeholders in headers, footers and notes: noi_ky"),
            "{err}"
        );
    }

    #[test]
    fn refuses_braces_in_parts_that_are_not_filled() {
        let comments = format!(
            r#"<w:comments {W}><w:comment><w:p><w:r><w:t>{{{{ho_ten}}}}</w:t></w:r></w:p></w:comment></w:comments>"#
        );
        let err = load_parts("<w:p/>", &[("word/comments.xml", &comments)])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("word/comments.xml: holds {{"), "{err}");
    }

    #[test]
    fn a_value_holding_braces_is_an_error() {
        let t = load_body(r#"<w:p><w:r><w:t>{{ho_ten}}</w:t></w:r></w:p>"#).unwrap();
        let mut v = values();
        v.scalars.insert("ho_ten".into(), "{{x}}".into());
        assert!(t.fill_body(&v, 0).unwrap_err().contains("is left"));
    }

    #[test]
    fn an_empty_list_keeps_a_section_break_it_carried() {
        let t = load_body(
            r#"<w:p><w:pPr><w:sectPr><w:type w:val="nextPage"/></w:sectPr></w:pPr><w:r><w:t>{{ly_do}}</w:t></w:r></w:p>"#,
        )
        .unwrap();
        let mut v = values();
        v.lists.insert("ly_do".into(), Vec::new());
        let out = String::from_utf8(t.fill_body(&v, 0).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"<w:p><w:pPr><w:sectPr><w:type w:val="nextPage"/></w:sectPr></w:pPr></w:p>"#
        );
    }

    #[test]
    fn fills_text_boxes_and_numbers_drawings_from_a_base() {
        let t = load_body(
            r#"<w:p><w:r><w:t>{{ly_do}} </w:t></w:r><w:r><w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><wp:docPr id="5" name="Box"/><w:txbxContent><w:p><w:r><w:t>{{don_vi}}</w:t></w:r></w:p></w:txbxContent></wp:anchor></w:drawing></w:r></w:p>"#,
        )
        .unwrap();
        let out = String::from_utf8(t.fill_body(&values(), 20_000).unwrap()).unwrap();
        assert!(
            out.contains(r#"<wp:docPr id="20001" name="Box"/>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<wp:docPr id="20002" name="Box"/>"#),
            "{out}"
        );
        assert_eq!(out.matches(">Xã Đăk Ruồng<").count(), 2, "{out}");
        assert!(
            out.contains(">Thiếu bảng điểm <") && out.contains(">Hồ sơ trùng <"),
            "{out}"
        );
    }
}
