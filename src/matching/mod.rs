//! Match: who is who. Files are grouped into dossiers ([`assemble`]), then
//! list rows and dossiers are paired into applicants ([`pair`]), each with
//! the mismatches found between the list, the form and the transcript.

pub mod assemble;
pub mod pair;

use crate::date::Date;
use crate::ingest::dossier_doc::{DocPart, SlimPart};
use crate::ingest::file::SlimRecord;
use crate::ingest::table::FieldValue;
use crate::source::Source;
use crate::spill::{Spill, SpillError};
use crate::verdict::UnusedFile;
use litemap::LiteMap;
use std::borrow::Cow;
use std::sync::Arc;

/// One person row of a submission list, whole: what the rules read.
#[derive(Clone, Debug)]
pub struct ListRow {
    pub file: String,
    pub sheet: String,
    /// 0-based row.
    pub row: u32,
    pub fields: LiteMap<String, FieldValue>,
    pub warnings: Vec<String>,
}

impl ListRow {
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields
            .get(field)
            .map(|f| f.text.as_str())
            .filter(|t| !t.is_empty())
    }

    pub fn birth_date(&self) -> Option<Date> {
        self.fields.get("birth_date").and_then(|f| f.date)
    }

    /// `file!Sheet!row` (1-based row, as Excel shows it).
    pub fn place(&self) -> String {
        place(&self.file, &self.sheet, self.row)
    }

    pub fn source(&self, field: &str) -> Source {
        self.fields
            .get(field)
            .map(|f| f.source.clone())
            .unwrap_or_else(|| Source::cell(self.file.as_str(), self.sheet.as_str(), self.row, 0))
    }
}

fn place(file: &str, sheet: &str, row: u32) -> String {
    format!("{file}!{sheet}!{}", row + 1)
}

/// A list row as matching holds it: who it names (name, birth date, unit);
/// the whole row waits in the spill ([`SlimRow::whole`]).
#[derive(Clone, Debug)]
pub struct SlimRow {
    /// Shared by the rows of a table.
    pub file: Arc<str>,
    pub sheet: Arc<str>,
    pub record: SlimRecord,
}

impl SlimRow {
    /// The row with every field, read back from the spill.
    pub fn whole(&self, spill: &Spill) -> Result<ListRow, SpillError> {
        let blob = self.record.spilled.ok_or(SpillError::Damaged)?;
        Ok(ListRow {
            file: self.file.to_string(),
            sheet: self.sheet.to_string(),
            row: self.record.row,
            fields: spill.get_value(blob)?,
            warnings: self.record.warnings.clone(),
        })
    }

    fn get(&self, field: &str) -> Option<&FieldValue> {
        let r = &self.record;
        match field {
            "name" => r.name.as_ref(),
            "birth_date" => r.birth_date.as_ref(),
            "unit" => r.unit.as_ref(),
            _ => None,
        }
    }

    /// As [`ListRow::text`], for the fields a slimmed row keeps.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.get(field)
            .map(|f| f.text.as_str())
            .filter(|t| !t.is_empty())
    }

    pub fn birth_date(&self) -> Option<Date> {
        self.get("birth_date").and_then(|f| f.date)
    }

    /// `file!Sheet!row` (1-based row, as Excel shows it).
    pub fn place(&self) -> String {
        place(&self.file, &self.sheet, self.record.row)
    }

    /// As [`ListRow::source`], for the fields a slimmed row keeps.
    pub fn source(&self, field: &str) -> Source {
        self.get(field)
            .map(|f| f.source.clone())
            .unwrap_or_else(|| {
                Source::cell(self.file.clone(), self.sheet.clone(), self.record.row, 0)
            })
    }
}

