//! Word 97-2003 (.doc) files as a [`Document`], the model [`super::docx`]
//! gives .docx files in: paragraphs, tables and page breaks in reading
//! order. Many offices still send their forms so.
//!
//! No maintained crate reads .doc text with tables, so this is the small
//! part of the format ([MS-DOC]) a dossier needs, over the compound-file
//! reader [`super::cfb`]:
//! - the FIB says where the tables are, how long the body's text is, and
//!   whether the file is encrypted (refused, as a password-protected .docx);
//! - the piece table (CLX) maps the body's characters to bytes of the
//!   `WordDocument` stream, each piece 8-bit (Windows-1252, as the format
//!   defines it) or UTF-16 (Vietnamese text always is);
//! - paragraph properties (the PAPX pages) tell a paragraph in a table
//!   cell, and the mark ending a table row, from a plain one: the text
//!   alone cannot (an empty cell and a row's end are the same character);
//! - section properties (PlcfSed) tell a section break that starts a new
//!   page (a [`Block::PageBreak`], as in .docx) from a continuous one.
//!
//! What counts as text follows the .docx reader, and so does the order:
//! - field results are text, field instructions are not; a tab stays
//!   `\t`, a line break becomes `\n`, a non-breaking hyphen `-`, a soft
//!   hyphen the invisible U+00AD; pictures, note and comment marks are
//!   dropped;
//! - text deleted while changes were tracked, and hidden text, are not
//!   read (as `w:del` and `w:vanish`); their paragraph, cell and row
//!   marks are, as .docx keeps a deleted row's `w:tr` and a deleted mark's
//!   `w:p`: a deleted row is a row of empty cells there too;
//! - a manual page break splits its paragraph in two of the same number;
//!   paragraphs outside tables are numbered from 1, empty ones too;
//! - a table's cells hold their non-blank paragraphs joined by `\n`; a
//!   cell spans the grid columns its edges cover (the grid: every edge of
//!   every row, as Word makes a .docx's), and continuation cells of merges
//!   are marked or folded as .docx gives them;
//! - bold type at the start of a paragraph is its `bold_prefix` (direct
//!   formatting only, as `w:b` on a run);
//! - the text boxes' story follows the paragraph anchoring the first
//!   drawing, then come the headers and footers (their non-empty
//!   paragraphs), as in .docx.
//!
//! Not read: footnotes, endnotes and comments (nor are they in .docx);
//! text boxes in headers; bold or hiding given by a style; list numbers;
//! properties a piece of text is given as a whole (`Pcd.prm`, which
//! Word's fast saves wrote).
//!
//! Every offset comes from the file and is checked: a damaged or hostile
//! file is refused with the reason, or read in part (properties that
//! cannot be found leave a paragraph outside tables), never panics.
//!
//! [MS-DOC]: https://learn.microsoft.com/en-us/openspecs/office_file_formats/ms-doc/

use super::cfb::{Cfb, u16_at, u32_at};
use super::docx::{nfc_owned, too_much};
use super::{Block, Document, ErrorKind, IngestError, Paragraph, Result, Table, TableCell};

/// Characters of a story (the body, the headers, the text boxes) gone
/// through, whether text or not (a form has a few thousand).
const MAX_CHARS: u32 = 16 << 20;
/// Text kept, in bytes of UTF-8: the .docx reader's cap.
const MAX_TEXT_BYTES: usize = 32 << 20;
/// Paragraphs, rows and cells, as in .docx.
const MAX_ITEMS: usize = 500_000;
/// Fields nested in fields: a few levels are real; more is an attack.
const MAX_FIELD_DEPTH: usize = 64;
/// Bytes of a paragraph-properties page (FKP).
const PAGE: usize = 512;

fn damaged(why: &str) -> IngestError {
    IngestError::detail(ErrorKind::Damaged, format!(".doc: {why}"))
}

/// Reads a .doc file held in memory. `display` becomes [`Document::path`].
pub fn read_doc_bytes(bytes: &[u8], display: &str) -> Result<Document> {
    let cfb = Cfb::open(bytes, ".doc")?;
    if cfb.has("EncryptedPackage") {
        return Err(IngestError::new(ErrorKind::Encrypted, []));
    }
    if !cfb.has("WordDocument") {
        if cfb.has("Workbook") || cfb.has("Book") {
            return Err(IngestError::new(ErrorKind::SpreadsheetNotWord, []));
        }
        return Err(damaged("no WordDocument stream: not a Word document"));
    }
    let word = cfb.top_stream("WordDocument")?;
    let fib = Fib::parse(&word)?;
    let table = cfb
        .top_stream(if fib.table_1 { "1Table" } else { "0Table" })
        .map_err(|_| damaged("the table stream is missing"))?;
    let pieces = pieces(plc(&table, fib.clx).ok_or_else(|| damaged("no piece table"))?)?;
    let (headers, boxes) = fib.stories();
    let mut reader = StoryReader {
        word: &word,
        pieces: &pieces,
        props: ParagraphProps::new(&word, plc(&table, fib.bte_papx)),
        chars: CharacterProps::new(&word, plc(&table, fib.bte_chpx)),
        sections: Sections::new(&word, plc(&table, fib.plcf_sed)),
        boxes: Some(boxes),
    };
    let mut out = Builder::default();
    reader.read(&mut out, Story::new(0, fib.ccp_text), true)?;
    // Text boxes anchored nowhere the body could place them, then the
    // headers and footers, as the .docx reader orders them.
    if let Some(boxes) = reader.boxes.take() {
        reader.read(&mut out, boxes, false)?;
    }
    reader.read(&mut out, headers, false)?;
    out.finish()?;
    Ok(Document {
        path: display.to_string(),
        blocks: out.blocks,
    })
}

