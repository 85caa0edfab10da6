//! A small owned tree over quick-xml events: just enough to repeat
//! paragraphs and table rows and rewrite text, while everything we do not
//! understand (drawings, fields, extensions) passes through byte for byte.

use quick_xml::escape::{partial_escape, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use quick_xml::writer::Writer;

/// The WordprocessingML namespaces (transitional and strict); the prefix
/// bound to one of them on the root element names the tags we act on.
const WORDML: [&str; 2] = [
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
];

/// Deeper nesting than this is not a Word document but a way to exhaust
/// the stack of the recursive passes over the tree.
const MAX_DEPTH: usize = 256;

/// The elements the filler treats specially; everything else is `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    Body,
    P,
    T,
    Tr,
    Tc,
    Tbl,
    SectPr,
    Bookmark,
    /// `wp:docPr`: a drawing whose `id` must stay unique in a document.
    DocPr,
    /// `w:numId`: which list a numbered paragraph continues, renumbered per
    /// notice in the merged file so each notice's list starts again.
    NumId,
    Other,
}

#[derive(Clone, Debug)]
pub(crate) enum Node {
    Elem(Elem),
    /// Character data, unescaped.
    Text(String),
    /// Comments, declarations, CDATA: written back as they came.
    Raw(Event<'static>),
    /// A filled element already written out, kept as its bytes: a repeated
    /// table row of the recognition list is a few hundred bytes this way,
    /// and ten times that as nodes (21,000 rows took 190 MB).
    Written(Vec<u8>),
}

#[derive(Clone, Debug)]
pub(crate) struct Elem {
    pub start: BytesStart<'static>,
    pub tag: Tag,
    pub children: Vec<Node>,
    /// Written as `<x/>` while it has no children.
    pub empty: bool,
    /// The list this paragraph or row is repeated for (set by validation).
    pub repeat: Option<String>,
    /// Whether the paragraph's own text holds a placeholder (set by validation).
    pub has_placeholder: bool,
}

impl Elem {
    pub fn new(start: BytesStart<'static>, tag: Tag, empty: bool) -> Elem {
        Elem {
            start,
            tag,
            children: Vec::new(),
            empty,
            repeat: None,
            has_placeholder: false,
        }
    }

    /// The text of a `w:t`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.children {
            if let Node::Text(t) = c {
                out.push_str(t);
            }
        }
        out
    }

    /// Replaces a `w:t`'s text; the space is preserved because a filled
    /// value may start or end with one.
    pub fn set_text(&mut self, text: String) {
        let preserved = self
            .start
            .attributes()
            .flatten()
            .any(|a| a.key.as_ref() == "xml:space");
        if !preserved {
            self.start.push_attribute(("xml:space", "preserve"));
        }
        self.children.clear();
        if !text.is_empty() {
            self.children.push(Node::Text(text));
        }
    }
}

/// One parsed XML part.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    /// Top-level nodes: the declaration, the root element, stray whitespace.
    pub nodes: Vec<Node>,
    /// `w:` as a tag prefix (`"w:"`), or `""` when WordprocessingML is the
    /// default namespace.
    pub prefix: String,
}

impl Part {
    pub fn parse(bytes: &[u8]) -> Result<Part, String> {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|_| "the XML is not UTF-8".to_string())?;
        let mut reader = Reader::from_str(text);
        let mut stack: Vec<Elem> = Vec::new();
        let mut top: Vec<Node> = Vec::new();
        let mut prefix: Option<String> = None;
        loop {
            let event = reader
                .read_event()
                .map_err(|e| format!("malformed XML at byte {}: {e}", reader.error_position()))?;
            match event {
                Event::Eof => break,
                Event::Start(s) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(format!("elements nested more than {MAX_DEPTH} deep"));
                    }
                    let tag = tag_of(&s, root_prefix(&mut prefix, &s));
                    stack.push(Elem::new(s.into_owned(), tag, false));
                }
                Event::Empty(s) => {
                    let tag = tag_of(&s, root_prefix(&mut prefix, &s));
                    push(
                        &mut stack,
                        &mut top,
                        Node::Elem(Elem::new(s.into_owned(), tag, true)),
                    );
                }
                Event::End(_) => {
                    let e = stack.pop().ok_or("malformed XML: unexpected end tag")?;
                    push(&mut stack, &mut top, Node::Elem(e));
                }
                Event::Text(t) => push_text(&mut stack, &mut top, &t.xml10_content()),
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => resolve_predefined_entity(&r)
                            .ok_or_else(|| format!("malformed XML: unknown entity &{};", &*r))?
                            .to_string(),
                        Err(e) => return Err(format!("malformed XML: {e}")),
                    };
                    push_text(&mut stack, &mut top, &resolved);
                }
                other => push(&mut stack, &mut top, Node::Raw(other.into_owned())),
            }
        }
        if !stack.is_empty() {
            return Err("malformed XML: the document ends inside an element".to_string());
        }
        Ok(Part {
            nodes: top,
            prefix: prefix.unwrap_or_else(|| "w:".to_string()),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Vec::new());
        write_nodes(&mut w, &self.nodes);
        w.into_inner()
    }
}

