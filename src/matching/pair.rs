//! Pairing list rows with dossiers (domain.md §5, decisions 2–4).
//!
//! Names compare by [`key`] (NFC, whitespace collapsed, case ignored,
//! diacritics kept); a year-only birth date matches any date in its year.
//! Leftovers that differ only in birth date, or only in diacritics, are paired
//! and reported as a mismatch rather than as two unrelated rejections.

use super::{Applicant, Assembly, Mismatch, Named, Place, SlimDossier, SlimRow};
use crate::date::Date;
use crate::text::{fold, key};
use std::collections::HashMap;

pub fn pair(asm: &Assembly) -> Vec<Applicant> {
    let ids: Vec<Option<Named>> = asm.dossiers.iter().map(|d| d.named()).collect();
    let mut applicants: Vec<Applicant> = (0..asm.dossiers.len())
        .map(|i| Applicant {
            dossier: Some(i),
            ..Applicant::default()
        })
        .collect();

    // Decision 4: the first dossier of a person in path order is the one judged.
    let mut first_of = Groups::new(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        let name = key(&id.name.text);
        let earlier = first_of
            .get(&name)
            .find(|&j| compatible(ids[j].as_ref().and_then(|x| x.birth_date), id.birth_date));
        match earlier {
            Some(j) => applicants[i].duplicate_of = Some(j),
            None => first_of.push(name, i),
        }
    }
    drop(first_of);

    let mut rows_by_key = Groups::new(asm.rows.len());
    let mut rows_by_fold = Groups::new(asm.rows.len());
    for (r, row) in asm.rows.iter().enumerate() {
        if let Some(name) = row.text("name") {
            rows_by_key.push(key(name), r);
            rows_by_fold.push(fold(name), r);
        }
    }
    let mut taken = vec![false; asm.rows.len()];
    let originals: Vec<usize> = (0..applicants.len())
        .filter(|&i| applicants[i].duplicate_of.is_none() && ids[i].is_some())
        .collect();

    // Three passes, strictest first, so that an exact match is never stolen
    // by a looser one earlier in path order.
    type Pass = fn(&Named, &SlimRow) -> Option<&'static str>;
    let passes: [(bool, Pass); 3] = [
        (true, |id, row| {
            compatible(id.birth_date, row.birth_date()).then_some("")
        }),
        (true, |_, _| Some("birth_date")),
        (false, |id, row| {
            (compatible(id.birth_date, row.birth_date())
                && row.text("name").map(key) != Some(key(&id.name.text)))
            .then_some("name")
        }),
    ];
    for (by_key, accept) in passes {
        for &i in &originals {
            if applicants[i].row.is_some() {
                continue;
            }
            let Some(id) = &ids[i] else { continue };
            let mut candidates = if by_key {
                rows_by_key.get(&key(&id.name.text))
            } else {
                rows_by_fold.get(&fold(&id.name.text))
            };
            let found = candidates.find_map(|r| {
                if taken[r] {
                    None
                } else {
                    accept(id, &asm.rows[r]).map(|why| (r, why))
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
                match why {
                    "birth_date" => applicants[i].mismatches.push(Mismatch {
                        field: "birth_date",
                        a: list_side("birth_date"),
                        b: (Place::Form, id.birth_text().to_string(), id.birth_source()),
                    }),
                    "name" => applicants[i].mismatches.push(Mismatch {
                        field: "name",
                        a: list_side("name"),
                        b: (Place::Form, id.name.text.to_string(), id.name_source()),
                    }),
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
    for (i, applicant) in applicants.iter_mut().enumerate() {
        applicant
            .mismatches
            .extend(form_vs_transcript(&asm.dossiers[i]));
    }
    applicants.extend(
        (0..asm.rows.len())
            .filter(|&r| !taken[r] && asm.rows[r].text("name").is_some())
            .map(|r| Applicant {
                row: Some(r),
                ..Applicant::default()
            }),
    );
    applicants
}

/// Indices grouped by a text key, each group in the order pushed: a first
/// and last index per key, and a chain through the indices (300,000 small
/// lists, one per name, cost 12 MB more at the peak of a big run).
struct Groups {
    ends: HashMap<Box<str>, (usize, usize)>,
    /// The next index of the same group, for each index.
    next: Vec<Option<usize>>,
}

impl Groups {
    /// Groups of indices below `n`.
    fn new(n: usize) -> Groups {
        Groups {
            ends: HashMap::new(),
            next: vec![None; n],
        }
    }

    fn push(&mut self, key: String, i: usize) {
        match self.ends.get_mut(key.as_str()) {
            Some((_, last)) => {
                if let Some(slot) = self.next.get_mut(*last) {
                    *slot = Some(i);
                }
                *last = i;
            }
            None => {
                self.ends.insert(key.into_boxed_str(), (i, i));
            }
        }
    }

    /// The group of `key`, in the order pushed.
    fn get(&self, key: &str) -> impl Iterator<Item = usize> + '_ {
        let mut at = self.ends.get(key).map(|&(first, _)| first);
        std::iter::from_fn(move || {
            let i = at?;
            at = self.next.get(i).copied().flatten();
            Some(i)
        })
    }
}

/// The transcript must name the same person as the form (decision 3: a name
/// that differs only in diacritics is a mismatch too).
fn form_vs_transcript(d: &SlimDossier) -> Vec<Mismatch> {
    let (Some(form), Some(tr)) = (&d.form, &d.transcript) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (&form.name, &tr.name)
        && !a.text.is_empty()
        && !b.text.is_empty()
        && key(&a.text) != key(&b.text)
    {
        out.push(Mismatch {
            field: "name",
            a: (Place::Form, a.text.to_string(), a.source(&form.file)),
            b: (Place::Transcript, b.text.to_string(), b.source(&tr.file)),
        });
    }
    if let (Some(a), Some(b)) = (&form.birth_date, &tr.birth_date)
        && let (Some(da), Some(db)) = (Date::parse(&a.text), Date::parse(&b.text))
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