/// Reads the stories of the text into a [`Builder`].
struct StoryReader<'a> {
    word: &'a [u8],
    pieces: &'a [Piece],
    props: ParagraphProps<'a>,
    chars: CharacterProps<'a>,
    sections: Sections,
    /// The text-box story, until it is read: after the paragraph of the
    /// body that anchors the first drawing (as the .docx reader places a
    /// text box where it is anchored), else after the body.
    boxes: Option<Story>,
}

impl StoryReader<'_> {
    /// Reads `story`: the body, or (not `body`) a story whose empty
    /// paragraphs (separators, the guard mark ending each story) are left
    /// out and whose page breaks are not breaks.
    fn read(&mut self, out: &mut Builder, story: Story, body: bool) -> Result<()> {
        out.skip_empty = !body;
        out.fields.clear();
        let mut units = Units::new(self.word, self.pieces, story);
        let mut surrogate = None;
        while let Some((cp, fc, unit)) = units.next().transpose()? {
            if cp.saturating_sub(story.start) >= MAX_CHARS {
                return Err(too_much("text"));
            }
            let ch = match (surrogate.take(), unit) {
                (None, 0xD800..=0xDBFF) => {
                    surrogate = Some(unit);
                    continue;
                }
                (Some(high), 0xDC00..=0xDFFF) => {
                    let c =
                        0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                    char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER)
                }
                (Some(_), _) | (None, 0xDC00..=0xDFFF) => char::REPLACEMENT_CHARACTER,
                (None, _) => char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER),
            };
            match ch {
                '\r' => {
                    out.paragraph_end(self.props.at(fc))?;
                    if body && out.anchored && out.rows.is_none() {
                        out.anchored = false;
                        if let Some(boxes) = self.boxes.take() {
                            self.read(out, boxes, false)?;
                            out.skip_empty = false;
                            out.fields.clear();
                        }
                    }
                }
                '\u{7}' => out.cell_end(self.props.at(fc))?,
                '\u{c}' if !body => {}
                '\u{c}' => match self.sections.break_at(cp) {
                    Some(new_page) => {
                        out.paragraph_end(self.props.at(fc))?;
                        if new_page {
                            out.page_break();
                        }
                    }
                    None if self.chars.at(fc).unread() => {}
                    None => out.manual_page_break()?,
                },
                '\u{8}' if body => out.anchored = true,
                c => match self.chars.at(fc) {
                    // Deleted or hidden text is not read, but its field
                    // marks are: a field cut in two stays one field.
                    chars if chars.unread() && !is_field_mark(c) => {}
                    chars => out.text(c, chars.bold)?,
                },
            }
        }
        out.finish()
    }
}

/// The characters that open a field, end its instruction, and close it.
fn is_field_mark(c: char) -> bool {
    matches!(c, '\u{13}'..='\u{15}')
}

/// What the reader needs of the File Information Block.
struct Fib {
    /// `fWhichTblStm`: the tables are in `1Table`, not `0Table`.
    table_1: bool,
    /// Characters of the main document (the body), and of the stories
    /// after it: footnotes, headers and footers, macros, comments,
    /// endnotes and text boxes, in that order.
    ccp_text: u32,
    ccp_ftn: u32,
    ccp_hdd: u32,
    ccp_mcr: u32,
    ccp_atn: u32,
    ccp_edn: u32,
    ccp_txbx: u32,
    /// (offset, length) in the table stream of the piece table, the
    /// paragraph-properties index and the section table.
    clx: (u32, u32),
    bte_chpx: (u32, u32),
    bte_papx: (u32, u32),
    plcf_sed: (u32, u32),
}

impl Fib {
    /// The character positions of the header story and the text-box one.
    fn stories(&self) -> (Story, Story) {
        let at = |lens: &[u32]| lens.iter().fold(0u32, |a, &l| a.saturating_add(l));
        let hdd = at(&[self.ccp_text, self.ccp_ftn]);
        let txbx = at(&[hdd, self.ccp_hdd, self.ccp_mcr, self.ccp_atn, self.ccp_edn]);
        (
            Story::new(hdd, self.ccp_hdd),
            Story::new(txbx, self.ccp_txbx),
        )
    }

