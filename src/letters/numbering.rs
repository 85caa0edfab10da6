//! Word's automatic numbering (`w:numPr`) in the merged print file.
//!
//! Word counts a list per abstract numbering definition, across every
//! paragraph that names it: a reasons paragraph numbered by Word (not by
//! `{{ly_do.stt}}`) would go on counting from one notice to the next in the
//! merged file (notice 2 starting at "2."). Each copy of the body after the
//! first therefore gets lists of its own: a new `w:num` per list the body
//! uses, pointing at the same definition, with a `w:startOverride` so it
//! starts again where the template's list starts (the way Word itself
//! restarts a list). The first copy keeps the template's ids, so a notice on
//! its own is the template's numbering untouched.

use super::xml::{Elem, Node, Part, Tag, write_nodes};
use quick_xml::events::{BytesStart, Event};
use quick_xml::writer::Writer;
use std::collections::{BTreeMap, BTreeSet};

/// `ST_DecimalNumber` is a 32-bit integer in Word: ids past it would not open.
const MAX_ID: u64 = i32::MAX as u64;

/// The numbering part, cut where new `w:num` elements go, and the lists
/// the body uses.
pub(crate) struct Numbering {
    /// Everything before the first new `w:num`: the definitions and the
    /// template's own `w:num` elements.
    head: Vec<u8>,
    /// `w:numIdMacAtCleanup` (which the schema puts last) and the end.
    tail: Vec<u8>,
    prefix: String,
    lists: Vec<List>,
    /// One more than the largest `w:numId` of the template.
    first_free: u64,
}

/// One list the body uses, as a copy of the body needs it.
struct List {
    id: String,
    abstract_id: String,
    /// The `w:lvlOverride` elements of the copy's `w:num`, written out.
    overrides: Vec<u8>,
}

impl Numbering {
    /// Reads the numbering part `bytes`; `used` are the `w:numId` values of
    /// the body, in the order first met. `None` when the body numbers
    /// nothing that the part defines.
    pub fn load(bytes: &[u8], used: &[String]) -> Result<Option<Numbering>, String> {
        if used.is_empty() {
            return Ok(None);
        }
        let parsed = Part::parse(bytes)?;
        let p = parsed.prefix.clone();
        let Some(root_at) = parsed.nodes.iter().position(|n| matches!(n, Node::Elem(_))) else {
            return Err("the numbering part has no root element".to_string());
        };
        let Node::Elem(root) = &parsed.nodes[root_at] else {
            unreachable!("position found an element");
        };
        let levels = abstract_levels(root, &p);
        let nums: BTreeMap<String, &Elem> = children_named(root, &p, "num")
            .filter_map(|n| Some((attribute(n, &format!("{p}numId"))?, n)))
            .collect();
        let largest = nums.keys().filter_map(|k| k.parse::<u64>().ok()).max();
        let mut restarted = BTreeSet::new();
        let mut lists = Vec::new();
        for id in used {
            let Some(num) = nums.get(id) else { continue };
            let Some(abstract_id) = children_named(num, &p, "abstractNumId")
                .find_map(|a| attribute(a, &format!("{p}val")))
            else {
                continue;
            };
            // Lists sharing a definition count on from each other in one
            // notice: only the first of them starts again.
            let first = restarted.insert(abstract_id.clone());
            let starts = levels.get(&abstract_id).map(Vec::as_slice).unwrap_or(&[]);
            lists.push(List {
                id: id.clone(),
                overrides: overrides(num, &p, first.then_some(starts)),
                abstract_id,
            });
        }
        if lists.is_empty() {
            return Ok(None);
        }
        let (head, tail) = cut(&parsed.nodes, root_at, &p);
        Ok(Some(Numbering {
            head,
            tail,
            prefix: p,
            lists,
            first_free: largest.map_or(1, |l| l + 1),
        }))
    }

    /// The body's `w:numId` values and what copy `copy` of it uses instead
    /// (nothing to change for the first copy).
    pub fn renumbering(&self, copy: u32) -> Result<Vec<(String, String)>, String> {
        if copy == 0 {
            return Ok(Vec::new());
        }
        (0..self.lists.len())
            .map(|j| Ok((self.lists[j].id.clone(), self.id_for(copy, j)?.to_string())))
            .collect()
    }