/// The prefix of WordprocessingML tags, read from the first (root) element.
fn root_prefix<'p>(prefix: &'p mut Option<String>, s: &BytesStart<'_>) -> &'p str {
    prefix.get_or_insert_with(|| wordml_prefix(s).unwrap_or_else(|| "w:".to_string()))
}

fn push(stack: &mut [Elem], top: &mut Vec<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => top.push(node),
    }
}

fn push_text(stack: &mut [Elem], top: &mut Vec<Node>, text: &str) {
    let siblings = match stack.last_mut() {
        Some(parent) => &mut parent.children,
        None => top,
    };
    if let Some(Node::Text(prev)) = siblings.last_mut() {
        prev.push_str(text);
    } else {
        siblings.push(Node::Text(text.to_string()));
    }
}

fn wordml_prefix(root: &BytesStart<'_>) -> Option<String> {
    root.attributes().flatten().find_map(|a| {
        if !WORDML.contains(&a.value.as_ref()) {
            return None;
        }
        let key = a.key.as_ref();
        if key == "xmlns" {
            Some(String::new())
        } else {
            key.strip_prefix("xmlns:").map(|p| format!("{p}:"))
        }
    })
}

fn tag_of(s: &BytesStart<'_>, prefix: &str) -> Tag {
    let name = s.name();
    let name = name.as_ref();
    if name.rsplit(':').next() == Some("docPr") {
        return Tag::DocPr;
    }
    let Some(local) = name.strip_prefix(prefix) else {
        return Tag::Other;
    };
    if local.contains(':') {
        return Tag::Other;
    }
    match local {
        "body" => Tag::Body,
        "p" => Tag::P,
        "t" => Tag::T,
        "tr" => Tag::Tr,
        "tc" => Tag::Tc,
        "tbl" => Tag::Tbl,
        "sectPr" => Tag::SectPr,
        "numId" => Tag::NumId,
        "bookmarkStart" | "bookmarkEnd" => Tag::Bookmark,
        _ => Tag::Other,
    }
}

pub(crate) fn write_nodes(w: &mut Writer<Vec<u8>>, nodes: &[Node]) {
    for n in nodes {
        write_node(w, n);
    }
}

fn write_node(w: &mut Writer<Vec<u8>>, node: &Node) {
    // Writing into a Vec cannot fail.
    match node {
        Node::Elem(e) => {
            if e.empty && e.children.is_empty() {
                let _ = w.write_event(Event::Empty(e.start.borrow()));
            } else {
                let _ = w.write_event(Event::Start(e.start.borrow()));
                write_nodes(w, &e.children);
                let _ = w.write_event(Event::End(e.start.to_end()));
            }
        }
        Node::Text(t) => {
            w.get_mut()
                .extend_from_slice(partial_escape(t.as_str()).as_bytes());
        }
        Node::Raw(ev) => {
            let _ = w.write_event(ev.borrow());
        }
        Node::Written(bytes) => w.get_mut().extend_from_slice(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_elem(nodes: &[Node]) -> &Elem {
        nodes
            .iter()
            .find_map(|n| match n {
                Node::Elem(e) => Some(e),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn round_trips_text_and_entities() {
        let xml = r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:t>a &amp; b &#x1EA1;&lt;</w:t><!-- c --></w:document>"#;
        let part = Part::parse(xml.as_bytes()).unwrap();
        let root = first_elem(&part.nodes);
        let t = first_elem(&root.children);
        assert_eq!(t.tag, Tag::T);
        assert_eq!(t.text(), "a & b ạ<");
        let out = String::from_utf8(part.to_bytes()).unwrap();
        assert_eq!(
            out,
            r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:t>a &amp; b ạ&lt;</w:t><!-- c --></w:document>"#
        );
    }

    #[test]
    fn finds_wordml_under_any_prefix() {
        let xml = r#"<ns0:document xmlns:ns0="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w="urn:other"><ns0:body><ns0:p/><w:p/></ns0:body></ns0:document>"#;
        let part = Part::parse(xml.as_bytes()).unwrap();
        assert_eq!(part.prefix, "ns0:");
        let body = first_elem(&first_elem(&part.nodes).children);
        assert_eq!(body.tag, Tag::Body);
        let tags: Vec<Tag> = body
            .children
            .iter()
            .map(|n| match n {
                Node::Elem(e) => e.tag,
                _ => Tag::Other,
            })
            .collect();
        assert_eq!(tags, [Tag::P, Tag::Other]);
    }

    #[test]
    fn refuses_malformed_and_absurdly_deep_xml() {
        assert!(Part::parse(b"<a><b></a>").is_err());
        assert!(Part::parse(b"<a>&nbsp;</a>").is_err());
        assert!(Part::parse(b"<a>").is_err());
        assert!(Part::parse(&[0xff, 0xfe, 0x3c]).is_err());
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(Part::parse(deep.as_bytes()).unwrap_err().contains("nested"));
    }
}
