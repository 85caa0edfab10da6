//! Pairing list rows with dossiers (domain.md §5, decisions 2–4).
//!
//! Names compare by [`key`] (NFC, whitespace collapsed, case ignored,
//! diacritics kept); a year-only birth date matches any date in its year.
//! Leftovers that differ only in birth date, or only in diacritics, are paired
//! and reported as a mismatch rather than as two unrelated rejections.

use super::{Applicant, Assembly, Mismatch, Named, Place, SlimDossier, SlimRow};
use crate::date::Date;
use crate::ingest::dossier_doc::Said;
use crate::text::{fold_key, key};
use foldhash::fast::FixedState;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;

/// The name key of each of `rows`. Keying each name once matters: taking
/// the keys again at every comparison was most of pairing's time.
fn row_keys(rows: &[SlimRow]) -> Vec<Option<String>> {
    rows.par_iter()
        .map(|row| row.text("name").map(key))
        .collect()
}

/// The applicants of `asm`: one per dossier, in order, then one per row
/// left without a dossier.
pub fn pair(asm: &Assembly) -> Vec<Applicant> {
    // Room for the rows left unpaired too: growing the list for them moved
    // all of it (pages never written are never paid for).
    let mut applicants = Vec::with_capacity(asm.dossiers.len() + asm.rows.len());
    let mut ids: Vec<Option<(Named, String)>> = Vec::new();
    // Who each dossier names, keyed once, and how its form and transcript
    // disagree: each dossier on its own, so in parallel, as are the rows.
    let (row_keys, ()) = rayon::join(
        || row_keys(&asm.rows),
        || {
            asm.dossiers
                .par_iter()
                .enumerate()
                .map(|(i, d)| {
                    let id = d.named().map(|n| (n, key(&n.name.text)));
                    let applicant = Applicant {
                        dossier: Some(i),
                        mismatches: form_vs_transcript(d, id.as_ref()),
                        ..Applicant::default()
                    };
                    (id, applicant)
                })
                .unzip_into_vecs(&mut ids, &mut applicants)
        },
    );

    // The rows by name, grouped while duplicates are found.
    let (rows_by_key, ()) = rayon::join(
        || {
            let mut rows_by_key = Groups::new(asm.rows.len(), asm.rows.len());
            for (r, name) in row_keys.iter().enumerate() {
                if let Some(name) = name {
                    rows_by_key.push(Cow::Borrowed(name), r);
                }
            }
            rows_by_key
        },
        || mark_duplicates(&ids, &mut applicants),
    );
    // Where each dossier's name starts among the rows, looked up in
    // parallel: the passes below follow these.
    let heads: Vec<Option<usize>> = ids
        .par_iter()
        .map(|id| id.as_ref().and_then(|(_, name)| rows_by_key.first(name)))
        .collect();
    let mut taken = vec![false; asm.rows.len()];
    let originals: Vec<usize> = (0..applicants.len())
        .filter(|&i| applicants[i].duplicate_of.is_none() && ids[i].is_some())
        .collect();

    // Three passes, strictest first, so that an exact match is never stolen
    // by a looser one earlier in path order.
    type Pass = fn(&Named, &SlimRow, bool) -> Option<&'static str>;
    let passes: [(bool, Pass); 3] = [
        (true, |id, row, _| {
            compatible(id.birth_date, row.birth_date()).then_some("")
        }),
        (true, |_, _, _| Some("birth_date")),
        (false, |id, row, same_key| {
            (compatible(id.birth_date, row.birth_date()) && !same_key).then_some("name")
        }),
    ];
    for (by_key, accept) in passes {
        // Only rows still free can pair now: folding just those finds the
        // same rows as folding all (a fold costs as much as a key).
        let rows_by_fold = (!by_key).then(|| {
            let free = taken.iter().filter(|&&t| !t).count();
            let mut groups = Groups::new(asm.rows.len(), free);
            for (r, name) in row_keys.iter().enumerate() {
                if let Some(name) = name
                    && !taken[r]
                {
                    groups.push(Cow::Owned(fold_key(name)), r);
                }
            }
            groups
        });
        for &i in &originals {
            if applicants[i].row.is_some() {
                continue;
            }
            let Some((id, name)) = &ids[i] else { continue };
            let mut candidates = match &rows_by_fold {
                None => rows_by_key.from(heads[i]),
                Some(groups) => groups.from(groups.first(&fold_key(name))),
            };
            let found = candidates.find_map(|r| {
                if taken[r] {
                    None
                } else {
                    let same_key = row_keys[r].as_deref() == Some(name.as_str());
                    accept(id, &asm.rows[r], same_key).map(|why| (r, why))
                }
            });
            if let Some((r, why)) = found {
                taken[r] = true;
                applicants[i].row = Some(r);
                let row = &asm.rows[r];
                let list_side = |field: &'static str| {
                    let text = row.text(field).unwrap_or_default().to_string();
                    let text = if field == "birth_date" {
                        row.birth_date().map(|d| d.display_vn()).unwrap_or(text)
                    } else {
                        text
                    };
                    (Place::List, text, row.source(field))
                };
                // Before the form's own mismatches with its transcript.
                match why {
                    "birth_date" => applicants[i].mismatches.insert(
                        0,
                        Mismatch {
                            field: "birth_date",
                            a: list_side("birth_date"),
                            b: (Place::Form, id.birth_text().to_string(), id.birth_source()),
                        },
                    ),
                    "name" => applicants[i].mismatches.insert(
                        0,
                        Mismatch {
                            field: "name",
                            a: list_side("name"),
                            b: (Place::Form, id.name.text.to_string(), id.name_source()),
                        },
                    ),
                    _ => {}
                }
            }
        }
    }

    // Copies share their original's row, for the record.
    for i in 0..applicants.len() {
        if let Some(j) = applicants[i].duplicate_of {
            applicants[i].row = applicants[j].row;
        }
    }
    let leftover = (0..asm.rows.len()).filter(|&r| !taken[r] && row_keys[r].is_some());
    judge_each_person_once(asm, &row_keys, &rows_by_key, leftover, &mut applicants);
    applicants
}