    fn parse(w: &[u8]) -> Result<Fib> {
        let short = || damaged("the document header is cut short");
        if u16_at(w, 0) != Some(0xA5EC) {
            return Err(damaged("not a Word document stream"));
        }
        // Word 6 and 95 (nFib 101 to 104) laid the header out otherwise:
        // an old file, to be saved again as .docx. Word 97 and later
        // write 0xC1 or more.
        if u16_at(w, 2).ok_or_else(short)? < 0xC1 {
            return Err(IngestError::new(ErrorKind::OldOffice, []));
        }
        let flags = u16_at(w, 0x0A).ok_or_else(short)?;
        if flags & 0x0100 != 0 {
            return Err(IngestError::new(ErrorKind::Encrypted, []));
        }
        let csw = usize::from(u16_at(w, 32).ok_or_else(short)?);
        let lw_count_at = 34 + csw * 2;
        let cslw = usize::from(u16_at(w, lw_count_at).ok_or_else(short)?);
        let lw_at = lw_count_at + 2;
        // fibRgLw97: cbMac, two product fields, then ccpText, ccpFtn,
        // ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx.
        if cslw <= 9 {
            return Err(short());
        }
        let lw = |i: usize| u32_at(w, lw_at + i * 4).ok_or_else(short);
        let pairs_count_at = lw_at + cslw * 4;
        let pairs = usize::from(u16_at(w, pairs_count_at).ok_or_else(short)?);
        let pair = |i: usize| -> Result<(u32, u32)> {
            if i >= pairs {
                return Ok((0, 0));
            }
            let at = pairs_count_at + 2 + i * 8;
            Ok((
                u32_at(w, at).ok_or_else(short)?,
                u32_at(w, at + 4).ok_or_else(short)?,
            ))
        };
        Ok(Fib {
            table_1: flags & 0x0200 != 0,
            ccp_text: lw(3)?,
            ccp_ftn: lw(4)?,
            ccp_hdd: lw(5)?,
            ccp_mcr: lw(6)?,
            ccp_atn: lw(7)?,
            ccp_edn: lw(8)?,
            ccp_txbx: lw(9)?,
            // fibRgFcLcb97: fcPlcfSed is pair 6, fcPlcfBteChpx 12,
            // fcPlcfBtePapx 13, fcClx 33.
            plcf_sed: pair(6)?,
            bte_chpx: pair(12)?,
            bte_papx: pair(13)?,
            clx: pair(33)?,
        })
    }
}

/// A run of character positions holding one kind of text.
#[derive(Clone, Copy)]
struct Story {
    start: u32,
    end: u32,
}

impl Story {
    fn new(start: u32, len: u32) -> Story {
        Story {
            start,
            end: start.saturating_add(len),
        }
    }
}

/// The `(offset, length)` bytes of the table stream, if they lie in it
/// and are not empty.
fn plc(table: &[u8], (at, len): (u32, u32)) -> Option<&[u8]> {
    let at = usize::try_from(at).ok()?;
    let len = usize::try_from(len).ok().filter(|&l| l > 0)?;
    table.get(at..at.checked_add(len)?)
}

/// A run of the body's characters stored together.
struct Piece {
    /// Its first character position, and the one after its last.
    cp: u32,
    cp_end: u32,
    /// Where its bytes start in the `WordDocument` stream.
    fc: u32,
    /// One byte a character (Windows-1252), not two (UTF-16).
    compressed: bool,
}

/// The piece table of a CLX: `Prc` records (formatting, skipped) and then
/// the `Pcdt`, a PLC of character positions and piece descriptors.
fn pieces(clx: &[u8]) -> Result<Vec<Piece>> {
    let mut at = 0usize;
    let plc = loop {
        match clx.get(at) {
            Some(1) => {
                let len =
                    u16_at(clx, at + 1).ok_or_else(|| damaged("the piece table is cut short"))?;
                at += 3 + usize::from(len);
            }
            Some(2) => {
                let len =
                    u32_at(clx, at + 1).ok_or_else(|| damaged("the piece table is cut short"))?;
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                break clx
                    .get(at + 5..)
                    .and_then(|rest| rest.get(..len))
                    .ok_or_else(|| damaged("the piece table is cut short"))?;
            }
            _ => return Err(damaged("no piece table")),
        }
    };
    // n + 1 positions of 4 bytes, then n descriptors of 8.
    if plc.len() < 4 || (plc.len() - 4) % 12 != 0 {
        return Err(damaged("the piece table has a wrong length"));
    }
    let n = (plc.len() - 4) / 12;
    let cp = |i: usize| u32_at(plc, i * 4).unwrap_or(0);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (start, end) = (cp(i), cp(i + 1));
        if end < start || out.last().is_some_and(|p: &Piece| p.cp_end > start) {
            return Err(damaged("the pieces of text are out of order"));
        }
        let raw = u32_at(plc, (n + 1) * 4 + i * 8 + 2).unwrap_or(0);
        let compressed = raw & 0x4000_0000 != 0;
        let fc = raw & 0x3FFF_FFFF;
        out.push(Piece {
            cp: start,
            cp_end: end,
            fc: if compressed { fc / 2 } else { fc },
            compressed,
        });
    }
    Ok(out)
}

/// The body's characters in order, each as its position, the offset of its
/// bytes in the `WordDocument` stream (what paragraph properties are keyed
/// by) and its UTF-16 unit.
struct Units<'a> {
    word: &'a [u8],
    pieces: &'a [Piece],
    /// Characters of the body: those below this position.
    end: u32,
    piece: usize,
    cp: u32,
}

impl<'a> Units<'a> {
    /// The characters of `story`.
    fn new(word: &'a [u8], pieces: &'a [Piece], story: Story) -> Self {
        Units {
            word,
            pieces,
            end: story.end,
            piece: pieces.partition_point(|p| p.cp_end <= story.start),
            cp: story.start,
        }
    }

    fn next(&mut self) -> Option<Result<(u32, u32, u16)>> {
        loop {
            let p = self.pieces.get(self.piece)?;
            // A gap between pieces: nothing is stored there.
            self.cp = self.cp.max(p.cp);
            if self.cp >= self.end {
                return None;
            }
            if self.cp >= p.cp_end {
                self.piece += 1;
                continue;
            }
            let i = self.cp - p.cp;
            let cp = self.cp;
            self.cp += 1;
            let (fc, unit) = if p.compressed {
                let fc = p.fc.checked_add(i);
                let byte = fc.and_then(|fc| self.word.get(fc as usize).copied());
                (fc, byte.map(cp1252))
            } else {
                let fc = i.checked_mul(2).and_then(|o| p.fc.checked_add(o));
                (fc, fc.and_then(|fc| u16_at(self.word, fc as usize)))
            };
            return Some(match (fc, unit) {
                (Some(fc), Some(unit)) => Ok((cp, fc, unit)),
                _ => Err(damaged("the text lies outside the document stream")),
            });
        }
    }
}

