//! A Word [`Document`] read as dossier documents: which documents it holds
//! (by title), their `Label: value` fields, the place-date line, the
//! transcript table and the copy mark, each with its source.
//!
//! Everything language-specific comes from the [`Vocabulary`] (labels,
//! titles, copy marks, transcript columns) except the grammar of the
//! place-date line ("<place>, ngày DD tháng MM năm YYYY") and the words that
//! open a transcript's total row ("Tổng cộng", "Cộng", "Tổng"), which are
//! part of how Vietnamese paperwork is written rather than of a rule set.
//!
//! Text is looked at line by line: a paragraph's line breaks separate
//! lines, and a table cell's paragraphs are lines of that cell.

use super::{Block, Document, Paragraph, Table, TableCell};
use crate::date::Date;
use crate::source::Source;
use crate::spill::{Blob, Spill, SpillError};
use crate::text::{clean, fold_words};
use crate::vocab::{DocumentKind, Vocabulary, starts_with_words};
use litemap::LiteMap;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// One document found in a Word file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DocPart {
    /// Display path of the file, shared with the sources.
    pub file: std::sync::Arc<str>,
    /// The vocabulary's document kind ("don", "bang_diem", "cong_van",
    /// "van_bang"); `None` when no title was recognised.
    pub kind: Option<String>,
    /// Boxed, like `signed` and `copy_mark`: a slimmed part has none of
    /// them, and 100,000 dossiers hold 250,000 parts.
    pub title: Option<Box<(String, Source)>>,
    /// Label fields by vocabulary field name. The first occurrence wins,
    /// except that a later non-empty value replaces an empty one.
    pub fields: LiteMap<String, Field>,
    /// The last place-date line of the part ("Kon Rẫy, ngày 05 tháng 3 năm
    /// 2021"); `None` when there is none or its date is left blank.
    pub signed: Option<Box<(Date, Source)>>,
    /// Transcript rows, in table order.
    pub subjects: Vec<Subject>,
    /// The first copy-mark line ("SAO Y BẢN CHÍNH", "Bản photo").
    pub copy_mark: Option<Box<Field>>,
    /// Non-blank characters of text in this part (0: an empty part).
    pub text_len: usize,
    /// Set on a slimmed part: where the whole part waits ([`DocPart::slim`]).
    pub spilled: Option<Blob>,
}

/// The fields matching reads (who the document names); a slimmed part keeps
/// only these.
pub const IDENTITY_FIELDS: [&str; 2] = ["name", "birth_date"];

impl DocPart {
    /// Writes the whole part to `spill` and keeps only what matching reads:
    /// the file, the kind and the identity fields.
    pub fn slim(self, spill: &Spill) -> Result<DocPart, SpillError> {
        if self.spilled.is_some() {
            return Ok(self);
        }
        let blob = spill.put_value(&self)?;
        let DocPart {
            file,
            kind,
            fields,
            text_len,
            ..
        } = self;
        Ok(DocPart {
            file,
            kind,
            title: None,
            // Nothing before judging reads the labels.
            fields: super::keep_only(fields, &IDENTITY_FIELDS)
                .into_iter()
                .map(|(k, f)| {
                    (
                        k,
                        Field {
                            label: String::new(),
                            ..f
                        },
                    )
                })
                .collect(),
            signed: None,
            subjects: Vec::new(),
            copy_mark: None,
            text_len,
            spilled: Some(blob),
        })
    }

