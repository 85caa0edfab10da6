//! Word (.docx) files as a [`Document`]: paragraphs, tables and page breaks
//! in reading order.
//!
//! We read the package with [`Archive`] (size and ratio caps) and stream the
//! XML with quick-xml, one pass, no DOM. docx-rs is not used for reading: it
//! decodes entities twice (`&amp;lt;` comes out as `<`), is slow, and has
//! no size caps.
//!
//! What counts as text, and why:
//! - `w:t` of every run, joined without separators (Word and LibreOffice
//!   split runs anywhere, even mid-word); `w:tab`/`w:ptab` become `\t`, a
//!   line break (`w:br` that is not a page break, `w:cr`) becomes `\n` (so
//!   `Label: value` lines stay separable), `w:noBreakHyphen` becomes `-`,
//!   `w:softHyphen` stays the invisible U+00AD (see [`super::legacy`]).
//! - Tracked insertions, content controls, hyperlinks and field results are
//!   text; tracked deletions, moved-away text, hidden runs (`w:vanish`),
//!   field instructions and the placeholder prompt of an empty content
//!   control are not.
//! - `mc:AlternateContent` offers the same drawing twice (modern and VML);
//!   only the first branch is read, so a text box is not read twice.
//! - A text box's paragraphs follow the paragraph it is anchored in.
//!
//! Numbering: every `w:p` outside tables gets the next number, empty ones
//! too (they are emitted as empty paragraphs), so `#p7` is the seventh
//! paragraph mark of the body counted from the top, text boxes counted where
//! they are anchored, then headers and footers. A paragraph that a page
//! break splits in the middle becomes two [`Paragraph`]s with the same
//! number (both are that one `w:p` in the file).
//!
//! Page breaks ([`Block::PageBreak`]): `w:br w:type="page"` (before the
//! paragraph when nothing but blanks precede it, between the two halves
//! when it splits the text, after it when it ends the text),
//! `w:pageBreakBefore`, and a section break that starts a new page
//! (`w:sectPr` in a paragraph's properties, unless continuous). Rendering
//! hints (`w:lastRenderedPageBreak`) are not breaks; breaks inside tables
//! and text boxes are ignored.
//!
//! Headers and footers follow the body without a page break before them:
//! a page break would make them a segment of their own, where a footer
//! such as "Bảng điểm chỉ có giá trị khi có dấu đỏ" could pass for a title.
//! A header or footer without any text is left out.

use super::zipcap::Archive;
use super::{Block, Document, ErrorKind, IngestError, Paragraph, Result, Table, TableCell};
use quick_xml::events::{BytesRef, BytesStart, BytesText, Event};
use quick_xml::reader::Reader;
use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Read;
use std::path::Path;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// A real dossier document is well under 1 MB; 128 MB leaves room for
/// embedded scans while keeping a hostile file from filling memory.
const MAX_FILE_BYTES: u64 = 128 << 20;
/// Word nests body > table > row > cell > paragraph > run ...; a few dozen
/// levels cover tables in tables in text boxes. Deeper is an attack.
const MAX_DEPTH: usize = 256;
/// Text of the whole document (bytes of UTF-8).
const MAX_TEXT_BYTES: usize = 32 << 20;
/// Paragraphs, tables, rows and cells: bounds the memory spent on empty
/// elements.
const MAX_ITEMS: usize = 500_000;

const W_NAMESPACES: [&str; 2] = [
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
];
const MC_NAMESPACE: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

