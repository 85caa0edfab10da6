//! Assemble: from every file's content, the batch's lists, dossiers, request
//! letters and unused files (domain.md §3).
//!
//! A dossier is a folder that holds an application form (or, failing that, a
//! transcript), with everything below it that is not itself another dossier.
//! A folder holding several forms side by side holds several one-file
//! dossiers (one .docx per applicant, each holding several documents).
//! A request letter covers every dossier in its folder and below.
//!
//! Where every dossier lives is worked out first, from what each file is
//! (taken in parallel); the files are then grouped by dossier, and the
//! dossiers built in parallel, each in its place of the output, while the
//! list rows are gathered on the other thread.

use super::{Assembly, SlimDossier, SlimRow, UnreadDocument, is_below};
use crate::date::Date;
use crate::discover::{name_of, parent_of};
use crate::ingest::dossier_doc::SlimPart;
use crate::ingest::file::{Content, SlimTable, is_lock_file};
use crate::text::{fold_key, fold_words, key};
use crate::verdict::UnusedFile;
use crate::vocab::{Vocabulary, word_runs};
use foldhash::fast::FixedState;
use rayon::prelude::*;
use std::sync::Arc;

/// Sets and maps keyed by paths and kinds: hashed with foldhash, several
/// times cheaper than SipHash on paths this long (and nothing here is
/// iterated in an order that would show).
type HashMap<K, V> = std::collections::HashMap<K, V, FixedState>;

pub const FORM: &str = "don";
pub const TRANSCRIPT: &str = "bang_diem";
pub const REQUEST_LETTER: &str = "cong_van";

/// A file by its path relative to the batch root: what assembling needs of
/// a [`crate::discover::FoundFile`] (whose list is dropped before
/// assembling: 22 MB at 300,000 files).
struct File {
    rel: Arc<str>,
}

impl File {
    fn folder(&self) -> &str {
        parent_of(&self.rel)
    }

    fn file_name(&self) -> &str {
        name_of(&self.rel)
    }
}

/// Files (relative paths) in byte-wise path order and their contents, as
/// the ingest stage produced them (two lists, not one of pairs: at 300,000
/// files a zipped copy is 30 MB of peak memory), grouped. `vocab` words
/// why a file could not be read or is unused.
pub fn assemble(found: &[Arc<str>], mut contents: Vec<Content>, vocab: &Vocabulary) -> Assembly {
    // What each file is, one byte each: the passes below look at these, not
    // at the parts of 300,000 contents scattered over the heap.
    let marks: Vec<Marks> = contents.par_iter().map(Marks::of).collect();
    let (lists, tables, sheet_warnings) = take_lists(found, &mut contents, &marks);
    // The rows are few files' work: one thread gathers them while the
    // other starts on the dossiers.
    let (rows, (dossiers, strayed)) = rayon::join(
        || rows_of(tables),
        || dossiers_of(found, contents, &marks, vocab),
    );
    let unread_documents = name_unread(strayed.unread_documents, &rows);
    let unread_lists = lists_maybe_unread(&lists, strayed.unread_lists, strayed.listless);
    Assembly {
        lists,
        rows,
        dossiers,
        request_letters: strayed.letters,
        unused: strayed.unused,
        unread_documents,
        unread_lists,
        sheet_warnings,
        ..Assembly::default()
    }
}

/// The spreadsheets that may be a list hoso could not read, in path order:
/// those that could not be read at all and, when no list at all was found
/// in the batch, those read in which none was (a header hoso does not
/// know: every dossier would otherwise be rejected as not on the list).
fn lists_maybe_unread(
    lists: &[String],
    mut unread: Vec<UnreadDocument>,
    listless: Vec<UnreadDocument>,
) -> Vec<UnreadDocument> {
    if lists.is_empty() && !listless.is_empty() {
        unread.extend(listless);
        unread.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    }
    unread
}

/// Each file that could not be read that may be a document, with the
/// rows whose name its path spells, among those of lists in its folder or
/// above.
fn name_unread(mut unread: Vec<UnreadDocument>, rows: &[SlimRow]) -> Vec<UnreadDocument> {
    if unread.is_empty() {
        return unread;
    }
    // The rows by name: each path is looked up by the runs of words it
    // holds, not compared with every row (with thousands of unread files
    // and a list of 100,000, that was billions of comparisons).
    let by_name = Spelled::of(
        rows.iter()
            .enumerate()
            .filter_map(|(r, row)| row.text("name").map(|name| (fold_words(name), r))),
    );
    for u in &mut unread {
        let mut named = by_name.in_words(&fold_words(&u.path));
        named.retain(|&r| is_below(&u.path, parent_of(&rows[r].file)));
        u.names = named;
    }
    unread
}

/// Items by a folded name ([`fold_words`]), to find those whose name a
/// text spells out as whole words ([`crate::vocab::contains_words`]) by
/// looking up the text's runs of words ([`word_runs`]).
#[derive(Default)]
struct Spelled {
    by_name: HashMap<String, Vec<usize>>,
    most_words: usize,
}

impl Spelled {
    /// The index of `(folded name, item)` pairs; empty names spell nothing.
    fn of(names: impl Iterator<Item = (String, usize)>) -> Spelled {
        let mut spelled = Spelled::default();
        for (name, item) in names.filter(|(name, _)| !name.is_empty()) {
            spelled.most_words = spelled.most_words.max(name.split(' ').count());
            spelled.by_name.entry(name).or_default().push(item);
        }
        spelled
    }

    /// The items whose name `words` (folded) contains, ascending, each once.
    fn in_words(&self, words: &str) -> Vec<usize> {
        each_once(word_runs(words, self.most_words).filter_map(|run| self.by_name.get(run)))
    }
}

/// The items of the lists found, ascending, each once.
fn each_once<'l>(lists: impl Iterator<Item = &'l Vec<usize>>) -> Vec<usize> {
    let mut items: Vec<usize> = lists.flatten().copied().collect();
    items.sort_unstable();
    items.dedup();
    items
}

/// What assembling asks of a file's content.
#[derive(Clone, Copy)]
struct Marks(u8);

impl Marks {
    const FORM: u8 = 1;
    const TRANSCRIPT: u8 = 2;
    const LETTER: u8 = 4;
    const LIST: u8 = 8;

    fn of(content: &Content) -> Marks {
        match content {
            Content::Word { parts } => Marks(parts.iter().fold(0, |m, p| {
                m | match p.kind.as_deref() {
                    Some(FORM) => Marks::FORM,
                    Some(TRANSCRIPT) => Marks::TRANSCRIPT,
                    Some(REQUEST_LETTER) => Marks::LETTER,
                    _ => 0,
                }
            })),
            Content::Spreadsheet { tables, .. } if !tables.is_empty() => Marks(Marks::LIST),
            _ => Marks(0),
        }
    }

    /// A Word document with an application form among its parts.
    fn form(self) -> bool {
        self.0 & Marks::FORM != 0
    }

    fn transcript(self) -> bool {
        self.0 & Marks::TRANSCRIPT != 0
    }

    fn letter(self) -> bool {
        self.0 & Marks::LETTER != 0
    }

    /// A spreadsheet with at least one list.
    fn list(self) -> bool {
        self.0 & Marks::LIST != 0
    }
}