    /// The whole part: itself, or read back from `spill` when slimmed.
    pub fn whole(&self, spill: &Spill) -> Result<std::borrow::Cow<'_, DocPart>, SpillError> {
        match self.spilled {
            None => Ok(std::borrow::Cow::Borrowed(self)),
            Some(blob) => spill.get_value(blob).map(std::borrow::Cow::Owned),
        }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    /// The label as written, cleaned ("Họ và tên"); for a copy mark, the
    /// vocabulary mark it matched.
    pub label: String,
    /// The value, cleaned (leader dots removed); may be empty.
    pub text: String,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Subject {
    /// As written ("Bài 3. Tư tưởng Hồ Chí Minh"), cleaned.
    pub name: String,
    pub periods: Option<f64>,
    pub score: Option<String>,
    /// The subject cell.
    pub source: Source,
}

/// Splits a document into the dossier documents it holds (domain.md §5,
/// decision 10) and reads each one.
///
/// The block list is cut at page breaks; a segment whose title is among its
/// first non-empty lines starts a new part, any other segment continues the
/// part before it (a form running onto page 2). Copy-mark lines do not count
/// toward the title's position, so a mark above the title belongs to the
/// title's part. A top table (the unit | motto layout) is searched for the
/// title too, cell by cell: a request letter's "V/v đề nghị ..." usually sits
/// in its left cell. Headers and footers come last in a [`Document`], so
/// they belong to the last part (the only one, in the usual one-document
/// file): a copy mark in a header is found there.
pub fn split_parts(doc: &Document, vocab: &Vocabulary) -> Vec<DocPart> {
    Interpreter::new(vocab).split_parts(doc)
}

/// The vocabulary prepared for reading documents (every alias folded once).
/// [`split_parts`] prepares one per call; a caller reading many documents
/// with one vocabulary keeps one of these instead.
pub struct Interpreter<'a> {
    labels: HashMap<String, &'a str>,
    titles: Vec<(String, &'a DocumentKind)>,
    copy_marks: Vec<(String, &'a str)>,
    /// First letters of the folded copy marks: most lines are ruled out
    /// without folding them.
    mark_initials: Vec<char>,
    /// Transcript header aliases, folded: (alias, column field).
    columns: Vec<(String, &'a str)>,
    max_within: usize,
}

impl<'a> Interpreter<'a> {
    pub fn new(vocab: &'a Vocabulary) -> Self {
        let mut labels = HashMap::new();
        for (field, aliases) in &vocab.labels {
            for alias in aliases {
                let folded = fold_words(alias);
                if !folded.is_empty() {
                    labels.entry(folded).or_insert(field.as_str());
                }
            }
        }
        let mut copy_marks: Vec<(String, &str)> = vocab
            .copy_marks
            .iter()
            .map(|m| (fold_words(m), m.as_str()))
            .filter(|(f, _)| !f.is_empty())
            .collect();
        // Longest first: "Sao y bản chính" is a better name than "Sao y".
        copy_marks.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mut mark_initials: Vec<char> = copy_marks
            .iter()
            .filter_map(|(m, _)| m.chars().next())
            .collect();
        mark_initials.sort_unstable();
        mark_initials.dedup();
        let titles = vocab
            .documents
            .iter()
            .flat_map(|d| d.titles.iter().map(move |t| (fold_words(t), d)))
            .filter(|(t, _)| !t.is_empty())
            .collect();
        let mut columns: Vec<(String, &str)> = vocab
            .transcript_columns
            .iter()
            .flat_map(|(field, aliases)| {
                aliases.iter().map(move |a| (fold_words(a), field.as_str()))
            })
            .filter(|(f, _)| !f.is_empty())
            .collect();
        columns.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Interpreter {
            labels,
            titles,
            copy_marks,
            mark_initials,
            columns,
            max_within: vocab.documents.iter().map(|d| d.within).max().unwrap_or(0),
        }
    }

    /// See [`split_parts`].
    pub fn split_parts(&self, doc: &Document) -> Vec<DocPart> {
        Context {
            file: doc.path.as_str().into(),
            words: self,
        }
        .split_parts(doc)
    }
}

struct Title {
    kind: String,
    text: String,
    loc: Loc,
}

/// Where a line is, before it becomes a [`Source`].
#[derive(Clone, Copy, Debug)]
enum Loc {
    Paragraph(u32),
    Cell { table: u32, row: u32, cell: u32 },
}

/// Words a label may have ("Trình độ lý luận chính trị hiện nay").
const MAX_LABEL_WORDS: usize = 8;

/// Words a copy-mark line may have ("SAO Y BẢN CHÍNH Số: 125/SY-UBND").
const MAX_MARK_WORDS: usize = 10;

/// One document being read with an [`Interpreter`].
struct Context<'i, 'a> {
    /// Shared by every source of the document.
    file: std::sync::Arc<str>,
    words: &'i Interpreter<'a>,
}

impl<'i, 'a> Context<'i, 'a> {
    fn split_parts(&self, doc: &Document) -> Vec<DocPart> {
        let mut parts: Vec<(Option<Title>, Vec<&Block>)> = Vec::new();
        for segment in doc.blocks.split(|b| matches!(b, Block::PageBreak)) {
            let title = self.find_title(segment);
            match (title, parts.last_mut()) {
                (None, Some((_, blocks))) => blocks.extend(segment),
                (None, None) if !segment.iter().any(has_text) => {}
                (title, _) => parts.push((title, segment.iter().collect())),
            }
        }
        if parts.is_empty() {
            parts.push((None, Vec::new()));
        }
        parts
            .into_iter()
            .map(|(title, blocks)| self.read_part(title, &blocks))
            .collect()
    }

    fn source(&self, loc: Loc) -> Source {
        match loc {
            Loc::Paragraph(n) => Source::paragraph(self.file.clone(), n),
            Loc::Cell { table, row, cell } => {
                Source::table_cell(self.file.clone(), table, row, cell)
            }
        }
    }

    /// The document kind whose title this line is (as
    /// [`Vocabulary::title_kind`], with the titles folded once).
    fn title_kind(&self, line: &str) -> Option<&'a DocumentKind> {
        let folded = fold_words(line);
        // Same order as the vocabulary: the first document kind wins.
        self.words
            .titles
            .iter()
            .find(|(t, _)| starts_with_words(&folded, t))
            .map(|(_, d)| *d)
    }

    fn find_title(&self, segment: &[Block]) -> Option<Title> {
        let mut seen = 0usize;
        for block in segment {
            match block {
                Block::Paragraph(p) => {
                    for line in p.text.split('\n') {
                        if !has_words(line) || self.copy_mark_in(line).is_some() {
                            continue;
                        }
                        seen += 1;
                        if let Some(kind) = self.title_kind(line)
                            && seen <= kind.within
                        {
                            return Some(Title {
                                kind: kind.kind.clone(),
                                text: clean(line),
                                loc: Loc::Paragraph(p.n),
                            });
                        }
                        if seen >= self.words.max_within {
                            return None;
                        }
                    }
                }
                // Only a layout table above every paragraph can hold the title.
                Block::Table(t) if seen == 0 => {
                    if let Some(title) = self.title_in_table(t) {
                        return Some(title);
                    }
                }
                Block::Table(_) | Block::PageBreak => {}
            }
        }
        None
    }

    fn title_in_table(&self, table: &Table) -> Option<Title> {
        for (r, row) in table.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let lines = cell
                    .text
                    .split('\n')
                    .filter(|l| has_words(l) && self.copy_mark_in(l).is_none());
                for (i, line) in lines.enumerate() {
                    if let Some(kind) = self.title_kind(line)
                        && i < kind.within
                    {
                        return Some(Title {
                            kind: kind.kind.clone(),
                            text: clean(line),
                            loc: cell_loc(table, r, c),
                        });
                    }
                }
            }
        }
        None
    }