/// One applicant's dossier, whole: a folder (or a single file) and what
/// was read in it. What the rules read.
#[derive(Clone, Debug, Default)]
pub struct Dossier {
    /// Relative to the batch root: the folder, or the file for a one-file dossier.
    pub path: String,
    pub files: Vec<Arc<str>>,
    /// The first application form and transcript found, in path order.
    pub form: Option<DocPart>,
    pub transcript: Option<DocPart>,
    /// Document and attachment kinds present, with the first file of each.
    pub documents: LiteMap<String, Arc<str>>,
    /// Request letters that cover this dossier, shared with the other
    /// dossiers of its folder (as [`SlimDossier::request_letters`]).
    pub request_letters: Arc<[Arc<str>]>,
    /// Files of this dossier that could not be read, with why.
    pub unreadable: Vec<(Arc<str>, String)>,
    /// Files beside this one-file dossier that may be a document it lacks:
    /// they name its applicant and another dossier's alike.
    pub unattributed: Vec<Arc<str>>,
}

impl Dossier {
    pub fn form_text(&self, field: &str) -> Option<&str> {
        self.form
            .as_ref()
            .and_then(|f| f.fields.get(field))
            .map(|f| f.text.as_str())
            .filter(|t| !t.is_empty())
    }

    /// The applicant's name and birth date as the dossier states them: the
    /// form's, or the transcript's when there is no form.
    pub fn identity(&self) -> Option<Identity> {
        [&self.form, &self.transcript]
            .into_iter()
            .flatten()
            .find_map(|part| {
                let name = part.fields.get("name").filter(|f| !f.text.is_empty())?;
                let birth = part.fields.get("birth_date");
                Some(Identity {
                    name: name.text.clone(),
                    name_source: name.source.clone(),
                    birth_date: birth.and_then(|b| Date::parse(&b.text)),
                    birth_text: birth.map(|b| b.text.clone()).unwrap_or_default(),
                    birth_source: birth
                        .map(|b| b.source.clone())
                        .unwrap_or_else(|| name.source.clone()),
                })
            })
    }
}

/// A dossier as matching holds it: its files and documents, and who its
/// form and transcript name; the whole parts wait in the spill
/// ([`SlimDossier::whole`]).
#[derive(Clone, Debug, Default)]
pub struct SlimDossier {
    /// As [`Dossier::path`].
    pub path: String,
    pub files: Vec<Arc<str>>,
    pub form: Option<SlimPart>,
    pub transcript: Option<SlimPart>,
    /// As [`Dossier::documents`]; the kinds are shared by every dossier.
    pub documents: LiteMap<Arc<str>, Arc<str>>,
    /// As [`Dossier::request_letters`]: one list shared by the dossiers of
    /// a folder. A flat folder of 30,000 one-file dossiers beside 350 units'
    /// letters held a list of 350 for each dossier: 400 MB.
    pub request_letters: Arc<[Arc<str>]>,
    pub unreadable: Vec<(Arc<str>, String)>,
    /// As [`Dossier::unattributed`].
    pub unattributed: Vec<Arc<str>>,
}

impl SlimDossier {
    /// This dossier whole, its form and transcript read back from the spill.
    pub fn whole(&self, spill: &Spill) -> Result<Dossier, SpillError> {
        let whole = |p: &Option<SlimPart>| p.as_ref().map(|p| p.whole(spill)).transpose();
        Ok(Dossier {
            path: self.path.clone(),
            files: self.files.clone(),
            form: whole(&self.form)?,
            transcript: whole(&self.transcript)?,
            documents: self
                .documents
                .iter()
                .map(|(k, f)| (k.to_string(), f.clone()))
                .collect(),
            request_letters: self.request_letters.clone(),
            unreadable: self.unreadable.clone(),
            unattributed: self.unattributed.clone(),
        })
    }

