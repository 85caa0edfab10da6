//! Match: who is who. Files are grouped into dossiers ([`assemble`]), then
//! list rows and dossiers are paired into applicants ([`pair`]), each with
//! the mismatches found between the list, the form and the transcript.

pub mod assemble;
pub mod pair;

use crate::date::Date;
use crate::ingest::dossier_doc::DocPart;
use crate::ingest::table::FieldValue;
use crate::source::Source;
use crate::spill::{Blob, Spill, SpillError};
use crate::verdict::UnusedFile;
use litemap::LiteMap;
use std::borrow::Cow;
use std::sync::Arc;

/// One person row of a submission list.
#[derive(Clone, Debug)]
pub struct ListRow {
    pub file: String,
    pub sheet: String,
    /// 0-based row.
    pub row: u32,
    pub fields: LiteMap<String, FieldValue>,
    pub warnings: Vec<String>,
    /// Where the whole fields wait, when slimmed ([`crate::spill`]).
    pub spilled: Option<Blob>,
}

impl ListRow {
    /// This row with every field, read back from the spill when slimmed.
    pub fn whole(&self, spill: &Spill) -> Result<Cow<'_, ListRow>, SpillError> {
        let Some(blob) = self.spilled else {
            return Ok(Cow::Borrowed(self));
        };
        Ok(Cow::Owned(ListRow {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: self.row,
            fields: spill.get_value(blob)?,
            warnings: self.warnings.clone(),
            spilled: None,
        }))
    }

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
        format!("{}!{}!{}", self.file, self.sheet, self.row + 1)
    }

    pub fn source(&self, field: &str) -> Source {
        self.fields
            .get(field)
            .map(|f| f.source.clone())
            .unwrap_or_else(|| Source::cell(self.file.as_str(), self.sheet.as_str(), self.row, 0))
    }
}

/// One applicant's dossier: a folder (or a single file) and what was read in it.
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
    /// Request letters that cover this dossier.
    pub request_letters: Vec<String>,
    /// Files of this dossier that could not be read, with why.
    pub unreadable: Vec<(Arc<str>, String)>,
}

impl Dossier {
    /// This dossier with its form and transcript whole, read back from the
    /// spill when they were slimmed.
    pub fn whole(&self, spill: &Spill) -> Result<Cow<'_, Dossier>, SpillError> {
        let slimmed = |p: &Option<DocPart>| p.as_ref().is_some_and(|p| p.spilled.is_some());
        if !slimmed(&self.form) && !slimmed(&self.transcript) {
            return Ok(Cow::Borrowed(self));
        }
        let whole = |p: &Option<DocPart>| -> Result<Option<DocPart>, SpillError> {
            p.as_ref()
                .map(|p| p.whole(spill).map(Cow::into_owned))
                .transpose()
        };
        Ok(Cow::Owned(Dossier {
            path: self.path.clone(),
            files: self.files.clone(),
            form: whole(&self.form)?,
            transcript: whole(&self.transcript)?,
            documents: self.documents.clone(),
            request_letters: self.request_letters.clone(),
            unreadable: self.unreadable.clone(),
        }))
    }

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
    pub fn verdict_key(&self, applicant: &Applicant) -> Option<u128> {
        #[derive(serde::Serialize)]
        struct Part<'a> {
            file: &'a str,
            kind: &'a Option<String>,
            fields: &'a litemap::LiteMap<String, crate::ingest::dossier_doc::Field>,
            text_len: usize,
            whole: Option<(u64, u32)>,
        }
        fn part(p: &DocPart) -> Part<'_> {
            Part {
                file: &p.file,
                kind: &p.kind,
                fields: &p.fields,
                text_len: p.text_len,
                whole: p.spilled.map(|b| (b.check, b.len)),
            }
        }
        let row = applicant.row.map(|r| {
            let row = &self.rows[r];
            (
                &row.file,
                &row.sheet,
                row.row,
                &row.fields,
                &row.warnings,
                row.spilled.map(|b| (b.check, b.len)),
            )
        });
        let dossier = applicant.dossier.map(|d| {
            let d = &self.dossiers[d];
            (
                &d.path,
                &d.files,
                d.form.as_ref().map(part),
                d.transcript.as_ref().map(part),
                &d.documents,
                &d.request_letters,
                &d.unreadable,
            )
        });
        let duplicate_of = applicant.duplicate_of.map(|d| &self.dossiers[d].path);
        let mismatches = format!("{:?}", applicant.mismatches);
        let bytes = postcard::to_stdvec(&(row, dossier, duplicate_of, mismatches)).ok()?;
        Some(xxhash_rust::xxh3::xxh3_128(&bytes))
    }

    /// `applicant`'s row and dossier, whole.
    pub fn whole(&self, applicant: &Applicant, spill: &Spill) -> Result<Whole<'_>, SpillError> {
        Ok(Whole {
            row: applicant
                .row
                .map(|r| self.rows[r].whole(spill))
                .transpose()?,
            dossier: applicant
                .dossier
                .map(|d| self.dossiers[d].whole(spill))
                .transpose()?,
        })
    }
}

/// Everything in a batch, grouped.
#[derive(Debug, Default)]
pub struct Assembly {
    /// Spreadsheet files that hold lists.
    pub lists: Vec<String>,
    pub rows: Vec<ListRow>,
    pub dossiers: Vec<Dossier>,
    /// Request letters outside dossiers.
    pub request_letters: Vec<String>,
    pub unused: Vec<UnusedFile>,
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
    pub mismatches: Vec<Mismatch>,
}
