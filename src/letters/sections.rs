//! Sections in the merged print file: each notice is a section of its own,
//! so that page numbers start again at 1 and a "different first page"
//! header applies to each notice's first page, as when the notice is
//! printed from its own file. Under one section, notice 2's first page
//! would be "Trang 2" and carry the header of a following page.

use super::conform::insert_section_property;
use super::numbering::attribute;
use super::xml::{Elem, Node, Tag, write_nodes};
use quick_xml::events::BytesStart;
use quick_xml::writer::Writer;

/// Makes the section properties that end the template's first section
/// start a page and number pages from 1 (unless the template numbers from
/// elsewhere). On a document's first page neither changes anything: a
/// notice on its own prints as before, and each copy in the merged file
/// starts as the first notice does.
pub(crate) fn restart_first_section(body: &mut [Node], last: Option<&mut Elem>, p: &str) {
    match first_section(body) {
        Some(sect) => restart(sect, p),
        None => {
            if let Some(sect) = last {
                restart(sect, p);
            }
        }
    }
}

/// The paragraph put between two notices: it ends the earlier notice's
/// last section with the template's final section properties. Tiny, so
/// that a notice filling its last page does not spill onto a blank one.
pub(crate) fn separator(last: &Elem, p: &str) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    write_nodes(&mut w, &[Node::Elem(last.clone())]);
    let sect = String::from_utf8_lossy(&w.into_inner()).into_owned();
    format!(
        "<{p}p><{p}pPr><{p}spacing {p}before=\"0\" {p}after=\"0\" {p}line=\"20\" {p}lineRule=\"exact\"/><{p}rPr><{p}sz {p}val=\"2\"/></{p}rPr>{sect}</{p}pPr></{p}p>"
    )
    .into_bytes()
}

/// The first `w:sectPr` in document order: the one that ends the first
/// section when a template has several.
fn first_section(nodes: &mut [Node]) -> Option<&mut Elem> {
    for n in nodes {
        if let Node::Elem(e) = n {
            if e.tag == Tag::SectPr {
                return Some(e);
            }
            if let Some(found) = first_section(&mut e.children) {
                return Some(found);
            }
        }
    }
    None
}

fn restart(sect: &mut Elem, p: &str) {
    let named = |e: &Elem, local: &str| e.start.name().as_ref() == format!("{p}{local}");
    let start_key = format!("{p}start");
    let mut numbered = false;
    for n in &mut sect.children {
        let Node::Elem(e) = n else { continue };
        if named(e, "pgNumType") {
            numbered = true;
            if attribute(e, &start_key).is_none() {
                e.start.push_attribute((start_key.as_str(), "1"));
            }
        } else if named(e, "type") {
            // Without a `w:type` a section starts on a new page already.
            let val = format!("{p}val");
            // A section that continues on the same page (or column) would
            // put a notice under the end of the one before it.
            if matches!(
                attribute(e, &val).as_deref(),
                Some("continuous" | "nextColumn")
            ) {
                super::template::retain_attributes(&mut e.start, |k| k != val);
                e.start.push_attribute((val.as_str(), "nextPage"));
            }
        }
    }
    if !numbered {
        let mut s = BytesStart::new(format!("{p}pgNumType"));
        s.push_attribute((start_key.as_str(), "1"));
        insert_section_property(sect, p, Elem::new(s, Tag::Other, true));
    }
    sect.empty = false;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letters::xml::Part;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn restarted(sect: &str) -> String {
        let part = Part::parse(format!("<w:body {W}>{sect}</w:body>").as_bytes()).unwrap();
        let Node::Elem(mut body) = part.nodes.into_iter().next().unwrap() else {
            panic!()
        };
        restart_first_section(&mut body.children, None, "w:");
        let mut w = Writer::new(Vec::new());
        write_nodes(&mut w, &body.children);
        String::from_utf8(w.into_inner()).unwrap()
    }

    #[test]
    fn the_first_section_starts_a_page_numbered_from_one() {
        assert_eq!(
            restarted(
                r#"<w:sectPr><w:headerReference w:type="default" r:id="rId1"/><w:type w:val="continuous"/><w:pgSz w:w="11906"/><w:cols/><w:titlePg/></w:sectPr>"#
            ),
            r#"<w:sectPr><w:headerReference w:type="default" r:id="rId1"/><w:type w:val="nextPage"/><w:pgSz w:w="11906"/><w:pgNumType w:start="1"/><w:cols/><w:titlePg/></w:sectPr>"#
        );
        assert_eq!(
            restarted(r#"<w:sectPr><w:pgNumType w:fmt="upperRoman" w:start="5"/></w:sectPr>"#),
            r#"<w:sectPr><w:pgNumType w:fmt="upperRoman" w:start="5"/></w:sectPr>"#
        );
        assert_eq!(
            restarted(r#"<w:sectPr/>"#),
            r#"<w:sectPr><w:pgNumType w:start="1"/></w:sectPr>"#
        );
        // Only the first of several.
        assert_eq!(
            restarted(r#"<w:p><w:pPr><w:sectPr/></w:pPr></w:p><w:sectPr/>"#),
            r#"<w:p><w:pPr><w:sectPr><w:pgNumType w:start="1"/></w:sectPr></w:pPr></w:p><w:sectPr/>"#
        );
    }
}