/// Reads a .docx file; see [`read_document_bytes`].
pub fn read_document(path: &Path, display: &str) -> Result<Document> {
    let file = std::fs::File::open(path).map_err(|e| IngestError::io(&e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| IngestError::io(&e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(IngestError::detail(
            ErrorKind::TooLarge,
            MAX_FILE_BYTES >> 20,
        ));
    }
    read_document_bytes(&bytes, display)
}

/// Reads a Word file held in memory: a .docx package, or a Word 97-2003
/// document ([`super::doc`]), whatever its name says (as a spreadsheet's
/// content decides its format); text typed in the old TCVN3 or VNI fonts is decoded
/// ([`super::legacy`]). `display` becomes [`Document::path`].
pub fn read_document_bytes(bytes: &[u8], display: &str) -> Result<Document> {
    let mut doc = if bytes.starts_with(&super::cfb::SIGNATURE) {
        super::doc::read_doc_bytes(bytes, display)?
    } else {
        read_package(bytes, display)?
    };
    // Old forms typed in the TCVN3 or VNI fonts read as Unicode.
    super::legacy::decode(&mut doc);
    Ok(doc)
}

/// Reads a .docx package held in memory.
fn read_package(bytes: &[u8], display: &str) -> Result<Document> {
    let mut archive = Archive::open(bytes)?;
    let main = main_part_name(&mut archive)?;
    let Some(body) = archive.read(&main)? else {
        return Err(missing_main(&archive));
    };
    let folder = main.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut extras = header_footer_names(&archive.names(), folder);
    extras.sort_by_key(|name| part_order(name));

    let mut reader = DocReader::default();
    reader.read_part(&body, &main, true)?;
    for name in extras {
        if let Some(xml) = archive.read(&name)? {
            reader.read_part(&xml, &name, false)?;
        }
    }
    Ok(Document {
        path: display.to_string(),
        blocks: reader.out,
    })
}

/// The main part: `word/document.xml`, or wherever `_rels/.rels` points
/// (a few generators use another name).
fn main_part_name(archive: &mut Archive) -> Result<String> {
    const DEFAULT: &str = "word/document.xml";
    if archive.contains(DEFAULT) {
        return Ok(DEFAULT.to_string());
    }
    let rels = archive.read("_rels/.rels")?.unwrap_or_default();
    let mut reader = Reader::from_reader(rels.as_slice());
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let is_main = attr(&e, "Type").is_some_and(|t| t.ends_with("/officeDocument"));
                if let (true, Some(target)) = (is_main, attr(&e, "Target")) {
                    let target = target.trim_start_matches('/').to_string();
                    if archive.contains(&target) {
                        return Ok(target);
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Err(missing_main(archive))
}

fn missing_main(archive: &Archive) -> IngestError {
    // An OpenDocument file may be text or a spreadsheet: a plain "not Word".
    let kind = if archive.contains("xl/workbook.xml") || archive.contains("xl/workbook.bin") {
        ErrorKind::SpreadsheetNotWord
    } else {
        ErrorKind::NotWord
    };
    IngestError::new(kind, [])
}

fn header_footer_names(names: &[String], folder: &str) -> Vec<String> {
    names
        .iter()
        .filter(|name| {
            let Some(file) = name
                .strip_prefix(folder)
                .and_then(|rest| rest.strip_prefix('/'))
            else {
                return false;
            };
            (file.starts_with("header") || file.starts_with("footer"))
                && file.ends_with(".xml")
                && !file.contains('/')
        })
        .cloned()
        .collect()
}

/// Headers before footers, each by number (header2 before header10).
fn part_order(name: &str) -> (bool, u32, String) {
    let file = name.rsplit('/').next().unwrap_or(name);
    let digits: String = file.chars().filter(char::is_ascii_digit).collect();
    (
        file.starts_with("footer"),
        digits.parse().unwrap_or(u32::MAX),
        name.to_string(),
    )
}

/// The value of the attribute with this local name (prefix ignored).
fn attr<'a>(e: &'a BytesStart, local: &str) -> Option<Cow<'a, str>> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| a.value)
}

/// An OOXML on/off property: present means on unless its value says off.
fn is_on(e: &BytesStart) -> bool {
    !matches!(
        attr(e, "val").as_deref(),
        Some("0" | "false" | "off" | "none")
    )
}

/// What an open element means to us; popped when the element closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Plain,
    Paragraph,
    ParaProps,
    SectionProps,
    Run,
    RunProps,
    Text,
    Table,
    /// A table inside a table cell: its text joins the enclosing cell.
    FlatTable,
    Row,
    Cell,
    CellProps,
    TextBox,
    Alternatives,
    ContentControl,
    ContentControlProps,
    /// Content whose text is not read (a content control's placeholder prompt).
    Muted,
}

/// Where finished paragraphs and tables go.
enum Container {
    Body,
    TextBox(Vec<Block>),
    Cell(CellBuf),
}

#[derive(Default)]
struct CellBuf {
    /// The cell's non-blank paragraphs, joined by `\n`.
    text: String,
    span: u32,
    v_merged: bool,
}

impl CellBuf {
    fn push(&mut self, paragraph: String) {
        if paragraph.trim().is_empty() {
            return;
        }
        if self.text.is_empty() {
            self.text = paragraph;
        } else {
            self.text.push('\n');
            self.text.push_str(&paragraph);
        }
    }
}

#[derive(Default)]
struct TableBuf {
    rows: Vec<Vec<TableCell>>,
    row: Vec<TableCell>,
}

/// A paragraph being read.
struct Para {
    text: String,
    /// Page breaks may split this paragraph (it sits in the body).
    breakable: bool,
    break_before: bool,
    break_after: bool,
    /// Byte offsets in `text` where a page break splits it.
    cuts: Vec<usize>,
    run_start: usize,
    run_bold: bool,
    /// The run being read is hidden (`w:vanish`): its text is not read.
    run_hidden: bool,
    /// Still inside the paragraph's leading bold runs.
    leading_bold: bool,
    bold_end: usize,
    /// Text boxes anchored here, emitted after this paragraph.
    anchored: Vec<Block>,
}

impl Para {
    fn new(breakable: bool) -> Self {
        Para {
            text: String::new(),
            breakable,
            break_before: false,
            break_after: false,
            cuts: Vec::new(),
            run_start: 0,
            run_bold: false,
            run_hidden: false,
            leading_bold: true,
            bold_end: 0,
            anchored: Vec::new(),
        }
    }

    fn page_break(&mut self) {
        if !self.breakable {
            return;
        }
        if self.text.trim().is_empty() {
            self.break_before = true;
        } else if self.cuts.last() != Some(&self.text.len()) {
            self.cuts.push(self.text.len());
        }
    }

    fn end_run(&mut self) {
        if !self.leading_bold {
            return;
        }
        let added = self.text.get(self.run_start..).unwrap_or("");
        if self.run_bold {
            if !added.is_empty() {
                self.bold_end = self.text.len();
            }
        } else if !added.trim().is_empty() {
            self.leading_bold = false;
        }
    }

    /// The leading bold text within `text[..piece_end]` (`text` is this
    /// paragraph's text, taken out of it when finishing).
    fn bold_prefix(&self, text: &str, piece_end: usize) -> Option<String> {
        let prefix = text.get(..self.bold_end.min(piece_end))?;
        (!prefix.trim().is_empty()).then(|| nfc(prefix))
    }
}

#[derive(Default)]
struct DocReader {
    out: Vec<Block>,
    next_paragraph: u32,
    next_table: u32,
    text_bytes: usize,
    items: usize,
    // Per part:
    open: Vec<Open>,
    containers: Vec<Container>,
    paras: Vec<Para>,
    tables: Vec<TableBuf>,
    /// Per open `w:tbl`: whether it is flattened into a cell.
    table_flat: Vec<bool>,
    /// Per open `mc:AlternateContent`: whether a branch was already taken.
    alternative_taken: Vec<bool>,
    /// Per open `w:sdt`: whether its content is the placeholder prompt.
    placeholder: Vec<bool>,
    muted: u32,
    /// Depth inside a subtree we skip entirely (0: not skipping).
    skipping: usize,
    w: String,
    mc: String,
    /// Reading a header or footer: page breaks there mean nothing.
    in_header: bool,
}

impl DocReader {
    fn read_part(&mut self, xml: &[u8], name: &str, is_body: bool) -> Result<()> {
        let part_start = self.out.len();
        let first_paragraph = self.next_paragraph;
        let first_table = self.next_table;
        let (text_bytes, items) = (self.text_bytes, self.items);
        self.begin_part(is_body);
        // The fast scanner first; anything it does not vouch for (invalid
        // UTF-8, markup it leaves to quick-xml, any error) reads the part
        // again from the same starting state with quick-xml's `Reader`, so
        // results and error messages are the Reader's.
        let scanned = simdutf8::basic::from_utf8(xml).is_ok_and(|text| self.scan(text).is_ok());
        if !scanned {
            self.out.truncate(part_start);
            self.next_paragraph = first_paragraph;
            self.next_table = first_table;
            self.text_bytes = text_bytes;
            self.items = items;
            self.begin_part(is_body);
            self.read_events(xml, name)?;
        }
        if !self.open.is_empty() || self.skipping > 0 {
            return Err(IngestError::detail(
                ErrorKind::Damaged,
                format!("{name} ends in the middle of the text"),
            ));
        }
        if !is_body {
            let has_text = self.out.iter().skip(part_start).any(|b| match b {
                Block::Paragraph(p) => !p.text.trim().is_empty(),
                Block::Table(t) => t.rows.iter().flatten().any(|c| !c.text.trim().is_empty()),
                Block::PageBreak => false,
            });
            if !has_text {
                self.out.truncate(part_start);
                self.next_paragraph = first_paragraph;
                self.next_table = first_table;
            }
        }
        Ok(())
    }

    fn begin_part(&mut self, is_body: bool) {
        self.open.clear();
        self.containers.clear();
        self.paras.clear();
        self.tables.clear();
        self.table_flat.clear();
        self.alternative_taken.clear();
        self.placeholder.clear();
        self.muted = 0;
        self.skipping = 0;
        self.w.clear();
        self.w.push('w');
        self.mc.clear();
        self.mc.push_str("mc");
        self.in_header = !is_body;
        self.containers.push(Container::Body);
    }

    /// Reads a part with quick-xml's `Reader`: any input, exact errors.
    fn read_events(&mut self, xml: &[u8], name: &str) -> Result<()> {
        let mut reader = Reader::from_reader(xml);
        let mut seen_root = false;
        loop {
            let event = reader.read_event().map_err(|e| {
                IngestError::detail(
                    ErrorKind::Damaged,
                    format!(
                        "{name} is not well-formed XML: {}, at byte {}",
                        one_line(&e.to_string()),
                        reader.error_position()
                    ),
                )
            })?;
            match event {
                Event::Start(e) => {
                    if !seen_root {
                        seen_root = true;
                        self.learn_prefixes(&e);
                    }
                    self.start(&e)?;
                }
                Event::Empty(e) => {
                    self.start(&e)?;
                    self.end()?;
                }
                Event::End(_) => self.end()?,
                Event::Text(t) => {
                    if self.reading_text() {
                        self.push_text(&t.xml10_content())?;
                    }
                }
                Event::CData(t) => {
                    if self.reading_text() {
                        self.push_text(&t.xml10_content())?;
                    }
                }
                Event::GeneralRef(r) => self.push_ref(&r)?,
                Event::DocType(_) => {
                    return Err(IngestError::detail(
                        ErrorKind::Suspicious,
                        format!("{name} declares a DOCTYPE, which Word never writes"),
                    ));
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
        }
        Ok(())
    }

    /// The fast path of [`Self::read_part`]: the events quick-xml's `Reader`
    /// would produce (with its default configuration), found by scanning a
    /// part already known to be UTF-8, for the markup Word and LibreOffice
    /// write: elements, text, references, the XML declaration.
    ///
    /// Why not the `Reader` itself: it validates the UTF-8 of every event
    /// again and keeps its own stack of element names, which made it about
    /// half of the time spent reading a dossier. Validating the part once
    /// and matching names as bytes costs a fraction of that. quick-xml
    /// still parses what needs parsing: attributes ([`BytesStart`]),
    /// references ([`BytesRef`]) and line ends ([`BytesText`]).
    ///
    /// It gives up (`Err(Fallback)`) on anything else, namely on everything
    /// the `Reader` would refuse (unclosed tags, mismatched or unmatched end
    /// tags, a lone `&`), on comments, CDATA and DOCTYPE, on a part that
    /// does not start with `<`, and on any error of ours (caps): the
    /// `Reader` then reads the part again and words the error.
    fn scan(&mut self, s: &str) -> std::result::Result<(), Fallback> {
        let b = s.as_bytes();
        if b.first() != Some(&b'<') {
            // A byte-order mark or leading text: the Reader's business.
            return Err(Fallback);
        }
        // The Reader's check that end tags match their start tags.
        let mut names: Vec<&str> = Vec::with_capacity(32);
        let mut seen_root = false;
        let mut pos = 0;
        loop {
            // Text, up to markup or a reference.
            let start = pos;
            let mut cr = false;
            if b.get(pos).is_some_and(|&c| c != b'<') {
                let rest = &b[pos..];
                let len = rest
                    .iter()
                    .position(|&c| matches!(c, b'<' | b'&' | b'\r'))
                    .unwrap_or(rest.len());
                pos += len;
                if rest.get(len) == Some(&b'\r') {
                    cr = true;
                    pos += rest[len..]
                        .iter()
                        .position(|&c| c == b'<' || c == b'&')
                        .unwrap_or(rest.len() - len);
                }
            }
            if pos > start && self.reading_text() {
                let text = &s[start..pos];
                if cr {
                    // `\r\n` and `\r` become `\n`, as the Reader's text.
                    self.push_text(&BytesText::from_escaped(text).xml10_content())?;
                } else {
                    self.push_text(text)?;
                }
            }
            let Some(&c) = b.get(pos) else {
                break;
            };
            if c == b'&' {
                // A reference runs to `;`; a `&` or `<` first is an error.
                let rest = &b[pos + 1..];
                let len = rest
                    .iter()
                    .position(|&c| matches!(c, b';' | b'&' | b'<'))
                    .ok_or(Fallback)?;
                if rest[len] != b';' {
                    return Err(Fallback);
                }
                self.push_ref(&BytesRef::new(&s[pos + 1..pos + 1 + len]))?;
                pos += len + 2;
                continue;
            }
            match b.get(pos + 1) {
                Some(b'/') => {
                    let end = name_end(b, pos + 2);
                    let (gt, name) = if b.get(end) == Some(&b'>') {
                        (end, &s[pos + 2..end])
                    } else {
                        // As the Reader: quotes skipped, trailing space cut.
                        let gt = tag_end(b, pos + 2).ok_or(Fallback)?;
                        (gt, s[pos + 2..gt].trim_end_matches(is_xml_space))
                    };
                    match names.pop() {
                        Some(open) if same(open.as_bytes(), name.as_bytes()) => {}
                        _ => return Err(Fallback),
                    }
                    self.end()?;
                    pos = gt + 1;
                }
                Some(b'?') => {
                    // A declaration or processing instruction: `<?` to the
                    // first `?>`, at least `<??>`; nothing to us.
                    let gt = (pos + 2..b.len())
                        .find(|&i| b[i] == b'>' && b[i - 1] == b'?')
                        .ok_or(Fallback)?;
                    if gt - pos < 3 {
                        return Err(Fallback);
                    }
                    pos = gt + 1;
                }
                Some(b'!') | None => return Err(Fallback),
                Some(_) => {
                    // As the Reader: the tag ends at the first `>` outside
                    // quotes, is empty when `/` precedes that `>`, and its
                    // name ends at the first white space. The name is read
                    // first, as most tags are `<name>` or `<name/>`.
                    let end = name_end(b, pos + 1);
                    let (gt, empty, name_len) = match b.get(end) {
                        Some(b'>') => (end, false, end - pos - 1),
                        Some(b'/') if b.get(end + 1) == Some(&b'>') => {
                            (end + 1, true, end - pos - 1)
                        }
                        Some(&c) if is_xml_space(c as char) => {
                            let gt = tag_end(b, end + 1).ok_or(Fallback)?;
                            (gt, b[gt - 1] == b'/', end - pos - 1)
                        }
                        _ => {
                            let gt = tag_end(b, pos + 1).ok_or(Fallback)?;
                            let empty = b[gt - 1] == b'/';
                            let content = &b[pos + 1..if empty { gt - 1 } else { gt }];
                            let name_len = content
                                .iter()
                                .position(|&c| is_xml_space(c as char))
                                .unwrap_or(content.len());
                            (gt, empty, name_len)
                        }
                    };
                    if name_len == 0 {
                        return Err(Fallback);
                    }
                    let content = &s[pos + 1..if empty { gt - 1 } else { gt }];
                    let e = BytesStart::from_content(content, name_len);
                    let name = &content[..name_len];
                    let (prefix, local) = split_name(name);
                    if empty {
                        self.start_named(prefix, local, &e)?;
                        self.end()?;
                    } else {
                        if !seen_root {
                            seen_root = true;
                            self.learn_prefixes(&e);
                        }
                        self.start_named(prefix, local, &e)?;
                        names.push(name);
                    }
                    pos = gt + 1;
                }
            }
        }
        Ok(())
    }

    /// Which prefixes the root element binds to the WordprocessingML and
    /// markup-compatibility namespaces (almost always `w` and `mc`).
    fn learn_prefixes(&mut self, root: &BytesStart) {
        // A batch's documents mostly come from one generator, whose root
        // tags are the same kilobyte of namespace declarations: the last
        // root read on this thread and its answer are kept.
        thread_local! {
            static LAST_ROOT: RefCell<(String, usize, String, String)> =
                const { RefCell::new((String::new(), 0, String::new(), String::new())) };
        }
        let content: &str = root;
        let name_len = root.name().as_ref().len();
        LAST_ROOT.with_borrow_mut(|(last, last_name_len, w, mc)| {
            if last.as_str() != content || *last_name_len != name_len {
                self.learn_prefixes_from_attributes(root);
                last.clear();
                last.push_str(content);
                *last_name_len = name_len;
                w.clone_from(&self.w);
                mc.clone_from(&self.mc);
            } else {
                self.w.clone_from(w);
                self.mc.clone_from(mc);
            }
        });
    }

    fn learn_prefixes_from_attributes(&mut self, root: &BytesStart) {
        for a in root.attributes().with_checks(false).flatten() {
            let key = a.key.as_ref();
            let prefix = if key == "xmlns" {
                ""
            } else if let Some(p) = key.strip_prefix("xmlns:") {
                p
            } else {
                continue;
            };
            if W_NAMESPACES.contains(&a.value.as_ref()) {
                self.w = prefix.to_string();
            } else if a.value == MC_NAMESPACE {
                self.mc = prefix.to_string();
            }
        }
    }

    /// A reference (`&amp;`, `&#x1EA1;`) met in the text.
    fn push_ref(&mut self, r: &BytesRef) -> Result<()> {
        if !self.reading_text() {
            return Ok(());
        }
        let text = match r.as_ref() {
            "lt" => Cow::Borrowed("<"),
            "gt" => Cow::Borrowed(">"),
            "amp" => Cow::Borrowed("&"),
            "apos" => Cow::Borrowed("'"),
            "quot" => Cow::Borrowed("\""),
            // An undeclared entity is never expanded; it stays as written.
            other => match r.resolve_char_ref() {
                Ok(Some(c)) => Cow::Owned(c.to_string()),
                Ok(None) => Cow::Owned(format!("&{other};")),
                Err(_) => Cow::Borrowed(""),
            },
        };
        self.push_text(&text)
    }

    fn reading_text(&self) -> bool {
        self.skipping == 0 && self.muted == 0 && self.open.last() == Some(&Open::Text)
    }

    fn push_text(&mut self, text: &str) -> Result<()> {
        self.text_bytes += text.len();
        if self.text_bytes > MAX_TEXT_BYTES {
            return Err(too_much("text"));
        }
        if let Some(p) = self.paras.last_mut()
            && !p.run_hidden
        {
            p.text.push_str(text);
        }
        Ok(())
    }

    /// Adds a character a run element stands for (tab, line break, ...).
    fn push_char(&mut self, c: char) -> Result<()> {
        if self.muted == 0 && self.open.last() == Some(&Open::Run) {
            let mut buf = [0u8; 4];
            self.push_text(c.encode_utf8(&mut buf))?;
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart) -> Result<()> {
        let (prefix, local) = split_name(e.name().into_inner());
        self.start_named(prefix, local, e)
    }

    /// [`Self::start`] with the element's name split at its first `:`.
    fn start_named(&mut self, prefix: &str, local: &str, e: &BytesStart) -> Result<()> {
        if self.skipping > 0 {
            self.skipping += 1;
            return self.check_depth();
        }
        let parent = self.open.last().copied();
        let open = if same(prefix.as_bytes(), self.w.as_bytes()) {
            match w_name(local.as_bytes()) {
                // Most elements (formatting, layout): nothing to do.
                WName::Other => Some(Open::Plain),
                name => self.start_w(name, e, parent)?,
            }
        } else if same(prefix.as_bytes(), self.mc.as_bytes()) {
            match local {
                "AlternateContent" => {
                    self.alternative_taken.push(false);
                    Some(Open::Alternatives)
                }
                "Choice" | "Fallback" if parent == Some(Open::Alternatives) => {
                    match self.alternative_taken.last_mut() {
                        Some(taken) if !*taken => {
                            *taken = true;
                            Some(Open::Plain)
                        }
                        _ => None,
                    }
                }
                _ => Some(Open::Plain),
            }
        } else {
            Some(Open::Plain)
        };
        match open {
            Some(open) => self.open.push(open),
            None => self.skipping = 1,
        }
        self.check_depth()
    }

    /// Handles a WordprocessingML element; `None` skips its subtree.
    fn start_w(
        &mut self,
        local: WName,
        e: &BytesStart,
        parent: Option<Open>,
    ) -> Result<Option<Open>> {
        use WName as N;
        let open = match local {
            N::P => {
                let breakable =
                    !self.in_header && matches!(self.containers.last(), Some(Container::Body));
                self.paras.push(Para::new(breakable));
                Open::Paragraph
            }
            N::PPr if parent == Some(Open::Paragraph) => Open::ParaProps,
            N::PageBreakBefore if parent == Some(Open::ParaProps) => {
                if is_on(e)
                    && let Some(p) = self.paras.last_mut()
                    && p.breakable
                {
                    p.break_before = true;
                }
                Open::Plain
            }
            N::SectPr if parent == Some(Open::ParaProps) => {
                if let Some(p) = self.paras.last_mut() {
                    p.break_after = p.breakable;
                }
                Open::SectionProps
            }
            N::Type if parent == Some(Open::SectionProps) => {
                if matches!(attr(e, "val").as_deref(), Some("continuous" | "nextColumn"))
                    && let Some(p) = self.paras.last_mut()
                {
                    p.break_after = false;
                }
                Open::Plain
            }
            N::R => {
                if let Some(p) = self.paras.last_mut() {
                    p.run_start = p.text.len();
                    p.run_bold = false;
                    p.run_hidden = false;
                }
                Open::Run
            }
            N::RPr if parent == Some(Open::Run) => Open::RunProps,
            N::B if parent == Some(Open::RunProps) => {
                if let Some(p) = self.paras.last_mut() {
                    p.run_bold = is_on(e);
                }
                Open::Plain
            }
            // Hidden text is neither shown nor printed: the clerk does not
            // see it. Only a run's own `w:vanish` is followed (as `w:b`):
            // hiding given by a style is not; in the paragraph mark's
            // properties it hides the mark alone, not the text.
            N::Vanish if parent == Some(Open::RunProps) => {
                if let Some(p) = self.paras.last_mut() {
                    p.run_hidden = is_on(e);
                }
                Open::Plain
            }
            N::T if parent == Some(Open::Run) => Open::Text,
            N::Tab => {
                self.push_char('\t')?;
                Open::Plain
            }
            N::Cr => {
                self.push_char('\n')?;
                Open::Plain
            }
            N::NoBreakHyphen => {
                self.push_char('-')?;
                Open::Plain
            }
            // Kept, invisible (matching drops it), for TCVN3 text: its "ư"
            // is byte 0xAD, which LibreOffice saves as a soft hyphen.
            N::SoftHyphen => {
                self.push_char('\u{AD}')?;
                Open::Plain
            }
            N::Br => {
                if attr(e, "type").as_deref() == Some("page") {
                    if self.muted == 0
                        && parent == Some(Open::Run)
                        && let Some(p) = self.paras.last_mut()
                    {
                        p.page_break();
                    }
                } else {
                    self.push_char('\n')?;
                }
                Open::Plain
            }
            // Deleted and moved-away text, old formatting of tracked
            // changes, field instructions: not what the document says.
            N::Unread => return Ok(None),
            N::Tbl => {
                let flat = matches!(self.containers.last(), Some(Container::Cell(_)));
                self.table_flat.push(flat);
                if flat {
                    Open::FlatTable
                } else {
                    self.count_item()?;
                    self.tables.push(TableBuf::default());
                    Open::Table
                }
            }
            N::Tr if self.table_flat.last() == Some(&false) => {
                self.count_item()?;
                Open::Row
            }
            N::Tc if self.table_flat.last() == Some(&false) => {
                self.count_item()?;
                self.containers.push(Container::Cell(CellBuf {
                    span: 1,
                    ..CellBuf::default()
                }));
                Open::Cell
            }
            N::TcPr if parent == Some(Open::Cell) => Open::CellProps,
            N::GridSpan if parent == Some(Open::CellProps) => {
                let span = attr(e, "val").and_then(|v| v.trim().parse::<u32>().ok());
                if let Some(Container::Cell(c)) = self.containers.last_mut() {
                    c.span = span.unwrap_or(1).clamp(1, 1000);
                }
                Open::Plain
            }
            N::VMerge if parent == Some(Open::CellProps) => {
                let restart = attr(e, "val").as_deref() == Some("restart");
                if let Some(Container::Cell(c)) = self.containers.last_mut() {
                    c.v_merged = !restart;
                }
                Open::Plain
            }
            N::TxbxContent => {
                self.containers.push(Container::TextBox(Vec::new()));
                Open::TextBox
            }
            N::Sdt => {
                self.placeholder.push(false);
                Open::ContentControl
            }
            N::SdtPr if parent == Some(Open::ContentControl) => Open::ContentControlProps,
            N::ShowingPlcHdr if parent == Some(Open::ContentControlProps) => {
                if let Some(p) = self.placeholder.last_mut() {
                    *p = is_on(e);
                }
                Open::Plain
            }
            N::SdtContent if parent == Some(Open::ContentControl) => {
                if self.placeholder.last() == Some(&true) {
                    self.muted += 1;
                    Open::Muted
                } else {
                    Open::Plain
                }
            }
            _ => Open::Plain,
        };
        Ok(Some(open))
    }

    fn check_depth(&self) -> Result<()> {
        if self.open.len() + self.skipping > MAX_DEPTH {
            return Err(too_much("depth"));
        }
        Ok(())
    }

    fn count_item(&mut self) -> Result<()> {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(too_much("items"));
        }
        Ok(())
    }

    #[inline]
    fn end(&mut self) -> Result<()> {
        if self.skipping > 0 {
            self.skipping -= 1;
            return Ok(());
        }
        match self.open.pop() {
            None
            | Some(
                Open::Plain
                | Open::ParaProps
                | Open::SectionProps
                | Open::RunProps
                | Open::Text
                | Open::CellProps
                | Open::ContentControlProps,
            ) => Ok(()),
            Some(open) => self.close(open),
        }
    }

    /// [`Self::end`] of an element that means something.
    #[inline(never)]
    fn close(&mut self, open: Open) -> Result<()> {
        match open {
            Open::Paragraph => {
                if let Some(p) = self.paras.pop() {
                    self.count_item()?;
                    self.finish_paragraph(p);
                }
            }
            Open::Run => {
                if let Some(p) = self.paras.last_mut() {
                    p.end_run();
                }
            }
            Open::Table => {
                self.table_flat.pop();
                if let Some(t) = self.tables.pop() {
                    let mut rows = t.rows;
                    if !t.row.is_empty() {
                        rows.push(t.row);
                    }
                    self.deliver(Block::Table(Table { n: 0, rows }));
                }
            }
            Open::FlatTable => {
                self.table_flat.pop();
            }
            Open::Row => {
                if let Some(t) = self.tables.last_mut() {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push(row);
                }
            }
            Open::Cell => {
                if let Some(Container::Cell(c)) = self.containers.pop() {
                    let text = c.text;
                    if let Some(t) = self.tables.last_mut() {
                        t.row.push(TableCell {
                            text,
                            span: c.span,
                            v_merged: c.v_merged,
                        });
                    }
                }
            }
            Open::TextBox => {
                if let Some(Container::TextBox(blocks)) = self.containers.pop() {
                    match self.paras.last_mut() {
                        Some(anchor) => anchor.anchored.extend(blocks),
                        None => blocks.into_iter().for_each(|b| self.deliver(b)),
                    }
                }
            }
            Open::Alternatives => {
                self.alternative_taken.pop();
            }
            Open::ContentControl => {
                self.placeholder.pop();
            }
            Open::Muted => self.muted = self.muted.saturating_sub(1),
            Open::Plain
            | Open::ParaProps
            | Open::SectionProps
            | Open::RunProps
            | Open::Text
            | Open::CellProps
            | Open::ContentControlProps => {}
        }
        Ok(())
    }

    fn finish_paragraph(&mut self, mut p: Para) {
        let text = std::mem::take(&mut p.text);
        if !p.break_before && p.cuts.is_empty() {
            // The usual case, as below without the list: one paragraph,
            // its whole text moved rather than copied.
            // A cell keeps only the text.
            let in_cell = matches!(self.containers.last(), Some(Container::Cell(_)));
            let bold_prefix = if in_cell {
                None
            } else {
                p.bold_prefix(&text, text.len())
            };
            let mut paragraph = Paragraph {
                n: 0,
                text: nfc_owned(text),
                bold_prefix,
            };
            if matches!(self.containers.last(), Some(Container::Body) | None) {
                self.next_paragraph += 1;
                paragraph.n = self.next_paragraph;
                self.push_out(Block::Paragraph(paragraph));
            } else {
                self.deliver(Block::Paragraph(paragraph));
            }
            std::mem::take(&mut p.anchored)
                .into_iter()
                .for_each(|b| self.deliver(b));
            if p.break_after {
                self.push_out(Block::PageBreak);
            }
            return;
        }
        let mut blocks = Vec::with_capacity(2 + p.cuts.len() * 2 + p.anchored.len());
        if p.break_before {
            blocks.push(Block::PageBreak);
        }
        let mut start = 0;
        for &cut in &p.cuts {
            blocks.push(piece(&text, start, cut, &p));
            blocks.push(Block::PageBreak);
            start = cut;
        }
        let rest = text.get(start..).unwrap_or("");
        let trailing_break = !p.cuts.is_empty() && rest.trim().is_empty();
        if trailing_break {
            blocks.pop();
        } else if p.cuts.is_empty() {
            // The usual case: the whole text, moved rather than copied.
            let bold_prefix = p.bold_prefix(&text, text.len());
            blocks.push(Block::Paragraph(Paragraph {
                n: 0,
                text: nfc_owned(text),
                bold_prefix,
            }));
        } else {
            blocks.push(piece(&text, start, text.len(), &p));
        }
        if matches!(self.containers.last(), Some(Container::Body) | None) {
            // Pieces of one `w:p` share its number.
            self.next_paragraph += 1;
            for mut block in blocks {
                if let Block::Paragraph(para) = &mut block {
                    para.n = self.next_paragraph;
                }
                self.push_out(block);
            }
        } else {
            blocks.into_iter().for_each(|b| self.deliver(b));
        }
        // Text boxes belong with the page of their anchor.
        std::mem::take(&mut p.anchored)
            .into_iter()
            .for_each(|b| self.deliver(b));
        if trailing_break || p.break_after {
            self.push_out(Block::PageBreak);
        }
    }

    /// Sends a finished block to the innermost container, numbering it when
    /// it reaches the body.
    fn deliver(&mut self, block: Block) {
        match self.containers.last_mut() {
            Some(Container::Body) | None => match block {
                Block::Paragraph(mut p) => {
                    self.next_paragraph += 1;
                    p.n = self.next_paragraph;
                    self.push_out(Block::Paragraph(p));
                }
                Block::Table(mut t) => {
                    self.next_table += 1;
                    t.n = self.next_table;
                    self.push_out(Block::Table(t));
                }
                Block::PageBreak => self.push_out(Block::PageBreak),
            },
            Some(Container::TextBox(blocks)) => {
                if !matches!(block, Block::PageBreak) {
                    blocks.push(block);
                }
            }
            Some(Container::Cell(cell)) => match block {
                Block::Paragraph(p) => cell.push(p.text),
                Block::Table(t) => {
                    for row in t.rows {
                        for c in row {
                            cell.push(c.text);
                        }
                    }
                }
                Block::PageBreak => {}
            },
        }
    }

    fn push_out(&mut self, block: Block) {
        let double_break =
            matches!(block, Block::PageBreak) && matches!(self.out.last(), Some(Block::PageBreak));
        if !double_break {
            self.out.push(block);
        }
    }
}

/// The WordprocessingML elements [`DocReader::start_w`] acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WName {
    P,
    PPr,
    PageBreakBefore,
    SectPr,
    Type,
    R,
    RPr,
    B,
    Vanish,
    T,
    /// `tab`, `ptab`
    Tab,
    Cr,
    NoBreakHyphen,
    SoftHyphen,
    Br,
    /// Deleted and moved-away text, old formatting of tracked changes
    /// (`...Change`), field instructions.
    Unread,
    Tbl,
    Tr,
    Tc,
    TcPr,
    GridSpan,
    VMerge,
    TxbxContent,
    Sdt,
    SdtPr,
    ShowingPlcHdr,
    SdtContent,
    Other,
}

/// Which element a local name is: dispatched on its length, then compared
/// as a fixed-size array (a few integer comparisons, no `memcmp`).
fn w_name(local: &[u8]) -> WName {
    use WName as N;
    fn is<const L: usize>(local: &[u8], name: &[u8; L]) -> bool {
        <&[u8; L]>::try_from(local).is_ok_and(|l| l == name)
    }
    let name = match local.len() {
        1 => match local[0] {
            b'p' => N::P,
            b'r' => N::R,
            b'b' => N::B,
            b't' => N::T,
            _ => N::Other,
        },
        2 => match local {
            b"tr" => N::Tr,
            b"tc" => N::Tc,
            b"br" => N::Br,
            b"cr" => N::Cr,
            _ => N::Other,
        },
        3 => match local {
            b"pPr" => N::PPr,
            b"rPr" => N::RPr,
            b"tab" => N::Tab,
            b"tbl" => N::Tbl,
            b"sdt" => N::Sdt,
            b"del" => N::Unread,
            _ => N::Other,
        },
        4 => match local {
            b"ptab" => N::Tab,
            b"type" => N::Type,
            b"tcPr" => N::TcPr,
            _ => N::Other,
        },
        5 if is(local, b"sdtPr") => N::SdtPr,
        6 if is(local, b"sectPr") => N::SectPr,
        6 if is(local, b"vMerge") => N::VMerge,
        6 if is(local, b"vanish") => N::Vanish,
        7 if is(local, b"delText") => N::Unread,
        8 if is(local, b"gridSpan") => N::GridSpan,
        8 if is(local, b"moveFrom") => N::Unread,
        9 if is(local, b"instrText") => N::Unread,
        10 if is(local, b"sdtContent") => N::SdtContent,
        10 if is(local, b"softHyphen") => N::SoftHyphen,
        11 if is(local, b"txbxContent") => N::TxbxContent,
        12 if is(local, b"delInstrText") => N::Unread,
        13 if is(local, b"noBreakHyphen") => N::NoBreakHyphen,
        13 if is(local, b"showingPlcHdr") => N::ShowingPlcHdr,
        15 if is(local, b"pageBreakBefore") => N::PageBreakBefore,
        _ => N::Other,
    };
    if name == N::Other && local.ends_with(b"Change") {
        N::Unread
    } else {
        name
    }
}

/// The refusal for going past a cap (out of the way of the hot paths).
#[cold]
#[inline(never)]
pub(super) fn too_much(cap: &str) -> IngestError {
    let detail = match cap {
        "text" => format!(
            "the document holds more than {} MB of text",
            MAX_TEXT_BYTES >> 20
        ),
        "depth" => format!("elements nested more than {MAX_DEPTH} levels deep"),
        _ => format!("more than {MAX_ITEMS} paragraphs and table cells"),
    };
    IngestError::detail(ErrorKind::OverLimit, detail)
}

/// `QName::decompose` on bytes: the prefix is what precedes the first `:`
/// ("" when there is none).
fn split_name(name: &str) -> (&str, &str) {
    match name.bytes().position(|c| c == b':') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => ("", name),
    }
}

/// [`DocReader::scan`] leaves the part to quick-xml's `Reader`.
struct Fallback;

impl From<IngestError> for Fallback {
    fn from(_: IngestError) -> Self {
        Fallback
    }
}

/// XML white space, as quick-xml counts it around names.
fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Where the name starting at `b[from]` stops: at white space, `/`, `>`, a
/// quote or the end.
fn name_end(b: &[u8], from: usize) -> usize {
    const STOP: [bool; 256] = {
        let bytes = b" \t\r\n/>\"'";
        let mut stop = [false; 256];
        let mut i = 0;
        while i < bytes.len() {
            stop[bytes[i] as usize] = true;
            i += 1;
        }
        stop
    };
    let rest = b.get(from..).unwrap_or_default();
    from + rest
        .iter()
        .position(|&c| STOP[c as usize])
        .unwrap_or(rest.len())
}

/// Byte equality of two short names, without a call to `memcmp`.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The `>` that closes the tag whose name starts at `from`, skipping quoted
/// attribute values (quick-xml's `ElementParser`, without its `memchr`
/// start-up per quote: tags are short).
fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        i += b
            .get(i..)?
            .iter()
            .position(|&c| matches!(c, b'>' | b'"' | b'\''))?;
        match b[i] {
            b'>' => return Some(i),
            quote => i += 2 + b.get(i + 1..)?.iter().position(|&c| c == quote)?,
        }
    }
}