    /// The numbering part for a document holding the given copies.
    pub fn part_for(&self, copies: &[u32]) -> Result<Vec<u8>, String> {
        let p = &self.prefix;
        let mut out = self.head.clone();
        for &copy in copies.iter().filter(|&&c| c > 0) {
            for (j, list) in self.lists.iter().enumerate() {
                let id = self.id_for(copy, j)?;
                out.extend_from_slice(
                    format!(
                        "<{p}num {p}numId=\"{id}\"><{p}abstractNumId {p}val=\"{}\"/>",
                        list.abstract_id
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(&list.overrides);
                out.extend_from_slice(format!("</{p}num>").as_bytes());
            }
        }
        out.extend_from_slice(&self.tail);
        Ok(out)
    }

    fn id_for(&self, copy: u32, list: usize) -> Result<u64, String> {
        let id = u64::from(copy - 1) * self.lists.len() as u64 + list as u64 + self.first_free;
        if id > MAX_ID {
            return Err(format!(
                "too many notices for Word's list numbering in one file (list id {id})"
            ));
        }
        Ok(id)
    }
}

/// Each abstract definition's levels and where they start (`w:start`; the
/// schema's default, 0, when it is left out).
fn abstract_levels(root: &Elem, p: &str) -> BTreeMap<String, Vec<(String, String)>> {
    children_named(root, p, "abstractNum")
        .filter_map(|a| {
            let id = attribute(a, &format!("{p}abstractNumId"))?;
            let levels = children_named(a, p, "lvl")
                .filter_map(|lvl| {
                    let ilvl = attribute(lvl, &format!("{p}ilvl"))?;
                    let start = children_named(lvl, p, "start")
                        .find_map(|s| attribute(s, &format!("{p}val")))
                        .unwrap_or_else(|| "0".to_string());
                    Some((ilvl, start))
                })
                .collect();
            Some((id, levels))
        })
        .collect()
}

/// The template's `w:lvlOverride` elements of `num`, and, when `restart`
/// gives the definition's levels, a `w:startOverride` for every level the
/// template does not already start somewhere.
fn overrides(num: &Elem, p: &str, restart: Option<&[(String, String)]>) -> Vec<u8> {
    let mut kept: Vec<Elem> = children_named(num, p, "lvlOverride").cloned().collect();
    if let Some(levels) = restart {
        let start_override = |value: &str| {
            let mut s = BytesStart::new(format!("{p}startOverride"));
            s.push_attribute((format!("{p}val").as_str(), value));
            Node::Elem(Elem::new(s, Tag::Other, true))
        };
        for (ilvl, start) in levels {
            let existing = kept
                .iter_mut()
                .find(|o| attribute(o, &format!("{p}ilvl")).as_deref() == Some(ilvl.as_str()));
            match existing {
                Some(o) if children_named(o, p, "startOverride").next().is_some() => {}
                Some(o) => {
                    o.children.insert(0, start_override(start));
                }
                None => {
                    let mut s = BytesStart::new(format!("{p}lvlOverride"));
                    s.push_attribute((format!("{p}ilvl").as_str(), ilvl.as_str()));
                    let mut o = Elem::new(s, Tag::Other, false);
                    o.children.push(start_override(start));
                    kept.push(o);
                }
            }
        }
        // The schema wants them by level.
        kept.sort_by_key(|o| attribute(o, &format!("{p}ilvl")).and_then(|l| l.parse::<u32>().ok()));
    }
    let mut w = Writer::new(Vec::new());
    for o in kept {
        write_nodes(&mut w, &[Node::Elem(o)]);
    }
    w.into_inner()
}

/// The part written up to where new `w:num` elements go (before
/// `w:numIdMacAtCleanup`, else before the end), and from there on.
fn cut(nodes: &[Node], root_at: usize, p: &str) -> (Vec<u8>, Vec<u8>) {
    let Node::Elem(root) = &nodes[root_at] else {
        unreachable!("the caller found the root element here");
    };
    let at = root
        .children
        .iter()
        .position(|n| matches!(n, Node::Elem(e) if is(e, p, "numIdMacAtCleanup")))
        .unwrap_or(root.children.len());
    let mut head = Writer::new(Vec::new());
    write_nodes(&mut head, &nodes[..root_at]);
    let _ = head.write_event(Event::Start(root.start.borrow()));
    write_nodes(&mut head, &root.children[..at]);
    let mut tail = Writer::new(Vec::new());
    write_nodes(&mut tail, &root.children[at..]);
    let _ = tail.write_event(Event::End(root.start.to_end()));
    write_nodes(&mut tail, &nodes[root_at + 1..]);
    (head.into_inner(), tail.into_inner())
}

fn is(e: &Elem, p: &str, local: &str) -> bool {
    e.start
        .name()
        .as_ref()
        .strip_prefix(p)
        .is_some_and(|l| l == local)
}

fn children_named<'e>(e: &'e Elem, p: &'e str, local: &'e str) -> impl Iterator<Item = &'e Elem> {
    e.children.iter().filter_map(move |n| match n {
        Node::Elem(c) if is(c, p, local) => Some(c),
        _ => None,
    })
}

pub(crate) fn attribute(e: &Elem, key: &str) -> Option<String> {
    e.start
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUMBERING: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="3"/></w:lvl></w:abstractNum><w:num w:numId="4"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="1"><w:lvl w:ilvl="1"/></w:lvlOverride></w:num><w:num w:numId="2"><w:abstractNumId w:val="0"/></w:num><w:numIdMacAtCleanup w:val="3"/></w:numbering>"#;

    #[test]
    fn each_copy_after_the_first_gets_lists_that_start_again() {
        let n = Numbering::load(NUMBERING.as_bytes(), &["4".into(), "2".into(), "9".into()])
            .unwrap()
            .unwrap();
        assert!(n.renumbering(0).unwrap().is_empty());
        assert_eq!(
            n.renumbering(2).unwrap(),
            [("4".into(), "7".into()), ("2".into(), "8".into())]
        );
        let xml = String::from_utf8(n.part_for(&[0, 1]).unwrap()).unwrap();
        // The first list to use a definition starts it again, at every
        // level, keeping the template's own override; the second counts on.
        assert!(
            xml.contains(r#"<w:num w:numId="5"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride><w:lvlOverride w:ilvl="1"><w:startOverride w:val="3"/><w:lvl w:ilvl="1"/></w:lvlOverride></w:num><w:num w:numId="6"><w:abstractNumId w:val="0"/></w:num><w:numIdMacAtCleanup"#),
            "{xml}"
        );
        Part::parse(xml.as_bytes()).unwrap();
        assert_eq!(n.part_for(&[0]).unwrap(), NUMBERING.as_bytes());
    }

    #[test]
    fn nothing_to_do_without_numbered_paragraphs() {
        let n = Numbering::load(NUMBERING.as_bytes(), &[]).unwrap();
        assert!(n.is_none());
        let n = Numbering::load(NUMBERING.as_bytes(), &["9".into()]);
        assert!(n.unwrap().is_none());
    }
}