/// A byte of an 8-bit piece: Windows-1252 as [MS-DOC] 2.4.1 maps it (the
/// bytes 0x80-0x9F it leaves out stay as they are).
fn cp1252(b: u8) -> u16 {
    const HIGH: [u16; 32] = [
        0x80, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0x8D, 0x8E, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x9E, 0x0178,
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => u16::from(b),
    }
}

/// What the reader needs of a paragraph's properties.
#[derive(Clone, Default, PartialEq, Debug)]
struct Props {
    /// In a table (any depth).
    in_table: bool,
    /// The mark ends a table row (`sprmPFTtp`), not a cell.
    row_end: bool,
    /// The paragraph starts a page (`sprmPFPageBreakBefore`).
    page_break_before: bool,
    /// At a row's end: its cells' edges and merges (`sprmTDefTable`).
    row: Option<RowDef>,
}

/// A table row's cells as its properties define them.
#[derive(Clone, Default, PartialEq, Debug)]
struct RowDef {
    /// The cells' edges, left to right (one more than the cells), in twips.
    edges: Vec<i16>,
    /// Each cell's merge flags (`TC80.tcgrf`), where given.
    flags: Vec<u16>,
}

/// `TC80.tcgrf`: the cell continues the one before it (an old file's
/// horizontal merge), or the one above it.
const MERGED: u16 = 0x0002;
const VERTICAL_MERGE: u16 = 0x0020;
const VERTICAL_RESTART: u16 = 0x0040;

impl RowDef {
    /// `TDefTableOperand` after its size: the cell count, the edges, then
    /// a 20-byte `TC80` per cell (fewer when the operand ends sooner).
    fn parse(operand: &[u8]) -> Option<RowDef> {
        let cells = usize::from(*operand.first()?);
        let edges = (0..=cells)
            .map(|i| u16_at(operand, 1 + i * 2).map(|e| e as i16))
            .collect::<Option<Vec<i16>>>()?;
        let tcs = 1 + (cells + 1) * 2;
        let flags = (0..cells)
            .map_while(|i| u16_at(operand, tcs + i * 20))
            .collect();
        Some(RowDef { edges, flags })
    }
}

/// Formatting properties (of paragraphs, or of characters) by where their
/// text lies in the `WordDocument` stream: a PlcBte (which 512-byte page
/// holds the properties of which bytes of text) over the pages (FKPs).
struct PropertyPages<'a> {
    word: &'a [u8],
    /// Each page's first byte of text, and one past the last page's.
    fcs: Vec<u32>,
    pages: Vec<u32>,
    /// Bytes of a page's entry per run: 13 for paragraphs, 1 for characters.
    entry: usize,
}

impl<'a> PropertyPages<'a> {
    fn new(word: &'a [u8], plc: Option<&[u8]>, entry: usize) -> Self {
        let mut props = PropertyPages {
            word,
            fcs: Vec::new(),
            pages: Vec::new(),
            entry,
        };
        // n + 1 offsets, then n page numbers (22 bits each); an index of
        // another length is ignored: the text then has no properties.
        if let Some(plc) = plc.filter(|p| p.len() >= 4 && (p.len() - 4) % 8 == 0) {
            let n = (plc.len() - 4) / 8;
            props.fcs = (0..=n).map(|i| u32_at(plc, i * 4).unwrap_or(0)).collect();
            props.pages = (0..n)
                .map(|i| u32_at(plc, (n + 1) * 4 + i * 4).unwrap_or(0) & 0x003F_FFFF)
                .collect();
        }
        props
    }

    /// The page holding the properties of the text at `fc`, where in it
    /// they lie (0: none, the defaults), and the bytes of text they cover.
    fn find(&self, fc: u32) -> Option<(&'a [u8], usize, (u32, u32))> {
        let i = self.fcs.partition_point(|&f| f <= fc).checked_sub(1)?;
        let page_no = usize::try_from(*self.pages.get(i)?).ok()?;
        let start = page_no.checked_mul(PAGE)?;
        let page = self.word.get(start..start.checked_add(PAGE)?)?;
        // The page: crun + 1 offsets of text, crun entries whose first byte
        // is where (in words) the run's properties lie; crun last.
        let runs = usize::from(*page.last()?);
        let offset = |j: usize| u32_at(page, j * 4);
        let (mut lo, mut hi) = (0, runs);
        // The run whose text holds `fc`: offsets ascend.
        while lo < hi {
            let mid = (lo + hi) / 2;
            if offset(mid + 1)? <= fc {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let j = lo;
        let (from, to) = (offset(j)?, offset(j + 1)?);
        if j >= runs || fc < from || fc >= to {
            return None;
        }
        let at = usize::from(*page.get((runs + 1) * 4 + j * self.entry)?) * 2;
        Some((page, at, (from, to)))
    }
}

/// The paragraph properties of the text.
struct ParagraphProps<'a>(PropertyPages<'a>);

impl<'a> ParagraphProps<'a> {
    fn new(word: &'a [u8], plc: Option<&[u8]>) -> Self {
        ParagraphProps(PropertyPages::new(word, plc, 13))
    }