/// The spreadsheets that hold lists, and their tables (taken out of
/// `contents`), in path order.
fn take_lists(
    found: &[Arc<str>],
    contents: &mut [Content],
    marks: &[Marks],
) -> (Vec<String>, Vec<SlimTable>, Vec<String>) {
    let mut lists = Vec::new();
    let mut tables = Vec::new();
    let mut warnings = Vec::new();
    for ((rel, content), m) in found.iter().zip(contents).zip(marks) {
        let Content::Spreadsheet {
            tables: t,
            warnings: w,
        } = content
        else {
            continue;
        };
        warnings.extend(w.drain(..).map(|w| format!("{rel}: {w}")));
        if m.list() {
            lists.push(rel.to_string());
            tables.append(t);
        }
    }
    (lists, tables, warnings)
}

fn rows_of(tables: Vec<SlimTable>) -> Vec<SlimRow> {
    // Sized once: doubling a Vec of 100,000 rows holds both copies for a
    // moment, the largest peak of a big run.
    let mut rows = Vec::with_capacity(tables.iter().map(|t| t.records.len()).sum());
    for t in tables {
        for record in t.records {
            rows.push(SlimRow {
                file: t.file.clone(),
                sheet: t.sheet.clone(),
                record,
            });
        }
    }
    rows
}

/// The dossiers in path order, and where the files outside them went
/// (request letters, unused files), from every file but the lists.
fn dossiers_of(
    found: &[Arc<str>],
    mut contents: Vec<Content>,
    marks: &[Marks],
    vocab: &Vocabulary,
) -> (Vec<SlimDossier>, Strayed) {
    let homes = Homes::find(found, marks);
    let groups = Groups::by_home(found, marks, &homes, &mut contents);
    let letters = Letters::find(found, marks);
    let count = homes.paths.len();
    let folder_of = |d: usize| match homes.paths[d] {
        (path, true) => path,
        (path, false) => parent_of(path),
    };
    // Many one-file dossiers share a folder: their letters are listed once.
    let mut folders: Vec<&str> = (0..count).map(folder_of).collect();
    folders.dedup();
    let covering = letters.covering_each(folders);
    let (homed, rest) = contents.split_at_mut(groups.start(count));
    // Each dossier's contents, to be moved from in parallel.
    let mut slices: Vec<&mut [Content]> = Vec::with_capacity(count);
    let mut tail = homed;
    for d in 0..count {
        let (head, after) = std::mem::take(&mut tail).split_at_mut(groups.files(d).len());
        slices.push(head);
        tail = after;
    }
    // Collected in place: dossier `d` is built straight into its slot.
    let mut dossiers: Vec<SlimDossier> = slices
        .into_par_iter()
        .enumerate()
        .map_init(Kinds::default, |kinds, (d, contents)| {
            let mut dossier = SlimDossier::new(homes.paths[d].0.to_string());
            let files = groups.files(d);
            dossier.files.reserve_exact(files.len());
            for (content, &i) in contents.iter_mut().zip(files) {
                let file = File {
                    rel: found[i].clone(),
                };
                dossier.add(file, take(content), kinds, vocab);
            }
            if let Some(letters) = covering.get(folder_of(d)) {
                dossier.request_letters = letters.clone();
            }
            dossier
        })
        .collect();

    let strays = rest
        .iter_mut()
        .zip(groups.files(count))
        .filter(|(_, i)| !marks[**i].list())
        .map(|(content, &i)| {
            let file = File {
                rel: found[i].clone(),
            };
            (file, take(content))
        });
    let mut strayed = attribute_strays(&mut dossiers, strays, &homes, vocab);
    strayed
        .unused
        .sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    for unread in [
        &mut strayed.unread_documents,
        &mut strayed.unread_lists,
        &mut strayed.listless,
    ] {
        unread.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    }
    (dossiers, strayed)
}

/// A Word file by its name, or one of a word-processing format hoso does
/// not read: what may hold a form or a transcript.
fn is_word_document(rel: &str) -> bool {
    let path = std::path::Path::new(rel);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    crate::ingest::format_of(path) == crate::ingest::Format::Word
        || crate::ingest::file::is_unread_word_format(ext)
}

/// A spreadsheet by its name: what may hold a list.
fn is_spreadsheet(rel: &str) -> bool {
    crate::ingest::format_of(std::path::Path::new(rel)) == crate::ingest::Format::Spreadsheet
}

/// A content moved out of its slot (left holding an empty one).
fn take(content: &mut Content) -> Content {
    std::mem::replace(content, Content::Other { kind: None })
}

/// Where dossiers live: folders that are one dossier, and form files that
/// are one dossier each (in folders holding several forms).
struct Homes<'a> {
    /// Every dossier's path, in byte-wise order (a dossier's index is its
    /// place in the output), and whether it is a folder.
    paths: Vec<(&'a str, bool)>,
    /// Each path's index.
    index: HashMap<&'a str, usize>,
}

impl<'a> Homes<'a> {
    fn find(found: &'a [Arc<str>], marks: &[Marks]) -> Homes<'a> {
        /// What a folder holds directly.
        #[derive(Default)]
        struct Held {
            forms: u32,
            transcript: bool,
        }
        let forms = marks.iter().filter(|m| m.form()).count();
        // The folders in the order first seen, which is nearly path order
        // (a folder sorts before its files, but "a/x" after "a-b/x"): the
        // sort below has little to do.
        let mut folders: Vec<(&str, Held)> = Vec::with_capacity(forms);
        let mut slots: HashMap<&str, usize> =
            HashMap::with_capacity_and_hasher(forms, FixedState::default());
        let mut several_forms = false;
        for (rel, m) in found.iter().zip(marks) {
            if !m.form() && !m.transcript() {
                continue;
            }
            let folder = parent_of(rel);
            let slot = *slots.entry(folder).or_insert_with(|| {
                folders.push((folder, Held::default()));
                folders.len() - 1
            });
            let h = &mut folders[slot].1;
            if m.form() {
                h.forms += 1;
                several_forms |= h.forms > 1;
            } else {
                h.transcript = true;
            }
        }
        // A transcript without a form still makes its folder a dossier (one
        // that needs review), unless the folder already holds forms.
        let is_home = |h: &Held| h.forms == 1 || (h.forms == 0 && h.transcript);
        // The batch root is never a one-person dossier when dossiers sit
        // below it: a stray form at the root would otherwise swallow the
        // whole batch. Its forms are one-file dossiers then.
        let root_apart = folders.iter().any(|(f, h)| f.is_empty() && is_home(h))
            && folders.iter().any(|(f, h)| !f.is_empty() && is_home(h));
        let mut paths: Vec<(&str, bool)> = folders
            .iter()
            .filter(|(f, h)| is_home(h) && !(f.is_empty() && root_apart))
            .map(|(f, _)| (*f, true))
            .collect();
        if several_forms || root_apart {
            for (rel, m) in found.iter().zip(marks) {
                let folder = parent_of(rel);
                if m.form()
                    && ((folder.is_empty() && root_apart)
                        || slots.get(folder).is_some_and(|&s| folders[s].1.forms > 1))
                {
                    paths.push((rel, false));
                }
            }
        }
        paths.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut index = HashMap::with_capacity_and_hasher(paths.len(), FixedState::default());
        index.extend(paths.iter().enumerate().map(|(i, &(path, _))| (path, i)));
        Homes { paths, index }
    }

    /// The dossier of a file in `folder` that is not itself a one-file
    /// dossier: the nearest folder from `folder` up that is a dossier (a
    /// folder is never the path of a one-file dossier).
    fn of_folder(&self, mut folder: &str) -> Option<usize> {
        loop {
            if let Some(&home) = self.index.get(folder) {
                return Some(home);
            }
            if folder.is_empty() {
                return None;
            }
            folder = parent_of(folder);
        }
    }
}

/// File indices grouped by dossier: dossier `d`'s files, in path order, then
/// (as group `homes.paths.len()`) the files of no dossier.
struct Groups {
    order: Vec<usize>,
    /// Where each group starts in `order`, and where the last ends.
    starts: Vec<usize>,
}

impl Groups {
    /// Groups the files, and puts `contents` (one per file, in file order)
    /// in the order of the groups.
    fn by_home(
        found: &[Arc<str>],
        marks: &[Marks],
        homes: &Homes,
        contents: &mut [Content],
    ) -> Groups {
        let none = homes.paths.len();
        // The dossier of each file. Files come in path order, so most share
        // their folder with the one before: its home is looked up once.
        let mut slot: Vec<usize> = (0..found.len())
            .into_par_iter()
            .map_init(
                || None::<(&str, Option<usize>)>,
                |last, i| {
                    let (rel, m) = (&*found[i], marks[i]);
                    if m.list() {
                        return none;
                    }
                    // Only form files are one-file dossiers: the others need no look-up.
                    if m.form()
                        && let Some(&home) = homes.index.get(rel)
                    {
                        return home;
                    }
                    let folder = parent_of(rel);
                    let home = match *last {
                        Some((f, home)) if f == folder => home,
                        _ => {
                            let home = homes.of_folder(folder);
                            *last = Some((folder, home));
                            home
                        }
                    };
                    home.unwrap_or(none)
                },
            )
            .collect();
        let mut starts = vec![0; none + 2];
        for &g in &slot {
            starts[g + 1] += 1;
        }
        for g in 1..starts.len() {
            starts[g] += starts[g - 1];
        }
        // Each file's place in `order`, then `order` from it.
        let mut next = starts.clone();
        for s in &mut slot {
            let g = *s;
            *s = next[g];
            next[g] += 1;
        }
        let mut order = vec![0; slot.len()];
        for (i, &at) in slot.iter().enumerate() {
            order[at] = i;
        }
        // In place, a cycle at a time: each content is moved once.
        for i in 0..contents.len() {
            while slot[i] != i {
                let j = slot[i];
                contents.swap(i, j);
                slot.swap(i, j);
            }
        }
        Groups { order, starts }
    }

