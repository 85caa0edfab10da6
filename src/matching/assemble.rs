//! Assemble: from every file's content, the batch's lists, dossiers, request
//! letters and unused files (domain.md §3).
//!
//! A dossier is a folder that holds an application form (or, failing that, a
//! transcript), with everything below it that is not itself another dossier.
//! A folder holding several forms side by side holds several one-file
//! dossiers (one .docx per applicant, each holding several documents).
//! A request letter covers every dossier in its folder and below.

use super::{Assembly, SlimDossier, SlimRow};
use crate::discover::parent_of;
use crate::ingest::dossier_doc::SlimPart;
use crate::ingest::file::Content;
use crate::text::{fold_words, key};
use crate::verdict::UnusedFile;
use crate::vocab::{Vocabulary, contains_words};
use foldhash::fast::FixedState;
use std::sync::Arc;

/// Sets and maps keyed by paths and kinds: hashed with foldhash, several
/// times cheaper than SipHash on paths this long (and nothing here is
/// iterated in an order that would show).
type HashMap<K, V> = std::collections::HashMap<K, V, FixedState>;
type HashSet<T> = std::collections::HashSet<T, FixedState>;

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
        self.rel.rsplit('/').next().unwrap_or(&self.rel)
    }
}

/// Files (relative paths) in byte-wise path order and their contents, as
/// the ingest stage produced them (two lists, not one of pairs: at 300,000
/// files a zipped copy is 30 MB of peak memory). `vocab` words why a file
/// could not be read or is unused.
pub fn assemble(found: &[Arc<str>], contents: Vec<Content>, vocab: &Vocabulary) -> Assembly {
    let mut asm = Assembly::default();
    let dossier_homes = dossier_homes(found, &contents);
    // Request letters by folder, to cover dossiers below them afterwards.
    let mut letters: Vec<(String, Arc<str>)> = Vec::new();
    let mut kinds = Kinds::default();
    let mut by_home: HashMap<&str, usize> = HashMap::with_capacity_and_hasher(
        dossier_homes.folders.len() + dossier_homes.files.len(),
        FixedState::default(),
    );
    // Sized once: doubling a Vec of 100,000 dossiers holds both copies for a
    // moment, the largest peak of a big run.
    asm.dossiers
        .reserve_exact(dossier_homes.folders.len() + dossier_homes.files.len());
    asm.rows.reserve_exact(
        contents
            .iter()
            .map(|c| match c {
                Content::Spreadsheet { tables } => tables.iter().map(|t| t.records.len()).sum(),
                _ => 0,
            })
            .sum(),
    );
    let mut stray: Vec<(File, Content)> = Vec::new();
    // The home of the last file's folder: files come in path order, so
    // most files share their folder with the one before.
    let mut last_home: Option<(&str, Option<&str>)> = None;
    // And the last dossier added to, most often the next file's too.
    let mut last_dossier: Option<(&str, usize)> = None;

    for (rel, content) in found.iter().zip(contents) {
        let file = File { rel: rel.clone() };
        if has_part(&content, REQUEST_LETTER) {
            letters.push((file.folder().to_string(), file.rel.clone()));
        }
        match content {
            Content::Spreadsheet { tables } if !tables.is_empty() => {
                asm.lists.push(file.rel.to_string());
                for t in tables {
                    for r in t.records {
                        asm.rows.push(SlimRow {
                            file: t.file.clone(),
                            sheet: t.sheet.clone(),
                            record: r,
                        });
                    }
                }
            }
            content => {
                // Only form files are one-file dossiers: the others need no look-up.
                let own = has_part(&content, FORM)
                    .then(|| dossier_homes.files.get(&*file.rel).copied())
                    .flatten();
                let home = match own {
                    Some(home) => Some(home),
                    None => match last_home {
                        Some((folder, home)) if folder == file.folder() => home,
                        _ => {
                            let home = folder_home(file.folder(), &dossier_homes);
                            last_home = Some((parent_of(rel), home));
                            home
                        }
                    },
                };
                match home {
                    Some(home) => {
                        let idx = match last_dossier {
                            Some((last, idx)) if last == home => idx,
                            _ => *by_home.entry(home).or_insert_with(|| {
                                asm.dossiers.push(SlimDossier::new(home.to_string()));
                                asm.dossiers.len() - 1
                            }),
                        };
                        last_dossier = Some((home, idx));
                        asm.dossiers[idx].add(file, content, &mut kinds, vocab);
                    }
                    None => stray.push((file, content)),
                }
            }
        }
    }

    attribute_strays(&mut asm, stray, &dossier_homes, &mut kinds, vocab);
    // Letters by folder: each dossier looks up its own folder and those
    // above it (a scan of every letter for every dossier was quadratic).
    let mut letters_in: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, (folder, _)) in letters.iter().enumerate() {
        letters_in.entry(folder.as_str()).or_default().push(i);
    }
    for d in &mut asm.dossiers {
        let mut folder = if dossier_homes.folders.contains(d.path.as_str()) {
            d.path.as_str()
        } else {
            parent_of(&d.path)
        };
        let mut covering: Vec<usize> = Vec::new();
        loop {
            covering.extend(letters_in.get(folder).into_iter().flatten());
            if folder.is_empty() {
                break;
            }
            folder = parent_of(folder);
        }
        covering.sort_unstable();
        d.request_letters = covering.iter().map(|&i| letters[i].1.clone()).collect();
    }
    asm.dossiers
        .sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    asm.unused
        .sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    asm
}