    /// The first of the form and the transcript that names someone, with
    /// what it names: as [`Dossier::identity`] finds it, unread.
    pub fn named(&self) -> Option<Named<'_>> {
        [&self.form, &self.transcript]
            .into_iter()
            .flatten()
            .find_map(|part| {
                let name = part.name.as_ref().filter(|f| !f.text.is_empty())?;
                let birth = part.birth_date.as_ref();
                Some(Named {
                    file: &part.file,
                    name,
                    birth,
                    birth_date: birth.and_then(|b| Date::parse(&b.text)),
                })
            })
    }

    /// As [`Dossier::identity`], from the slimmed parts.
    pub fn identity(&self) -> Option<Identity> {
        self.named().map(|n| n.identity())
    }
}

/// Who a slimmed dossier names, borrowed from it (pairing reads 100,000 of
/// these; an owned [`Identity`] each cost 20 MB).
#[derive(Clone, Copy, Debug)]
pub struct Named<'a> {
    file: &'a Arc<str>,
    pub name: &'a crate::ingest::dossier_doc::Said,
    pub birth: Option<&'a crate::ingest::dossier_doc::Said>,
    pub birth_date: Option<Date>,
}

impl Named<'_> {
    pub fn name_source(&self) -> Source {
        self.name.source(self.file)
    }

    pub fn birth_text(&self) -> &str {
        self.birth.map(|b| &*b.text).unwrap_or_default()
    }

    pub fn birth_source(&self) -> Source {
        self.birth.unwrap_or(self.name).source(self.file)
    }

    pub fn identity(&self) -> Identity {
        Identity {
            name: self.name.text.to_string(),
            name_source: self.name_source(),
            birth_date: self.birth_date,
            birth_text: self.birth_text().to_string(),
            birth_source: self.birth_source(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Identity {
    pub name: String,
    pub name_source: Source,
    pub birth_date: Option<Date>,
    pub birth_text: String,
    pub birth_source: Source,
}

/// An applicant's list row and dossier, whole (read back from the spill):
/// what the rules read.
#[derive(Default)]
pub struct Whole<'a> {
    pub row: Option<Cow<'a, ListRow>>,
    pub dossier: Option<Cow<'a, Dossier>>,
}

impl Whole<'_> {
    pub fn row(&self) -> Option<&ListRow> {
        self.row.as_deref()
    }
    pub fn dossier(&self) -> Option<&Dossier> {
        self.dossier.as_deref()
    }
}

impl Assembly {
    /// A hash of everything `applicant`'s verdict is made from, taken
    /// without reading the spill: the row and the dossier as matched (their
    /// whole parts by checksum), the pairing and the mismatches. With the
    /// rule set (the cache's salt) it keys the verdict cache, so an
    /// unchanged applicant is not judged again.
    ///
    /// The rules read a row's fields and a part's whole content from their
    /// blobs ([`Assembly::whole`]), so a blob's checksum stands for them:
    /// the slim copies of a few fields beside it (name, birth date, unit)
    /// are not hashed again. Written out by hand (`KeyBytes`): through
    /// serde, keying 10,000 unchanged applicants was a fifth of a re-run's
    /// judging.
    pub fn verdict_key(&self, applicant: &Applicant) -> Option<u128> {
        thread_local! {
            // One buffer per thread, reused: growing a new one for each of
            // 10,000 applicants was half the cost of their keys.
            static BYTES: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BYTES.with_borrow_mut(|buffer| {
            buffer.clear();
            let mut k = KeyBytes(buffer);
            k.option(applicant.row.map(|r| &self.rows[r]), |k, row| {
                k.text(&row.file);
                k.text(&row.sheet);
                let r = &row.record;
                k.number(u64::from(r.row));
                k.texts(&r.warnings);
                k.blob(r.spilled);
            });
            k.option(applicant.dossier.map(|d| &self.dossiers[d]), |k, d| {
                k.text(&d.path);
                k.texts(&d.files);
                for part in [&d.form, &d.transcript] {
                    k.option(part.as_ref(), |k, p| {
                        k.text(&p.file);
                        k.option(p.kind.as_deref(), |k, kind| k.text(kind));
                        k.blob(p.spilled);
                    });
                }
                k.number(d.documents.len() as u64);
                for (kind, file) in d.documents.iter() {
                    k.text(kind);
                    k.text(file);
                }
                k.texts(&d.request_letters);
                k.number(d.unreadable.len() as u64);
                for (file, why) in &d.unreadable {
                    k.text(file);
                    k.text(why);
                }
                k.texts(&d.unattributed);
            });
            // A row without a dossier is judged by what could not be read
            // near it (nothing, nearly always).
            if let (Some(r), None) = (applicant.row, applicant.dossier) {
                self.unread_key(&mut k, &self.unread_near(r));
            }
            // A dossier is judged by what could not be read above it
            // (nothing, nearly always), where its letter would be.
            if let Some(d) = applicant.dossier {
                self.unread_key(&mut k, &self.unread_above(d));
            }
            // A dossier on no list, by the lists that could not be read
            // above it (none, nearly always).
            if let (None, Some(d)) = (applicant.row, applicant.dossier) {
                self.unread_key(&mut k, &self.unread_lists_above(d));
            }
            k.number(applicant.listed_again.len() as u64);
            for &r in &applicant.listed_again {
                let row = &self.rows[r];
                k.text(&row.file);
                k.text(&row.sheet);
                k.number(u64::from(row.record.row));
            }
            k.option(applicant.duplicate_of, |k, d| {
                k.text(&self.dossiers[d].path)
            });
            // Nearly every applicant has none: nothing for the formatter.
            if !applicant.mismatches.is_empty() {
                k.text(&format!("{:?}", applicant.mismatches));
            }
            Some(xxhash_rust::xxh3::xxh3_128(buffer))
        })
    }

    /// Writes `unread` into a verdict key.
    fn unread_key(&self, k: &mut KeyBytes, unread: &[&UnreadDocument]) {
        k.number(unread.len() as u64);
        for u in unread {
            k.text(&u.path);
            k.text(&u.why);
            k.option(u.kind.as_deref(), |k, kind| k.text(kind));
        }
    }

    /// The files that could not be read that may be the dossier of row
    /// `r` (Word files, and scans named like a form): those in the folder
    /// of its list or below it, but for any whose path spells the name of
    /// another row (and not of this one).
    pub fn unread_near(&self, r: usize) -> Vec<&UnreadDocument> {
        let all = &self.unread_documents;
        let Some(row) = self.rows.get(r).filter(|_| !all.is_empty()) else {
            return Vec::new();
        };
        let folder = crate::discover::parent_of(&row.file);
        let index = self.unread_index();
        let naming = index.by_row.get(&r).map_or(&[][..], Vec::as_slice);
        let nameless = under(&index.nameless, |(path, _)| path, folder);
        let mut found: Vec<usize> = naming
            .iter()
            .copied()
            .chain(nameless.iter().map(|&(_, i)| i))
            .filter(|&i| {
                let form = crate::matching::assemble::FORM;
                all[i].kind.as_deref().is_none_or(|k| k == form) && is_below(&all[i].path, folder)
            })
            .collect();
        // In path order, as `unread_documents` is.
        found.sort_unstable();
        found.into_iter().map(|i| &all[i]).collect()
    }

    /// The files that could not be read that may be a request letter
    /// covering dossier `d` (Word files, and scans named like a letter):
    /// those lying in a folder above it, outside every dossier, that spell
    /// no applicant's name.
    pub fn unread_above(&self, d: usize) -> Vec<&UnreadDocument> {
        let all = &self.unread_documents;
        let Some(dossier) = self.dossiers.get(d).filter(|_| !all.is_empty()) else {
            return Vec::new();
        };
        let letters = &self.unread_index().letters_by_folder;
        above(&dossier.path, letters, all)
    }

    /// The spreadsheets that could not be read that may be the list
    /// dossier `d` is missing from: those in a folder above it (lists are
    /// paired with dossiers across the batch, but one is sent with the
    /// dossiers it lists, at their level or above).
    pub fn unread_lists_above(&self, d: usize) -> Vec<&UnreadDocument> {
        let all = &self.unread_lists;
        let Some(dossier) = self.dossiers.get(d).filter(|_| !all.is_empty()) else {
            return Vec::new();
        };
        above(&dossier.path, &self.unread_index().lists_by_folder, all)
    }

    /// [`Assembly::unread_documents`] indexed for the two questions above,
    /// asked of every applicant: scanning every unread file for each cost
    /// time with the square of the batch (a flat folder of 10,000 forms
    /// and 3,000 damaged transcripts).
    fn unread_index(&self) -> &UnreadIndex {
        self.unread_index.get_or_init(|| {
            let mut index = UnreadIndex::default();
            for (i, u) in self.unread_documents.iter().enumerate() {
                for &r in &u.names {
                    index.by_row.entry(r).or_default().push(i);
                }
                if u.names.is_empty() {
                    index.nameless.push((u.path.clone(), i));
                    let letter = crate::matching::assemble::REQUEST_LETTER;
                    if u.kind.as_deref().is_none_or(|k| k == letter) {
                        let folder = crate::discover::parent_of(&u.path).to_string();
                        index.letters_by_folder.entry(folder).or_default().push(i);
                    }
                }
            }
            for (i, u) in self.unread_lists.iter().enumerate() {
                let folder = crate::discover::parent_of(&u.path).to_string();
                index.lists_by_folder.entry(folder).or_default().push(i);
            }
            index
        })
    }

    /// `applicant`'s row and dossier, whole.
    pub fn whole(&self, applicant: &Applicant, spill: &Spill) -> Result<Whole<'_>, SpillError> {
        Ok(Whole {
            row: applicant
                .row
                .map(|r| self.rows[r].whole(spill).map(Cow::Owned))
                .transpose()?,
            dossier: applicant
                .dossier
                .map(|d| self.dossiers[d].whole(spill).map(Cow::Owned))
                .transpose()?,
        })
    }
}

/// The items of `sorted` (in byte-wise order of their `path`) that lie in
/// `folder` or below it ("" is the batch root): in that order, the paths
/// that start with the folder's lie together, from where it would be.
pub(crate) fn under<'a, T>(sorted: &'a [T], path: impl Fn(&T) -> &str, folder: &str) -> &'a [T] {
    if folder.is_empty() {
        return sorted;
    }
    let prefix = format!("{folder}/");
    let start = sorted.partition_point(|t| path(t).as_bytes() < prefix.as_bytes());
    let len = sorted[start..].partition_point(|t| path(t).starts_with(&prefix));
    &sorted[start..start + len]
}