    fn start(&self, group: usize) -> usize {
        self.starts[group]
    }

    /// The file indices of `group`.
    fn files(&self, group: usize) -> &[usize] {
        &self.order[self.starts[group]..self.starts[group + 1]]
    }
}

/// Request letters by folder, to cover the dossiers below them: each
/// dossier looks up its own folder and those above it (a scan of every
/// letter for every dossier was quadratic).
struct Letters<'a> {
    /// Every letter, in path order (those inside dossiers too).
    all: Vec<&'a Arc<str>>,
    /// Indices in `all` of the letters of each folder.
    in_folder: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Letters<'a> {
    fn find(found: &'a [Arc<str>], marks: &[Marks]) -> Letters<'a> {
        let mut letters = Letters {
            all: Vec::new(),
            in_folder: HashMap::default(),
        };
        for (rel, m) in found.iter().zip(marks) {
            if m.letter() {
                let i = letters.all.len();
                letters.all.push(rel);
                letters.in_folder.entry(parent_of(rel)).or_default().push(i);
            }
        }
        letters
    }

    /// The letters that cover a dossier in each of `folders`, one list per
    /// folder, shared by its dossiers.
    fn covering_each(&self, folders: Vec<&'a str>) -> HashMap<&'a str, Arc<[Arc<str>]>> {
        folders
            .into_par_iter()
            .map(|folder| (folder, self.covering(folder)))
            .collect()
    }

    /// The letters that cover a dossier in `folder`, in path order.
    fn covering(&self, mut folder: &str) -> Arc<[Arc<str>]> {
        // Most dossiers are covered from one folder only: its letters are
        // in path order already, and need no list of their own.
        let mut first: &[usize] = &[];
        let mut more: Vec<usize> = Vec::new();
        loop {
            if let Some(here) = self.in_folder.get(folder) {
                if first.is_empty() {
                    first = here;
                } else {
                    more.extend_from_slice(here);
                }
            }
            if folder.is_empty() {
                break;
            }
            folder = parent_of(folder);
        }
        if more.is_empty() {
            return first.iter().map(|&i| self.all[i].clone()).collect();
        }
        more.extend_from_slice(first);
        more.sort_unstable();
        more.iter().map(|&i| self.all[i].clone()).collect()
    }
}

/// Where the files outside dossier folders went.
#[derive(Default)]
struct Strayed {
    /// Request letters, in path order.
    letters: Vec<String>,
    unused: Vec<UnusedFile>,
    /// As [`Assembly::unread_documents`], not yet named.
    unread_documents: Vec<UnreadDocument>,
    /// Spreadsheets that could not be read, that may be a list.
    unread_lists: Vec<UnreadDocument>,
    /// Spreadsheets read whole in which no list was found, with why.
    listless: Vec<UnreadDocument>,
}

/// Files outside dossier folders: request letters stay letters; in folders
/// of one-file dossiers, transcripts and scans go to the dossier whose
/// applicant they name; the rest is unused, with the reason.
fn attribute_strays(
    dossiers: &mut [SlimDossier],
    strays: impl Iterator<Item = (File, Content)>,
    homes: &Homes,
    vocab: &Vocabulary,
) -> Strayed {
    let mut strayed = Strayed::default();
    let mut kinds = Kinds::default();
    // One-file dossiers by folder, found once (not per stray file).
    let mut one_file: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, &(path, is_folder)) in homes.paths.iter().enumerate() {
        if !is_folder {
            one_file.entry(parent_of(path)).or_default().push(i);
        }
    }
    // Each folder's owners, indexed when a stray file is first found there.
    // Taking a file up never renames a dossier: a file holding a form is a
    // dossier itself ([`Homes`]), never a stray.
    let mut owners: HashMap<&str, Owners> = HashMap::default();
    let mut unattributed: Vec<Unattributed> = Vec::new();
    for (file, content) in strays {
        let siblings = one_file.get_key_value(file.folder());
        let owner = siblings.map_or(Owner::Nobody, |(&folder, siblings)| {
            owners
                .entry(folder)
                .or_insert_with(|| Owners::of(dossiers, siblings))
                .owner(dossiers, &file, &content)
        });
        match owner {
            Owner::One(i) => {
                dossiers[i].add(file, content, &mut kinds, vocab);
                continue;
            }
            Owner::Several(candidates) => unattributed.push(Unattributed {
                path: file.rel.clone(),
                held: document_kinds(&content),
                candidates,
            }),
            Owner::Nobody => {}
        }
        let (kind, why) = match &content {
            Content::Word { parts }
                if parts
                    .iter()
                    .any(|p| p.kind.as_deref() == Some(REQUEST_LETTER)) =>
            {
                strayed.letters.push(file.rel.to_string());
                continue;
            }
            Content::Unreadable(e) => {
                let why = e.explain(vocab);
                let unread = UnreadDocument {
                    path: file.rel.clone(),
                    why: why.clone(),
                    kind: None,
                    names: Vec::new(),
                };
                if is_word_document(&file.rel) && e.kind().may_hide_a_document() {
                    strayed.unread_documents.push(unread);
                } else if is_spreadsheet(&file.rel) && e.kind().may_hide_a_list() {
                    strayed.unread_lists.push(unread);
                }
                (Unused::Unreadable, why)
            }
            Content::Spreadsheet { .. } => {
                // Worded once, for the unused file and for the dossiers it
                // may hold back.
                let why = vocab.unused.render(Unused::NoList, &[]);
                strayed.listless.push(UnreadDocument {
                    path: file.rel.clone(),
                    why: why.clone(),
                    kind: None,
                    names: Vec::new(),
                });
                strayed.unused.push(UnusedFile {
                    path: file.rel.to_string(),
                    reason: why,
                });
                continue;
            }
            Content::Word { parts } if parts.iter().all(|p| p.kind.is_none()) => {
                (Unused::UnknownDocument, String::new())
            }
            Content::Word { .. } if siblings.is_some() => (Unused::Ambiguous, String::new()),
            Content::Word { .. } => (Unused::OutsideDossier, String::new()),
            Content::Other { .. } if is_lock_file(file.file_name()) => {
                (Unused::LockFile, String::new())
            }
            Content::Other { .. } => match vocab.scanned_document(file.file_name()) {
                Some(document) => {
                    let why = vocab.unused.render(
                        Unused::ScannedDocument,
                        std::slice::from_ref(&document.name),
                    );
                    strayed.unread_documents.push(UnreadDocument {
                        path: file.rel.clone(),
                        why: why.clone(),
                        kind: Some(kinds.get(&document.kind)),
                        names: Vec::new(),
                    });
                    strayed.unused.push(UnusedFile {
                        path: file.rel.to_string(),
                        reason: why,
                    });
                    continue;
                }
                // Beside one-file dossiers it names none, or several of.
                None if siblings.is_some() => (Unused::Ambiguous, String::new()),
                None => (Unused::NoDossier, String::new()),
            },
        };
        strayed.unused.push(UnusedFile {
            path: file.rel.to_string(),
            reason: vocab.unused.render(kind, &[why]),
        });
    }
    // A file naming several dossiers is held against each that lacks a
    // document it holds (once every file is placed): whose transcript it
    // is must be settled by a clerk, not taken as missing.
    for u in unattributed {
        for i in u.candidates {
            let d = &mut dossiers[i];
            if u.held.iter().any(|kind| !d.documents.contains_key(&**kind)) {
                d.unattributed.push(u.path.clone());
            }
        }
    }
    strayed
}

/// A stray file naming several one-file dossiers alike.
struct Unattributed {
    path: Arc<str>,
    /// The documents it holds, by kind.
    held: Vec<Box<str>>,
    /// The dossiers it names.
    candidates: Vec<usize>,
}

/// The documents a file holds, by kind (a scan's, from its name).
fn document_kinds(content: &Content) -> Vec<Box<str>> {
    match content {
        Content::Word { parts } => parts.iter().filter_map(|p| p.kind.clone()).collect(),
        Content::Other { kind: Some(kind) } => vec![kind.as_str().into()],
        _ => Vec::new(),
    }
}

/// The one-file dossiers of a folder by their applicant's name, to find
/// the one a stray file names: a transcript with the same holder name, or a
/// scan whose file name contains the name. Looked up, not compared with
/// each sibling: a flat folder of 3,000 forms and their transcripts took
/// 3.7 s to match that way, and the time grew with the square.
struct Owners {
    /// Dossiers by the [`key`] of their applicant's name.
    by_key: HashMap<String, Vec<usize>>,
    /// By that key without diacritics ([`fold_key`]): a transcript whose
    /// name differs from the form's only in diacritics is the dossier's, as
    /// it is in the dossier's folder, and pairing reports the difference.
    by_folded_key: HashMap<String, Vec<usize>>,
    /// Dossiers by their applicant's name folded to words.
    by_words: Spelled,
}

impl Owners {
    fn of(dossiers: &[SlimDossier], siblings: &[usize]) -> Owners {
        let named: Vec<(usize, &str)> = siblings
            .iter()
            .filter_map(|&i| Some((i, dossiers[i].applicant_name()?)))
            .collect();
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::default();
        let mut by_folded_key: HashMap<String, Vec<usize>> = HashMap::default();
        for &(i, name) in &named {
            let key = key(name);
            by_folded_key.entry(fold_key(&key)).or_default().push(i);
            by_key.entry(key).or_default().push(i);
        }
        Owners {
            by_key,
            by_folded_key,
            by_words: Spelled::of(named.iter().map(|&(i, name)| (fold_words(name), i))),
        }
    }

