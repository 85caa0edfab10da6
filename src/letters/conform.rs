//! Puts the Word files docx-rs builds (the default templates, the year's
//! report, the samples' shared parts) in the shape the OOXML schema
//! requires.
//!
//! docx-rs writes properties in an order of its own (`w:sz` before
//! `w:rFonts`, `w:jc` after `w:ind`, a style's `w:rPr` before its `w:pPr`,
//! `w:zoom` after `w:defaultTabStop`), an empty `w:rPr` in every `w:pPr`
//! (where the schema allows none, in a style's) and a `w:type` on
//! `w:gridCol`. Word and LibreOffice open such files, but Microsoft's Open XML
//! SDK validator rejects each as a schema error, and a clerk's copy of Word
//! is not obliged to be forgiving. This pass is cheaper than forking the
//! builder: the elements below are sorted into their schema sequence.
//!
//! Only what we know is touched: a container is reordered only when every
//! child is a WordprocessingML element named in its sequence; anything else
//! (an extension, a comment, text) leaves it exactly as it was.

use super::template::retain_attributes;
use super::xml::{Elem, Node, Part};
use crate::ingest::zipcap::Archive;

/// `CT_RPr` (with `CT_ParaRPr`'s revision marks first).
const RUN_PROPERTIES: &[&str] = &[
    "ins",
    "del",
    "moveFrom",
    "moveTo",
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
    "rPrChange",
];

/// `CT_PPr`.
const PARAGRAPH_PROPERTIES: &[&str] = &[
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
];

/// `CT_Style`.
const STYLE: &[&str] = &[
    "name",
    "aliases",
    "basedOn",
    "next",
    "link",
    "autoRedefine",
    "hidden",
    "uiPriority",
    "semiHidden",
    "unhideWhenUsed",
    "qFormat",
    "locked",
    "personal",
    "personalCompose",
    "personalReply",
    "rsid",
    "pPr",
    "rPr",
    "tblPr",
    "trPr",
    "tcPr",
    "tblStylePr",
];

/// `CT_TblPr`.
const TABLE_PROPERTIES: &[&str] = &[
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
    "tblPrChange",
];

/// `CT_TcPr`.
const CELL_PROPERTIES: &[&str] = &[
    "cnfStyle",
    "tcW",
    "gridSpan",
    "hMerge",
    "vMerge",
    "tcBorders",
    "shd",
    "noWrap",
    "tcMar",
    "textDirection",
    "tcFitText",
    "vAlign",
    "hideMark",
    "headers",
    "cellIns",
    "cellDel",
    "cellMerge",
    "tcPrChange",
];

/// `CT_SectPr`: header and footer references come first, in any order
/// between themselves (one rank for both).
const SECTION_PROPERTIES: &[&str] = &[
    "headerReference|footerReference",
    "footnotePr",
    "endnotePr",
    "type",
    "pgSz",
    "pgMar",
    "paperSrc",
    "pgBorders",
    "lnNumType",
    "pgNumType",
    "cols",
    "formProt",
    "vAlign",
    "noEndnote",
    "titlePg",
    "textDirection",
    "bidi",
    "rtlGutter",
    "docGrid",
    "printerSettings",
    "sectPrChange",
];

/// `CT_Settings`, as far as the WordprocessingML namespace goes.
const SETTINGS: &[&str] = &[
    "writeProtection",
    "view",
    "zoom",
    "removePersonalInformation",
    "removeDateAndTime",
    "doNotDisplayPageBoundaries",
    "displayBackgroundShape",
    "printPostScriptOverText",
    "printFractionalCharacterWidth",
    "printFormsData",
    "embedTrueTypeFonts",
    "embedSystemFonts",
    "saveSubsetFonts",
    "saveFormsData",
    "mirrorMargins",
    "alignBordersAndEdges",
    "bordersDoNotSurroundHeader",
    "bordersDoNotSurroundFooter",
    "gutterAtTop",
    "hideSpellingErrors",
    "hideGrammaticalErrors",
    "activeWritingStyle",
    "proofState",
    "formsDesign",
    "attachedTemplate",
    "linkStyles",
    "stylePaneFormatFilter",
    "stylePaneSortMethod",
    "documentType",
    "mailMerge",
    "revisionView",
    "trackRevisions",
    "doNotTrackMoves",
    "doNotTrackFormatting",
    "documentProtection",
    "autoFormatOverride",
    "styleLockTheme",
    "styleLockQFSet",
    "defaultTabStop",
    "autoHyphenation",
    "consecutiveHyphenLimit",
    "hyphenationZone",
    "doNotHyphenateCaps",
    "showEnvelope",
    "summaryLength",
    "clickAndTypeStyle",
    "defaultTableStyle",
    "evenAndOddHeaders",
    "bookFoldRevPrinting",
    "bookFoldPrinting",
    "bookFoldPrintingSheets",
    "drawingGridHorizontalSpacing",
    "drawingGridVerticalSpacing",
    "displayHorizontalDrawingGridEvery",
    "displayVerticalDrawingGridEvery",
    "doNotUseMarginsForDrawingGridOrigin",
    "drawingGridHorizontalOrigin",
    "drawingGridVerticalOrigin",
    "doNotShadeFormData",
    "noPunctuationKerning",
    "characterSpacingControl",
    "printTwoOnOne",
    "strictFirstAndLastChars",
    "noLineBreaksAfter",
    "noLineBreaksBefore",
    "savePreviewPicture",
    "doNotValidateAgainstSchema",
    "saveInvalidXml",
    "ignoreMixedContent",
    "alwaysShowPlaceholderText",
    "doNotDemarcateInvalidXml",
    "saveXmlDataOnly",
    "useXSLTWhenSaving",
    "saveThroughXslt",
    "showXMLTags",
    "alwaysMergeEmptyNamespace",
    "updateFields",
    "hdrShapeDefaults",
    "footnotePr",
    "endnotePr",
    "compat",
    "docVars",
    "rsids",
    "attachedSchema",
    "themeFontLang",
    "clrSchemeMapping",
    "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures",
    "forceUpgrade",
    "captions",
    "readModeInkLockDown",
    "smartTagType",
    "shapeDefaults",
    "doNotEmbedSmartTags",
    "decimalSymbol",
    "listSeparator",
];