    fn read_part(&self, title: Option<Title>, blocks: &[&Block]) -> DocPart {
        let mut part = DocPart {
            file: self.file.clone(),
            kind: title.as_ref().map(|t| t.kind.clone()),
            title: title.map(|t| Box::new((t.text, self.source(t.loc)))),
            fields: LiteMap::new(),
            signed: None,
            subjects: Vec::new(),
            copy_mark: None,
            text_len: 0,
            spilled: None,
        };
        for block in blocks {
            match block {
                Block::Paragraph(p) => self.read_paragraph(p, &mut part),
                Block::Table(t) => self.read_table(t, &mut part),
                Block::PageBreak => {}
            }
        }
        part
    }

    fn read_paragraph(&self, p: &Paragraph, part: &mut DocPart) {
        let loc = Loc::Paragraph(p.n);
        for (i, line) in p.text.split('\n').enumerate() {
            let bold = if i == 0 {
                p.bold_prefix.as_deref()
            } else {
                None
            };
            self.read_line(line, bold, loc, part);
        }
    }

    /// Fields, copy mark and place-date line of one line of text.
    fn read_line(&self, line: &str, bold: Option<&str>, loc: Loc, part: &mut DocPart) {
        part.text_len += line.chars().filter(|c| !c.is_whitespace()).count();
        if !has_words(line) {
            return;
        }
        if part.copy_mark.is_none()
            && let Some((mark, text)) = self.copy_mark_in(line)
        {
            part.copy_mark = Some(Box::new(Field {
                label: mark.to_string(),
                text,
                source: self.source(loc),
            }));
        }
        let fields = self.fields_in_line(line, bold);
        if fields.is_empty()
            && let Some(signed) = place_date(line)
        {
            part.signed = signed.map(|d| Box::new((d, self.source(loc))));
        }
        for (field, label, value) in fields {
            insert_field(part, field, label, value, self.source(loc));
        }
    }

    fn read_table(&self, table: &Table, part: &mut DocPart) {
        self.read_transcript(table, part);
        for (r, row) in table.rows.iter().enumerate() {
            let mut c = 0;
            while c < row.len() {
                let Some(cell) = row.get(c) else { break };
                let loc = cell_loc(table, r, c);
                // Label cell | value cell; two labels side by side are the
                // header row of a list ("Họ và tên | Ngày sinh | Đơn vị").
                if let Some(field) = self.label_field(&cell.text)
                    && let Some(value_cell) = row.get(c + 1)
                    && self.label_field(&value_cell.text).is_none()
                {
                    part.text_len += count_text(&cell.text) + count_text(&value_cell.text);
                    let value = clean_value(&value_cell.text);
                    let label = clean(strip_label(&cell.text));
                    insert_field(
                        part,
                        field,
                        label,
                        value,
                        self.source(cell_loc(table, r, c + 1)),
                    );
                    c += 2;
                    continue;
                }
                for line in cell.text.split('\n') {
                    self.read_line(line, None, loc, part);
                }
                c += 1;
            }
        }
    }

    /// A line that is a copy mark: the vocabulary mark it starts with and
    /// the line from there, cleaned. Tab-separated columns are looked at
    /// one by one ("TRƯỜNG ...\t\tSAO Y BẢN CHÍNH").
    fn copy_mark_in(&self, line: &str) -> Option<(&'a str, String)> {
        let mut rest = line;
        loop {
            if let Some(found) = self.copy_mark_at_start(rest) {
                return Some(found);
            }
            let (_, after) = rest.split_once('\t')?;
            rest = after;
        }
    }