    /// The one dossier the file names (by name as written, or failing that
    /// without diacritics). Of several of one name, those whose birth date
    /// the file's transcript gives, if any's is; of several still, the one
    /// whose form's file name starts as the file's does, telling it from
    /// the others ([`closest_by_file_name`]).
    fn owner(&self, dossiers: &[SlimDossier], file: &File, content: &Content) -> Owner {
        let found = match content {
            Content::Word { parts } => {
                let keys: Vec<String> = parts
                    .iter()
                    .filter_map(|p| p.name.as_ref())
                    .map(|name| key(&name.text))
                    .collect();
                let look_up = |index: &HashMap<String, Vec<usize>>, fold: bool| {
                    each_once(keys.iter().filter_map(|k| match fold {
                        true => index.get(&fold_key(k)),
                        false => index.get(k),
                    }))
                };
                let mut found = look_up(&self.by_key, false);
                if found.is_empty() {
                    found = look_up(&self.by_folded_key, true);
                }
                if found.len() > 1 {
                    let born: Vec<Date> = parts
                        .iter()
                        .filter_map(|p| p.birth_date.as_ref())
                        .filter_map(|b| Date::parse(&b.text))
                        .collect();
                    let born_so = |i: &usize| {
                        let theirs = dossiers[*i].named().and_then(|n| n.birth_date);
                        theirs.is_some_and(|d| born.iter().any(|b| b.compatible(&d)))
                    };
                    if found.iter().any(born_so) {
                        found.retain(born_so);
                    }
                }
                found
            }
            Content::Other { .. } => self.by_words.in_words(&fold_words(file.file_name())),
            _ => Vec::new(),
        };
        match found[..] {
            [one] => Owner::One(one),
            [] => Owner::Nobody,
            _ => match closest_by_file_name(dossiers, &found, file.file_name()) {
                Some(one) => Owner::One(one),
                None => Owner::Several(found),
            },
        }
    }
}

/// Whose a stray file is, by the names it gives.
enum Owner {
    One(usize),
    /// It names these dossiers alike.
    Several(Vec<usize>),
    Nobody,
}

/// Of the one-file dossiers `found`, the one whose form's file name starts
/// as `name` does further than where the forms' names part from each
/// other, by a letter or digit: "13-bui-thi-ngan-bang-diem.docx" is of
/// "13-bui-thi-ngan-don.docx", not of "29-bui-thi-ngan-don.docx" (one
/// person sent twice, laid out flat). No other likeness counts:
/// "an - bang.docx" is of neither "an.docx" nor "an (1).docx".
fn closest_by_file_name(dossiers: &[SlimDossier], found: &[usize], name: &str) -> Option<usize> {
    let file_name = |i: usize| name_of(&dossiers[i].path);
    let shared = |a: &str, b: &str| {
        a.char_indices()
            .zip(b.chars())
            .find(|((_, x), y)| x != y)
            .map_or(a.len().min(b.len()), |((at, _), _)| at)
    };
    // Where the forms' own names part: a common start says nothing.
    let first = file_name(found[0]);
    let common = found[1..]
        .iter()
        .map(|&i| shared(first, file_name(i)))
        .min()
        .unwrap_or(0);
    let telling = |i: usize| {
        let form = file_name(i);
        let n = shared(form, name);
        let tells = form[common.min(n)..n].chars().any(char::is_alphanumeric);
        tells.then_some(n)
    };
    let mut best: Vec<(usize, usize)> = found
        .iter()
        .filter_map(|&i| telling(i).map(|n| (n, i)))
        .collect();
    best.sort_unstable_by_key(|&(n, _)| std::cmp::Reverse(n));
    match best[..] {
        [(_, i)] => Some(i),
        [(a, i), (b, _), ..] if a > b => Some(i),
        _ => None,
    }
}

/// Document kinds, one shared copy each (per thread): 100,000 dossiers
/// name the same handful of kinds, the rule file's, which a look along a
/// short list finds sooner than a hash.
#[derive(Default)]
struct Kinds(Vec<Arc<str>>);

impl Kinds {
    fn get(&mut self, kind: &str) -> Arc<str> {
        if let Some(k) = self.0.iter().find(|k| ***k == *kind) {
            return k.clone();
        }
        let k: Arc<str> = kind.into();
        self.0.push(k.clone());
        k
    }
}

impl SlimDossier {
    fn new(path: String) -> SlimDossier {
        SlimDossier {
            path,
            ..SlimDossier::default()
        }
    }

