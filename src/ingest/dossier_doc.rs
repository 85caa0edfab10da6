//! A Word [`Document`] read as dossier documents: which documents it holds
//! (by title), their `Label: value` fields, the place-date line, the
//! transcript table and the copy mark, each with its source.
//!
//! Everything language-specific comes from the [`Vocabulary`] (labels,
//! titles, copy marks, transcript columns) except the grammar of the
//! place-date line (`<place>, ngày DD tháng MM năm YYYY`) and the words that
//! open a transcript's total row ("Tổng cộng", "Cộng", "Tổng"), which are
//! part of how Vietnamese paperwork is written rather than of a rule set.
//!
//! Text is looked at line by line: a paragraph's line breaks separate
//! lines, and a table cell's paragraphs are lines of that cell.

use super::{Block, Document, Paragraph, Table, TableCell};
use crate::date::Date;
use crate::source::Source;
use crate::spill::{Blob, Spill, SpillError};
use crate::text::{clean, clean_into, fold_words, fold_words_at_most, fold_words_into};
use crate::vocab::{DocumentKind, Vocabulary, starts_with_words};
use litemap::LiteMap;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// One document found in a Word file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DocPart {
    /// Display path of the file, shared with the sources.
    #[serde(deserialize_with = "crate::source::shared::deserialize")]
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
    /// The first cell of a table of numbers that was read as no transcript
    /// table, kept only when the part has no subjects: a transcript whose
    /// marks table hoso cannot interpret waits for a clerk rather than be
    /// judged on 0 periods.
    pub unread_table: Option<Box<Source>>,
}

/// What matching reads of a document part (who it names, what kind it is),
/// kept in memory while the whole part waits in the spill ([`crate::spill`]).
///
/// Its own small type rather than a [`DocPart`] with fields left out: at
/// 100,000 dossiers there are 190,000 parts, and a part's field map (a
/// key, a label and a [`Source`] per field) cost three times what this
/// holds. The sources are rebuilt from `file` ([`Said::field`]): every
/// source in a part points into the part's own file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SlimPart {
    /// As [`DocPart::file`].
    #[serde(deserialize_with = "crate::source::shared::deserialize")]
    pub file: std::sync::Arc<str>,
    /// As [`DocPart::kind`].
    pub kind: Option<Box<str>>,
    /// The `name` field, if the part has one.
    pub name: Option<Said>,
    /// The `birth_date` field, if the part has one.
    pub birth_date: Option<Said>,
    /// Where the whole part waits (always set; an `Option` so that the
    /// cache finds the blobs of any content alike).
    pub spilled: Option<Blob>,
}

/// A field of a slimmed part: its text, and where in the part's file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Said {
    pub text: Box<str>,
    pub loc: crate::source::Loc,
}

impl Said {
    fn of(field: Field) -> Said {
        Said {
            text: field.text.into_boxed_str(),
            loc: field.source.loc,
        }
    }

    /// The field as the whole part holds it, but for its label (nothing
    /// before judging reads labels).
    pub fn field(&self, file: &std::sync::Arc<str>) -> Field {
        Field {
            label: String::new(),
            text: self.text.to_string(),
            source: self.source(file),
        }
    }

    pub fn source(&self, file: &std::sync::Arc<str>) -> Source {
        Source {
            file: file.clone(),
            loc: self.loc.clone(),
        }
    }
}

impl DocPart {
    /// Writes the whole part to `spill` and keeps what matching reads.
    pub fn slim(self, spill: &Spill) -> Result<SlimPart, SpillError> {
        let blob = spill.put_value(&self)?;
        let DocPart {
            file,
            kind,
            mut fields,
            ..
        } = self;
        let mut take = |key: &str| fields.remove(key).map(Said::of);
        Ok(SlimPart {
            name: take("name"),
            birth_date: take("birth_date"),
            file,
            kind: kind.map(String::into_boxed_str),
            spilled: Some(blob),
        })
    }
}

impl SlimPart {
    /// The whole part, read back from `spill`.
    pub fn whole(&self, spill: &Spill) -> Result<DocPart, SpillError> {
        match self.spilled {
            Some(blob) => spill.get_value(blob),
            None => Err(SpillError::Damaged),
        }
    }

    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
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
    /// Looked up for every run of words before a colon: SipHash was most
    /// of a lookup's cost. The keys come from the rule file, not from the
    /// documents, so a fast unkeyed hash is safe.
    labels: HashMap<String, &'a str, foldhash::fast::FixedState>,
    /// Length of the longest folded label: a longer text names no field.
    max_label_len: usize,
    /// First letters of the folded labels: a text starting with another
    /// letter or digit is no label, with no need to fold it.
    label_initials: Vec<char>,
    /// The folded labels, sorted: a text whose fold starts with no label's
    /// first few letters is folded no further.
    sorted_labels: Vec<String>,
    titles: Vec<(String, &'a DocumentKind)>,
    /// Lengths of the longest folded title and copy mark: a line is folded
    /// only that far to find one.
    max_title_len: usize,
    copy_marks: Vec<(String, &'a str)>,
    max_mark_len: usize,
    /// First letters of the folded copy marks: most lines are ruled out
    /// without folding them.
    mark_initials: Vec<char>,
    /// Transcript header aliases, folded: (alias, column field).
    columns: Vec<(String, &'a str)>,
    max_within: usize,
    /// Headings of confirmation blocks, folded, and the longest's length.
    confirmations: Vec<String>,
    max_confirmation_len: usize,
}

impl<'a> Interpreter<'a> {
    pub fn new(vocab: &'a Vocabulary) -> Self {
        let mut labels: HashMap<String, &str, foldhash::fast::FixedState> = HashMap::default();
        for (field, aliases) in &vocab.labels {
            for alias in aliases {
                let folded = fold_words(alias);
                if !folded.is_empty() {
                    labels.entry(folded).or_insert(field.as_str());
                }
            }
        }
        let max_label_len = labels.keys().map(String::len).max().unwrap_or(0);
        let label_initials = initials(labels.keys());
        let mut sorted_labels: Vec<String> = labels.keys().cloned().collect();
        sorted_labels.sort_unstable();
        let mut copy_marks: Vec<(String, &str)> = vocab
            .copy_marks
            .iter()
            .map(|m| (fold_words(m), m.as_str()))
            .filter(|(f, _)| !f.is_empty())
            .collect();
        // Longest first: "Sao y bản chính" is a better name than "Sao y".
        copy_marks.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mark_initials = initials(copy_marks.iter().map(|(m, _)| m));
        let titles: Vec<(String, &DocumentKind)> = vocab
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
        let confirmations: Vec<String> = vocab
            .confirmations
            .iter()
            .map(|c| fold_words(c))
            .filter(|c| !c.is_empty())
            .collect();
        Interpreter {
            labels,
            max_label_len,
            label_initials,
            sorted_labels,
            max_title_len: titles.iter().map(|(t, _)| t.len()).max().unwrap_or(0),
            titles,
            max_mark_len: copy_marks.iter().map(|(m, _)| m.len()).max().unwrap_or(0),
            copy_marks,
            mark_initials,
            columns,
            max_within: vocab.documents.iter().map(|d| d.within).max().unwrap_or(0),
            max_confirmation_len: confirmations.iter().map(String::len).max().unwrap_or(0),
            confirmations,
        }
    }

    /// See [`split_parts`].
    pub fn split_parts(&self, doc: &Document) -> Vec<DocPart> {
        Context {
            file: doc.path.as_str().into(),
            words: self,
            scratch: Scratch::default(),
            applicant_dated: false,
            confirmation_date: None,
        }
        .split_parts(doc)
    }

    /// The document kind whose title this line is (as
    /// [`Vocabulary::title_kind`], with the titles folded once).
    fn title_kind(&self, line: &str, buf: &mut String) -> Option<&'a DocumentKind> {
        // The fold's first letters, then (when a title may start so) up
        // to the longest title: past it, the fold tells nothing more.
        buf.clear();
        if !fold_words_at_most(line, buf, PREFIX_LEN) {
            if !self
                .titles
                .iter()
                .any(|(t, _)| t.starts_with(buf.as_str()) || buf.starts_with(t.as_str()))
            {
                return None;
            }
            buf.clear();
            fold_words_at_most(line, buf, self.max_title_len);
        }
        // Same order as the vocabulary: the first document kind wins.
        self.titles
            .iter()
            .find(|(t, _)| starts_with_words(buf, t))
            .map(|(_, d)| *d)
    }

    fn find_title(&self, segment: &[Block], buf: &mut String) -> Option<Title> {
        let mut seen = 0usize;
        for block in segment {
            match block {
                Block::Paragraph(p) => {
                    for line in p.text.split('\n') {
                        if !has_words(line) || self.copy_mark_in(line, buf).is_some() {
                            continue;
                        }
                        seen += 1;
                        if let Some(kind) = self.title_kind(line, buf)
                            && seen <= kind.within
                        {
                            return Some(Title {
                                kind: kind.kind.clone(),
                                text: clean(line),
                                loc: Loc::Paragraph(p.n),
                            });
                        }
                        if seen >= self.max_within {
                            return None;
                        }
                    }
                }
                // Only a layout table above every paragraph can hold the title.
                Block::Table(t) if seen == 0 => {
                    if let Some(title) = self.title_in_table(t, buf) {
                        return Some(title);
                    }
                }
                Block::Table(_) | Block::PageBreak => {}
            }
        }
        None
    }

    fn title_in_table(&self, table: &Table, buf: &mut String) -> Option<Title> {
        for (r, row) in table.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                // Position among the cell's lines with words that are no
                // copy mark.
                let mut i = 0;
                for line in cell.text.split('\n') {
                    if !has_words(line) || self.copy_mark_in(line, buf).is_some() {
                        continue;
                    }
                    if let Some(kind) = self.title_kind(line, buf)
                        && i < kind.within
                    {
                        return Some(Title {
                            kind: kind.kind.clone(),
                            text: clean(line),
                            loc: cell_loc(table, r, c),
                        });
                    }
                    i += 1;
                }
            }
        }
        None
    }

