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

use super::numbering::{Numbering, attribute};
use super::package;
use super::placeholders::{Kind, Schema, Values, excerpt, scan, single_braced};
use super::sections;
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
/// Where the main part's relationships say which part holds the numbering.
const DOCUMENT_RELS: &str = "word/_rels/document.xml.rels";
const NUMBERING: &str = "word/numbering.xml";

/// Drawing ids per copy of the body: copy `i` numbers its drawings from
/// `i * DRAWING_IDS`, so they stay unique in the merged file.
const DRAWING_IDS: u32 = 10_000;

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
    /// The numbering part, which gains lists for every copy of the body
    /// after the first (see `numbering.rs`).
    Numbering,
}

/// A loaded, validated template.
pub(crate) struct Template {
    entries: Vec<(String, Entry)>,
    document: Document,
    prefix: String,
    numbering: Option<Numbering>,
    /// What a clerk should know but that does not stop the letters, such
    /// as a placeholder name in single braces.
    pub warnings: Vec<String>,
}

/// `word/document.xml` cut around the body's content.
struct Document {
    /// Everything up to and including `<w:body>`.
    prologue: Vec<u8>,
    body: Vec<Node>,
    /// The final `w:sectPr`, written out; empty when there is none.
    last_section: Vec<u8>,
    /// What goes between two copies of the body: a paragraph ending a
    /// section with the final section properties, or a page break when
    /// the template has none.
    separator: Vec<u8>,
    /// `</w:body>` and the rest.
    epilogue: Vec<u8>,
}

/// The body filled for one letter, and which copy of the body it is in a
/// merged document (its drawings and lists are numbered for that place).
#[derive(Debug)]
pub(crate) struct Body {
    xml: Vec<u8>,
    copy: u32,
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
        let mut single_braced = std::collections::BTreeSet::new();
        let (mut unknown_in_body, mut unknown_in_shared) = (false, false);
        let mut numbering_at = NUMBERING.to_string();
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
                unknown_in_body |=
                    check_part(body, &name, &mut part, &mut problems, &mut single_braced);
                document = Some(part);
                entries.push((name, Entry::Document));
            } else if is_shared_part(&name) {
                let mut part = Part::parse(&data)
                    .map_err(|e| anyhow::anyhow!("template {label}, {name}: {e}"))?;
                normalize(&mut part.nodes);
                unknown_in_shared |=
                    check_part(shared, &name, &mut part, &mut problems, &mut single_braced);
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
                if name == DOCUMENT_RELS
                    && let Some(target) = numbering_target(&data)
                {
                    numbering_at = target;
                }
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
        let document = split_document(document.nodes, &prefix)
            .map_err(|e| anyhow::anyhow!("template {label}: {e}"))?;
        if [
            &document.prologue,
            &document.last_section,
            &document.epilogue,
        ]
        .iter()
        .any(|b| contains_braces(b))
        {
            anyhow::bail!(
                "template {label}: {DOCUMENT} holds {{{{ outside the text, where it cannot be filled"
            );
        }
        let mut numbering = None;
        for (name, entry) in &mut entries {
            if *name != numbering_at {
                continue;
            }
            let Entry::Fixed(data) = entry else { continue };
            numbering = Numbering::load(data, &list_ids(&document.body, &prefix))
                .map_err(|e| anyhow::anyhow!("template {label}, {name}: {e}"))?;
            if numbering.is_some() {
                *entry = Entry::Numbering;
            }
        }
        let warnings = single_braces_warning(label, &single_braced)
            .into_iter()
            .collect();
        Ok(Template {
            entries,
            document,
            prefix,
            numbering,
            warnings,
        })
    }

    /// Fills the body for one letter; the result goes to [`Self::package`].
    /// `copy` is its place in a merged document (0 for the first): bodies
    /// filled for different places can share one document, their drawings
    /// and lists kept apart.
    pub fn fill_body(&self, values: &Values, copy: u32) -> Result<Body, String> {
        let renumber = match &self.numbering {
            Some(n) => n.renumbering(copy)?,
            None => Vec::new(),
        };
        let mut filler = Filler {
            values,
            bound: Vec::new(),
            next_drawing: copy.saturating_mul(DRAWING_IDS),
            prefix: &self.prefix,
            renumber,
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
        Ok(Body { xml: bytes, copy })
    }

    /// A .docx holding the given filled bodies one after another, each in
    /// sections of its own that start on a new page, numbered from 1, as
    /// it prints from its own file.
    pub fn package(&self, bodies: &[&Body]) -> anyhow::Result<Vec<u8>> {
        let doc = &self.document;
        let mut document = Vec::with_capacity(2 * bodies.len() + 2);
        document.push(doc.prologue.as_slice());
        for (i, body) in bodies.iter().enumerate() {
            if i > 0 {
                document.push(&doc.separator);
            }
            document.push(&body.xml);
        }
        document.push(&doc.last_section);
        document.push(&doc.epilogue);
        let numbering = match &self.numbering {
            Some(n) => {
                let copies: Vec<u32> = bodies.iter().map(|b| b.copy).collect();
                n.part_for(&copies).map_err(anyhow::Error::msg)?
            }
            None => Vec::new(),
        };
        let entries = self.entries.iter().map(|(name, e)| match e {
            Entry::Fixed(data) => (name.as_str(), vec![data.as_slice()]),
            Entry::Document => (name.as_str(), document.clone()),
            Entry::Numbering => (name.as_str(), vec![numbering.as_slice()]),
        });
        Ok(package::zip_pieces(entries)?)
    }
}