    fn add(&mut self, file: File, content: Content, kinds: &mut Kinds, vocab: &Vocabulary) {
        match content {
            Content::Word { parts } => {
                for part in parts {
                    self.add_part(part, kinds);
                }
            }
            Content::Other { kind: Some(kind) } => {
                self.documents
                    .entry(kinds.get(&kind))
                    .or_insert_with(|| file.rel.clone());
            }
            Content::Unreadable(e) => self.unreadable.push((file.rel.clone(), e.explain(vocab))),
            Content::Other { kind: None } | Content::Spreadsheet { .. } => {}
        }
        self.files.push(file.rel);
    }

    fn add_part(&mut self, part: SlimPart, kinds: &mut Kinds) {
        let Some(kind) = part.kind.as_deref() else {
            return;
        };
        self.documents
            .entry(kinds.get(kind))
            .or_insert_with(|| part.file.clone());
        match kind {
            FORM if self.form.is_none() => self.form = Some(part),
            TRANSCRIPT if self.transcript.is_none() => self.transcript = Some(part),
            _ => {}
        }
    }

    fn applicant_name(&self) -> Option<&str> {
        self.form
            .as_ref()
            .and_then(|f| f.name.as_ref())
            .map(|f| &*f.text)
    }
}

/// Why a file is unused; each is a key of the rule file's
/// `[vocabulary.unused]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unused {
    /// Could not be read; `{why}` is the reason, worded by `[vocabulary.unreadable]`.
    Unreadable,
    /// A spreadsheet in which no sheet is a list.
    NoList,
    /// A Word document without a recognised title, outside any dossier.
    UnknownDocument,
    /// A document among several one-file dossiers naming none of them.
    Ambiguous,
    /// A recognised document outside any dossier folder.
    OutsideDossier,
    /// Any other file outside dossiers (a scan, a note).
    NoDossier,
    /// The lock file Word, Excel or LibreOffice keeps beside a document
    /// while it is open (`~$name.docx`, `.~lock.name.docx#`).
    LockFile,
    /// A scan named like a document (`{name}`) that can be read only from
    /// text: [`crate::vocab::DocumentKind::scan_names`].
    ScannedDocument,
}