/// The schema sequence of the element `name` holds, if we order it.
fn sequence_of(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "rPr" => RUN_PROPERTIES,
        "pPr" => PARAGRAPH_PROPERTIES,
        "style" => STYLE,
        "tblPr" => TABLE_PROPERTIES,
        "tcPr" => CELL_PROPERTIES,
        "sectPr" => SECTION_PROPERTIES,
        "settings" => SETTINGS,
        _ => return None,
    })
}

/// Every part of a package docx-rs packed, its WordprocessingML conformed
/// (and Word's paragraph ids dropped: docx-rs numbers them from a
/// per-thread counter, so the same document would not give the same bytes),
/// packed again deterministically.
pub(crate) fn repack(raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut archive = Archive::open(raw)?;
    let mut entries = Vec::new();
    for name in archive.names() {
        if name.ends_with('/') {
            continue;
        }
        let data = archive.read_required(&name)?;
        let data = if is_wordml_part(&name) {
            let mut part = Part::parse(&data).map_err(anyhow::Error::msg)?;
            super::template::normalize(&mut part.nodes);
            conform(&mut part);
            part.to_bytes()
        } else {
            data
        };
        entries.push((name, data));
    }
    Ok(super::package::zip(
        entries.iter().map(|(n, d)| (n.as_str(), d.as_slice())),
    )?)
}

/// Whether the package part `name` is WordprocessingML (the document,
/// styles, settings…), which [`conform`] applies to.
pub(crate) fn is_wordml_part(name: &str) -> bool {
    name.starts_with("word/") && name.ends_with(".xml")
}

/// One part's XML, conformed.
pub(crate) fn conform_xml(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut part = Part::parse(bytes)?;
    conform(&mut part);
    Ok(part.to_bytes())
}

/// Whether conforming would change nothing in the XML `bytes`.
#[cfg(test)]
pub(crate) fn in_order(bytes: &[u8]) -> bool {
    let Ok(mut part) = Part::parse(bytes) else {
        return false;
    };
    let before = part.to_bytes();
    conform(&mut part);
    part.to_bytes() == before
}

/// Conforms every element of `part` (see the module's comment).
pub(crate) fn conform(part: &mut Part) {
    let prefix = part.prefix.clone();
    conform_nodes(&mut part.nodes, &prefix);
}

fn conform_nodes(nodes: &mut [Node], prefix: &str) {
    for node in nodes {
        let Node::Elem(e) = node else { continue };
        let name = local_name(e, prefix);
        if let Some(name) = name.as_deref() {
            if name == "gridCol" {
                // `w:type` is docx-rs's own; the schema has `w:w` only.
                retain_attributes(&mut e.start, |key| key != format!("{prefix}type"));
            }
            // docx-rs writes an empty run-properties element into every
            // paragraph's properties, where it says nothing, and into a
            // style's, where the schema allows none. One that says
            // something is left alone.
            if name == "pPr" {
                e.children.retain(|c| {
                    !matches!(c, Node::Elem(r) if r.children.is_empty()
                        && local_name(r, prefix).as_deref() == Some("rPr")
                        && attribute_free(r))
                });
            }
            if let Some(sequence) = sequence_of(name) {
                order(&mut e.children, prefix, sequence);
            }
        }
        conform_nodes(&mut e.children, prefix);
    }
}

/// Adds `new` to the section properties `sect` where the schema's sequence
/// puts it: before the first child that comes after it (or that the
/// sequence does not name, such as an extension), else last.
pub(crate) fn insert_section_property(sect: &mut Elem, prefix: &str, new: Elem) {
    let rank_of = |e: &Elem| {
        let name = local_name(e, prefix)?;
        SECTION_PROPERTIES
            .iter()
            .position(|s| s.split('|').any(|alternative| alternative == name))
    };
    let Some(rank) = rank_of(&new) else {
        sect.children.push(Node::Elem(new));
        return;
    };
    let at = sect
        .children
        .iter()
        .position(|n| matches!(n, Node::Elem(e) if rank_of(e).is_none_or(|r| r > rank)))
        .unwrap_or(sect.children.len());
    sect.children.insert(at, Node::Elem(new));
}