/// Where dossiers live: folders that are one dossier, and form files that
/// are one dossier each (in folders holding several forms).
#[derive(Default)]
struct Homes<'a> {
    folders: HashSet<&'a str>,
    files: HashSet<&'a str>,
}

fn dossier_homes<'a>(found: &'a [Arc<str>], contents: &[Content]) -> Homes<'a> {
    let mut forms: HashMap<&str, Vec<&str>> = HashMap::default();
    let mut transcripts: HashSet<&str> = HashSet::default();
    for (file, content) in found.iter().zip(contents) {
        if has_part(content, FORM) {
            forms.entry(parent_of(file)).or_default().push(file);
        } else if has_part(content, TRANSCRIPT) {
            transcripts.insert(parent_of(file));
        }
    }
    let mut homes = Homes::default();
    for (folder, files) in &forms {
        if files.len() == 1 {
            homes.folders.insert(folder);
        } else {
            homes.files.extend(files);
        }
    }
    // A transcript without a form still makes its folder a dossier (one
    // that needs review), unless the folder already holds forms.
    for folder in transcripts {
        if !forms.contains_key(folder) {
            homes.folders.insert(folder);
        }
    }
    // The batch root is never a one-person dossier when dossiers sit below
    // it: a stray form at the root would otherwise swallow the whole batch.
    if homes.folders.contains("") && homes.folders.iter().any(|f| !f.is_empty()) {
        homes.folders.remove("");
        for (file, content) in found.iter().zip(contents) {
            if parent_of(file).is_empty() && has_part(content, FORM) {
                homes.files.insert(file);
            }
        }
    }
    homes
}

/// Whether `content` is a Word document with a part of `kind`.
fn has_part(content: &Content, kind: &str) -> bool {
    matches!(content, Content::Word { parts } if parts.iter().any(|p| p.kind.as_deref() == Some(kind)))
}

/// The dossier of a file in `folder` that is not itself a one-file
/// dossier: the nearest folder from `folder` up that is a dossier.
fn folder_home<'h>(mut folder: &str, homes: &Homes<'h>) -> Option<&'h str> {
    loop {
        if let Some(home) = homes.folders.get(folder) {
            return Some(home);
        }
        if folder.is_empty() {
            return None;
        }
        folder = parent_of(folder);
    }
}