impl crate::messages::Kind for Unused {
    const TABLE: &'static str = "unused";
    const ALL: &'static [Self] = &[
        Unused::Unreadable,
        Unused::NoList,
        Unused::UnknownDocument,
        Unused::Ambiguous,
        Unused::OutsideDossier,
        Unused::NoDossier,
        Unused::LockFile,
        Unused::ScannedDocument,
    ];

    fn key(self) -> &'static str {
        match self {
            Unused::Unreadable => "unreadable",
            Unused::NoList => "no_list",
            Unused::UnknownDocument => "unknown_document",
            Unused::Ambiguous => "ambiguous",
            Unused::OutsideDossier => "outside_dossier",
            Unused::NoDossier => "no_dossier",
            Unused::LockFile => "lock_file",
            Unused::ScannedDocument => "scanned_document",
        }
    }

    fn placeholders(self) -> &'static [&'static str] {
        match self {
            Unused::Unreadable => &["why"],
            Unused::ScannedDocument => &["name"],
            _ => &[],
        }
    }

    fn english(self) -> &'static str {
        match self {
            Unused::Unreadable => "unreadable: {why}",
            Unused::NoList => {
                "spreadsheet without a list: no sheet has a header row with a name column"
            }
            Unused::UnknownDocument => {
                "Word document of no known kind (no recognised title), outside any dossier"
            }
            Unused::Ambiguous => "cannot tell which dossier of its folder this document belongs to",
            Unused::OutsideDossier => "Word document outside any dossier folder",
            Unused::NoDossier => {
                "not part of any dossier (no application form in its folder or above)"
            }
            Unused::LockFile => {
                "the lock file Word, Excel or LibreOffice keeps while a document is open: not a document"
            }
            Unused::ScannedDocument => {
                "maybe the {name}, scanned (PDF, image): its content cannot be read; look at it"
            }
        }
    }

    fn shipped() -> &'static crate::messages::Texts<Self> {
        static SHIPPED: std::sync::OnceLock<crate::messages::Texts<Unused>> =
            std::sync::OnceLock::new();
        SHIPPED.get_or_init(crate::messages::Texts::parse_shipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::ingest::dossier_doc::Said;
    use crate::ingest::file::SlimRecord;
    use crate::ingest::table::FieldValue;
    use crate::matching::{Applicant, Mismatch, Place};
    use crate::source::{Loc, Source};

    fn vocab() -> Vocabulary {
        crate::evaluate::ruleset::RuleSet::default_rules()
            .unwrap()
            .vocabulary
    }

    fn said(text: &str) -> Said {
        Said {
            text: text.into(),
            loc: Loc::Paragraph(1),
        }
    }

    /// A Word file holding one document of `kind`, naming `who` (name,
    /// birth date) if given.
    fn word(file: &str, kind: Option<&str>, who: Option<(&str, &str)>) -> Content {
        Content::Word {
            parts: vec![SlimPart {
                file: file.into(),
                kind: kind.map(Into::into),
                name: who.map(|(name, _)| said(name)),
                birth_date: who.map(|(_, birth)| said(birth)),
                spilled: None,
            }],
        }
    }

    fn scan(kind: Option<&str>) -> Content {
        Content::Other {
            kind: kind.map(Into::into),
        }
    }

    /// A list whose rows name these people (name, birth date).
    fn list(file: &str, people: &[(&str, &str)]) -> Content {
        let field = |text: &str, col| FieldValue {
            text: text.into(),
            date: Date::parse(text),
            source: Source::cell(file, "Sheet1", 0, col),
        };
        let records = people
            .iter()
            .enumerate()
            .map(|(row, (name, birth))| SlimRecord {
                row: row as u32 + 1,
                name: Some(field(name, 1)),
                birth_date: Some(field(birth, 2)),
                unit: None,
                warnings: Vec::new(),
                spilled: None,
            });
        Content::Spreadsheet {
            tables: vec![SlimTable {
                file: file.into(),
                sheet: "Sheet1".into(),
                records: records.collect(),
            }],
            warnings: Vec::new(),
        }
    }

    /// `files` put in byte-wise path order, as the ingest stage hands them on.
    fn batch(mut files: Vec<(&str, Content)>) -> (Vec<Arc<str>>, Vec<Content>) {
        files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        files.into_iter().map(|(f, c)| (f.into(), c)).unzip()
    }

    fn paths<T: AsRef<str>>(items: &[T]) -> Vec<&str> {
        items.iter().map(AsRef::as_ref).collect()
    }

    /// Each dossier's path, with the paths `of` it gives.
    fn by_dossier<'a>(
        asm: &'a Assembly,
        of: impl Fn(&'a SlimDossier) -> &'a [Arc<str>],
    ) -> Vec<(&'a str, Vec<&'a str>)> {
        asm.dossiers
            .iter()
            .map(|d| (d.path.as_str(), paths(of(d))))
            .collect()
    }

    #[test]
    fn dossiers_come_in_path_order_whatever_the_order_of_their_files() {
        let form = |f: &str, name| (f, word(f, Some(FORM), Some((name, "1970")))).1;
        let (found, contents) = batch(vec![
            // First in file order ('-' sorts before '/'), second in path order.
            ("u/a-1-b/don.docx", form("u/a-1-b/don.docx", "Bé")),
            ("u/a-1/don.docx", form("u/a-1/don.docx", "An")),
            // A dossier inside a dossier, between files of the outer one.
            ("u/a-1/n/don.docx", form("u/a-1/n/don.docx", "Nở")),
            ("u/a-1/x/bang.pdf", scan(Some("van_bang"))),
            ("u/a-1/z.pdf", scan(None)),
            (
                "u/cong-van.docx",
                word("u/cong-van.docx", Some(REQUEST_LETTER), None),
            ),
        ]);
        let asm = assemble(&found, contents, &vocab());
        let dossiers: Vec<&str> = asm.dossiers.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(dossiers, ["u/a-1", "u/a-1-b", "u/a-1/n"]);
        let outer = &asm.dossiers[0];
        assert_eq!(
            paths(&outer.files),
            ["u/a-1/don.docx", "u/a-1/x/bang.pdf", "u/a-1/z.pdf"]
        );
        assert_eq!(outer.applicant_name(), Some("An"));
        assert_eq!(
            outer.documents.get("van_bang").map(|f| &**f),
            Some("u/a-1/x/bang.pdf")
        );
        assert_eq!(paths(&asm.dossiers[2].files), ["u/a-1/n/don.docx"]);
        for d in &asm.dossiers {
            assert_eq!(paths(&d.request_letters), ["u/cong-van.docx"], "{}", d.path);
        }
        assert_eq!(paths(&asm.request_letters), ["u/cong-van.docx"]);
        assert!(asm.unused.is_empty());
    }

    #[test]
    fn strays_go_to_the_one_file_dossier_they_name_and_are_compared_there() {
        let vocab = vocab();
        let one = ("Trần Văn Một", "01/02/1970");
        let (found, contents) = batch(vec![
            (
                "a/don.docx",
                word("a/don.docx", Some(FORM), Some(("Đinh Thị A", "1971"))),
            ),
            // A form at the root beside dossiers below it: a one-file dossier.
            (
                "don-lac.docx",
                word("don-lac.docx", Some(FORM), Some(("Lạc", "1972"))),
            ),
            (
                "cong-van.docx",
                word("cong-van.docx", Some(REQUEST_LETTER), None),
            ),
            ("m/don-1.docx", word("m/don-1.docx", Some(FORM), Some(one))),
            (
                "m/don-2.docx",
                word("m/don-2.docx", Some(FORM), Some(("Lê Thị Hai", "1973"))),
            ),
            // Names Một, with another birth date than his form's.
            (
                "m/bang-diem-x.docx",
                word(
                    "m/bang-diem-x.docx",
                    Some(TRANSCRIPT),
                    Some(("Trần Văn Một", "01/02/1971")),
                ),
            ),
            (
                "m/Trần Văn Một - bằng tốt nghiệp.pdf",
                scan(Some("van_bang")),
            ),
            ("m/ghi-chu.pdf", scan(None)),
            ("m/bao-cao.docx", word("m/bao-cao.docx", None, None)),
            (
                "trong.xlsx",
                Content::Spreadsheet {
                    tables: Vec::new(),
                    warnings: Vec::new(),
                },
            ),
            (
                "ds.xlsx",
                list(
                    "ds.xlsx",
                    &[("Lê Thị Hai", "1973"), ("Trần Văn Một", "05/05/1970")],
                ),
            ),
        ]);
        let asm = assemble(&found, contents, &vocab);
        let applicants = crate::matching::pair::pair(&asm);
        let dossiers: Vec<&str> = asm.dossiers.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            dossiers,
            ["a", "don-lac.docx", "m/don-1.docx", "m/don-2.docx"]
        );
        let mot = &asm.dossiers[2];
        assert_eq!(
            paths(&mot.files),
            [
                "m/don-1.docx",
                "m/Trần Văn Một - bằng tốt nghiệp.pdf",
                "m/bang-diem-x.docx"
            ]
        );
        assert!(mot.transcript.is_some());
        for d in &asm.dossiers {
            assert_eq!(paths(&d.request_letters), ["cong-van.docx"], "{}", d.path);
        }
        assert_eq!(asm.lists, ["ds.xlsx"]);
        assert_eq!(asm.rows.len(), 2);
        assert_eq!(paths(&asm.request_letters), ["cong-van.docx"]);
        let unused: Vec<(&str, &str)> = asm
            .unused
            .iter()
            .map(|u| (u.path.as_str(), u.reason.as_str()))
            .collect();
        let why = |kind| vocab.unused.render(kind, &[String::new()]);
        let (unknown, ambiguous, no_list) = (
            why(Unused::UnknownDocument),
            why(Unused::Ambiguous),
            why(Unused::NoList),
        );
        // The scan names nobody, beside forms: whose it is cannot be told
        // (not that there is no form).
        assert_eq!(
            unused,
            [
                ("m/bao-cao.docx", unknown.as_str()),
                ("m/ghi-chu.pdf", ambiguous.as_str()),
                ("trong.xlsx", no_list.as_str())
            ]
        );

        // Một's row differs from his form in birth date, and so does the
        // transcript that joined his dossier: the list's mismatch first.
        let of_mot: &Applicant = &applicants[2];
        assert_eq!((of_mot.dossier, of_mot.row), (Some(2), Some(1)));
        let found: Vec<(&str, Place, Place)> = of_mot
            .mismatches
            .iter()
            .map(|m| (m.field, m.a.0, m.b.0))
            .collect();
        assert_eq!(
            found,
            [
                ("birth_date", Place::List, Place::Form),
                ("birth_date", Place::Form, Place::Transcript)
            ]
        );
        assert_eq!(applicants.len(), 4);
        assert_eq!(applicants[3].row, Some(0));
        // The one-file dossiers of a folder share one list of letters.
        assert!(Arc::ptr_eq(
            &asm.dossiers[2].request_letters,
            &asm.dossiers[3].request_letters
        ));
    }

    /// A stray file goes to the one dossier it names, and stays unused when
    /// it names several: two applicants of one name, or a scan whose file
    /// name spells two applicants' names, one within the other.
    #[test]
    fn a_stray_file_naming_several_dossiers_goes_to_none() {
        fn form<'a>(f: &'a str, name: &str) -> (&'a str, Content) {
            (f, word(f, Some(FORM), Some((name, "1970"))))
        }
        fn transcript<'a>(f: &'a str, name: &str) -> (&'a str, Content) {
            (f, word(f, Some(TRANSCRIPT), Some((name, "1970"))))
        }
        let (found, contents) = batch(vec![
            form("m/don-1.docx", "Trần Văn"),
            form("m/don-2.docx", "Trần Văn Một"),
            form("m/don-3.docx", "Lê Hai"),
            form("m/don-4.docx", "LÊ  HAI"),
            form("m/don-5.docx", "Đỗ Ba"),
            transcript("m/bang-diem-1.docx", "Trần Văn Một"),
            transcript("m/bang-diem-2.docx", "Lê Hai"),
            ("m/Trần Văn Một - bằng.pdf", scan(Some("van_bang"))),
            ("m/do-ba-bang.pdf", scan(Some("van_bang"))),
        ]);
        let asm = assemble(&found, contents, &vocab());
        assert_eq!(
            by_dossier(&asm, |d| &d.files),
            [
                ("m/don-1.docx", vec!["m/don-1.docx"]),
                ("m/don-2.docx", vec!["m/don-2.docx", "m/bang-diem-1.docx"]),
                ("m/don-3.docx", vec!["m/don-3.docx"]),
                ("m/don-4.docx", vec!["m/don-4.docx"]),
                ("m/don-5.docx", vec!["m/don-5.docx", "m/do-ba-bang.pdf"]),
            ]
        );
        let ambiguous = vocab().unused.render(Unused::Ambiguous, &[String::new()]);
        let unused: Vec<(&str, &str)> = asm
            .unused
            .iter()
            .map(|u| (u.path.as_str(), u.reason.as_str()))
            .collect();
        assert_eq!(
            unused,
            [
                ("m/Trần Văn Một - bằng.pdf", ambiguous.as_str()),
                ("m/bang-diem-2.docx", ambiguous.as_str())
            ]
        );
        // Each dossier it may belong to and that lacks what it holds keeps
        // it in view (Một has a transcript, but no diploma).
        assert_eq!(
            by_dossier(&asm, |d| &d.unattributed),
            [
                ("m/don-1.docx", vec!["m/Trần Văn Một - bằng.pdf"]),
                ("m/don-2.docx", vec!["m/Trần Văn Một - bằng.pdf"]),
                ("m/don-3.docx", vec!["m/bang-diem-2.docx"]),
                ("m/don-4.docx", vec!["m/bang-diem-2.docx"]),
                ("m/don-5.docx", vec![]),
            ]
        );
    }

    /// Between dossiers of one name, a stray file goes to the one its
    /// transcript's birth date tells, or else to the one whose form's file
    /// name it shares a telling start with; a transcript whose name differs
    /// only in diacritics goes to the dossier of that name.
    #[test]
    fn a_stray_file_goes_to_the_dossier_its_birth_date_or_file_name_tells() {
        fn part(f: &str, kind: &str, name: &str, born: &str) -> (String, Content) {
            (f.to_string(), word(f, Some(kind), Some((name, born))))
        }
        let mut files = vec![
            part("m/01-an-don.docx", FORM, "Lê An", "01/02/1970"),
            part("m/02-an-don.docx", FORM, "Lê An", "03/04/1980"),
            part("m/05-ba-don.docx", FORM, "Đỗ Ba", "01/01/1975"),
            part("m/12-ba-don.docx", FORM, "Đỗ Ba", "01/01/1975"),
            part("m/20-cuong-don.docx", FORM, "Phạm Cường", "01/01/1990"),
            // Lê An of 1980, whatever the file is called.
            part("m/bang-diem-an.docx", TRANSCRIPT, "Lê An", "03/04/1980"),
            // Đỗ Ba sent twice: the file name tells.
            part("m/12-ba-bang-diem.docx", TRANSCRIPT, "Đỗ Ba", "01/01/1975"),
            // Only in diacritics: Cường's, to be compared there.
            part(
                "m/bang-diem-cuong.docx",
                TRANSCRIPT,
                "Phạm Cuờng",
                "01/01/1990",
            ),
        ];
        files.push(("m/05-do-ba-bang.pdf".into(), scan(Some("van_bang"))));
        let (found, contents) = batch(files.iter().map(|(f, c)| (f.as_str(), c.clone())).collect());
        let asm = assemble(&found, contents, &vocab());
        assert_eq!(
            by_dossier(&asm, |d| &d.files),
            [
                ("m/01-an-don.docx", vec!["m/01-an-don.docx"]),
                (
                    "m/02-an-don.docx",
                    vec!["m/02-an-don.docx", "m/bang-diem-an.docx"]
                ),
                (
                    "m/05-ba-don.docx",
                    vec!["m/05-ba-don.docx", "m/05-do-ba-bang.pdf"]
                ),
                (
                    "m/12-ba-don.docx",
                    vec!["m/12-ba-don.docx", "m/12-ba-bang-diem.docx"]
                ),
                (
                    "m/20-cuong-don.docx",
                    vec!["m/20-cuong-don.docx", "m/bang-diem-cuong.docx"]
                ),
            ]
        );
        assert!(asm.unused.is_empty(), "{:?}", asm.unused);
    }

    proptest::proptest! {
        /// Whatever the file names (letters of several bytes, names that
        /// are prefixes of each other, alike or not), telling a file's
        /// dossier by its name never panics, and picks one of those given,
        /// whose form's name starts as the file's does.
        #[test]
        fn telling_by_file_name_never_panics(
            forms in proptest::collection::vec("[aĐỗ1-]{0,6}(\\.docx)?", 2..5),
            name in "[aĐỗ1-]{0,8}",
        ) {
            let dossiers: Vec<SlimDossier> = forms
                .iter()
                .map(|f| SlimDossier::new(format!("m/{f}")))
                .collect();
            let found: Vec<usize> = (0..dossiers.len()).collect();
            if let Some(i) = closest_by_file_name(&dossiers, &found, &name) {
                proptest::prop_assert!(found.contains(&i));
                let first = forms[i].chars().next();
                proptest::prop_assert!(first.is_some() && first == name.chars().next());
            }
        }
    }

    /// The files below a folder, found by bisection in path order, are
    /// those a plain filter finds, whatever sorts between the folder and
    /// its files ("u-2", "u.docx", "u0" come between "u" and "u/").
    #[test]
    fn files_below_a_folder_are_found_in_path_order() {
        let mut paths = vec![
            "u",
            "u-2/a.docx",
            "u.docx",
            "u/a.docx",
            "u/b/c.docx",
            "u0/a.docx",
            "ua/b.docx",
            "v/u/a.docx",
            "a/u/b.docx",
            "u/",
            "uu/a",
        ];
        paths.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for folder in ["", "u", "u/b", "v", "a/u", "x", "u-2", "uu"] {
            let found = crate::matching::under(&paths, |p| p, folder);
            let want: Vec<&str> = paths
                .iter()
                .copied()
                .filter(|p| is_below(p, folder))
                .collect();
            assert_eq!(found, want, "below {folder:?}");
        }
    }

    /// A verdict key changes with anything the verdict is made from: the
    /// row, the dossier's files, parts and their blobs, its documents,
    /// letters and unreadable files, the pairing and the mismatches.
    #[test]
    fn verdict_keys_change_with_every_input_of_the_verdict() {
        use crate::spill::Blob;
        let blob = |check| {
            Some(Blob {
                offset: 8,
                len: 20,
                check,
            })
        };
        let (found, mut contents) = batch(vec![
            (
                "u/a/don.docx",
                word("u/a/don.docx", Some(FORM), Some(("An", "1970"))),
            ),
            (
                "u/b/don.docx",
                word("u/b/don.docx", Some(FORM), Some(("Bé", "1971"))),
            ),
            ("u/ds.xlsx", list("u/ds.xlsx", &[("An", "1970")])),
        ]);
        for content in &mut contents {
            match content {
                Content::Word { parts } => parts.iter_mut().for_each(|p| p.spilled = blob(1)),
                Content::Spreadsheet { tables, .. } => tables[0]
                    .records
                    .iter_mut()
                    .for_each(|r| r.spilled = blob(2)),
                _ => {}
            }
        }
        let asm = assemble(&found, contents, &vocab());
        let applicants = crate::matching::pair::pair(&asm);
        let first = applicants[0].clone();
        assert_eq!((first.dossier, first.row), (Some(0), Some(0)));
        let key = |asm: &Assembly, a: &Applicant| asm.verdict_key(a).unwrap();
        let base = key(&asm, &first);
        assert_eq!(base, key(&asm, &first), "the same inputs, the same key");
        assert_ne!(base, key(&asm, &applicants[1]));

        type Change<'a> = Box<dyn Fn(&mut Assembly, &mut Applicant) + 'a>;
        let changed: Vec<(&str, Change)> = vec![
            (
                "row blob",
                Box::new(|asm, _| asm.rows[0].record.spilled = blob(3)),
            ),
            ("row number", Box::new(|asm, _| asm.rows[0].record.row += 1)),
            (
                "row warning",
                Box::new(|asm, _| asm.rows[0].record.warnings.push("ô trống".into())),
            ),
            (
                "row sheet",
                Box::new(|asm, _| asm.rows[0].sheet = "Sheet2".into()),
            ),
            ("no row", Box::new(|_, a| a.row = None)),
            (
                "part blob",
                Box::new(|asm, _| asm.dossiers[0].form.as_mut().unwrap().spilled = blob(4)),
            ),
            (
                "part kind",
                Box::new(|asm, _| {
                    asm.dossiers[0].form.as_mut().unwrap().kind = Some("khac".into())
                }),
            ),
            (
                "form as transcript",
                Box::new(|asm, _| {
                    let d = &mut asm.dossiers[0];
                    d.transcript = d.form.take();
                }),
            ),
            (
                "a file more",
                Box::new(|asm, _| asm.dossiers[0].files.push("u/a/x.pdf".into())),
            ),
            (
                "a document",
                Box::new(|asm, _| {
                    asm.dossiers[0]
                        .documents
                        .insert("van_bang".into(), "u/a/x.pdf".into());
                }),
            ),
            (
                "a letter",
                Box::new(|asm, _| {
                    let d = &mut asm.dossiers[0];
                    let more = d
                        .request_letters
                        .iter()
                        .cloned()
                        .chain(["u/cv.docx".into()]);
                    d.request_letters = more.collect();
                }),
            ),
            (
                "unreadable",
                Box::new(|asm, _| {
                    asm.dossiers[0]
                        .unreadable
                        .push(("u/a/x.pdf".into(), "hỏng".into()))
                }),
            ),
            (
                "dossier path",
                Box::new(|asm, _| asm.dossiers[0].path.push('x')),
            ),
            ("a duplicate", Box::new(|_, a| a.duplicate_of = Some(1))),
            (
                "a mismatch",
                Box::new(|asm, a| {
                    let source = asm.rows[0].source("name");
                    a.mismatches.push(Mismatch {
                        field: "name",
                        a: (Place::List, "An".into(), source.clone()),
                        b: (Place::Form, "Ân".into(), source),
                    })
                }),
            ),
        ];
        for (what, change) in changed {
            let (mut asm, mut a) = (clone_assembly(&asm), first.clone());
            change(&mut asm, &mut a);
            assert_ne!(base, key(&asm, &a), "{what}");
        }

        // A row alone is judged by the Word files that could not be read
        // below its list's folder, and by no others.
        let row_alone = Applicant {
            dossier: None,
            ..first.clone()
        };
        let alone = key(&asm, &row_alone);
        let unread = |path: &str| {
            let mut asm = clone_assembly(&asm);
            asm.unread_documents.push(UnreadDocument {
                path: path.into(),
                why: "hỏng".into(),
                kind: None,
                names: Vec::new(),
            });
            key(&asm, &row_alone)
        };
        assert_ne!(alone, unread("u/c/don.docx"));
        assert_eq!(alone, unread("v/c/don.docx"));
        assert_eq!(alone, unread("u-2/c/don.docx"));
    }

    fn clone_assembly(asm: &Assembly) -> Assembly {
        Assembly {
            lists: asm.lists.clone(),
            rows: asm.rows.clone(),
            dossiers: asm.dossiers.clone(),
            request_letters: asm.request_letters.clone(),
            unused: asm.unused.clone(),
            unread_documents: asm.unread_documents.clone(),
            ..Assembly::default()
        }
    }

    /// The unread files near a row and above a dossier, as the index finds
    /// them, are those a scan of every unread file finds (the way they were
    /// found before the index), in the same order, for every row and
    /// dossier of a batch with unread files at every level: named and
    /// nameless, of each kind, beside and above lists and dossiers.
    #[test]
    fn unread_files_are_found_by_the_index_as_by_a_scan() {
        use crate::matching::under;
        let unread = |path: &str, kind: Option<&str>, names: &[usize]| UnreadDocument {
            path: path.into(),
            why: String::new(),
            kind: kind.map(Into::into),
            names: names.to_vec(),
        };
        let row = |file: &str| SlimRow {
            file: file.into(),
            sheet: "DS".into(),
            record: SlimRecord {
                row: 1,
                name: None,
                birth_date: None,
                unit: None,
                warnings: Vec::new(),
                spilled: None,
            },
        };
        let asm = Assembly {
            rows: vec![
                row("ds.xlsx"),
                row("a/ds.xlsx"),
                row("a/ds.xlsx"),
                row("a/b/ds.xlsx"),
            ],
            dossiers: ["a/b/c", "a/don-1.docx", "a/don-2.docx", "x/y"]
                .into_iter()
                .map(|p| SlimDossier::new(p.into()))
                .collect(),
            unread_documents: vec![
                unread("a/0.docx", None, &[]),
                unread("a/an.docx", None, &[1]),
                unread("a/b/cong-van.pdf", Some(REQUEST_LETTER), &[]),
                unread("a/b/don.pdf", Some(FORM), &[]),
                unread("a/b/z.docx", None, &[]),
                unread("a/hai.docx", None, &[2, 3]),
                unread("a/x.docx", None, &[]),
                unread("a/z/w.docx", None, &[]),
                unread("b.docx", None, &[]),
                unread("x/don.pdf", Some(FORM), &[0]),
            ],
            ..Assembly::default()
        };
        let all = &asm.unread_documents;
        let paths = |found: Vec<&UnreadDocument>| -> Vec<String> {
            found.iter().map(|u| u.path.to_string()).collect()
        };
        for (r, row) in asm.rows.iter().enumerate() {
            let scanned = under(all, |u| &u.path, parent_of(&row.file))
                .iter()
                .filter(|u| {
                    u.kind.as_deref().is_none_or(|k| k == FORM)
                        && (u.names.is_empty() || u.names.contains(&r))
                })
                .collect();
            assert_eq!(paths(asm.unread_near(r)), paths(scanned), "row {r}");
        }
        for (d, dossier) in asm.dossiers.iter().enumerate() {
            let mut scanned = Vec::new();
            let mut folder = &*dossier.path;
            while !folder.is_empty() {
                folder = parent_of(folder);
                scanned.extend(under(all, |u| &u.path, folder).iter().filter(|u| {
                    u.kind.as_deref().is_none_or(|k| k == REQUEST_LETTER)
                        && u.names.is_empty()
                        && parent_of(&u.path) == folder
                }));
            }
            scanned.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
            assert_eq!(
                paths(asm.unread_above(d)),
                paths(scanned),
                "{}",
                dossier.path
            );
        }
        // Not vacuous: each question finds files, and not all of them.
        assert_eq!(
            paths(asm.unread_near(1)),
            [
                "a/0.docx",
                "a/an.docx",
                "a/b/don.pdf",
                "a/b/z.docx",
                "a/x.docx",
                "a/z/w.docx"
            ]
        );
        assert_eq!(
            paths(asm.unread_above(0)),
            [
                "a/0.docx",
                "a/b/cong-van.pdf",
                "a/b/z.docx",
                "a/x.docx",
                "b.docx"
            ]
        );
    }
}