    /// A line that is a copy mark: the vocabulary mark it starts with and
    /// the line from there (to be cleaned). Tab-separated columns are
    /// looked at one by one ("TRƯỜNG ...\t\tSAO Y BẢN CHÍNH").
    fn copy_mark_in<'l>(&self, line: &'l str, buf: &mut String) -> Option<(&'a str, &'l str)> {
        let mut rest = line;
        loop {
            if let Some(mark) = self.copy_mark_at_start(rest, buf) {
                return Some((mark, rest));
            }
            let (_, after) = rest.split_once('\t')?;
            rest = after;
        }
    }

    fn copy_mark_at_start(&self, text: &str, buf: &mut String) -> Option<&'a str> {
        // A mark is a short line of its own; "- Bản sao bằng tốt nghiệp"
        // in a list of attachments is not one.
        let first = text
            .trim_start()
            .chars()
            .next()
            .filter(|c| c.is_alphabetic())?;
        let initial = if first.is_ascii() {
            first.to_ascii_lowercase()
        } else {
            buf.clear();
            fold_words_into(first.encode_utf8(&mut [0; 4]), buf);
            buf.chars().next()?
        };
        if !self.mark_initials.contains(&initial)
            || text.split_whitespace().nth(MAX_MARK_WORDS).is_some()
        {
            return None;
        }
        // The mark from the fold's start (past the longest mark, the fold
        // tells nothing more); the words counted only for a line that has one.
        buf.clear();
        let whole = fold_words_at_most(text, buf, self.max_mark_len);
        let (_, mark) = self
            .copy_marks
            .iter()
            .find(|(m, _)| starts_with_words(buf, m))?;
        if !whole {
            buf.clear();
            fold_words_into(text, buf);
        }
        if buf.split(' ').nth(MAX_MARK_WORDS).is_some() {
            return None;
        }
        Some(mark)
    }

    /// The vocabulary field a label text names, after the decorations a
    /// label carries ("1.", "a)", trailing dots or colon, "(ghi rõ)").
    fn label_field(&self, text: &str, buf: &mut String) -> Option<&'a str> {
        let label = strip_label(text);
        if let Some(field) = self.label_named(label, buf) {
            return Some(field);
        }
        let (before, _) = label.rsplit_once('(')?;
        self.label_named(before, buf)
    }

    /// The field of the label that folds as `text` does.
    fn label_named(&self, text: &str, buf: &mut String) -> Option<&'a str> {
        if !self.may_start_label(text, buf) {
            return None;
        }
        // The fold's first letters, then (when a label starts so) the rest.
        buf.clear();
        if !fold_words_at_most(text, buf, PREFIX_LEN) {
            if !self.starts_some_label(buf) {
                return None;
            }
            buf.clear();
            if !fold_words_at_most(text, buf, self.max_label_len) {
                return None;
            }
        }
        self.label(buf)
    }

    /// Whether a label may start `text`, by its first character (which
    /// decides the fold's first letter, mostly).
    fn may_start_label(&self, text: &str, buf: &mut String) -> bool {
        let Some(first) = text.chars().next() else {
            return false;
        };
        if first.is_ascii_alphanumeric() {
            return self.label_initials.contains(&first.to_ascii_lowercase());
        }
        if !first.is_ascii() {
            buf.clear();
            fold_words_into(first.encode_utf8(&mut [0; 4]), buf);
            if let Some(initial) = buf.chars().next() {
                return self.label_initials.contains(&initial);
            }
        }
        true
    }

    /// Whether some folded label starts with `folded`.
    fn starts_some_label(&self, folded: &str) -> bool {
        let at = self.sorted_labels.partition_point(|l| l.as_str() < folded);
        self.sorted_labels
            .get(at)
            .is_some_and(|l| l.starts_with(folded))
    }

    /// The longest known label `text` starts with, as (its end in `text`,
    /// its number of words, its field).
    fn label_at_start(&self, text: &str, buf: &mut String) -> Option<(usize, usize, &'a str)> {
        if !self.may_start_label(text, buf) {
            return None;
        }
        buf.clear();
        let mut longest = None;
        let mut words = 0;
        for word in text.split(is_label_boundary).filter(|w| !w.is_empty()) {
            if !buf.is_empty() {
                buf.push(' ');
            }
            let folded_from = buf.len();
            fold_words_into(word, buf);
            if buf.len() == folded_from {
                // No letters ("-"): no label goes on past it.
                break;
            }
            words += 1;
            if words > MAX_LABEL_WORDS || buf.len() > self.max_label_len {
                break;
            }
            if !self.starts_some_label(buf) {
                break;
            }
            if let Some(field) = self.label(buf) {
                let end = word.as_ptr() as usize - text.as_ptr() as usize + word.len();
                longest = Some((end, words, field));
            }
        }
        longest
    }

    /// A known label inside the value `line[from..to]` of `field`, which
    /// ends the value there ("Tôi tên là: Mai Công Hải, sinh ngày
    /// 03/09/1980"): as `(label start, label end, field)`.
    ///
    /// Names, units and schools hold words that are also labels
    /// ("Trường", "Đơn vị 3", "Phòng Kinh tế, Khoa học và Công nghệ", "nơi
    /// học tập và công tác"), and a label with its colon is found anyway: so
    /// only a label of two words or more followed by a date ends a value
    /// here.
    fn label_in_value(
        &self,
        line: &str,
        from: usize,
        to: usize,
        field: &str,
        buf: &mut String,
    ) -> Option<(usize, usize, &'a str)> {
        let value = line.get(from..to)?;
        let mut words = value.split_whitespace();
        words.next()?;
        for word in words {
            let start = word.as_ptr() as usize - value.as_ptr() as usize;
            let rest = value.get(start..).unwrap_or("");
            let Some((end, label_words, found)) = self.label_at_start(rest, buf) else {
                continue;
            };
            let after = rest.get(end..).unwrap_or("");
            let dated = after
                .split_whitespace()
                .next()
                .is_some_and(|token| Date::parse(token).is_some());
            if found != field && label_words > 1 && dated {
                return Some((from + start, from + start + end, found));
            }
        }
        None
    }

    /// Whether `line` heads a block signed by someone other than the
    /// applicant ([`Vocabulary::confirmations`]).
    fn is_confirmation_heading(&self, line: &str, buf: &mut String) -> bool {
        let line = line.trim_start();
        // A heading over two columns ("XÁC NHẬN CỦA CHI BỘ\t\tNGƯỜI LÀM
        // ĐƠN") does not tell which column's date is whose.
        if self.confirmations.is_empty()
            || line
                .split_once('\t')
                .is_some_and(|(_, after)| has_words(after))
        {
            return false;
        }
        buf.clear();
        fold_words_at_most(line, buf, self.max_confirmation_len);
        self.confirmations.iter().any(|c| starts_with_words(buf, c))
    }

    /// The field of a folded label.
    fn label(&self, folded: &str) -> Option<&'a str> {
        if folded.len() > self.max_label_len {
            return None;
        }
        self.labels.get(folded).copied()
    }

    /// Every known label in the line, into `s.found` as `(label start,
    /// label end, value start, field)`.
    ///
    /// Labels end with a colon ("Ngày sinh: 05/03/1975\tDân tộc: Kinh" has
    /// two); a label is the longest run of at most eight words before a
    /// colon that the vocabulary knows. A line that starts with a known
    /// label may also separate it from its value with a tab, with leader
    /// dots, with bold type alone, or with nothing when a digit follows
    /// ("Sinh ngày 05/03/1975").
    fn fields_in_line(&self, line: &str, bold: Option<&str>, scan: LineScan, s: &mut Scratch<'a>) {
        s.found.clear();
        let mut from = 0;
        let colons = if scan.colon { line } else { "" };
        for (colon, _) in colons.match_indices(':') {
            if colon < from {
                continue;
            }
            if let Some((start, field)) = self.label_before(line, from, colon, s) {
                s.found.push((start, colon, colon + 1, field));
                from = colon + 1;
            }
        }
        // The start of the line may hold a label without a colon.
        let head_end = s.found.first().map_or(line.len(), |f| f.0);
        if let Some((label_end, value_start, field)) =
            self.label_without_colon(line.get(..head_end).unwrap_or(""), bold, scan, &mut s.fold)
        {
            s.found.insert(0, (0, label_end, value_start, field));
        }
        // A value may run into the next label without a colon.
        let mut i = 0;
        while let Some(&(_, _, value_start, field)) = s.found.get(i) {
            let value_end = s.found.get(i + 1).map_or(line.len(), |next| next.0);
            if let Some((start, end, next)) =
                self.label_in_value(line, value_start, value_end, field, &mut s.fold)
            {
                s.found.insert(i + 1, (start, end, end, next));
            }
            i += 1;
        }
    }

    /// Where the known label that ends at `colon` starts, searching word
    /// starts after `from`, longest label first. A trailing parenthesis
    /// ("Ngày sinh (ghi rõ):") is not part of the label.
    fn label_before(
        &self,
        line: &str,
        from: usize,
        colon: usize,
        s: &mut Scratch<'a>,
    ) -> Option<(usize, &'a str)> {
        let mut segment = line.get(from..colon)?;
        if segment.trim_end().ends_with(')')
            && let Some((before, _)) = segment.rsplit_once('(')
        {
            segment = before;
        }
        // The last words with a fold (a long sentence may end in a colon),
        // folded from the end: (start in the line, fold's range in `folds`).
        let (folds, last) = (&mut s.fold, &mut s.last_words);
        folds.clear();
        last.clear();
        for word in segment.rsplit(is_label_boundary) {
            if word.is_empty() {
                continue;
            }
            let at = folds.len();
            fold_words_into(word, folds);
            if folds.len() > at {
                let start = word.as_ptr() as usize - segment.as_ptr() as usize;
                last.push((from + start, at, folds.len()));
                if last.len() == MAX_LABEL_WORDS {
                    break;
                }
            }
        }
        // Joined in reading order, each word's start noted: a candidate
        // label (a join of the last few words) is a suffix of the join.
        let (joined, starts) = (&mut s.joined, &mut s.word_starts);
        joined.clear();
        starts.clear();
        for &(start, fold_start, fold_end) in last.iter().rev() {
            if !joined.is_empty() {
                joined.push(' ');
            }
            starts.push((start, joined.len()));
            joined.push_str(folds.get(fold_start..fold_end).unwrap_or(""));
        }
        // Longest first.
        for &(start, at) in starts.iter() {
            if let Some(field) = self.label(joined.get(at..).unwrap_or("")) {
                return Some((start, field));
            }
        }
        None
    }

    /// `(label end, value start, field)` for a line starting with a label
    /// that a tab, leader dots, bold type or a following digit separates
    /// from its value.
    /// `scan` is the whole line's, which `head` starts.
    fn label_without_colon(
        &self,
        head: &str,
        bold: Option<&str>,
        scan: LineScan,
        buf: &mut String,
    ) -> Option<(usize, usize, &'a str)> {
        if !has_words(head) {
            return None;
        }
        if let Some(tab) = scan.tab.filter(|&tab| tab < head.len()) {
            let field = self.label_field(&head[..tab], buf)?;
            return Some((tab, tab + 1, field));
        }
        if scan.leader_end.is_some_and(|end| end <= head.len())
            && let Some(m) = LEADER.find(head)
            && m.start() > 0
        {
            let field = self.label_field(&head[..m.start()], buf)?;
            return Some((m.start(), m.end(), field));
        }
        if let Some(bold) = bold {
            let bold = bold.trim_end();
            if head.starts_with(bold)
                && let Some(field) = self.label_field(bold, buf)
            {
                return Some((bold.len(), bold.len(), field));
            }
        }
        // "Họ và tên - Mai Công Hải": a dash between blanks before any digit.
        if let Some(dash) = separating_dash(head)
            && scan.digit.is_none_or(|digit| dash < digit)
            && let Some(field) = self.label_field(&head[..dash], buf)
        {
            return Some((dash, dash, field));
        }
        // "Sinh ngày 05/03/1975": the label is the words before the first digit.
        let digit = scan.digit.filter(|&digit| digit < head.len())?;
        let field = self.label_field(head.get(..digit)?, buf)?;
        Some((digit, digit, field))
    }

    /// The transcript column a header cell names: exactly, or by containing
    /// an alias as whole words ("Môn học / Chuyên đề", "Số tiết (tiết)").
    fn column_of(&self, header: &str, buf: &mut String) -> Option<&'a str> {
        buf.clear();
        fold_words_into(header, buf);
        let folded = buf.as_str();
        if folded.is_empty() || folded.split(' ').nth(8).is_some() {
            return None;
        }
        if let Some((_, field)) = self.columns.iter().find(|(a, _)| a == folded) {
            return Some(field);
        }
        self.columns
            .iter()
            .find(|(a, _)| holds_words(folded, a))
            .map(|(_, field)| *field)
    }
}