/// The files of `by_folder` (indices into `all`) in the folders above
/// `path`, in path order.
fn above<'a>(
    path: &str,
    by_folder: &std::collections::HashMap<String, Vec<usize>>,
    all: &'a [UnreadDocument],
) -> Vec<&'a UnreadDocument> {
    let mut found = Vec::new();
    let mut folder = path;
    while !folder.is_empty() {
        folder = crate::discover::parent_of(folder);
        found.extend(
            by_folder
                .get(folder)
                .into_iter()
                .flatten()
                .map(|&i| &all[i]),
        );
    }
    found.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    found
}

/// `path` lies in `folder` or below it ("" is the batch root).
pub(crate) fn is_below(path: &str, folder: &str) -> bool {
    folder.is_empty()
        || path
            .strip_prefix(folder)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The bytes a verdict key is hashed from: every text and list with its
/// length before it and every option with a tag, so that no two different
/// inputs write the same bytes.
struct KeyBytes<'a>(&'a mut Vec<u8>);

impl KeyBytes<'_> {
    fn number(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    fn text(&mut self, text: &str) {
        self.number(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }

    fn texts(&mut self, texts: &[impl AsRef<str>]) {
        self.number(texts.len() as u64);
        texts.iter().for_each(|t| self.text(t.as_ref()));
    }

    fn option<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match value {
            None => self.0.push(0),
            Some(value) => {
                self.0.push(1);
                write(self, value);
            }
        }
    }

    fn blob(&mut self, blob: Option<crate::spill::Blob>) {
        self.option(blob, |k, b| {
            k.number(b.offset);
            k.number(u64::from(b.len));
            k.number(b.check);
        });
    }
}