    fn copy_mark_at_start(&self, text: &str) -> Option<(&'a str, String)> {
        // A mark is a short line of its own; "- Bản sao bằng tốt nghiệp"
        // in a list of attachments is not one.
        let first = text
            .trim_start()
            .chars()
            .next()
            .filter(|c| c.is_alphabetic())?;
        let initial = fold_words(first.encode_utf8(&mut [0; 4])).chars().next()?;
        if !self.words.mark_initials.contains(&initial)
            || text.split_whitespace().count() > MAX_MARK_WORDS
        {
            return None;
        }
        let folded = fold_words(text);
        if folded.split(' ').count() > MAX_MARK_WORDS {
            return None;
        }
        self.words
            .copy_marks
            .iter()
            .find(|(m, _)| starts_with_words(&folded, m))
            .map(|(_, mark)| (*mark, clean(text)))
    }

    /// The vocabulary field a label text names, after the decorations a
    /// label carries ("1.", "a)", trailing dots or colon, "(ghi rõ)").
    fn label_field(&self, text: &str) -> Option<&'a str> {
        let label = strip_label(text);
        if let Some(field) = self.words.labels.get(&fold_words(label)) {
            return Some(field);
        }
        let (before, _) = label.rsplit_once('(')?;
        self.words.labels.get(&fold_words(before)).copied()
    }

    /// `(field, label, value)` for every known label in the line.
    ///
    /// Labels end with a colon ("Ngày sinh: 05/03/1975\tDân tộc: Kinh" has
    /// two); a label is the longest run of at most eight words before a
    /// colon that the vocabulary knows. A line that starts with a known
    /// label may also separate it from its value with a tab, with leader
    /// dots, with bold type alone, or with nothing when a digit follows
    /// ("Sinh ngày 05/03/1975").
    fn fields_in_line(&self, line: &str, bold: Option<&str>) -> Vec<(&'a str, String, String)> {
        // (label start, label end, value start, field)
        let mut found: Vec<(usize, usize, usize, &str)> = Vec::new();
        let mut from = 0;
        for (colon, _) in line.match_indices(':') {
            if colon < from {
                continue;
            }
            if let Some((start, field)) = self.label_before(line, from, colon) {
                found.push((start, colon, colon + 1, field));
                from = colon + 1;
            }
        }
        // The start of the line may hold a label without a colon.
        let head_end = found.first().map_or(line.len(), |f| f.0);
        if let Some((label_end, value_start, field)) =
            self.label_without_colon(line.get(..head_end).unwrap_or(""), bold)
        {
            found.insert(0, (0, label_end, value_start, field));
        }
        let mut out = Vec::with_capacity(found.len());
        for (i, &(start, end, value_start, field)) in found.iter().enumerate() {
            let value_end = found.get(i + 1).map_or(line.len(), |next| next.0);
            let label = clean(strip_label(line.get(start..end).unwrap_or("")));
            let value = clean_value(line.get(value_start..value_end).unwrap_or(""));
            out.push((field, label, value));
        }
        out
    }

    /// Where the known label that ends at `colon` starts, searching word
    /// starts after `from`, longest label first. A trailing parenthesis
    /// ("Ngày sinh (ghi rõ):") is not part of the label.
    fn label_before(&self, line: &str, from: usize, colon: usize) -> Option<(usize, &'a str)> {
        let mut segment = line.get(from..colon)?;
        if segment.trim_end().ends_with(')')
            && let Some((before, _)) = segment.rsplit_once('(')
        {
            segment = before;
        }
        // Words folded one by one: a candidate label is a join of the last
        // few, so no text is folded twice.
        let mut words: Vec<(usize, String)> = Vec::new();
        let mut start = None;
        for (i, ch) in segment.char_indices().chain([(segment.len(), ' ')]) {
            match (is_label_boundary(ch), start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    let folded = fold_words(segment.get(s..i).unwrap_or(""));
                    if !folded.is_empty() {
                        words.push((from + s, folded));
                    }
                    start = None;
                }
                _ => {}
            }
        }
        let first = words.len().saturating_sub(MAX_LABEL_WORDS);
        let mut candidates = words.get(first..)?;
        while let Some(((start, _), _)) = candidates.split_first() {
            let candidate: Vec<&str> = candidates.iter().map(|(_, w)| w.as_str()).collect();
            if let Some(field) = self.words.labels.get(&candidate.join(" ")) {
                return Some((*start, *field));
            }
            candidates = candidates.get(1..)?;
        }
        None
    }

    /// `(label end, value start, field)` for a line starting with a label
    /// that a tab, leader dots, bold type or a following digit separates
    /// from its value.
    fn label_without_colon(
        &self,
        head: &str,
        bold: Option<&str>,
    ) -> Option<(usize, usize, &'a str)> {
        if !has_words(head) {
            return None;
        }
        if let Some(tab) = head.find('\t') {
            let field = self.label_field(&head[..tab])?;
            return Some((tab, tab + 1, field));
        }
        if let Some(m) = LEADER.find(head)
            && m.start() > 0
        {
            let field = self.label_field(&head[..m.start()])?;
            return Some((m.start(), m.end(), field));
        }
        if let Some(bold) = bold {
            let bold = bold.trim_end();
            if head.starts_with(bold)
                && let Some(field) = self.label_field(bold)
            {
                return Some((bold.len(), bold.len(), field));
            }
        }
        // "Sinh ngày 05/03/1975": the label is the words before the first digit.
        let digit = head.find(|c: char| c.is_ascii_digit())?;
        let field = self.label_field(head.get(..digit)?)?;
        Some((digit, digit, field))
    }

    /// A transcript table: a header row (within the first three rows)
    /// naming at least the subject and periods columns, then one row per
    /// subject; a total row is not a subject.
    fn read_transcript(&self, table: &Table, part: &mut DocPart) {
        let mut columns: BTreeMap<&str, u32> = BTreeMap::new();
        let mut header_end = None;
        for (r, row) in table.rows.iter().enumerate().take(3) {
            let mut grid = 0u32;
            for cell in row {
                if let Some(field) = self.column_of(&cell.text)
                    && !columns.contains_key(field)
                {
                    columns.insert(field, grid);
                    header_end = Some(r);
                }
                grid = grid.saturating_add(cell.span.max(1));
            }
            if columns.contains_key("subject") && columns.contains_key("periods") {
                break;
            }
        }
        let (Some(header_end), Some(&subject_col), Some(&periods_col)) =
            (header_end, columns.get("subject"), columns.get("periods"))
        else {
            return;
        };
        let score_col = columns.get("score").copied();
        for (r, row) in table.rows.iter().enumerate().skip(header_end + 1) {
            let Some((c, subject_cell)) = cell_at(row, subject_col) else {
                continue;
            };
            let name = clean(&subject_cell.text);
            // Column-number rows ("(2)") and empty rows are not subjects.
            if !name.chars().any(char::is_alphabetic) || subject_cell.v_merged || is_total(&name) {
                continue;
            }
            // A total row often writes "Tổng cộng" across TT and subject;
            // then the subject column's cell is that one and was skipped.
            let first_cell = row.first().map(|c| clean(&c.text)).unwrap_or_default();
            if is_total(&first_cell) {
                continue;
            }
            let periods = cell_at(row, periods_col).and_then(|(_, c)| parse_number(&c.text));
            let score = score_col
                .and_then(|col| cell_at(row, col))
                .map(|(_, c)| clean(&c.text))
                .filter(|s| !s.is_empty());
            part.subjects.push(Subject {
                name,
                periods,
                score,
                source: self.source(cell_loc(table, r, c)),
            });
        }
    }

    /// The transcript column a header cell names: exactly, or by containing
    /// an alias as whole words ("Môn học / Chuyên đề", "Số tiết (tiết)").
    fn column_of(&self, header: &str) -> Option<&'a str> {
        let folded = fold_words(header);
        if folded.is_empty() || folded.split(' ').count() > 8 {
            return None;
        }
        if let Some((_, field)) = self.words.columns.iter().find(|(a, _)| *a == folded) {
            return Some(field);
        }
        let padded = format!(" {folded} ");
        self.words
            .columns
            .iter()
            .find(|(a, _)| padded.contains(&format!(" {a} ")))
            .map(|(_, field)| *field)
    }
}