/// The distinct first letters of `folded`, sorted.
fn initials<'s>(folded: impl Iterator<Item = &'s String>) -> Vec<char> {
    let mut first: Vec<char> = folded.filter_map(|f| f.chars().next()).collect();
    first.sort_unstable();
    first.dedup();
    first
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

/// Bytes of a fold looked at first: most lines and cells are ruled out as
/// a label or title by their first word or two.
const PREFIX_LEN: usize = 4;

/// Words a label may have ("Trình độ lý luận chính trị hiện nay").
const MAX_LABEL_WORDS: usize = 8;

/// Words a copy-mark line may have ("SAO Y BẢN CHÍNH Số: 125/SY-UBND").
const MAX_MARK_WORDS: usize = 10;

/// One document being read with an [`Interpreter`].
struct Context<'i, 'a> {
    /// Shared by every source of the document.
    file: std::sync::Arc<str>,
    words: &'i Interpreter<'a>,
    scratch: Scratch<'a>,
    /// The part being read has a place-date line outside any confirmation
    /// block (dated or left blank).
    applicant_dated: bool,
    /// The first place-date line's date under a confirmation heading.
    confirmation_date: Option<Box<(Date, Source)>>,
}

/// Buffers reused from line to line: reading a line allocates only for
/// what the part keeps.
#[derive(Default)]
struct Scratch<'a> {
    /// A folded text.
    fold: String,
    /// A cleaned text, and another.
    clean: String,
    other: String,
    /// The last words before a colon: (start in the line, range of its
    /// fold in `fold`), from the end.
    last_words: Vec<(usize, usize, usize)>,
    /// Their folds joined by spaces, and where each starts: (in the line,
    /// in `joined`).
    joined: String,
    word_starts: Vec<(usize, usize)>,
    /// The labels of a line: (label start, label end, value start, field).
    found: Vec<(usize, usize, usize, &'a str)>,
    /// The field each cell of a table row names as a label.
    cell_fields: Vec<Option<&'a str>>,
}

impl<'i, 'a> Context<'i, 'a> {
    fn split_parts(&mut self, doc: &Document) -> Vec<DocPart> {
        let words = self.words;
        let mut parts: Vec<(Option<Title>, Vec<&Block>)> = Vec::new();
        for segment in doc.blocks.split(|b| matches!(b, Block::PageBreak)) {
            let title = words.find_title(segment, &mut self.scratch.fold);
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
        source(&self.file, loc)
    }

    fn read_part(&mut self, title: Option<Title>, blocks: &[&Block]) -> DocPart {
        let mut part = DocPart {
            file: self.file.clone(),
            kind: title.as_ref().map(|t| t.kind.clone()),
            title: title.map(|t| Box::new((t.text, self.source(t.loc)))),
            fields: LiteMap::new(),
            signed: None,
            subjects: Vec::new(),
            copy_mark: None,
            text_len: 0,
            unread_table: None,
        };
        // In the flow of text a confirmation block ends with its date.
        let mut confirming = Confirming {
            active: false,
            ends_at_date: true,
        };
        // The transcript table the next table may continue: only blank
        // paragraphs (a page break) may lie between.
        let mut transcript: Option<Layout> = None;
        let mut unread_table = None;
        for block in blocks {
            match block {
                Block::Paragraph(p) => {
                    if has_words(&p.text) {
                        transcript = None;
                    }
                    self.read_paragraph(p, &mut part, &mut confirming);
                }
                Block::Table(t) => {
                    transcript = self.read_transcript(t, transcript.as_ref(), &mut part);
                    if transcript.is_none() && unread_table.is_none() && holds_marks(t) {
                        unread_table = Some(Box::new(self.source(cell_loc(t, 0, 0))));
                    }
                    self.read_table(t, &mut part);
                }
                Block::PageBreak => {}
            }
        }
        if part.subjects.is_empty() {
            part.unread_table = unread_table;
        }
        // Every place-date line lay under a confirmation heading: the
        // heading may have had no date of its own, the applicant's line
        // below it. Taken rather than lost, so that a late form is still
        // seen late.
        let confirmation_date = self.confirmation_date.take();
        if !std::mem::take(&mut self.applicant_dated) {
            part.signed = confirmation_date;
        }
        part
    }

    fn read_paragraph(&mut self, p: &Paragraph, part: &mut DocPart, confirming: &mut Confirming) {
        let loc = Loc::Paragraph(p.n);
        for (i, line) in p.text.split('\n').enumerate() {
            let bold = if i == 0 {
                p.bold_prefix.as_deref()
            } else {
                None
            };
            self.read_line(line, bold, loc, part, confirming);
        }
    }

    /// Fields, copy mark and place-date line of one line of text.
    fn read_line(
        &mut self,
        line: &str,
        bold: Option<&str>,
        loc: Loc,
        part: &mut DocPart,
        confirming: &mut Confirming,
    ) {
        part.text_len += count_text(line);
        if !has_words(line) {
            return;
        }
        let words = self.words;
        let scan = LineScan::of(line);
        if part.copy_mark.is_none()
            && let Some((mark, text)) = match scan.tab {
                Some(_) => words.copy_mark_in(line, &mut self.scratch.fold),
                None => words
                    .copy_mark_at_start(line, &mut self.scratch.fold)
                    .map(|mark| (mark, line)),
            }
        {
            part.copy_mark = Some(Box::new(Field {
                label: mark.to_string(),
                text: clean(text),
                source: self.source(loc),
            }));
        }
        words.fields_in_line(line, bold, scan, &mut self.scratch);
        if self.scratch.found.is_empty() {
            match scan
                .comma
                .then(|| place_date(line, &mut self.scratch.other))
                .flatten()
            {
                // The confirming body's date, not the applicant's.
                Some(signed) if confirming.active => {
                    confirming.active = !confirming.ends_at_date;
                    if self.confirmation_date.is_none() {
                        self.confirmation_date = signed.map(|d| Box::new((d, self.source(loc))));
                    }
                }
                Some(signed) => {
                    self.applicant_dated = true;
                    part.signed = signed.map(|d| Box::new((d, self.source(loc))));
                }
                None => {
                    if words.is_confirmation_heading(line, &mut self.scratch.fold) {
                        confirming.active = true;
                    }
                }
            }
        }
        for i in 0..self.scratch.found.len() {
            let Some(&(start, end, value_start, field)) = self.scratch.found.get(i) else {
                break;
            };
            let value_end = self
                .scratch
                .found
                .get(i + 1)
                .map_or(line.len(), |next| next.0);
            insert_field(
                part,
                field,
                || clean(strip_label(line.get(start..end).unwrap_or(""))),
                line.get(value_start..value_end).unwrap_or(""),
                || self.source(loc),
            );
        }
    }

    fn read_table(&mut self, table: &Table, part: &mut DocPart) {
        let words = self.words;
        let mut fields = std::mem::take(&mut self.scratch.cell_fields);
        // Grid columns under a confirmation heading (the left cell of a
        // signature table): every date below it is the confirming body's.
        let mut confirmed_columns: Vec<u32> = Vec::new();
        for (r, row) in table.rows.iter().enumerate() {
            // Each cell's label field, found once.
            fields.clear();
            fields.extend(
                row.iter()
                    .map(|cell| words.label_field(&cell.text, &mut self.scratch.fold)),
            );
            let mut c = 0;
            let mut grid = 0u32;
            while c < row.len() {
                let Some(cell) = row.get(c) else { break };
                let loc = cell_loc(table, r, c);
                // Label cell | value cell; two labels side by side are the
                // header row of a list ("Họ và tên | Ngày sinh | Đơn vị").
                if let Some(field) = fields.get(c).copied().flatten()
                    && let Some(value_cell) = row.get(c + 1)
                    && fields.get(c + 1).is_some_and(Option::is_none)
                {
                    part.text_len += count_text(&cell.text) + count_text(&value_cell.text);
                    insert_field(
                        part,
                        field,
                        || clean(strip_label(&cell.text)),
                        &value_cell.text,
                        || self.source(cell_loc(table, r, c + 1)),
                    );
                    grid = grid
                        .saturating_add(cell.span.max(1))
                        .saturating_add(value_cell.span.max(1));
                    c += 2;
                    continue;
                }
                let mut confirming = Confirming {
                    active: confirmed_columns.contains(&grid),
                    ends_at_date: false,
                };
                for line in cell.text.split('\n') {
                    self.read_line(line, None, loc, part, &mut confirming);
                }
                if confirming.active && !confirmed_columns.contains(&grid) {
                    confirmed_columns.push(grid);
                }
                grid = grid.saturating_add(cell.span.max(1));
                c += 1;
            }
        }
        self.scratch.cell_fields = fields;
    }

    /// Reads `table` as a transcript table, if it is one: its own header
    /// row names the columns, or it continues `previous` (a table split
    /// at a page break, as PDF-to-Word conversions leave it). The layout
    /// the next table may continue.
    fn read_transcript(
        &mut self,
        table: &Table,
        previous: Option<&Layout>,
        part: &mut DocPart,
    ) -> Option<Layout> {
        if let Some(mut layout) = self.transcript_header(table) {
            layout.last_number = self.read_subjects(table, &layout, layout.header_end + 1, part);
            return Some(layout);
        }
        let layout = previous?;
        if grid_width(table) != layout.width || !self.continues(table, layout) {
            return None;
        }
        let mut next = layout.clone();
        next.last_number = self.read_subjects(table, layout, 0, part);
        Some(next)
    }

    /// The columns of a transcript table: a header row (within the first
    /// three rows, above every row of data) naming at least the subject
    /// and periods columns. A title row (one cell of text across the
    /// table) names none. Under a periods cell spanning sub-columns
    /// ("Số tiết" over "Lý thuyết | Thực hành"), the periods are the
    /// sub-column that is a total, or else the sum of them all.
    fn transcript_header(&mut self, table: &Table) -> Option<Layout> {
        let words = self.words;
        let s = &mut self.scratch;
        // Field -> (grid column, span, row).
        let mut columns: BTreeMap<&str, (u32, u32, usize)> = BTreeMap::new();
        let mut header_end = None;
        for (r, row) in table.rows.iter().enumerate().take(3) {
            // A data row ends the header: a subject named "Chuyên đề 1:
            // ..." is no column header.
            if is_data_row(row, &mut s.other) {
                break;
            }
            if row.iter().filter(|c| has_words(&c.text)).count() < 2 {
                continue;
            }
            let mut grid = 0u32;
            for cell in row {
                let span = cell.span.max(1);
                if let Some(field) = words.column_of(&cell.text, &mut s.fold)
                    && !columns.contains_key(field)
                {
                    columns.insert(field, (grid, span, r));
                    header_end = Some(r);
                }
                grid = grid.saturating_add(span);
            }
            if columns.contains_key("subject") && columns.contains_key("periods") {
                break;
            }
        }
        let (Some(mut header_end), Some(&(subject, ..)), Some(&(periods, span, periods_row))) =
            (header_end, columns.get("subject"), columns.get("periods"))
        else {
            return None;
        };
        let mut periods = vec![periods];
        if span > 1
            && let Some(sub_row) = table.rows.get(periods_row + 1)
            && let Some(sub) = sub_columns(sub_row, periods[0], span, &mut s.fold)
        {
            periods = sub;
            header_end = header_end.max(periods_row + 1);
        }
        Some(Layout {
            header_end,
            subject,
            periods,
            score: columns.get("score").map(|&(grid, ..)| grid),
            width: grid_width(table),
            last_number: None,
        })
    }

    /// Whether every row of `table` with text is a subject row or a total
    /// row of `layout`, and one at least a subject row; and, when the rows
    /// read so far were numbered, whether its first subject row goes on
    /// with their numbering (a grading scale or a summary table after the
    /// transcript, shaped like subject rows, starts again at 1 or has
    /// none).
    fn continues(&mut self, table: &Table, layout: &Layout) -> bool {
        let s = &mut self.scratch;
        let mut subjects = 0;
        for row in &table.rows {
            if !row.iter().any(|c| has_words(&c.text)) {
                continue;
            }
            let name = cell_at(row, layout.subject).map_or("", |(_, c)| c.text.as_str());
            if is_total(name, &mut s.fold)
                || row
                    .first()
                    .is_some_and(|first| is_total(&first.text, &mut s.fold))
            {
                continue;
            }
            if !name.chars().any(char::is_alphabetic)
                || periods_of(row, &layout.periods, &mut s.other).is_none()
            {
                return false;
            }
            if subjects == 0
                && let Some(last) = layout.last_number
                && row_number(row, layout.subject) != Some(last + 1)
            {
                return false;
            }
            subjects += 1;
        }
        subjects > 0
    }

    /// The subject rows of `table` from row `from` (a total row is not a
    /// subject), and the number of the last one, if numbered.
    fn read_subjects(
        &mut self,
        table: &Table,
        layout: &Layout,
        from: usize,
        part: &mut DocPart,
    ) -> Option<u64> {
        let s = &mut self.scratch;
        let mut last_number = None;
        for (r, row) in table.rows.iter().enumerate().skip(from) {
            let Some((c, subject_cell)) = cell_at(row, layout.subject) else {
                continue;
            };
            s.clean.clear();
            clean_into(&subject_cell.text, &mut s.clean);
            let name = s.clean.as_str();
            // Column-number rows ("(2)") and empty rows are not subjects.
            if !name.chars().any(char::is_alphabetic)
                || subject_cell.v_merged
                || is_total(name, &mut s.fold)
            {
                continue;
            }
            // A total row often writes "Tổng cộng" across TT and subject;
            // then the subject column's cell is that one and was skipped.
            if let Some(first) = row.first() {
                s.other.clear();
                clean_into(&first.text, &mut s.other);
                if is_total(&s.other, &mut s.fold) {
                    continue;
                }
            }
            let periods = periods_of(row, &layout.periods, &mut s.other);
            let score = layout
                .score
                .and_then(|col| cell_at(row, col))
                .map(|(_, c)| clean(&c.text))
                .filter(|s| !s.is_empty());
            part.subjects.push(Subject {
                name: name.to_string(),
                periods,
                score,
                source: source(&self.file, cell_loc(table, r, c)),
            });
            last_number = row_number(row, layout.subject);
        }
        last_number
    }
}

/// The number in the first cell of a subject row ("5", "5."), when that
/// cell lies left of the subject's: the numbering column.
fn row_number(row: &[TableCell], subject: u32) -> Option<u64> {
    let first = row.first().filter(|_| subject > 0)?;
    first.text.trim().trim_end_matches('.').parse().ok()
}

/// Where the lines being read stand toward a confirmation block.
struct Confirming {
    /// Under a confirmation heading: a place-date line is not the
    /// applicant's.
    active: bool,
    /// Whether the block ends with its place-date line (in the flow of
    /// text) rather than with its table column.
    ends_at_date: bool,
}

/// Where a transcript table's columns are, in grid columns.
#[derive(Clone, Debug)]
struct Layout {
    /// The last header row.
    header_end: usize,
    subject: u32,
    /// One column, or sub-columns whose numbers add up.
    periods: Vec<u32>,
    score: Option<u32>,
    /// Grid columns of the table: a continuation has as many.
    width: u32,
    /// The number of the last subject row read, when numbered: a
    /// continuation's first row goes on from it.
    last_number: Option<u64>,
}

/// The grid columns under a periods header spanning `span` columns from
/// `first`, from the row below it: the one that is a total ("Tổng",
/// "Tổng số"), else all of those with a heading. `None` when the row
/// below heads none of them.
fn sub_columns(row: &[TableCell], first: u32, span: u32, buf: &mut String) -> Option<Vec<u32>> {
    let mut sub = Vec::new();
    let mut grid = 0u32;
    for cell in row {
        let at = grid;
        grid = grid.saturating_add(cell.span.max(1));
        if at < first || at >= first.saturating_add(span) || !has_words(&cell.text) {
            continue;
        }
        if is_total(&cell.text, buf) {
            return Some(vec![at]);
        }
        sub.push(at);
    }
    (!sub.is_empty()).then_some(sub)
}

/// The periods of a row: the number in each of `columns` (a cell spanning
/// several counted once), added up; `None` when none holds a number.
fn periods_of(row: &[TableCell], columns: &[u32], buf: &mut String) -> Option<f64> {
    let mut total: Option<f64> = None;
    let mut last_cell = None;
    for &col in columns {
        let Some((i, cell)) = cell_at(row, col) else {
            continue;
        };
        if last_cell == Some(i) {
            continue;
        }
        last_cell = Some(i);
        if let Some(n) = parse_number(&cell.text, buf) {
            total = Some(total.unwrap_or(0.0) + n);
        }
    }
    total
}

/// Grid columns of the widest row.
fn grid_width(table: &Table) -> u32 {
    table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .fold(0u32, |w, c| w.saturating_add(c.span.max(1)))
        })
        .max()
        .unwrap_or(0)
}