    /// The properties of the paragraph whose mark lies at `fc` (the
    /// defaults, outside tables, where they cannot be found).
    fn at(&self, fc: u32) -> Props {
        self.find(fc).unwrap_or_default()
    }

    fn find(&self, fc: u32) -> Option<Props> {
        let (page, at, _) = self.0.find(fc)?;
        if at == 0 {
            return Some(Props::default());
        }
        // A PAPX: its size in words (or 0, then the size in the next byte),
        // the style (2 bytes), then the properties.
        let (from, len) = match *page.get(at)? {
            0 => (at + 2, usize::from(*page.get(at + 1)?) * 2),
            cb => (at + 1, usize::from(cb) * 2 - 1),
        };
        let grpprl = page.get(from..from.checked_add(len)?)?;
        Some(paragraph_props(grpprl.get(2..)?))
    }
}

/// What the reader needs of a run of characters' properties.
#[derive(Clone, Copy, Default, PartialEq, Debug)]
struct CharProps {
    bold: bool,
    /// Deleted while changes were tracked (`sprmCFRMarkDel`).
    deleted: bool,
    /// Hidden (`sprmCFVanish`): neither shown nor printed.
    hidden: bool,
}

impl CharProps {
    /// Not what the document says, as `w:del` and `w:vanish` in .docx.
    fn unread(self) -> bool {
        self.deleted || self.hidden
    }
}

/// Character properties of the text (direct formatting only: bold or
/// hidden type that comes from a style is not seen, as the .docx reader
/// sees only `w:b` and `w:vanish` on a run).
struct CharacterProps<'a> {
    pages: PropertyPages<'a>,
    /// The last run looked up: its bytes of text and its properties.
    last: std::cell::Cell<Option<(u32, u32, CharProps)>>,
}

impl<'a> CharacterProps<'a> {
    fn new(word: &'a [u8], plc: Option<&[u8]>) -> Self {
        CharacterProps {
            pages: PropertyPages::new(word, plc, 1),
            last: std::cell::Cell::new(None),
        }
    }

    fn at(&self, fc: u32) -> CharProps {
        if let Some((from, to, props)) = self.last.get()
            && (from..to).contains(&fc)
        {
            return props;
        }
        let Some((page, at, (from, to))) = self.pages.find(fc) else {
            return CharProps::default();
        };
        // A CHPX: its size in bytes, then the properties.
        let props = match page
            .get(at)
            .and_then(|&cb| page.get(at + 1..at + 1 + usize::from(cb)))
        {
            Some(grpprl) if at != 0 => character_props(grpprl),
            _ => CharProps::default(),
        };
        self.last.set(Some((from, to, props)));
        props
    }
}

/// Reads bold, deletion and hiding out of a run's property list. Each is
/// a `ToggleOperand`: 1 is on, 0 off; 0x80 and 0x81 defer to the style
/// (not seen: off). The last of a property given twice wins.
fn character_props(grpprl: &[u8]) -> CharProps {
    let mut props = CharProps::default();
    for (sprm, operand) in Sprms(grpprl) {
        let on = operand.first() == Some(&1);
        match sprm {
            // sprmCFBold.
            0x0835 => props.bold = on,
            // sprmCFRMarkDel.
            0x0800 => props.deleted = on,
            // sprmCFVanish.
            0x083C => props.hidden = on,
            _ => {}
        }
    }
    props
}

/// Reads the table marks out of a paragraph's property list.
fn paragraph_props(grpprl: &[u8]) -> Props {
    let mut props = Props::default();
    for (sprm, operand) in Sprms(grpprl) {
        let on = operand.first().is_some_and(|&b| b != 0);
        match sprm {
            // sprmPFInTable, sprmPFTtp.
            0x2416 => props.in_table = on,
            0xD608 => props.row = RowDef::parse(operand),
            0x2407 => props.page_break_before = on,
            0x2417 => props.row_end = on,
            // sprmPItap: the table depth.
            0x6649 => props.in_table |= u32_at(operand, 0).is_some_and(|d| d > 0),
            _ => {}
        }
    }
    props
}

/// The properties (`Prl`s) of a list: each an operation code whose top
/// bits tell its operand's size. Ends at the first one cut short.
struct Sprms<'a>(&'a [u8]);

impl<'a> Iterator for Sprms<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let sprm = u16_at(self.0, 0)?;
        let rest = self.0.get(2..)?;
        let (skip, len) = match sprm >> 13 {
            0 | 1 => (0, 1),
            2 | 4 | 5 => (0, 2),
            3 => (0, 4),
            7 => (0, 3),
            // sprmTDefTable: a 2-byte size, one more than what follows.
            _ if sprm == 0xD608 => (2, usize::from(u16_at(rest, 0)?).saturating_sub(1)),
            // sprmPChgTabs: 255 announces a longer layout, not needed here.
            _ if sprm == 0xC615 && rest.first() == Some(&255) => return None,
            _ => (1, usize::from(*rest.first()?)),
        };
        let operand = rest.get(skip..skip + len)?;
        self.0 = rest.get(skip + len..)?;
        Some((sprm, operand))
    }
}

/// Where the body's sections end, and whether the next starts a page.
struct Sections {
    /// The position of each section's mark, and whether the section after
    /// it starts a new page.
    marks: Vec<(u32, bool)>,
}