/// Sorts `children` into `sequence`'s order, keeping the order of equals;
/// leaves them as they are unless every one is an element it names.
fn order(children: &mut [Node], prefix: &str, sequence: &[&str]) {
    let rank = |node: &Node| -> Option<usize> {
        let Node::Elem(e) = node else { return None };
        let name = local_name(e, prefix)?;
        sequence
            .iter()
            .position(|s| s.split('|').any(|alternative| alternative == name))
    };
    let Some(ranks) = children.iter().map(rank).collect::<Option<Vec<usize>>>() else {
        return;
    };
    if ranks.is_sorted() {
        return;
    }
    let mut ranked: Vec<(usize, Node)> = ranks
        .into_iter()
        .zip(
            children
                .iter_mut()
                .map(|c| std::mem::replace(c, Node::Text(String::new()))),
        )
        .collect();
    ranked.sort_by_key(|(r, _)| *r);
    for (slot, (_, node)) in children.iter_mut().zip(ranked) {
        *slot = node;
    }
}

/// The element's name without the WordprocessingML prefix, when it has it.
fn local_name(e: &Elem, prefix: &str) -> Option<String> {
    let name = e.start.name();
    let local = name.as_ref().strip_prefix(prefix)?;
    (!local.contains(':')).then(|| local.to_string())
}

fn attribute_free(e: &Elem) -> bool {
    e.start.attributes().next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conformed(xml: &str) -> String {
        let mut part = Part::parse(xml.as_bytes()).unwrap();
        conform(&mut part);
        String::from_utf8(part.to_bytes()).unwrap()
    }

    const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    #[test]
    fn run_and_paragraph_properties_take_the_schema_order() {
        let got = conformed(&format!(
            r#"<w:document {NS}><w:body><w:p><w:pPr><w:ind w:firstLine="567"/><w:rPr/><w:jc w:val="center"/><w:spacing w:before="60"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/><w:i/><w:b/><w:rFonts w:ascii="Times New Roman"/></w:rPr><w:t>x</w:t></w:r></w:p></w:body></w:document>"#
        ));
        assert!(
            got.contains(r#"<w:pPr><w:spacing w:before="60"/><w:ind w:firstLine="567"/><w:jc w:val="center"/></w:pPr>"#),
            "{got}"
        );
        assert!(
            got.contains(r#"<w:rPr><w:rFonts w:ascii="Times New Roman"/><w:b/><w:i/><w:sz w:val="28"/></w:rPr>"#),
            "{got}"
        );
    }

    #[test]
    fn styles_lose_the_run_properties_their_paragraph_properties_cannot_hold() {
        let got = conformed(&format!(
            r#"<w:styles {NS}><w:docDefaults><w:pPrDefault><w:pPr><w:rPr/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/><w:rPr/><w:pPr><w:rPr/></w:pPr><w:qFormat/></w:style></w:styles>"#
        ));
        assert!(
            got.contains("<w:pPrDefault><w:pPr></w:pPr></w:pPrDefault>"),
            "{got}"
        );
        assert!(
            got.contains(
                r#"<w:name w:val="Normal"/><w:qFormat/><w:pPr></w:pPr><w:rPr/></w:style>"#
            ),
            "{got}"
        );
    }

    #[test]
    fn grid_columns_keep_only_their_width_and_settings_their_order() {
        let got = conformed(&format!(
            r#"<w:settings {NS}><w:defaultTabStop w:val="840"/><w:zoom w:percent="100"/><w:compat/></w:settings>"#
        ));
        assert!(
            got.contains(r#"<w:zoom w:percent="100"/><w:defaultTabStop w:val="840"/><w:compat/>"#),
            "{got}"
        );
        let got = conformed(&format!(
            r#"<w:document {NS}><w:body><w:tbl><w:tblGrid><w:gridCol w:w="4253" w:type="dxa"/></w:tblGrid></w:tbl></w:body></w:document>"#
        ));
        assert!(got.contains(r#"<w:gridCol w:w="4253"/>"#), "{got}");
    }

    #[test]
    fn what_is_not_understood_is_left_as_it_was() {
        // An extension element among run properties: the set is not ours
        // to reorder. Paragraph-mark run properties that say something
        // stay, in a style too.
        let xml = format!(
            r#"<w:document {NS} xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"><w:body><w:p><w:r><w:rPr><w:sz w:val="28"/><w14:ligatures w14:val="all"/><w:b/></w:rPr></w:r></w:p></w:body></w:document>"#
        );
        assert_eq!(conformed(&xml), xml);
        let styled = format!(
            r#"<w:styles {NS}><w:style><w:pPr><w:rPr><w:b/></w:rPr></w:pPr></w:style></w:styles>"#
        );
        assert_eq!(conformed(&styled), styled);
    }
}