/// A number standing alone in a cell ("1", "40", "8,5"), as a row of data
/// has and a header row has not.
fn is_bare_number(text: &str, buf: &mut String) -> bool {
    buf.clear();
    clean_into(text, buf);
    buf.chars().any(|c| c.is_ascii_digit())
        && buf
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.'))
}

fn is_data_row(row: &[TableCell], buf: &mut String) -> bool {
    row.iter().any(|c| is_bare_number(&c.text, buf))
}

/// A table of numbers, as a marks table is: two rows at least that hold
/// two numbers standing alone each (a row number, periods, a mark).
fn holds_marks(table: &Table) -> bool {
    let mut buf = String::new();
    table
        .rows
        .iter()
        .filter(|row| {
            row.iter()
                .filter(|c| is_bare_number(&c.text, &mut buf))
                .nth(1)
                .is_some()
        })
        .nth(1)
        .is_some()
}

/// Puts a field into the part, unless the part has it already with a value
/// (a later non-empty value replaces an empty one). The label and the value
/// (cleaned, leader dots removed) are made only when they are kept.
fn insert_field(
    part: &mut DocPart,
    field: &str,
    label: impl FnOnce() -> String,
    value: &str,
    source: impl FnOnce() -> Source,
) {
    let existing = part.fields.get(field);
    if existing.is_some_and(|f| !f.text.is_empty()) {
        return;
    }
    let text = clean_value(value);
    if existing.is_some() && text.is_empty() {
        return;
    }
    part.fields.insert(
        field.to_string(),
        Field {
            label: label(),
            text,
            source: source(),
        },
    );
}