fn piece(text: &str, start: usize, end: usize, p: &Para) -> Block {
    let part = text.get(start..end).unwrap_or("");
    Block::Paragraph(Paragraph {
        n: 0,
        text: nfc(part),
        bold_prefix: if start == 0 {
            p.bold_prefix(text, end)
        } else {
            None
        },
    })
}

pub(super) fn nfc_owned(s: String) -> String {
    if is_nfc_quick_yes(&s) {
        s
    } else {
        s.nfc().collect()
    }
}

fn nfc(s: &str) -> String {
    if is_nfc_quick_yes(s) {
        s.to_string()
    } else {
        s.nfc().collect()
    }
}

/// `is_nfc_quick(s.chars()) == IsNormalized::Yes`, without looking up the
/// characters of Vietnamese text one by one: below U+0300 and in U+1EA0 to
/// U+1EF9 (the letters with tone marks) every character is, like ASCII, a
/// starter that NFC allows (the test `nfc_quick_check_shortcut` checks this
/// against unicode-normalization's tables), so the quick check moves past
/// it without changing its state. Anything else gets the full check.
fn is_nfc_quick_yes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&lead) = b.get(i) {
        i += match lead {
            ..0x80 => 1,
            // Two-byte sequences up to 0xCB 0xBF: U+0080 to U+02FF.
            0x80..0xCC => 2,
            // U+1EA0 (E1 BA A0) to U+1EF9 (E1 BB B9).
            0xE1 if matches!(
                b.get(i + 1..i + 3),
                Some([0xBA, 0xA0..=0xBF] | [0xBB, 0x80..=0xB9])
            ) =>
            {
                3
            }
            _ => return is_nfc_quick(s.chars()) == IsNormalized::Yes,
        };
    }
    true
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    fn package(entries: &[(&str, String)]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            for (name, data) in entries {
                w.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                w.write_all(data.as_bytes()).unwrap();
            }
            w.finish().unwrap();
        }
        buf.into_inner()
    }

    fn body(xml: &str) -> String {
        format!("<?xml version=\"1.0\"?><w:document {NS}><w:body>{xml}</w:body></w:document>")
    }

    fn read(xml: &str) -> Vec<Block> {
        let bytes = package(&[("word/document.xml", body(xml))]);
        read_document_bytes(&bytes, "t.docx").unwrap().blocks
    }

    fn texts(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph(p) => format!("{}:{}", p.n, p.text),
                Block::Table(t) => format!("T{}", t.n),
                Block::PageBreak => "BREAK".to_string(),
            })
            .collect()
    }

    fn para(xml: &str) -> Paragraph {
        match read(&format!("<w:p>{xml}</w:p>")).into_iter().next() {
            Some(Block::Paragraph(p)) => p,
            other => panic!("not a paragraph: {other:?}"),
        }
    }

    #[test]
    fn nfc_quick_check_shortcut() {
        use unicode_normalization::char::canonical_combining_class;
        let shortcut = ('\u{80}'..'\u{300}').chain('\u{1EA0}'..='\u{1EF9}');
        for c in shortcut {
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
        }
        for s in [
            "",
            "Nguyễn Văn Ánh, Đắk Lắk",
            "Nguye\u{302}\u{303}n",
            "a\u{301}",
            "\u{1EA0}\u{1EF9}\u{1EFA}\u{1E9F}",
            "\u{2FF}\u{300}",
            "\u{212B}",
            "Å",
            "x\u{FB2A}",
        ] {
            assert_eq!(
                is_nfc_quick_yes(s),
                is_nfc_quick(s.chars()) == IsNormalized::Yes,
                "{s:?}"
            );
        }
    }

    #[test]
    fn entities_are_decoded_exactly_once() {
        let p =
            para("<w:r><w:t>&amp;lt; &lt;b&gt; &quot;x&apos; &#x1EA1;&#273; &amp;amp;</w:t></w:r>");
        assert_eq!(p.text, "&lt; <b> \"x' ạđ &amp;");
    }

    #[test]
    fn runs_join_with_tabs_breaks_and_hyphens() {
        let p = para(concat!(
            "<w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>",
            "<w:r><w:t>Ng</w:t></w:r><w:r><w:t xml:space=\"preserve\">uyễn </w:t></w:r>",
            "<w:r><w:tab/><w:t>A</w:t><w:br/><w:t>B</w:t><w:cr/><w:t>C</w:t>",
            "<w:noBreakHyphen/><w:t>D</w:t><w:softHyphen/><w:sym w:char=\"F0FC\"/>",
            "<w:lastRenderedPageBreak/><w:t>E</w:t></w:r>"
        ));
        assert_eq!(p.text, "Nguyễn \tA\nB\nC-D\u{AD}E");
    }

    #[test]
    fn tracked_changes_fields_and_content_controls() {
        let p = para(concat!(
            "<w:r><w:t>a</w:t></w:r>",
            "<w:del><w:r><w:delText>deleted</w:delText><w:tab/></w:r></w:del>",
            "<w:ins><w:r><w:t>b</w:t></w:r></w:ins>",
            "<w:moveFrom><w:r><w:t>moved</w:t></w:r></w:moveFrom>",
            "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>",
            "<w:r><w:instrText> DATE \\@ \"dd/MM/yyyy\" </w:instrText></w:r>",
            "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>c</w:t></w:r>",
            "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>",
            "<w:fldSimple w:instr=\"PAGE\"><w:r><w:t>d</w:t></w:r></w:fldSimple>",
            "<w:sdt><w:sdtPr><w:alias w:val=\"x\"/></w:sdtPr><w:sdtContent><w:r><w:t>e</w:t></w:r></w:sdtContent></w:sdt>",
            "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>Click here</w:t></w:r></w:sdtContent></w:sdt>",
            "<w:hyperlink><w:r><w:t>f</w:t></w:r></w:hyperlink>"
        ));
        assert_eq!(p.text, "abcdef");
    }

    #[test]
    fn hidden_runs_are_not_read_but_a_hidden_paragraph_mark_hides_only_itself() {
        let p = para(concat!(
            "<w:pPr><w:rPr><w:vanish/></w:rPr></w:pPr>",
            "<w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">Cơ sở: </w:t></w:r>",
            "<w:r><w:rPr><w:vanish/></w:rPr><w:t>Trường Chính trị </w:t><w:tab/></w:r>",
            "<w:r><w:rPr><w:vanish w:val=\"0\"/></w:rPr><w:t>Trường </w:t></w:r>",
            "<w:r><w:rPr><w:vanish w:val=\"false\"/></w:rPr><w:t>Đại học</w:t></w:r>",
            "<w:r><w:rPr><w:b/><w:vanish/></w:rPr><w:t>x</w:t></w:r>"
        ));
        assert_eq!(p.text, "Cơ sở: Trường Đại học");
        assert_eq!(p.bold_prefix.as_deref(), Some("Cơ sở: "));
    }

    #[test]
    fn bold_prefix_is_the_leading_bold_runs() {
        let p = para(concat!(
            "<w:pPr><w:rPr><w:b/></w:rPr></w:pPr>",
            "<w:r><w:rPr><w:b/></w:rPr><w:t>Họ và</w:t></w:r>",
            "<w:r><w:rPr><w:b w:val=\"1\"/><w:rPrChange><w:rPr/></w:rPrChange></w:rPr><w:t xml:space=\"preserve\"> tên:</w:t></w:r>",
            "<w:r><w:t xml:space=\"preserve\"> Nguyễn</w:t></w:r>",
            "<w:r><w:rPr><w:b/></w:rPr><w:t>An</w:t></w:r>"
        ));
        assert_eq!(p.bold_prefix.as_deref(), Some("Họ và tên:"));
        let plain = para(concat!(
            "<w:pPr><w:rPr><w:b/></w:rPr></w:pPr>",
            "<w:r><w:rPr><w:b w:val=\"0\"/></w:rPr><w:t>Họ tên:</w:t></w:r>",
            "<w:r><w:rPr><w:b/></w:rPr><w:t>An</w:t></w:r>"
        ));
        assert_eq!(plain.bold_prefix, None);
    }

    #[test]
    fn alternate_content_is_read_once_and_text_boxes_follow_their_anchor() {
        let text_box = |t: &str| {
            format!("<w:txbxContent><w:p><w:r><w:t>{t}</w:t></w:r></w:p><w:p/></w:txbxContent>")
        };
        let blocks = read(&format!(
            concat!(
                "<w:p><w:r><w:t>anchor</w:t></w:r><w:r><mc:AlternateContent>",
                "<mc:Choice Requires=\"wps\"><w:drawing>{}</w:drawing></mc:Choice>",
                "<mc:Fallback><w:pict>{}</w:pict></mc:Fallback>",
                "</mc:AlternateContent></w:r><w:r><w:t> after</w:t></w:r></w:p>",
                "<w:p><w:r><w:t>next</w:t></w:r></w:p>"
            ),
            text_box("BẢN SAO"),
            text_box("BẢN SAO (VML)")
        ));
        assert_eq!(
            texts(&blocks),
            ["1:anchor after", "2:BẢN SAO", "3:", "4:next"]
        );
    }

    #[test]
    fn page_breaks_before_between_and_after() {
        let br = "<w:r><w:br w:type=\"page\"/></w:r>";
        let blocks = read(&format!(
            concat!(
                "<w:p><w:r><w:t>one</w:t></w:r></w:p>",
                "<w:p>{br}<w:r><w:t>two</w:t></w:r></w:p>",
                "<w:p><w:r><w:t>three</w:t></w:r>{br}<w:r><w:t>four</w:t></w:r></w:p>",
                "<w:p><w:r><w:t>five</w:t></w:r>{br}</w:p>",
                "<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>six</w:t></w:r></w:p>",
                "<w:p><w:pPr><w:pageBreakBefore w:val=\"false\"/><w:sectPr><w:type w:val=\"continuous\"/></w:sectPr></w:pPr><w:r><w:t>seven</w:t></w:r></w:p>",
                "<w:p><w:pPr><w:sectPr/></w:pPr><w:r><w:t>eight</w:t></w:r></w:p>",
                "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>in</w:t></w:r>{br}<w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
                "<w:p><w:r><w:t>nine</w:t></w:r></w:p>",
                "<w:sectPr/>"
            ),
            br = br
        ));
        assert_eq!(
            texts(&blocks),
            [
                "1:one", "BREAK", "2:two", "3:three", "BREAK", "3:four", "4:five", "BREAK",
                "5:six", "6:seven", "7:eight", "BREAK", "T1", "8:nine"
            ]
        );
    }

    #[test]
    fn tables_keep_spans_and_merges_and_flatten_nested_tables() {
        let cell = |props: &str, text: &str| {
            format!("<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>")
        };
        let nested = format!(
            "<w:tc><w:p><w:r><w:t>outer</w:t></w:r></w:p><w:tbl><w:tr>{}{}</w:tr></w:tbl><w:p/></w:tc>",
            cell("<w:gridSpan w:val=\"3\"/>", "inner 1"),
            cell("", "inner 2")
        );
        let blocks = read(&format!(
            "<w:p/><w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl><w:tbl><w:tr>{}</w:tr></w:tbl>",
            cell(
                "<w:gridSpan w:val=\"2\"/><w:vMerge w:val=\"restart\"/>",
                "a"
            ),
            cell("", "b"),
            cell("<w:gridSpan w:val=\"2\"/><w:vMerge/>", ""),
            nested,
            cell("", "x")
        ));
        let Some(Block::Table(t)) = blocks.get(1) else {
            panic!("{blocks:?}")
        };
        assert_eq!(t.n, 1);
        let row = |r: usize| {
            t.rows[r]
                .iter()
                .map(|c| (c.text.as_str(), c.span, c.v_merged))
                .collect::<Vec<_>>()
        };
        assert_eq!(row(0), [("a", 2, false), ("b", 1, false)]);
        assert_eq!(
            row(1),
            [("", 2, true), ("outer\ninner 1\ninner 2", 1, false)]
        );
        assert!(matches!(blocks.get(2), Some(Block::Table(t)) if t.n == 2));
    }

    #[test]
    fn headers_and_footers_follow_the_body_numbered_on() {
        let part = |root: &str, text: &str| {
            format!("<w:{root} {NS}><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:{root}>")
        };
        let bytes = package(&[
            (
                "word/document.xml",
                body("<w:p><w:r><w:t>body</w:t></w:r></w:p>"),
            ),
            ("word/footer1.xml", part("ftr", "footer")),
            ("word/header10.xml", part("hdr", "header 10")),
            ("word/header2.xml", part("hdr", "header 2")),
            ("word/header3.xml", part("hdr", "")),
        ]);
        let doc = read_document_bytes(&bytes, "t.docx").unwrap();
        assert_eq!(
            texts(&doc.blocks),
            ["1:body", "2:header 2", "3:header 10", "4:footer"]
        );
    }

    #[test]
    fn any_prefix_for_the_word_namespace() {
        let xml = r#"<ns0:document xmlns:ns0="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><ns0:body><ns0:p><ns0:r><ns0:t>x</ns0:t><ns0:tab/></ns0:r></ns0:p></ns0:body></ns0:document>"#;
        let bytes = package(&[("word/document.xml", xml.to_string())]);
        let doc = read_document_bytes(&bytes, "t.docx").unwrap();
        assert_eq!(texts(&doc.blocks), ["1:x\t"]);
    }

    #[test]
    fn refuses_doctype_deep_nesting_and_missing_parts() {
        let doctype = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaa\">]><w:document {NS}><w:body/></w:document>"
        );
        let err =
            read_document_bytes(&package(&[("word/document.xml", doctype)]), "t").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Suspicious, "{err}");
        assert!(err.to_string().contains("DOCTYPE"), "{err}");

        let deep = body(&format!(
            "<w:p>{}{}</w:p>",
            "<w:smartTag>".repeat(400),
            "</w:smartTag>".repeat(400)
        ));
        let err = read_document_bytes(&package(&[("word/document.xml", deep)]), "t").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OverLimit, "{err}");
        assert!(err.to_string().contains("nested"), "{err}");

        let bad = body("<w:p><w:r><w:t>x</w:r></w:p>");
        let err = read_document_bytes(&package(&[("word/document.xml", bad)]), "t").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Damaged, "{err}");
        assert!(err.to_string().contains("not well-formed"), "{err}");

        let err =
            read_document_bytes(&package(&[("xl/workbook.xml", String::new())]), "t").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SpreadsheetNotWord, "{err}");
    }

    /// Well-formed but arbitrary nestings of the elements the reader acts
    /// on: it may refuse them, never panic.
    fn xml_tree() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            "[a-zA-Zễ :\t.]{0,6}".prop_map(|t| format!("<w:t>{t}</w:t>")),
            Just("<w:br w:type=\"page\"/>".to_string()),
            Just("<w:tab/>".to_string()),
            Just("<w:b/>".to_string()),
            Just("<w:gridSpan w:val=\"x\"/>".to_string()),
            Just("<w:vMerge/>".to_string()),
            Just("<w:sectPr/>".to_string()),
            Just("<w:pageBreakBefore/>".to_string()),
            Just("<w:showingPlcHdr/>".to_string()),
            Just("&amp;".to_string()),
        ];
        leaf.prop_recursive(6, 64, 4, |inner| {
            const NAMES: [&str; 19] = [
                "w:p",
                "w:r",
                "w:pPr",
                "w:rPr",
                "w:tbl",
                "w:tr",
                "w:tc",
                "w:tcPr",
                "w:txbxContent",
                "mc:AlternateContent",
                "mc:Choice",
                "mc:Fallback",
                "w:sdt",
                "w:sdtPr",
                "w:sdtContent",
                "w:del",
                "w:ins",
                "w:sectPr",
                "w:t",
            ];
            (
                proptest::sample::select(&NAMES[..]),
                proptest::collection::vec(inner, 0..4),
            )
                .prop_map(|(name, children)| format!("<{name}>{}</{name}>", children.concat()))
        })
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_nesting_never_panics(trees in proptest::collection::vec(xml_tree(), 0..4)) {
            let bytes = package(&[("word/document.xml", body(&trees.concat()))]);
            if let Ok(doc) = read_document_bytes(&bytes, "t.docx") {
                let vocab = crate::vocab::Vocabulary::default();
                let parts = crate::ingest::dossier_doc::split_parts(&doc, &vocab);
                proptest::prop_assert!(!parts.is_empty());
            }
        }
    }

    #[test]
    fn finds_the_main_part_through_the_package_relationships() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
        let bytes = package(&[
            ("_rels/.rels", rels.to_string()),
            (
                "word/document2.xml",
                body("<w:p><w:r><w:t>x</w:t></w:r></w:p>"),
            ),
        ]);
        let doc = read_document_bytes(&bytes, "t.docx").unwrap();
        assert_eq!(texts(&doc.blocks), ["1:x"]);
    }
}