impl Sections {
    fn new(word: &[u8], plc: Option<&[u8]>) -> Sections {
        let mut marks = Vec::new();
        // n + 1 positions, then n 12-byte descriptors.
        if let Some(plc) = plc.filter(|p| p.len() >= 4 && (p.len() - 4) % 16 == 0) {
            let n = (plc.len() - 4) / 16;
            let cp = |i: usize| u32_at(plc, i * 4).unwrap_or(0);
            // The break type belongs to the section it starts: the next.
            let new_page = |i: usize| {
                let Some(sepx) = u32_at(plc, (n + 1) * 4 + i * 12 + 2) else {
                    return true;
                };
                section_starts_page(word, sepx)
            };
            for i in 0..n {
                if let Some(mark) = cp(i + 1).checked_sub(1) {
                    marks.push((mark, i + 1 >= n || new_page(i + 1)));
                }
            }
            marks.sort_unstable();
        }
        Sections { marks }
    }

    /// At a form feed at `cp`: `Some(starts a page)` if it ends a section,
    /// `None` if it is a manual page break.
    fn break_at(&self, cp: u32) -> Option<bool> {
        let i = self.marks.binary_search_by_key(&cp, |&(m, _)| m).ok()?;
        Some(self.marks[i].1)
    }
}

/// Whether the section whose properties lie at `sepx` in the document
/// stream starts on a new page (the default) rather than continuing the
/// page (`sprmSBkc` 0) or the column (1).
fn section_starts_page(word: &[u8], sepx: u32) -> bool {
    if sepx == u32::MAX {
        return true;
    }
    let Some(at) = usize::try_from(sepx).ok() else {
        return true;
    };
    let Some(len) = u16_at(word, at) else {
        return true;
    };
    let Some(grpprl) = word.get(at + 2..).and_then(|r| r.get(..usize::from(len))) else {
        return true;
    };
    Sprms(grpprl)
        .find(|(sprm, _)| *sprm == 0x3009)
        .is_none_or(|(_, op)| op.first().is_none_or(|&bkc| bkc >= 2))
}

/// A table's rows with their merges applied, as .docx gives them: a cell
/// spans the columns of the table's grid (every edge of every row, as Word
/// makes a .docx's grid) it covers; a cell continuing the one before it (an
/// old file's horizontal merge) widens that one and is dropped; one
/// continuing the cell above is marked so. A row whose definition is
/// missing, or does not match its cells, is left as it is.
fn merged(rows: Vec<(Vec<TableCell>, Option<RowDef>)>) -> Vec<Vec<TableCell>> {
    let mut grid: Vec<i16> = rows
        .iter()
        .filter_map(|(_, def)| def.as_ref())
        .flat_map(|def| def.edges.iter().copied())
        .collect();
    grid.sort_unstable();
    grid.dedup();
    rows.into_iter()
        .map(|(cells, def)| {
            let Some(def) = def.filter(|d| d.edges.len() == cells.len() + 1) else {
                return cells;
            };
            let mut out: Vec<TableCell> = Vec::with_capacity(cells.len());
            for (i, mut cell) in cells.into_iter().enumerate() {
                let (left, right) = (def.edges[i], def.edges[i + 1]);
                let columns = grid.iter().filter(|&&g| g >= left && g < right).count();
                cell.span = u32::try_from(columns.max(1)).unwrap_or(1);
                let flags = def.flags.get(i).copied().unwrap_or(0);
                cell.v_merged = flags & VERTICAL_MERGE != 0 && flags & VERTICAL_RESTART == 0;
                match out.last_mut() {
                    Some(before) if flags & MERGED != 0 => before.span += cell.span,
                    _ => out.push(cell),
                }
            }
            out
        })
        .collect()
}

/// Blocks as the marks of the text arrive.
#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    /// Text since the last mark, before normalisation.
    text: String,
    /// Fields open at this point: whether each is still in its instruction
    /// (which is not text) rather than its result.
    fields: Vec<bool>,
    /// Paragraphs outside tables so far.
    paragraphs: u32,
    /// The number of the paragraph a manual page break split, for its rest.
    split: Option<u32>,
    /// The table being read: its rows (each with its cells' definition),
    /// the row, and the cell's non-blank paragraphs joined by `\n` (as the
    /// .docx reader joins them).
    rows: Option<Vec<(Vec<TableCell>, Option<RowDef>)>>,
    row: Vec<TableCell>,
    cell: String,
    tables: u32,
    items: usize,
    /// Empty paragraphs are left out (stories other than the body).
    skip_empty: bool,
    /// A drawing was anchored in the paragraph being read.
    anchored: bool,
    /// Whether the paragraph's text is still all bold (but for blanks),
    /// and where its bold text ends: its `bold_prefix`, as in .docx.
    not_leading_bold: bool,
    bold_end: usize,
    /// Bytes of text kept so far, all stories together.
    text_bytes: usize,
}