fn source(file: &std::sync::Arc<str>, loc: Loc) -> Source {
    match loc {
        Loc::Paragraph(n) => Source::paragraph(file.clone(), n),
        Loc::Cell { table, row, cell } => Source::table_cell(file.clone(), table, row, cell),
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

/// `haystack` holds `needle` as whole words (both folded: words parted by
/// one space), as `" {haystack} ".contains(" {needle} ")` would say.
fn holds_words(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    // Every word start of the haystack.
    let mut i = 0;
    loop {
        let rest = h.get(i..).unwrap_or_default();
        if rest.starts_with(n) && rest.get(n.len()).is_none_or(|&b| b == b' ') {
            return true;
        }
        match rest.iter().position(|&b| b == b' ') {
            Some(space) => i += space + 1,
            None => return false,
        }
    }
}

/// A total row's first words ("Tổng cộng", "Cộng", "Tổng"); `buf` gets the
/// text folded.
fn is_total(text: &str, buf: &mut String) -> bool {
    buf.clear();
    // Past "tong cong", the fold tells nothing more.
    fold_words_at_most(text, buf, "tong cong".len());
    let folded = buf.as_str();
    folded == "cong"
        || folded == "tong"
        || starts_with_words(folded, "tong cong")
        || starts_with_words(folded, "tong so")
}

/// "40", "22,5", "22.5 tiết" -> the number; anything else -> None. `buf`
/// gets the text cleaned.
fn parse_number(text: &str, buf: &mut String) -> Option<f64> {
    buf.clear();
    clean_into(text, buf);
    let t = buf.as_str();
    let start = t.find(|c: char| c.is_ascii_digit())?;
    if !t[..start].trim().is_empty() {
        return None;
    }
    let rest = &t[start..];
    let len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .unwrap_or(rest.len());
    let digits = &rest[..len];
    if digits.contains(',') {
        digits.replace(',', ".").trim_end_matches('.').parse().ok()
    } else {
        digits.trim_end_matches('.').parse().ok()
    }
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

/// Characters of `s` that are not whitespace. Counted on bytes (the bytes
/// that start a character, less ASCII whitespace), a block at a time so
/// that the compiler can count many bytes per instruction; characters are
/// decoded only when a byte of whitespace beyond ASCII is there (U+0085,
/// U+00A0: C2; U+1680: E1 9A 80; U+2000..U+205F: E2; U+3000: E3).
fn count_text(s: &str) -> usize {
    let mut n = 0usize;
    let mut wide_space = false;
    for block in s.as_bytes().chunks(128) {
        let mut counted = 0u8;
        let mut wide = 0u8;
        for &b in block {
            let starts_char = (b as i8) >= -0x40;
            let ascii_space = (b == b' ') | (b.wrapping_sub(b'\t') < 5);
            counted += u8::from(starts_char & !ascii_space);
            wide |= u8::from((b == 0xC2) | (b == 0x9A) | (b == 0xE2) | (b == 0xE3));
        }
        n += usize::from(counted);
        wide_space |= wide != 0;
    }
    if wide_space {
        n -= s
            .chars()
            .filter(|c| !c.is_ascii() && c.is_whitespace())
            .count();
    }
    n
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

/// Whether [`NUMBERING`] may match `t` (trimmed): only when it starts with
/// a character the numbering can start with, and a number or letter needs
/// its "." or ")". Labels and numbers in cells rarely pass, so the regex
/// rarely runs.
fn may_be_numbered(t: &str) -> bool {
    t.chars().next().is_some_and(|c| {
        matches!(c, '-' | '+' | '•' | '*' | '–' | '—')
            || ((matches!(c, '(' | 'a'..='z' | 'đ' | 'I' | 'V' | 'X') || c.is_numeric())
                && t.bytes().any(|b| b == b'.' || b == b')'))
    })
}

/// What one pass over a line's bytes tells, so that the searches a line
/// goes through are each a comparison.
#[derive(Clone, Copy, Debug, Default)]
struct LineScan {
    /// The first tab.
    tab: Option<usize>,
    colon: bool,
    comma: bool,
    /// Where the first "..", "__" or "…" ends: [`LEADER`] can match only
    /// in text that holds one.
    leader_end: Option<usize>,
    /// The first ASCII digit.
    digit: Option<usize>,
}

impl LineScan {
    fn of(line: &str) -> LineScan {
        let bytes = line.as_bytes();
        let mut scan = LineScan::default();
        // Most blocks of text hold none of these bytes: a block is tested
        // at once (many bytes per instruction), and gone through byte by
        // byte only when it holds one.
        let mut blocks = bytes.chunks_exact(16);
        for (n, block) in (&mut blocks).enumerate() {
            if let Ok(block) = <&[u8; 16]>::try_from(block)
                && block
                    .iter()
                    .fold(0u8, |any, &b| any | u8::from(may_matter(b)))
                    == 0
            {
                continue;
            }
            scan.look_at(bytes, n * 16..n * 16 + 16);
        }
        let rest = blocks.remainder().len();
        scan.look_at(bytes, bytes.len() - rest..bytes.len());
        scan
    }

    fn look_at(&mut self, bytes: &[u8], range: std::ops::Range<usize>) {
        for i in range {
            let Some(&b) = bytes.get(i) else { break };
            let before = |k: usize| i.checked_sub(k).and_then(|at| bytes.get(at)).copied();
            match b {
                b'\t' if self.tab.is_none() => self.tab = Some(i),
                b':' => self.colon = true,
                b',' => self.comma = true,
                b'.' | b'_' if self.leader_end.is_none() && before(1) == Some(b) => {
                    self.leader_end = Some(i + 1);
                }
                // The last byte of "…" (E2 80 A6).
                0xA6 if self.leader_end.is_none()
                    && before(1) == Some(0x80)
                    && before(2) == Some(0xE2) =>
                {
                    self.leader_end = Some(i + 1);
                }
                b'0'..=b'9' if self.digit.is_none() => self.digit = Some(i),
                _ => {}
            }
        }
    }
}

/// A byte [`LineScan`] looks at.
fn may_matter(b: u8) -> bool {
    (b == b'\t')
        | (b == b':')
        | (b == b',')
        | (b == b'.')
        | (b == b'_')
        | (b == 0xA6)
        | b.is_ascii_digit()
}

/// A label without its numbering ("1.", "a)", "-") and trailing colon,
/// leader dots and blanks.
fn strip_label(text: &str) -> &str {
    let t = text.trim();
    let t = if may_be_numbered(t) {
        NUMBERING.find(t).map_or(t, |m| &t[m.end()..])
    } else {
        t
    };
    t.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '.' | '…' | '_'))
}

/// Where the first dash with blanks on both sides (" - ", " – ") starts:
/// what separates a label from its value when there is no colon.
fn separating_dash(text: &str) -> Option<usize> {
    let at = text.find(is_dash)?;
    let before = text[..at].chars().next_back();
    let after = text[at..].chars().nth(1);
    (before.is_some_and(char::is_whitespace) && after.is_some_and(char::is_whitespace))
        .then_some(at)
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—')
}

/// A value without leader dots, blanks and list punctuation around it, nor
/// a dash that separated it from its label ("Họ và tên - Mai Công Hải"),
/// cleaned.
fn clean_value(text: &str) -> String {
    let t =
        text.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '…' | '_' | ':'));
    let t = match t.strip_prefix(is_dash) {
        Some(rest) if rest.starts_with(char::is_whitespace) && has_words(rest) => rest,
        _ => t,
    };
    let t = t.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '.' | '…' | '_' | ':' | ';' | ',')
    });
    // A dash left before a label cut off ("Mai Công Hải - Ngày sinh ...").
    let t = match t.strip_suffix(is_dash) {
        Some(rest) if rest.ends_with(char::is_whitespace) && has_words(rest) => rest.trim_end(),
        _ => t,
    };
    clean(t)
}