/// A person for each of the `leftover` rows (rows no dossier took), but
/// for a row repeating an earlier row of the same person (the same name
/// and birth date, both given): a list with someone on it twice (a row
/// copied, an old copy of the list in another sheet) would otherwise give
/// them a second verdict, rejected for want of a dossier they did send.
/// The repeat goes with the earlier row's applicant, for the record.
fn judge_each_person_once(
    asm: &Assembly,
    row_keys: &[Option<String>],
    rows_by_key: &Groups,
    leftover: impl Iterator<Item = usize>,
    applicants: &mut Vec<Applicant>,
) {
    let mut owner: Vec<Option<usize>> = vec![None; asm.rows.len()];
    for (i, a) in applicants.iter().enumerate() {
        if let (Some(r), None) = (a.row, a.duplicate_of) {
            owner[r] = Some(i);
        }
    }
    for r in leftover {
        let Some(name) = row_keys[r].as_deref() else {
            continue;
        };
        let born = asm.rows[r].birth_date();
        let same_person = |other: usize| {
            let theirs = asm.rows[other].birth_date();
            born.is_some() && theirs.is_some() && compatible(born, theirs)
        };
        let earlier = rows_by_key
            .get(name)
            .find(|&o| o != r && owner[o].is_some() && same_person(o));
        match earlier.and_then(|o| owner[o]) {
            Some(i) => {
                applicants[i].listed_again.push(r);
                owner[r] = Some(i);
            }
            None => {
                owner[r] = Some(applicants.len());
                applicants.push(Applicant {
                    row: Some(r),
                    ..Applicant::default()
                });
            }
        }
    }
}

/// Decision 4: the first dossier of a person in path order is the one
/// judged; later ones are its duplicates.
fn mark_duplicates(ids: &[Option<(Named, String)>], applicants: &mut [Applicant]) {
    let mut first_of = Groups::new(ids.len(), ids.len());
    for (i, id) in ids.iter().enumerate() {
        let Some((id, name)) = id else { continue };
        let earlier = first_of
            .get(name)
            .find(|&j| compatible(ids[j].as_ref().and_then(|x| x.0.birth_date), id.birth_date));
        match earlier {
            Some(j) => applicants[i].duplicate_of = Some(j),
            None => first_of.push(Cow::Borrowed(name), i),
        }
    }
}