/// Files outside dossier folders: request letters stay letters; in folders
/// of one-file dossiers, transcripts and scans go to the dossier whose
/// applicant they name; the rest is unused, with the reason.
fn attribute_strays(
    asm: &mut Assembly,
    stray: Vec<(File, Content)>,
    homes: &Homes,
    kinds: &mut Kinds,
    vocab: &Vocabulary,
) {
    // One-file dossiers by folder, found once (not per stray file).
    let mut one_file: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, d) in asm.dossiers.iter().enumerate() {
        if let Some(path) = homes.files.get(d.path.as_str()) {
            one_file.entry(parent_of(path)).or_default().push(i);
        }
    }
    for (file, content) in stray {
        let siblings: &[usize] = one_file.get(file.folder()).map_or(&[], |s| s);
        if let Some(i) = owner_by_name(asm, siblings, &file, &content) {
            asm.dossiers[i].add(file, content, kinds, vocab);
            continue;
        }
        let (kind, why) = match &content {
            Content::Word { parts }
                if parts
                    .iter()
                    .any(|p| p.kind.as_deref() == Some(REQUEST_LETTER)) =>
            {
                asm.request_letters.push(file.rel.to_string());
                continue;
            }
            Content::Unreadable(e) => (Unused::Unreadable, e.explain(vocab)),
            Content::Spreadsheet { .. } => (Unused::NoList, String::new()),
            Content::Word { parts } if parts.iter().all(|p| p.kind.is_none()) => {
                (Unused::UnknownDocument, String::new())
            }
            Content::Word { .. } if !siblings.is_empty() => (Unused::Ambiguous, String::new()),
            Content::Word { .. } => (Unused::OutsideDossier, String::new()),
            Content::Other { .. } => (Unused::NoDossier, String::new()),
        };
        asm.unused.push(UnusedFile {
            path: file.rel.to_string(),
            reason: vocab.unused.render(kind, &[why]),
        });
    }
}

/// A one-file dossier whose applicant the stray file names: a transcript
/// with the same holder name, or a scan whose file name contains the name.
fn owner_by_name(
    asm: &Assembly,
    candidates: &[usize],
    file: &File,
    content: &Content,
) -> Option<usize> {
    let matches = |i: &&usize| {
        let Some(name) = asm.dossiers[**i].applicant_name() else {
            return false;
        };
        match content {
            Content::Word { parts } => parts
                .iter()
                .any(|p| p.name.as_ref().is_some_and(|f| key(&f.text) == key(name))),
            Content::Other { .. } => {
                contains_words(&fold_words(file.file_name()), &fold_words(name))
            }
            _ => false,
        }
    };
    let found: Vec<&usize> = candidates.iter().filter(matches).collect();
    (found.len() == 1).then(|| *found[0])
}

/// Document kinds, one shared copy each: 100,000 dossiers name the same
/// handful of kinds.
#[derive(Default)]
struct Kinds(HashMap<Box<str>, Arc<str>>);

impl Kinds {
    fn get(&mut self, kind: &str) -> Arc<str> {
        if let Some(k) = self.0.get(kind) {
            return k.clone();
        }
        let k: Arc<str> = kind.into();
        self.0.insert(kind.into(), k.clone());
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
    ];

    fn key(self) -> &'static str {
        match self {
            Unused::Unreadable => "unreadable",
            Unused::NoList => "no_list",
            Unused::UnknownDocument => "unknown_document",
            Unused::Ambiguous => "ambiguous",
            Unused::OutsideDossier => "outside_dossier",
            Unused::NoDossier => "no_dossier",
        }
    }

    fn placeholders(self) -> &'static [&'static str] {
        match self {
            Unused::Unreadable => &["why"],
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
        }
    }

    fn shipped() -> &'static crate::messages::Texts<Self> {
        static SHIPPED: std::sync::OnceLock<crate::messages::Texts<Unused>> =
            std::sync::OnceLock::new();
        SHIPPED.get_or_init(crate::messages::Texts::parse_shipped)
    }
}