/// Longest place name before ", ngày" ("Thành phố Buôn Ma Thuột").
const MAX_PLACE_CHARS: usize = 60;

/// The date of a place-date line ("Kon Rẫy, ngày 05 tháng 3 năm 2021"),
/// looked for in each tab-separated column: `Some(None)` for such a line
/// with its date left blank.
fn place_date(line: &str, buf: &mut String) -> Option<Option<Date>> {
    for column in line.split('\t') {
        // Most lines have no comma: no cleaning, no lower-casing for them.
        let Some((place, rest)) = column.split_once(',') else {
            continue;
        };
        let place = place.trim();
        let plausible_place = place.starts_with(char::is_alphabetic)
            && !place.contains(':')
            && place.chars().nth(MAX_PLACE_CHARS).is_none();
        if !plausible_place || !may_start_with_ngay(rest) {
            continue;
        }
        // Cleaned, then lower-cased only when it starts with "ngày" (a
        // character's lower case is the same alone as in the text, but
        // for a final sigma, which is no letter of "ngày").
        buf.clear();
        clean_into(rest, buf);
        let mut lower = buf.chars().flat_map(char::to_lowercase);
        if !"ngày".chars().all(|c| lower.next() == Some(c)) {
            continue;
        }
        let rest = buf.to_lowercase();
        let Some(after) = rest.strip_prefix("ngày") else {
            continue;
        };
        if after.starts_with(char::is_alphabetic) {
            continue;
        }
        let date = match written_date(after) {
            Some(date) => Some(date),
            None => Date::find_all(&rest).into_iter().next(),
        };
        let has_month_year = after
            .find("tháng")
            .is_some_and(|m| after[m..].contains("năm"));
        if date.is_some() || has_month_year {
            return Some(date);
        }
    }
    None
}