fn insert_field(part: &mut DocPart, field: &str, label: String, text: String, source: Source) {
    match part.fields.get(field) {
        Some(existing) if !existing.text.is_empty() || text.is_empty() => {}
        _ => {
            part.fields.insert(
                field.to_string(),
                Field {
                    label,
                    text,
                    source,
                },
            );
        }
    }
}

fn cell_loc(table: &Table, r: usize, c: usize) -> Loc {
    Loc::Cell {
        table: table.n,
        row: r as u32 + 1,
        cell: c as u32 + 1,
    }
}

/// The cell covering grid column `col`, with its index in the row.
fn cell_at(row: &[TableCell], col: u32) -> Option<(usize, &TableCell)> {
    let mut grid = 0u32;
    for (i, cell) in row.iter().enumerate() {
        let next = grid.saturating_add(cell.span.max(1));
        if (grid..next).contains(&col) {
            return Some((i, cell));
        }
        grid = next;
    }
    None
}

fn is_total(text: &str) -> bool {
    let folded = fold_words(text);
    folded == "cong"
        || folded == "tong"
        || starts_with_words(&folded, "tong cong")
        || starts_with_words(&folded, "tong so")
}

/// "40", "22,5", "22.5 tiết" -> the number; anything else -> None.
fn parse_number(text: &str) -> Option<f64> {
    let t = clean(text);
    let start = t.find(|c: char| c.is_ascii_digit())?;
    if !t[..start].trim().is_empty() {
        return None;
    }
    let digits: String = t[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    digits.trim_end_matches('.').parse().ok()
}

fn has_text(block: &Block) -> bool {
    match block {
        Block::Paragraph(p) => has_words(&p.text),
        Block::Table(t) => t.rows.iter().flatten().any(|c| has_words(&c.text)),
        Block::PageBreak => false,
    }
}

fn has_words(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

fn count_text(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

/// Characters that separate a label from what precedes it on the line.
fn is_label_boundary(ch: char) -> bool {
    ch.is_whitespace() || matches!(ch, '.' | '…' | ',' | ';' | '_' | '|')
}

static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[-+•*–—]+|\(?(?:\d{1,2}(?:\.\d{1,2})*|[a-zđ]|[IVX]{1,4})[.)])\s*")
        .expect("static regex")
});
static LEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*(?:\.{2,}|…+|_{2,})[.…_\s]*").expect("static regex"));