impl Builder {
    fn count(&mut self) -> Result<()> {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(too_much("items"));
        }
        Ok(())
    }

    fn text(&mut self, c: char, bold: bool) -> Result<()> {
        match c {
            '\u{13}' => {
                if self.fields.len() >= MAX_FIELD_DEPTH {
                    return Err(too_much("depth"));
                }
                self.fields.push(true);
                return Ok(());
            }
            '\u{14}' => {
                if let Some(instruction) = self.fields.last_mut() {
                    *instruction = false;
                }
                return Ok(());
            }
            '\u{15}' => {
                self.fields.pop();
                return Ok(());
            }
            _ => {}
        }
        if self.fields.iter().any(|&instruction| instruction) {
            return Ok(());
        }
        let c = match c {
            '\t' => '\t',
            '\u{b}' => '\n',
            '\u{1e}' => '-',
            // A soft hyphen stays, invisible, as in .docx (TCVN3's "ư").
            '\u{1f}' => '\u{ad}',
            // Pictures, drawn objects, note and comment marks.
            c if (c as u32) < 0x20 => return Ok(()),
            c => c,
        };
        self.text.push(c);
        self.text_bytes += c.len_utf8();
        if self.text_bytes > MAX_TEXT_BYTES {
            return Err(too_much("text"));
        }
        if !self.not_leading_bold {
            if bold {
                self.bold_end = self.text.len();
            } else if !c.is_whitespace() {
                self.not_leading_bold = true;
            }
        }
        Ok(())
    }

    /// The paragraph's text and its leading bold text, both normalised.
    fn take_text(&mut self) -> (String, Option<String>) {
        let bold = self
            .text
            .get(..self.bold_end)
            .filter(|b| !b.trim().is_empty())
            .map(|b| nfc_owned(b.to_string()));
        self.not_leading_bold = false;
        self.bold_end = 0;
        (nfc_owned(std::mem::take(&mut self.text)), bold)
    }

    /// A paragraph mark (or a section's, which ends its paragraph too).
    fn paragraph_end(&mut self, props: Props) -> Result<()> {
        self.count()?;
        let (text, bold_prefix) = self.take_text();
        if props.in_table {
            // A paragraph of a cell, not its last.
            self.table_starts(&props);
            self.cell_paragraph(text);
            return Ok(());
        }
        self.close_table();
        if props.page_break_before && !self.blocks.is_empty() {
            self.blocks.push(Block::PageBreak);
        }
        if self.skip_empty && text.trim().is_empty() {
            return Ok(());
        }
        let n = match self.split.take() {
            Some(n) => n,
            None => {
                self.paragraphs += 1;
                self.paragraphs
            }
        };
        self.blocks.push(Block::Paragraph(Paragraph {
            n,
            text,
            bold_prefix,
        }));
        Ok(())
    }

    /// Opens a table at its first cell's paragraph, after a page break if
    /// that paragraph starts a page (how Word keeps a table's own break).
    fn table_starts(&mut self, props: &Props) {
        if self.rows.is_none() {
            if props.page_break_before && !self.blocks.is_empty() {
                self.blocks.push(Block::PageBreak);
            }
            self.rows = Some(Vec::new());
        }
    }

    fn cell_paragraph(&mut self, text: String) {
        if text.trim().is_empty() {
            return;
        }
        if !self.cell.is_empty() {
            self.cell.push('\n');
        }
        self.cell.push_str(&text);
    }

    /// A cell's mark, or a row's.
    fn cell_end(&mut self, props: Props) -> Result<()> {
        self.count()?;
        let (text, _) = self.take_text();
        self.table_starts(&props);
        if props.row_end {
            // The row's own mark holds no text of a cell.
            self.cell.clear();
            let row = std::mem::take(&mut self.row);
            if !row.is_empty() {
                self.rows
                    .get_or_insert_with(Vec::new)
                    .push((row, props.row));
            }
            return Ok(());
        }
        self.cell_paragraph(text);
        self.row.push(TableCell {
            text: std::mem::take(&mut self.cell),
            span: 1,
            v_merged: false,
        });
        Ok(())
    }

    /// A page break typed in the text: the paragraph goes on after it,
    /// with the same number (ignored in tables, as in .docx).
    fn manual_page_break(&mut self) -> Result<()> {
        if self.rows.is_some() {
            return Ok(());
        }
        if self.text.trim().is_empty() {
            self.page_break();
            return Ok(());
        }
        self.paragraph_end(Props::default())?;
        self.split = Some(self.paragraphs);
        // The rest of the paragraph has no bold prefix of its own.
        self.not_leading_bold = true;
        self.page_break();
        Ok(())
    }

    fn page_break(&mut self) {
        self.close_table();
        self.blocks.push(Block::PageBreak);
    }

    fn close_table(&mut self) {
        let Some(mut rows) = self.rows.take() else {
            return;
        };
        if !self.cell.is_empty() {
            let text = std::mem::take(&mut self.cell);
            self.row.push(TableCell {
                text,
                span: 1,
                v_merged: false,
            });
        }
        if !self.row.is_empty() {
            rows.push((std::mem::take(&mut self.row), None));
        }
        if rows.is_empty() {
            return;
        }
        self.tables += 1;
        self.blocks.push(Block::Table(Table {
            n: self.tables,
            rows: merged(rows),
        }));
    }

    /// The end of the body: what is still open is closed (the last mark
    /// may be missing from a damaged file).
    fn finish(&mut self) -> Result<()> {
        if !self.text.is_empty() {
            self.paragraph_end(Props::default())?;
        }
        self.close_table();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_bytes_map_as_the_format_says() {
        assert_eq!(cp1252(b'A'), 0x41);
        assert_eq!(cp1252(0x93), 0x201C);
        assert_eq!(cp1252(0x81), 0x81);
        assert_eq!(cp1252(0xE9), 0xE9);
    }

    #[test]
    fn a_story_ends_where_it_says_across_pieces_and_gaps() {
        // "ab" in UTF-16 at byte 0, "cd" in 8 bits at byte 4; a gap between.
        let word = b"a\0b\0cd";
        let pieces = [
            Piece {
                cp: 0,
                cp_end: 2,
                fc: 0,
                compressed: false,
            },
            Piece {
                cp: 5,
                cp_end: 7,
                fc: 4,
                compressed: true,
            },
        ];
        let read = |start, len| {
            let mut units = Units::new(word, &pieces, Story::new(start, len));
            let mut out = Vec::new();
            while let Some((cp, _, unit)) = units.next().transpose().unwrap() {
                out.push((cp, char::from_u32(u32::from(unit)).unwrap()));
            }
            out
        };
        assert_eq!(read(0, 4), [(0, 'a'), (1, 'b')]);
        assert_eq!(read(0, 7), [(0, 'a'), (1, 'b'), (5, 'c'), (6, 'd')]);
        assert_eq!(read(1, 5), [(1, 'b'), (5, 'c')]);
        assert_eq!(read(6, 10), [(6, 'd')]);
    }

    #[test]
    fn property_lists_are_walked_by_operand_size() {
        // sprmPJc (1 byte), sprmTDefTable (size 3: 2 bytes follow),
        // sprmPFInTable on, sprmPFTtp on, a variable one (2 bytes).
        let grpprl = [
            0x03, 0x24, 0x01, // sprmPJc80 = 1
            0x08, 0xD6, 0x03, 0x00, 0xAA, 0xBB, // sprmTDefTable
            0x16, 0x24, 0x01, // sprmPFInTable
            0x17, 0x24, 0x01, // sprmPFTtp
            0x15, 0xC6, 0x02, 0x01, 0x02, // sprmPChgTabs, 2 bytes
        ];
        let seen: Vec<u16> = Sprms(&grpprl).map(|(s, _)| s).collect();
        assert_eq!(seen, [0x2403, 0xD608, 0x2416, 0x2417, 0xC615]);
        assert_eq!(
            paragraph_props(&grpprl),
            Props {
                in_table: true,
                row_end: true,
                ..Props::default()
            }
        );
        // Cut short: what was whole is kept, the rest ignored.
        assert_eq!(Sprms(&grpprl[..8]).count(), 1);
    }

    #[test]
    fn deleted_and_hidden_runs_are_told_by_their_toggles() {
        // sprmCFBold on, sprmCFRMarkDel on, sprmCFVanish off.
        let props = character_props(&[0x35, 0x08, 1, 0x00, 0x08, 1, 0x3C, 0x08, 0]);
        assert!(props.bold && props.deleted && !props.hidden && props.unread());
        // Hidden; deletion deferred to the style (0x80): not seen.
        let props = character_props(&[0x3C, 0x08, 1, 0x00, 0x08, 0x80]);
        assert!(!props.bold && !props.deleted && props.hidden && props.unread());
        // The last of a property given twice wins.
        let props = character_props(&[0x00, 0x08, 1, 0x00, 0x08, 0]);
        assert!(!props.unread());
    }

    #[test]
    fn fields_keep_their_result_and_drop_their_instruction() {
        let mut b = Builder::default();
        for c in "Ngày \u{13} DATE \\@ \"dd\" \u{14}05\u{15} tháng".chars() {
            b.text(c, false).unwrap();
        }
        assert_eq!(b.text, "Ngày 05 tháng");
    }

    #[test]
    fn rows_end_at_row_marks_and_empty_cells_stay() {
        let mut b = Builder::default();
        let cell = Props {
            in_table: true,
            ..Props::default()
        };
        let row = Props {
            row_end: true,
            ..cell.clone()
        };
        for c in "Môn".chars() {
            b.text(c, false).unwrap();
        }
        b.cell_end(cell.clone()).unwrap();
        b.cell_end(cell.clone()).unwrap();
        b.cell_end(row.clone()).unwrap();
        for c in "a".chars() {
            b.text(c, false).unwrap();
        }
        b.paragraph_end(cell.clone()).unwrap();
        b.text('b', false).unwrap();
        b.cell_end(cell.clone()).unwrap();
        b.cell_end(row.clone()).unwrap();
        b.text('x', false).unwrap();
        b.paragraph_end(Props::default()).unwrap();
        b.finish().unwrap();
        let [Block::Table(t), Block::Paragraph(p)] = b.blocks.as_slice() else {
            panic!("{:?}", b.blocks);
        };
        let texts: Vec<Vec<&str>> = t
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(texts, [vec!["Môn", ""], vec!["a\nb"]]);
        assert_eq!((p.n, p.text.as_str()), (1, "x"));
    }

    #[test]
    fn a_manual_page_break_splits_its_paragraph_under_one_number() {
        let mut b = Builder::default();
        b.text('a', false).unwrap();
        b.manual_page_break().unwrap();
        b.text('b', false).unwrap();
        b.paragraph_end(Props::default()).unwrap();
        b.text('c', false).unwrap();
        b.paragraph_end(Props::default()).unwrap();
        let shape: Vec<String> = b
            .blocks
            .iter()
            .map(|block| match block {
                Block::Paragraph(p) => format!("{}:{}", p.n, p.text),
                Block::PageBreak => "--".into(),
                Block::Table(_) => "table".into(),
            })
            .collect();
        assert_eq!(shape, ["1:a", "--", "1:b", "2:c"]);
    }

    #[test]
    fn what_is_not_a_word_file_is_refused_with_a_reason() {
        let not_cfb = read_doc_bytes(b"PK\x03\x04 not an OLE file", "x.doc").unwrap_err();
        assert_eq!(not_cfb.kind(), ErrorKind::Damaged);
    }
}