/// Everything in a batch, grouped, slimmed (see [`crate::spill`]).
#[derive(Debug, Default)]
pub struct Assembly {
    /// Spreadsheet files that hold lists.
    pub lists: Vec<String>,
    pub rows: Vec<SlimRow>,
    pub dossiers: Vec<SlimDossier>,
    /// Request letters outside dossiers.
    pub request_letters: Vec<String>,
    pub unused: Vec<UnusedFile>,
    /// Word files outside every dossier that could not be read, in path
    /// order (also in `unused`): a list row without a dossier near one of
    /// them ([`Assembly::unread_near`]), or a dossier without a request
    /// letter below one ([`Assembly::unread_above`]), is not rejected.
    pub unread_documents: Vec<UnreadDocument>,
    /// What was passed over or read in part in the batch's spreadsheets
    /// (a sheet hidden, refused, cut short), each after its file's path.
    pub sheet_warnings: Vec<String>,
    /// Spreadsheets that may be a list hoso could not read, in path order
    /// (also in `unused`): a dossier on no list below one of them
    /// ([`Assembly::unread_lists_above`]) is not rejected for it.
    pub unread_lists: Vec<UnreadDocument>,
    /// Made from `unread_documents` and `unread_lists` when first asked.
    unread_index: std::sync::OnceLock<UnreadIndex>,
}