/// The date of "ngày 05 tháng 3 năm 2021" as written by most (`after` is
/// what follows "ngày", cleaned and lower-cased), when it is a date:
/// [`Date::find_all`] would find it first (its pattern matches from
/// "ngày", nothing before) and read the same numbers. `None` for any other
/// form (other spacing or digits, or no such date), left to
/// [`Date::find_all`]: this only spares the regexes their cost.
fn written_date(after: &str) -> Option<Date> {
    fn number(text: &str, max: usize) -> Option<(u32, &str)> {
        let text = text.strip_prefix(' ').unwrap_or(text);
        let len = text.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 || len > max {
            return None;
        }
        Some((text[..len].parse().ok()?, &text[len..]))
    }
    fn word<'t>(text: &'t str, word: &str) -> Option<&'t str> {
        text.strip_prefix(' ').unwrap_or(text).strip_prefix(word)
    }
    let (day, rest) = number(after, 2)?;
    let (month, rest) = number(word(rest, "tháng")?, 2)?;
    let rest = word(rest, "năm")?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let year = rest
        .get(..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?;
    Date::ymd(year.parse().ok()?, month, day)
}

/// Whether `clean(rest).to_lowercase()` may start with "ngày": not when
/// the first character `clean` keeps is ASCII other than `n` or `N` (NFC
/// can only add accents to it, and lower-casing keeps its letter).
fn may_start_with_ngay(rest: &str) -> bool {
    let first = rest.chars().find(|&c| {
        !(c.is_whitespace() || c.is_control() || matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}'))
    });
    match first {
        None => false,
        Some(c) if c.is_ascii() => c == 'n' || c == 'N',
        Some(_) => true,
    }
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

    fn place_date_of(line: &str) -> Option<Option<Date>> {
        place_date(line, &mut String::new())
    }

    #[test]
    fn place_date_lines() {
        assert_eq!(
            place_date_of("Kon Rẫy, ngày 05 tháng 3 năm 2021"),
            Some(Date::ymd(2021, 3, 5))
        );
        assert_eq!(
            place_date_of("Số: 12/TB\t\tTP. Kon Tum, ngày 5/3/2021"),
            Some(Date::ymd(2021, 3, 5))
        );
        assert_eq!(
            place_date_of("Đăk Ruồng, ngày ..... tháng ..... năm 2021"),
            Some(None)
        );
        assert_eq!(place_date_of("Sinh ngày 05 tháng 3 năm 1975"), None);
        assert_eq!(place_date_of("Ngày sinh: 05/03/1975, ngày vào Đảng"), None);
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
    fn a_value_ends_where_another_label_starts() {
        let parts = split_parts(
            &doc(&[
                "ĐƠN ĐỀ NGHỊ",
                "Tôi tên là: Lê Văn Ba, sinh ngày 03/09/1980",
                "Giới tính: Nam, dân tộc: Kinh",
                "Đơn vị công tác: Trường 2 xã A",
                "Chức vụ: Chỉ huy trưởng Đơn vị 3",
                "Cơ sở đào tạo: Trường Đại học Huế, Đơn vị tổ chức: Trường Chính trị tỉnh",
                "Trình độ học vấn: 12/12  Ngày vào Đảng 24/05/2011",
            ]),
            &vocab(),
        );
        let p = &parts[0];
        assert_eq!(field(p, "name"), "Lê Văn Ba");
        assert_eq!(field(p, "birth_date"), "03/09/1980");
        assert_eq!(field(p, "sex"), "Nam");
        assert_eq!(field(p, "ethnicity"), "Kinh");
        // Label words inside a value, followed by no date: part of it.
        assert_eq!(field(p, "unit"), "Trường 2 xã A");
        assert_eq!(field(p, "position"), "Chỉ huy trưởng Đơn vị 3");
        assert_eq!(
            field(p, "institution"),
            "Trường Đại học Huế, Đơn vị tổ chức: Trường Chính trị tỉnh"
        );
        assert_eq!(field(p, "education"), "12/12");
        assert_eq!(field(p, "party_date"), "24/05/2011");
    }

    #[test]
    fn label_words_inside_a_value_without_a_date_stay_in_it() {
        let parts = split_parts(
            &doc(&[
                "ĐƠN ĐỀ NGHỊ",
                "Họ và tên: Lê Văn Ba - Ngày sinh 03/09/1980",
                "Đơn vị công tác: Phòng Kinh tế, Khoa học và Công nghệ",
                "Chức vụ: Trưởng thôn, đơn vị Thôn 3",
                "Cơ sở đào tạo: Thôn 3, xã Tân Lập, nơi học tập và công tác, Khóa học 2005-2009",
            ]),
            &vocab(),
        );
        let p = &parts[0];
        assert_eq!(field(p, "name"), "Lê Văn Ba");
        assert_eq!(field(p, "birth_date"), "03/09/1980");
        assert_eq!(field(p, "unit"), "Phòng Kinh tế, Khoa học và Công nghệ");
        assert_eq!(field(p, "position"), "Trưởng thôn, đơn vị Thôn 3");
        assert_eq!(
            field(p, "institution"),
            "Thôn 3, xã Tân Lập, nơi học tập và công tác, Khóa học 2005-2009"
        );
        assert!(p.fields.get("course").is_none(), "{:?}", p.fields);
    }

    #[test]
    fn a_dash_between_blanks_parts_a_label_from_its_value() {
        let parts = split_parts(
            &doc(&[
                "ĐƠN ĐỀ NGHỊ",
                "Họ và tên – Lê Văn Ba",
                "**Dân tộc** - Kinh",
                "Ngày vào Đảng: -",
                "Độc lập - Tự do - Hạnh phúc",
            ]),
            &vocab(),
        );
        let p = &parts[0];
        assert_eq!(field(p, "name"), "Lê Văn Ba");
        assert_eq!(field(p, "ethnicity"), "Kinh");
        // A dash alone is what was written, not a separator.
        assert_eq!(field(p, "party_date"), "-");
    }

    #[test]
    fn a_confirmation_block_does_not_date_the_form() {
        let signed = |lines: &[&str]| {
            split_parts(&doc(lines), &vocab())[0]
                .signed
                .as_deref()
                .map(|(date, source)| (*date, source.to_string()))
        };
        // In the flow of text, the first date after the heading is the
        // block's, before or after the applicant's.
        assert_eq!(
            signed(&[
                "ĐƠN ĐỀ NGHỊ",
                "Ý KIẾN CỦA CHI BỘ",
                "A, ngày 12 tháng 7 năm 2021",
                "A, ngày 05 tháng 7 năm 2021",
                "NGƯỜI LÀM ĐƠN",
            ]),
            Some((Date::ymd(2021, 7, 5).unwrap(), "d.docx#p4".to_string()))
        );
        // In a signature table, the confirmation's column, whichever side.
        assert_eq!(
            signed(&[
                "ĐƠN ĐỀ NGHỊ",
                "NGƯỜI LÀM ĐƠN|XÁC NHẬN CỦA UBND XÃ",
                "+A, ngày 05 tháng 7 năm 2021|A, ngày 12 tháng 7 năm 2021",
            ]),
            Some((
                Date::ymd(2021, 7, 5).unwrap(),
                "d.docx#t1.r2.c1".to_string()
            ))
        );
        // A heading over both columns tells neither.
        assert_eq!(
            signed(&[
                "ĐƠN ĐỀ NGHỊ",
                "XÁC NHẬN CỦA CHI BỘ\t\tNGƯỜI LÀM ĐƠN",
                "\t\tA, ngày 05 tháng 7 năm 2021",
            ]),
            Some((Date::ymd(2021, 7, 5).unwrap(), "d.docx#p3".to_string()))
        );
        // An undated confirmation above the applicant's only date line: that
        // date is not lost (a late form is still seen late).
        assert_eq!(
            signed(&[
                "ĐƠN ĐỀ NGHỊ",
                "XÁC NHẬN CỦA CHI BỘ",
                "(Ký tên, đóng dấu)",
                "Tân Lập, ngày 12 tháng 7 năm 2021",
                "NGƯỜI LÀM ĐƠN",
            ]),
            Some((Date::ymd(2021, 7, 12).unwrap(), "d.docx#p4".to_string()))
        );
    }

    #[test]
    fn a_data_row_is_never_a_header() {
        // "Tên bài" names no column: the first subject, "Chuyên đề 1",
        // would have named the subject column and been lost.
        let parts = split_parts(
            &doc(&[
                "BẢNG ĐIỂM",
                "TT|Tên bài|Số tiết|Điểm",
                "+1|Chuyên đề 1: Triết học|40|8",
                "+2|Chuyên đề 2: Tư tưởng Hồ Chí Minh|30|7",
            ]),
            &vocab(),
        );
        assert!(parts[0].subjects.is_empty(), "{:?}", parts[0].subjects);
        assert_eq!(
            parts[0].unread_table.as_deref(),
            Some(&Source::table_cell("d.docx", 1, 1, 1))
        );
    }

    #[test]
    fn a_headerless_table_continues_the_transcript_only_when_shaped_alike() {
        let read = |lines: &[&str]| {
            split_parts(&doc(lines), &vocab())[0]
                .subjects
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
        };
        let head = ["BẢNG ĐIỂM", "TT|Môn học|Số tiết|Điểm", "+1|Triết học|40|8"];
        let continued = [&head[..], &["", "2|Dân vận|12|7", "+|Tổng cộng|52|"]].concat();
        assert_eq!(read(&continued), ["Triết học", "Dân vận"]);
        // Text between, another width, or rows of another shape: not it.
        let after_text = [&head[..], &["Ghi chú:", "2|Dân vận|12|7"]].concat();
        assert_eq!(read(&after_text), ["Triết học"]);
        let narrower = [&head[..], &["2|Dân vận|12"]].concat();
        assert_eq!(read(&narrower), ["Triết học"]);
        let signatures = [&head[..], &["NGƯỜI LẬP|Kế toán|HIỆU TRƯỞNG|"]].concat();
        assert_eq!(read(&signatures), ["Triết học"]);
        // A grading scale shaped like subject rows numbers again from 1.
        let scale = [&head[..], &["", "1|Xuất sắc|9 - 10|4", "+2|Giỏi|8|3,5"]].concat();
        assert_eq!(read(&scale), ["Triết học"]);
        let unnumbered = [&head[..], &["", "|Điểm trung bình chung|7,5|"]].concat();
        assert_eq!(read(&unnumbered), ["Triết học"]);
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