/// The numbering part named in the main part's relationships.
fn numbering_target(rels: &[u8]) -> Option<String> {
    let part = Part::parse(rels).ok()?;
    let mut found = None;
    visit(&part.nodes, &mut |e| {
        let numbering = attribute(e, "Type").is_some_and(|t| t.ends_with("/numbering"));
        if numbering && found.is_none() {
            found = attribute(e, "Target");
        }
    });
    let target = found?;
    Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("word/{target}"),
    })
}

fn visit<'e>(nodes: &'e [Node], f: &mut impl FnMut(&'e Elem)) {
    for n in nodes {
        if let Node::Elem(e) = n {
            f(e);
            visit(&e.children, f);
        }
    }
}

/// The `w:numId` values of the body's numbered paragraphs, in the order
/// first met (0 means "not numbered").
fn list_ids(body: &[Node], p: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let key = format!("{p}val");
    visit(body, &mut |e| {
        if e.tag == Tag::NumId
            && let Some(id) = attribute(e, &key)
            && id != "0"
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    });
    ids
}

/// One warning for every placeholder-like name in single braces a
/// template holds: they are left in every letter as they are.
fn single_braces_warning(label: &str, found: &BTreeSet<String>) -> Option<String> {
    if found.is_empty() {
        return None;
    }
    let texts: Vec<&str> = found.iter().map(String::as_str).collect();
    Some(format!(
        "template {label}: {} in single braces {} left in every letter as written; placeholders take two braces, as in {{{{ho_ten}}}}",
        texts.join(", "),
        if texts.len() == 1 { "is" } else { "are" }
    ))
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
/// content, the final section properties and the rest; the first section
/// is made to start a page numbered from 1 (`sections.rs`).
fn split_document(nodes: Vec<Node>, prefix: &str) -> Result<Document, String> {
    let mut head = Writer::new(Vec::new());
    let mut tail = Writer::new(Vec::new());
    let mut body_nodes = None;
    let mut last_section = None;
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
                    if let Some(i) = last_elem
                        && let Node::Elem(e) = &content[i]
                        && e.tag == Tag::SectPr
                    {
                        let mut after = content.split_off(i);
                        if let Node::Elem(sect) = after.remove(0) {
                            last_section = Some(sect);
                        }
                        write_nodes(&mut tail, &after);
                    }
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
    let mut body = body_nodes.ok_or_else(|| format!("{DOCUMENT} has no body"))?;
    sections::restart_first_section(&mut body, last_section.as_mut(), prefix);
    let p = prefix;
    let (last_section, separator) = match &last_section {
        Some(sect) => {
            let mut w = Writer::new(Vec::new());
            write_nodes(&mut w, &[Node::Elem(sect.clone())]);
            (w.into_inner(), sections::separator(sect, p))
        }
        None => (
            Vec::new(),
            format!(
                "<{p}p><{p}pPr><{p}spacing {p}before=\"0\" {p}after=\"0\" {p}line=\"20\" {p}lineRule=\"exact\"/></{p}pPr><{p}r><{p}rPr><{p}sz {p}val=\"2\"/></{p}rPr><{p}br {p}type=\"page\"/></{p}r></{p}p>"
            )
            .into_bytes(),
        ),
    };
    Ok(Document {
        prologue: head.into_inner(),
        body,
        last_section,
        separator,
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
/// returns whether an unknown name was met. Known names written in single
/// braces (`{ho_ten}`) go to `single_braced`.
fn check_part(
    schema: &Schema,
    name: &str,
    part: &mut Part,
    problems: &mut Vec<String>,
    single_braced: &mut BTreeSet<String>,
) -> bool {
    let mut checker = Checker::new(schema, name, problems);
    checker.nodes(&mut part.nodes);
    single_braced.append(&mut checker.single_braced);
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
    single_braced: BTreeSet<String>,
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
            single_braced: BTreeSet::new(),
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
        for (written, name) in single_braced(&text) {
            if self.schema.resolve(&name).is_some() {
                self.single_braced.insert(written);
            }
        }
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
        renumber: Vec::new(),
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
    /// `w:numId` values to replace, and by what (`numbering.rs`).
    renumber: Vec<(String, String)>,
}

impl<'t> Filler<'t, '_> {
    fn nodes(&mut self, nodes: &'t [Node], out: &mut Vec<Node>) -> Result<(), String> {
        let mut at = 0;
        while at < nodes.len() {
            match &nodes[at] {
                Node::Elem(e) => match e.repeat.as_deref() {
                    Some(list) if !self.bound.iter().any(|(l, _)| *l == list) => {
                        let group = repeated_together(nodes, at, list);
                        self.repeat(&nodes[at..group], list, out)?;
                        at = group;
                        continue;
                    }
                    _ => self.elem(e, out)?,
                },
                other => out.push(other.clone()),
            }
            at += 1;
        }
        Ok(())
    }

    /// Fills `group` (a paragraph, or table rows that repeat together) once
    /// per item of `list`.
    fn repeat(
        &mut self,
        group: &'t [Node],
        list: &'t str,
        out: &mut Vec<Node>,
    ) -> Result<(), String> {
        let count = self.values.len_of(list);
        for i in 0..count {
            self.bound.push((list, i));
            let r = self.fill_group(group, out);
            self.bound.pop();
            r?;
        }
        if count == 0 {
            for n in group {
                if let Node::Elem(e) = n {
                    self.keep_section_break(e, out);
                }
            }
        }
        Ok(())
    }

    fn fill_group(&mut self, group: &'t [Node], out: &mut Vec<Node>) -> Result<(), String> {
        for n in group {
            let Node::Elem(e) = n else {
                out.push(n.clone());
                continue;
            };
            self.elem(e, out)?;
            // A row is looked at no more once filled: it is kept written
            // out. (A paragraph is not: its cell checks that it ends with
            // one.)
            if e.tag == Tag::Tr
                && let Some(row) = out.pop()
            {
                let mut w = Writer::new(Vec::new());
                write_nodes(&mut w, std::slice::from_ref(&row));
                out.push(Node::Written(w.into_inner()));
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
                set_attribute(&mut filled.start, "id", &self.next_drawing.to_string());
            }
            Tag::NumId => {
                let key = format!("{}val", self.prefix);
                if let Some(id) = attribute(&filled, &key)
                    && let Some((_, new)) = self.renumber.iter().find(|(old, _)| *old == id)
                {
                    set_attribute(&mut filled.start, &key, new);
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

/// Where the group repeated with the row at `at` ends: consecutive table
/// rows repeated for the same list repeat together, so a person given two
/// rows (name and birth date above, unit and note below) keeps them side by
/// side instead of every first row coming before every second one.
fn repeated_together(nodes: &[Node], at: usize, list: &str) -> usize {
    let mut end = at + 1;
    let Node::Elem(first) = &nodes[at] else {
        return end;
    };
    if first.tag != Tag::Tr {
        return end;
    }
    for (i, n) in nodes.iter().enumerate().skip(at + 1) {
        match n {
            Node::Elem(e) if e.tag == Tag::Tr && e.repeat.as_deref() == Some(list) => end = i + 1,
            Node::Elem(_) => break,
            _ => {}
        }
    }
    end
}

/// Replaces the value of the attribute `key` (keeping the others and their
/// order).
fn set_attribute(start: &mut BytesStart<'static>, key: &str, value: &str) {
    let attrs: Vec<(String, String)> = start
        .attributes()
        .flatten()
        .map(|a| {
            let k = a.key.as_ref().to_string();
            let v = if k == key {
                value.to_string()
            } else {
                a.value.into_owned()
            };
            (k, v)
        })
        .collect();
    start.clear_attributes();
    for (k, v) in &attrs {
        start.push_attribute(Attribute {
            key: QName(k),
            value: Cow::Borrowed(v),
        });
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
        String::from_utf8(t.fill_body(&values(), 0).unwrap().xml).unwrap()
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
        let out = String::from_utf8(t.fill_body(&v, 0).unwrap().xml).unwrap();
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
    fn merges_bodies_each_in_a_section_numbered_from_one() {
        let t = load_body(r#"<w:p><w:r><w:t>{{ho_ten}}</w:t></w:r></w:p>"#).unwrap();
        let bodies: Vec<Body> = (0..3).map(|i| t.fill_body(&values(), i).unwrap()).collect();
        let bytes = t.package(&bodies.iter().collect::<Vec<_>>()).unwrap();
        let mut ar = Archive::open(&bytes).unwrap();
        let xml = String::from_utf8(ar.read_required(DOCUMENT).unwrap()).unwrap();
        let section =
            r#"<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgNumType w:start="1"/></w:sectPr>"#;
        assert_eq!(xml.matches(section).count(), 3, "{xml}");
        assert_eq!(
            xml.matches(&format!("{section}</w:pPr></w:p>")).count(),
            2,
            "{xml}"
        );
        assert!(!xml.contains("w:br"), "{xml}");
        assert!(
            xml.ends_with(&format!("{section}</w:body></w:document>")),
            "{xml}"
        );
        Part::parse(xml.as_bytes()).unwrap();
    }

    #[test]
    fn without_section_properties_notices_are_parted_by_page_breaks() {
        let bytes = package::zip([(
            DOCUMENT,
            format!(r#"<w:document {W}><w:body><w:p><w:r><w:t>{{{{ho_ten}}}}</w:t></w:r></w:p></w:body></w:document>"#).as_bytes(),
        )])
        .unwrap();
        let t = Template::load(
            "t.docx",
            &bytes,
            &schema(),
            &Schema::default(),
            &Values::default(),
        )
        .unwrap();
        let bodies: Vec<Body> = (0..2).map(|i| t.fill_body(&values(), i).unwrap()).collect();
        let merged = t.package(&bodies.iter().collect::<Vec<_>>()).unwrap();
        let xml = String::from_utf8(
            Archive::open(&merged)
                .unwrap()
                .read_required(DOCUMENT)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(xml.matches(r#"<w:br w:type="page"/>"#).count(), 1, "{xml}");
        assert!(!xml.contains("sectPr"), "{xml}");
    }

    #[test]
    fn consecutive_rows_of_one_record_list_repeat_together() {
        let out = fill(
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{{nguoi.stt}}</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>({{nguoi.ho_ten}})</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p><w:r><w:t>{{don_vi}}</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/>"#,
        );
        let cells: Vec<&str> = out
            .split(r#"<w:t xml:space="preserve">"#)
            .skip(1)
            .filter_map(|t| t.split_once('<').map(|(v, _)| v))
            .collect();
        assert_eq!(cells, ["1", "(An)", "2", "(Bình)", "Xã Đăk Ruồng"], "{out}");
    }

    #[test]
    fn names_in_single_braces_are_a_warning_once_per_template() {
        let t = load_body(
            r#"<w:p><w:r><w:t>Đồng chí {ho_ten}, {ho_ten}</w:t></w:r></w:p><w:p><w:r><w:t>{don_vi}} {{ho_ten}} {khac} {x y}</w:t></w:r></w:p>"#,
        )
        .unwrap();
        assert_eq!(
            t.warnings,
            [
                "template t.docx: {don_vi}}, {ho_ten} in single braces are left in every letter as written; placeholders take two braces, as in {{ho_ten}}"
            ]
        );
        assert!(
            load_body(r#"<w:p><w:r><w:t>{{ho_ten}} {khac}</w:t></w:r></w:p>"#)
                .unwrap()
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn numbered_paragraphs_take_the_lists_of_their_copy() {
        let numbering = r#"<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/></w:lvl></w:abstractNum><w:num w:numId="3"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#;
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="lists.xml"/></Relationships>"#;
        let t = load_parts(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="3"/></w:numPr></w:pPr><w:r><w:t>{{ly_do}}</w:t></w:r></w:p>"#,
            &[("word/lists.xml", numbering), ("word/_rels/document.xml.rels", rels)],
        )
        .unwrap();
        let first = t.fill_body(&values(), 0).unwrap();
        let third = t.fill_body(&values(), 2).unwrap();
        let text = |b: &Body| String::from_utf8(b.xml.clone()).unwrap();
        assert_eq!(text(&first).matches(r#"<w:numId w:val="3"/>"#).count(), 2);
        assert_eq!(text(&third).matches(r#"<w:numId w:val="5"/>"#).count(), 2);
        let merged = t.package(&[&first, &third]).unwrap();
        let lists = String::from_utf8(
            Archive::open(&merged)
                .unwrap()
                .read_required("word/lists.xml")
                .unwrap(),
        )
        .unwrap();
        assert!(lists.ends_with(r#"<w:num w:numId="3"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="5"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num></w:numbering>"#), "{lists}");
        let alone = t.package(&[&first]).unwrap();
        let lists = Archive::open(&alone)
            .unwrap()
            .read_required("word/lists.xml")
            .unwrap();
        assert_eq!(
            lists,
            numbering.as_bytes(),
            "a notice on its own keeps the template's lists"
        );
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
        let body = t.fill_body(&Values::default(), 0).unwrap();
        let bytes = t.package(&[&body]).unwrap();
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
        let out = String::from_utf8(t.fill_body(&v, 0).unwrap().xml).unwrap();
        assert_eq!(
            out,
            r#"<w:p><w:pPr><w:sectPr><w:type w:val="nextPage"/><w:pgNumType w:start="1"/></w:sectPr></w:pPr></w:p>"#
        );
    }

    #[test]
    fn fills_text_boxes_and_numbers_drawings_from_a_base() {
        let t = load_body(
            r#"<w:p><w:r><w:t>{{ly_do}} </w:t></w:r><w:r><w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><wp:docPr id="5" name="Box"/><w:txbxContent><w:p><w:r><w:t>{{don_vi}}</w:t></w:r></w:p></w:txbxContent></wp:anchor></w:drawing></w:r></w:p>"#,
        )
        .unwrap();
        let out = String::from_utf8(t.fill_body(&values(), 2).unwrap().xml).unwrap();
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