/// Indices grouped by a text key, each group in the order pushed: a first
/// and last index per key, and a chain through the indices (300,000 small
/// lists, one per name, cost 12 MB more at the peak of a big run). Keys
/// are borrowed where the caller holds them already.
struct Groups<'k> {
    ends: HashMap<Cow<'k, str>, (usize, usize), FixedState>,
    /// The next index of the same group, for each index.
    next: Vec<Option<usize>>,
}

impl<'k> Groups<'k> {
    /// Groups of indices below `n`, of at most `keys` keys (sized once:
    /// growing the map was a tenth of pairing).
    fn new(n: usize, keys: usize) -> Groups<'k> {
        Groups {
            ends: HashMap::with_capacity_and_hasher(keys, FixedState::default()),
            next: vec![None; n],
        }
    }

    fn push(&mut self, key: Cow<'k, str>, i: usize) {
        match self.ends.get_mut(&*key) {
            Some((_, last)) => {
                if let Some(slot) = self.next.get_mut(*last) {
                    *slot = Some(i);
                }
                *last = i;
            }
            None => {
                self.ends.insert(key, (i, i));
            }
        }
    }

    /// The group of `key`, in the order pushed.
    fn get(&self, key: &str) -> impl Iterator<Item = usize> + '_ {
        self.from(self.first(key))
    }

    /// The first index of the group of `key`.
    fn first(&self, key: &str) -> Option<usize> {
        self.ends.get(key).map(|&(first, _)| first)
    }

    /// The group whose first index is `first`, in the order pushed.
    fn from(&self, first: Option<usize>) -> impl Iterator<Item = usize> + '_ {
        let mut at = first;
        std::iter::from_fn(move || {
            let i = at?;
            at = self.next.get(i).copied().flatten();
            Some(i)
        })
    }
}

/// The transcript must name the same person as the form (decision 3: a name
/// that differs only in diacritics is a mismatch too). `id` is who the
/// dossier names, whose name key and birth date are the form's when
/// [`SlimDossier::named`] took them from the form: not taken again.
fn form_vs_transcript(d: &SlimDossier, id: Option<&(Named, String)>) -> Vec<Mismatch> {
    let (Some(form), Some(tr)) = (&d.form, &d.transcript) else {
        return Vec::new();
    };
    let key_of = |said: &Said| match id {
        Some((named, key)) if std::ptr::eq(named.name, said) => Cow::Borrowed(key.as_str()),
        _ => Cow::Owned(key(&said.text)),
    };
    let date_of = |said: &Said| match id {
        Some((named, _)) if named.birth.is_some_and(|b| std::ptr::eq(b, said)) => named.birth_date,
        _ => Date::parse(&said.text),
    };
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (&form.name, &tr.name)
        && !a.text.is_empty()
        && !b.text.is_empty()
        // Equal texts have equal keys: most transcripts copy the form's name.
        && a.text != b.text
        && key_of(a) != key_of(b)
    {
        out.push(Mismatch {
            field: "name",
            a: (Place::Form, a.text.to_string(), a.source(&form.file)),
            b: (Place::Transcript, b.text.to_string(), b.source(&tr.file)),
        });
    }
    if let (Some(a), Some(b)) = (&form.birth_date, &tr.birth_date)
        // Equal texts are the same date (or both none).
        && a.text != b.text
        && let (Some(da), Some(db)) = (date_of(a), date_of(b))
        && !da.compatible(&db)
    {
        out.push(Mismatch {
            field: "birth_date",
            a: (Place::Form, a.text.to_string(), a.source(&form.file)),
            b: (Place::Transcript, b.text.to_string(), b.source(&tr.file)),
        });
    }
    out
}

/// A missing birth date is not evidence of a different person.
fn compatible(a: Option<Date>, b: Option<Date>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.compatible(&b),
        _ => true,
    }
}