/// A label without its numbering ("1.", "a)", "-") and trailing colon,
/// leader dots and blanks.
fn strip_label(text: &str) -> &str {
    let t = text.trim();
    let t = NUMBERING.find(t).map_or(t, |m| &t[m.end()..]);
    t.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '.' | '…' | '_'))
}

/// A value without leader dots, blanks and list punctuation around it,
/// cleaned.
fn clean_value(text: &str) -> String {
    let t =
        text.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '…' | '_' | ':'));
    clean(t.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '.' | '…' | '_' | ':' | ';' | ',')
    }))
}

/// Longest place name before ", ngày" ("Thành phố Buôn Ma Thuột").
const MAX_PLACE_CHARS: usize = 60;

/// The date of a place-date line ("Kon Rẫy, ngày 05 tháng 3 năm 2021"),
/// looked for in each tab-separated column: `Some(None)` for such a line
/// with its date left blank.
fn place_date(line: &str) -> Option<Option<Date>> {
    for column in line.split('\t') {
        // Most lines have no comma: no cleaning, no lower-casing for them.
        let Some((place, rest)) = column.split_once(',') else {
            continue;
        };
        let place = place.trim();
        let plausible_place = place.chars().count() <= MAX_PLACE_CHARS
            && place.starts_with(char::is_alphabetic)
            && !place.contains(':');
        if !plausible_place {
            continue;
        }
        let rest = clean(rest).to_lowercase();
        let Some(after) = rest.strip_prefix("ngày") else {
            continue;
        };
        if after.starts_with(char::is_alphabetic) {
            continue;
        }
        let date = Date::find_all(&rest).into_iter().next();
        let has_month_year = after
            .find("tháng")
            .is_some_and(|m| after[m..].contains("năm"));
        if date.is_some() || has_month_year {
            return Some(date);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        #[derive(serde::Deserialize)]
        struct F {
            vocabulary: Vocabulary,
        }
        toml::from_str::<F>(include_str!("../../rules/tuong-duong-so-cap.toml"))
            .unwrap()
            .vocabulary
    }

    /// Paragraphs from lines; "|" separates table cells ("\\n" a cell's
    /// paragraphs), "--" is a page break, "**x**" a bold prefix x.
    fn doc(lines: &[&str]) -> Document {
        let mut blocks = Vec::new();
        let (mut n, mut t) = (0, 0);
        for line in lines {
            if *line == "--" {
                blocks.push(Block::PageBreak);
            } else if line.contains('|') {
                t += 1;
                let cells = line
                    .split('|')
                    .map(|c| TableCell {
                        text: c.replace("\\n", "\n"),
                        span: 1,
                        v_merged: false,
                    })
                    .collect();
                match blocks.last_mut() {
                    // "+a|b" continues the table above with a new row.
                    Some(Block::Table(table)) if line.starts_with('+') => {
                        t -= 1;
                        let mut row: Vec<TableCell> = cells;
                        row[0].text.remove(0);
                        table.rows.push(row);
                    }
                    _ => blocks.push(Block::Table(Table {
                        n: t,
                        rows: vec![cells],
                    })),
                }
            } else {
                n += 1;
                let (bold, text) = match line.strip_prefix("**").and_then(|l| l.split_once("**")) {
                    Some((b, rest)) => (Some(b.to_string()), format!("{b}{rest}")),
                    None => (None, line.to_string()),
                };
                blocks.push(Block::Paragraph(Paragraph {
                    n,
                    text,
                    bold_prefix: bold,
                }));
            }
        }
        Document {
            path: "d.docx".to_string(),
            blocks,
        }
    }

    fn field(part: &DocPart, name: &str) -> String {
        part.fields
            .get(name)
            .map(|f| f.text.clone())
            .unwrap_or_else(|| panic!("no {name} in {:?}", part.fields))
    }

    proptest::proptest! {
        #[test]
        fn any_text_in_any_layout_never_panics(
            items in proptest::collection::vec(
                "[-a-zA-Zđễ0-9 .…:,;/()|\t\n*]{0,30}|Họ và tên:|Ngày sinh|Kon Rẫy, ngày|BẢNG ĐIỂM|Số tiết|Môn học|--|Sao y|Tổng cộng",
                0..24,
            )
        ) {
            let lines: Vec<&str> = items.iter().map(String::as_str).collect();
            let parts = split_parts(&doc(&lines), &vocab());
            proptest::prop_assert!(!parts.is_empty());
        }
    }

    #[test]
    fn labels_with_every_kind_of_separator() {
        let parts = split_parts(
            &doc(&[
                "ĐƠN ĐỀ NGHỊ",
                "Họ và tên ........ Nguyễn Văn An",
                "Sinh ngày 05/03/1975",
                "**Chức vụ** Trưởng thôn",
                "a) Đơn vị công tác:…………UBND xã",
                "Dân tộc (ghi rõ): Kinh",
                "Giới tính: Nam; Trình độ học vấn: 12/12\tNgày vào Đảng:",
                "Ngày vào Đảng: 03/02/2010",
                "Đơn vị chúng tôi đề nghị",
                "Trường: Đại học Huế",
            ]),
            &vocab(),
        );
        let p = &parts[0];
        assert_eq!(field(p, "name"), "Nguyễn Văn An");
        assert_eq!(field(p, "birth_date"), "05/03/1975");
        assert_eq!(field(p, "position"), "Trưởng thôn");
        assert_eq!(field(p, "unit"), "UBND xã");
        assert_eq!(field(p, "sex"), "Nam");
        assert_eq!(field(p, "education"), "12/12");
        assert_eq!(field(p, "ethnicity"), "Kinh");
        // An empty value gives way to a later filled one.
        assert_eq!(field(p, "party_date"), "03/02/2010");
        assert_eq!(
            p.fields.get("party_date").unwrap().source,
            Source::paragraph("d.docx", 8)
        );
        assert_eq!(field(p, "institution"), "Đại học Huế");
        assert_eq!(p.fields.get("unit").unwrap().label, "Đơn vị công tác");
    }

    #[test]
    fn label_and_value_cells_in_two_and_four_column_tables() {
        let parts = split_parts(
            &doc(&[
                "BẢNG ĐIỂM",
                "Họ và tên:|Lê Thị Hoa|Ngày sinh|1980",
                "+Đơn vị|Chi bộ 3|Ghi chú|Họ tên: Lê Hoa",
            ]),
            &vocab(),
        );
        let p = &parts[0];
        assert_eq!(field(p, "name"), "Lê Thị Hoa");
        assert_eq!(
            p.fields.get("name").unwrap().source,
            Source::table_cell("d.docx", 1, 1, 2)
        );
        assert_eq!(field(p, "birth_date"), "1980");
        assert_eq!(
            p.fields.get("birth_date").unwrap().source,
            Source::table_cell("d.docx", 1, 1, 4)
        );
        assert_eq!(field(p, "unit"), "Chi bộ 3");
        assert_eq!(
            p.fields.get("unit").unwrap().source,
            Source::table_cell("d.docx", 1, 2, 2)
        );
    }

    #[test]
    fn a_list_header_row_is_not_label_and_value() {
        let parts = split_parts(
            &doc(&[
                "V/v đề nghị xét",
                "TT|Họ và tên|Ngày sinh|Đơn vị",
                "+1|Nguyễn Văn An|05/03/1975|Xã A",
            ]),
            &vocab(),
        );
        assert_eq!(parts[0].kind.as_deref(), Some("cong_van"));
        assert!(parts[0].fields.is_empty(), "{:?}", parts[0].fields);
    }

    #[test]
    fn parts_start_at_titled_pages_and_keep_the_lines_above_the_title() {
        let parts = split_parts(
            &doc(&[
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                "ĐƠN ĐỀ NGHỊ",
                "--",
                "Trang 2 của đơn: Họ và tên: X",
                "--",
                "SAO Y BẢN CHÍNH",
                "TRƯỜNG A",
                "KHOA B",
                "BẢNG ĐIỂM",
                "--",
                "một",
                "hai",
                "ba",
                "Bảng điểm này không phải tiêu đề",
            ]),
            &vocab(),
        );
        let kinds: Vec<_> = parts.iter().map(|p| p.kind.as_deref()).collect();
        assert_eq!(kinds, [Some("don"), Some("bang_diem")]);
        assert_eq!(parts[0].copy_mark, None);
        let mark = parts[1].copy_mark.as_ref().unwrap();
        assert_eq!(
            (mark.label.as_str(), mark.text.as_str()),
            ("Sao y bản chính", "SAO Y BẢN CHÍNH")
        );
        assert_eq!(mark.source, Source::paragraph("d.docx", 5));
        assert_eq!(
            parts[1].title.as_deref(),
            Some(&("BẢNG ĐIỂM".to_string(), Source::paragraph("d.docx", 8)))
        );
    }

    #[test]
    fn a_file_without_titles_is_one_untyped_part() {
        let parts = split_parts(&doc(&["--", "Họ và tên: An", "--", "thư"]), &vocab());
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].kind, None);
        assert_eq!(field(&parts[0], "name"), "An");
        let empty = split_parts(&doc(&[]), &vocab());
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].text_len, 0);
    }

    #[test]
    fn request_letter_title_in_the_top_table() {
        let parts = split_parts(
            &doc(&[
                "UBND XÃ A\\nSố: 15/UBND\\nV/v đề nghị xét công nhận|CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\\nA, ngày 10 tháng 4 năm 2021",
                "Kính gửi: Trung tâm Chính trị",
            ]),
            &vocab(),
        );
        assert_eq!(parts[0].kind.as_deref(), Some("cong_van"));
        assert_eq!(
            parts[0].title.as_ref().unwrap().1,
            Source::table_cell("d.docx", 1, 1, 1)
        );
        let (date, source) = *parts[0].signed.clone().unwrap();
        assert_eq!(date, Date::ymd(2021, 4, 10).unwrap());
        assert_eq!(source, Source::table_cell("d.docx", 1, 1, 2));
    }

    #[test]
    fn place_date_lines() {
        assert_eq!(
            place_date("Kon Rẫy, ngày 05 tháng 3 năm 2021"),
            Some(Date::ymd(2021, 3, 5))
        );
        assert_eq!(
            place_date("Số: 12/TB\t\tTP. Kon Tum, ngày 5/3/2021"),
            Some(Date::ymd(2021, 3, 5))
        );
        assert_eq!(
            place_date("Đăk Ruồng, ngày ..... tháng ..... năm 2021"),
            Some(None)
        );
        assert_eq!(place_date("Sinh ngày 05 tháng 3 năm 1975"), None);
        assert_eq!(place_date("Ngày sinh: 05/03/1975, ngày vào Đảng"), None);
        // The last one counts; a label line is never the signing line.
        let parts = split_parts(
            &doc(&[
                "ĐƠN ĐỀ NGHỊ",
                "Kon Rẫy, ngày 01 tháng 3 năm 2021",
                "Kon Rẫy, ngày 05 tháng 3 năm 2021",
                "Ngày sinh: Kon Rẫy, ngày 05 tháng 3 năm 1975",
            ]),
            &vocab(),
        );
        assert_eq!(
            parts[0].signed.as_deref(),
            Some(&(
                Date::ymd(2021, 3, 5).unwrap(),
                Source::paragraph("d.docx", 3)
            ))
        );
        let blank = split_parts(
            &doc(&[
                "ĐƠN ĐỀ NGHỊ",
                "A, ngày 05 tháng 3 năm 2021",
                "A, ngày … tháng … năm 20…",
            ]),
            &vocab(),
        );
        assert_eq!(blank[0].signed, None);
    }

    #[test]
    fn transcript_rows_skip_headers_numbering_and_totals() {
        let parts = split_parts(
            &doc(&[
                "BẢNG ĐIỂM",
                "STT|Tên môn học (chuyên đề)|Số tiết (tiết)|Kết quả (điểm)",
                "+(1)|(2)|(3)|(4)",
                "+1|Công tác dân vận|22,5|8",
                "+2|Bài 2. Tư tưởng Hồ Chí Minh|30 tiết|",
                "+|||",
                "+Cộng||52,5|",
                "+|Tổng cộng|52,5|",
            ]),
            &vocab(),
        );
        let subjects: Vec<_> = parts[0]
            .subjects
            .iter()
            .map(|s| (s.name.as_str(), s.periods, s.score.as_deref()))
            .collect();
        assert_eq!(
            subjects,
            [
                ("Công tác dân vận", Some(22.5), Some("8")),
                ("Bài 2. Tư tưởng Hồ Chí Minh", Some(30.0), None)
            ]
        );
        assert_eq!(
            parts[0].subjects[1].source,
            Source::table_cell("d.docx", 1, 4, 2)
        );
    }

    #[test]
    fn copy_marks_are_short_lines_of_their_own() {
        let parts = split_parts(
            &doc(&[
                "ĐƠN ĐỀ NGHỊ",
                "- Bản sao bảng điểm;",
                "Bản sao bằng tốt nghiệp và bảng điểm có chứng thực của ủy ban nhân dân xã",
                "TRƯỜNG ĐẠI HỌC A\t\tBản sao",
            ]),
            &vocab(),
        );
        let mark = parts[0].copy_mark.as_ref().unwrap();
        assert_eq!(
            (mark.label.as_str(), mark.text.as_str()),
            ("Bản sao", "Bản sao")
        );
    }
}