/// Which unread files concern which row or folder ([`Assembly::unread_index`]).
#[derive(Debug, Default)]
struct UnreadIndex {
    /// Row by row, the files whose path spells its name.
    by_row: std::collections::HashMap<usize, Vec<usize>>,
    /// The files whose path spells no row's name, in path order.
    nameless: Vec<(Arc<str>, usize)>,
    /// Of those, the ones that may be a request letter, by their folder.
    letters_by_folder: std::collections::HashMap<String, Vec<usize>>,
    /// [`Assembly::unread_lists`] by their folder.
    lists_by_folder: std::collections::HashMap<String, Vec<usize>>,
}

/// A Word file outside every dossier that could not be read: maybe the
/// dossier of a list row that has none, or a unit's request letter.
#[derive(Clone, Debug)]
pub struct UnreadDocument {
    pub path: Arc<str>,
    /// Why, in the rule file's words.
    pub why: String,
    /// The document its name says it is, a scan's (`don`, `cong_van`):
    /// then it is that or nothing. `None`: it may be any document.
    pub kind: Option<Arc<str>>,
    /// The list rows whose name its path spells (a folder named after the
    /// applicant), among those whose list's folder holds it: it is theirs,
    /// if anyone's.
    pub names: Vec<usize>,
}

/// Where a compared value was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    List,
    Form,
    Transcript,
}

impl Place {
    pub fn key(&self) -> &'static str {
        match self {
            Place::List => "list",
            Place::Form => "form",
            Place::Transcript => "transcript",
        }
    }
}

/// Two sources disagree about a field.
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// `name` or `birth_date`.
    pub field: &'static str,
    pub a: (Place, String, Source),
    pub b: (Place, String, Source),
}

/// A list row and/or a dossier: the unit a verdict is given for.
#[derive(Clone, Debug, Default)]
pub struct Applicant {
    pub row: Option<usize>,
    pub dossier: Option<usize>,
    /// An earlier dossier of the same person (this one is the copy).
    pub duplicate_of: Option<usize>,
    /// Further list rows naming the same person (same name, same birth
    /// date) as `row`: listed twice, judged once.
    pub listed_again: Vec<usize>,
    pub mismatches: Vec<Mismatch>,
}
