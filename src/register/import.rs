//! Importing roster files into the register, one transaction per file.
//!
//! A file's identity is its canonical path; its content hash decides what
//! happens: the same hash again adds nothing, a new hash at a known path
//! replaces that file's classes (delete + insert in one transaction), and a
//! known hash at a new path (a copy, a moved folder) adds nothing either, so
//! a copied roster is never counted twice.
//!
//! Importing a folder also forgets the files the register holds from under
//! it that are gone from disk ([`forget_missing`]): a roster corrected and
//! saved under a new name, the old one deleted, replaces the old one instead
//! of being counted beside it. Only folders given in this run are looked at,
//! so a folder on an unplugged drive is never emptied for not being given.

use super::catalogue::Catalogue;
use super::roster::{Roster, SheetOutcome, Warning, class_from_table};
use super::wording::fill;
use crate::ingest::spreadsheet::read_workbook;
use crate::ingest::table::read_tables;
use crate::ingest::{ErrorKind, Format, IngestError, format_of};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A path found under the arguments: a roster to import, or not.
#[derive(Clone, Debug, PartialEq)]
pub enum Candidate {
    Roster {
        path: PathBuf,
        display: String,
    },
    Skipped {
        display: String,
        reason: String,
    },
    /// A path that cannot be read at all (missing, permission, symlink loop).
    Unreadable {
        display: String,
        reason: String,
    },
}

/// What importing one file did.
#[derive(Clone, Debug, PartialEq)]
pub struct FileReport {
    pub display: String,
    pub outcome: Outcome,
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Stored; `replaced` is the number of classes an earlier version had.
    Added {
        classes: Vec<ClassAdded>,
        replaced: Option<usize>,
    },
    Unchanged,
    /// The same content was imported from another path (shown).
    SameContent {
        other: String,
    },
    Failed {
        reason: String,
    },
    Skipped {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClassAdded {
    pub class_type: String,
    pub course: Option<u32>,
    pub year: Option<i32>,
    pub sheet: String,
    pub enrolments: usize,
    pub joint_with: Option<String>,
}

/// Every file under `paths` (folders recursively, in name order), classified.
pub fn collect(paths: &[PathBuf], catalogue: &Catalogue) -> Vec<Candidate> {
    let m = &catalogue.messages;
    let mut out = Vec::new();
    for root in paths {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_dir() => {}
                // A FIFO or a device named like a spreadsheet would block or
                // never end when read: report it instead of opening it.
                Ok(e) if !e.file_type().is_file() => out.push(Candidate::Unreadable {
                    display: e.path().to_string_lossy().replace('\\', "/"),
                    reason: m.not_a_file.clone(),
                }),
                Ok(e) => out.push(classify(e.path(), catalogue)),
                Err(err) => {
                    let display = err.path().unwrap_or(root).to_string_lossy().into_owned();
                    // walkdir's errors are a failed read or a link loop;
                    // its own wording of either is English.
                    let error = match err.io_error() {
                        Some(io) => IngestError::io(io),
                        None if err.loop_ancestor().is_some() => {
                            IngestError::new(ErrorKind::LinkLoop, [])
                        }
                        None => IngestError::detail(ErrorKind::Other, &err),
                    }
                    .explain(&catalogue.vocabulary);
                    out.push(Candidate::Unreadable {
                        display,
                        reason: fill(&m.unreadable_path, &[("error", &error)]),
                    });
                }
            }
        }
    }
    out
}

fn classify(path: &Path, catalogue: &Catalogue) -> Candidate {
    let m = &catalogue.messages;
    let display = path.to_string_lossy().replace('\\', "/");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if crate::ingest::file::is_lock_file(&name) {
        return Candidate::Skipped {
            display,
            reason: m.lock_file.clone(),
        };
    }
    match format_of(path) {
        Format::Spreadsheet => Candidate::Roster {
            path: path.to_path_buf(),
            display,
        },
        _ => Candidate::Skipped {
            display,
            reason: m.not_a_spreadsheet.clone(),
        },
    }
}

/// A file the register held from under an imported folder, gone from disk.
#[derive(Clone, Debug, PartialEq)]
pub struct Forgotten {
    pub display: String,
    pub classes: usize,
    pub enrolments: usize,
}

/// Removes every file stored from under one of `roots` (folders only, by
/// canonical path) that no longer exists, with its classes and enrolments.
///
/// Runs before the files are imported: a roster renamed (or corrected and
/// saved under a new name) would otherwise be taken for a copy of, or a
/// duplicate class of, the file it replaces. All in one transaction, so the
/// register never shows half of a folder's deletions. A file whose existence
/// cannot be told (a permission error) is kept: only "not found" forgets.
/// So is everything under a folder that is empty now: the mount point of a
/// drive not plugged in looks just like that, and its rosters are not gone.
pub fn forget_missing(
    conn: &mut Connection,
    roots: &[PathBuf],
) -> rusqlite::Result<Vec<Forgotten>> {
    let folders: Vec<PathBuf> = roots
        .iter()
        .filter(|r| std::fs::read_dir(r).is_ok_and(|mut entries| entries.next().is_some()))
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    if folders.is_empty() {
        return Ok(Vec::new());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stored: Vec<(i64, String, Forgotten)> = tx
        .prepare(
            "SELECT s.id, s.path, s.display,
                    (SELECT count(*) FROM classes c WHERE c.source_id = s.id),
                    (SELECT count(*) FROM enrolments e JOIN classes c ON c.id = e.class_id
                     WHERE c.source_id = s.id)
             FROM source_files s ORDER BY s.path",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                Forgotten {
                    display: r.get(2)?,
                    classes: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
                    enrolments: r.get::<_, i64>(4)?.try_into().unwrap_or(0),
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut forgotten = Vec::new();
    for (id, path, file) in stored {
        let path = Path::new(&path);
        let under_a_root = folders.iter().any(|f| path.starts_with(f));
        if under_a_root && matches!(path.try_exists(), Ok(false)) {
            tx.execute("DELETE FROM source_files WHERE id = ?1", [id])?;
            forgotten.push(file);
        }
    }
    tx.commit()?;
    Ok(forgotten)
}

/// Imports one candidate; never fails as a whole: what went wrong is in the
/// report, and the register is left as it was for this file.
pub fn import(conn: &mut Connection, candidate: &Candidate, catalogue: &Catalogue) -> FileReport {
    match candidate {
        Candidate::Roster { path, display } => import_file(conn, path, display, catalogue),
        Candidate::Skipped { display, reason } => FileReport {
            display: display.clone(),
            outcome: Outcome::Skipped {
                reason: reason.clone(),
            },
            warnings: Vec::new(),
        },
        Candidate::Unreadable { display, reason } => FileReport {
            display: display.clone(),
            outcome: Outcome::Failed {
                reason: reason.clone(),
            },
            warnings: Vec::new(),
        },
    }
}

/// The identity and content of one file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Canonical path: the same file reached by another route is the same file.
    pub path: String,
    pub display: String,
    pub sha256: String,
}

pub fn import_file(
    conn: &mut Connection,
    path: &Path,
    display: &str,
    catalogue: &Catalogue,
) -> FileReport {
    let m = &catalogue.messages;
    let report = |outcome, warnings| FileReport {
        display: display.to_string(),
        outcome,
        warnings,
    };
    let unreadable = |e: std::io::Error| Outcome::Failed {
        reason: fill(
            &m.unreadable_path,
            &[("error", &IngestError::io(&e).explain(&catalogue.vocabulary))],
        ),
    };
    let canonical = match std::fs::canonicalize(path) {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(e) => return report(unreadable(e), Vec::new()),
    };
    let sha256 = match sha256_of(path) {
        Ok(h) => h,
        Err(e) => return report(unreadable(e), Vec::new()),
    };
    let file = SourceFile {
        path: canonical,
        display: display.to_string(),
        sha256,
    };
    let db_failed = |e: rusqlite::Error| Outcome::Failed {
        reason: fill(&m.database, &[("error", &e.to_string())]),
    };
    match previous(conn, &file) {
        Ok(Previous::Same) => return report(Outcome::Unchanged, Vec::new()),
        Ok(Previous::Copy(other)) => return report(Outcome::SameContent { other }, Vec::new()),
        Ok(Previous::Changed | Previous::New) => {}
        Err(e) => return report(db_failed(e), Vec::new()),
    }
    let (rosters, mut warnings) = match read_rosters(path, display, catalogue) {
        Ok(r) => r,
        Err(reason) => return report(Outcome::Failed { reason }, Vec::new()),
    };
    if rosters.is_empty() {
        let reason = m.no_roster.clone();
        return report(Outcome::Failed { reason }, warnings);
    }
    match store(conn, &file, &rosters, catalogue) {
        Ok(stored) => {
            warnings.extend(stored.warnings);
            let classes = rosters
                .iter()
                .enumerate()
                .filter(|(i, _)| !stored.copies.contains(i))
                .map(|(_, r)| ClassAdded {
                    class_type: r.class.class_type.clone(),
                    course: r.class.course,
                    year: r.class.year,
                    sheet: r.sheet.clone(),
                    enrolments: r.enrolments.len(),
                    joint_with: r.class.joint_with.clone(),
                })
                .collect();
            report(
                Outcome::Added {
                    classes,
                    replaced: stored.replaced,
                },
                warnings,
            )
        }
        Err(e) => report(db_failed(e), warnings),
    }
}

enum Previous {
    New,
    Same,
    Changed,
    Copy(String),
}

fn previous(conn: &Connection, file: &SourceFile) -> rusqlite::Result<Previous> {
    let at_path: Option<String> = conn
        .query_row(
            "SELECT sha256 FROM source_files WHERE path = ?1",
            [&file.path],
            |r| r.get(0),
        )
        .optional()?;
    match at_path {
        Some(h) if h == file.sha256 => return Ok(Previous::Same),
        Some(_) => return Ok(Previous::Changed),
        None => {}
    }
    let copy_of: Option<String> = conn
        .query_row(
            "SELECT display FROM source_files WHERE sha256 = ?1 ORDER BY id LIMIT 1",
            [&file.sha256],
            |r| r.get(0),
        )
        .optional()?;
    Ok(copy_of.map_or(Previous::New, Previous::Copy))
}

/// Every class in a workbook and every warning (the classes' own and those
/// of sheets passed over); `Err` is the reason the file cannot be read.
pub fn read_rosters(
    path: &Path,
    display: &str,
    catalogue: &Catalogue,
) -> Result<(Vec<Roster>, Vec<Warning>), String> {
    let wb = read_workbook(path, display).map_err(|e| e.explain(&catalogue.vocabulary))?;
    let mut warnings: Vec<Warning> = wb
        .warnings
        .iter()
        .map(|w| Warning {
            source: display.to_string(),
            message: w.explain(&catalogue.vocabulary),
        })
        .collect();
    let mut rosters = Vec::new();
    let (tables, told) = read_tables(&wb, &catalogue.vocabulary);
    warnings.extend(told.iter().map(|w| Warning {
        source: display.to_string(),
        message: w.explain(&catalogue.vocabulary),
    }));
    for table in tables {
        warnings.extend(table.warnings.iter().map(|message| Warning {
            source: display.to_string(),
            message: message.clone(),
        }));
        match class_from_table(&table, catalogue) {
            SheetOutcome::Class(r) => rosters.push(*r),
            SheetOutcome::Skipped(w) => warnings.push(w),
        }
    }
    for r in &rosters {
        warnings.extend(r.warnings.iter().cloned());
    }
    Ok((rosters, warnings))
}

pub struct Stored {
    /// Classes the file's previous version had, when it was replaced.
    pub replaced: Option<usize>,
    /// Classes already in the register from another file or sheet, and
    /// sheets not stored because they copy an earlier one.
    pub warnings: Vec<Warning>,
    /// Indices (into the rosters given) of sheets that repeat an earlier
    /// sheet of the same file: the same class with the same learners.
    pub copies: Vec<usize>,
}

/// Writes one file's classes in one transaction, replacing what an earlier
/// version of the same file stored.
pub fn store(
    conn: &mut Connection,
    file: &SourceFile,
    rosters: &[Roster],
    catalogue: &Catalogue,
) -> rusqlite::Result<Stored> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let old: Option<(i64, i64)> = tx
        .query_row(
            "SELECT s.id, (SELECT count(*) FROM classes c WHERE c.source_id = s.id)
             FROM source_files s WHERE s.path = ?1",
            [&file.path],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((id, _)) = old {
        tx.execute("DELETE FROM source_files WHERE id = ?1", [id])?;
    }
    tx.execute(
        "INSERT INTO source_files (path, display, sha256, imported_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            file.path,
            file.display,
            file.sha256,
            chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        ],
    )?;
    let source_id = tx.last_insert_rowid();
    let mut warnings = Vec::new();
    let mut copies = Vec::new();
    for (i, r) in rosters.iter().enumerate() {
        if let Some(first) = rosters[..i].iter().find(|e| is_sheet_copy(e, r)) {
            warnings.push(Warning {
                source: r.source.clone(),
                message: fill(
                    &catalogue.warnings.sheet_copy,
                    &[("sheet", &r.sheet), ("other", &first.sheet)],
                ),
            });
            copies.push(i);
            continue;
        }
        if let Some(other) = same_class_elsewhere(&tx, r)? {
            warnings.push(Warning {
                source: r.source.clone(),
                message: fill(&catalogue.warnings.duplicate_class, &[("other", &other)]),
            });
        }
        insert_class(&tx, source_id, r)?;
    }
    tx.commit()?;
    Ok(Stored {
        replaced: old.map(|(_, n)| usize::try_from(n).unwrap_or(0)),
        warnings,
        copies,
    })
}

/// A class of the same type, course, year and start date already stored,
/// from another file or an earlier sheet of this one: the same roster kept
/// twice (an .xls beside its .xlsx, a print copy of a sheet). A class with
/// no start date is never taken for another: nothing tells two such apart.
/// `hoso report` counts such classes once (stats.rs, `same_class`).
fn same_class_elsewhere(conn: &Connection, r: &Roster) -> rusqlite::Result<Option<String>> {
    let Some(start) = r.class.start else {
        return Ok(None);
    };
    conn.query_row(
        "SELECT s.display || '!' || c.sheet FROM classes c JOIN source_files s ON s.id = c.source_id
         WHERE c.class_type = ?1 AND c.course IS ?2 AND c.year IS ?3 AND c.start_date = ?4
         ORDER BY c.id LIMIT 1",
        params![r.class.class_type, r.class.course, r.class.year, start.iso()],
        |row| row.get(0),
    )
    .optional()
}

/// A sheet that repeats an earlier one of the same workbook (a print copy):
/// the same class, by the key of [`same_class_elsewhere`], with the same
/// learners (name keys and birth dates, in any order).
fn is_sheet_copy(earlier: &Roster, later: &Roster) -> bool {
    let (a, b) = (&earlier.class, &later.class);
    let same_class = a.start.is_some()
        && (&a.class_type, a.course, a.year, a.start) == (&b.class_type, b.course, b.year, b.start);
    same_class && learners(earlier) == learners(later)
}

fn learners(r: &Roster) -> Vec<(&str, Option<crate::date::Date>)> {
    let mut keys: Vec<_> = r
        .enrolments
        .iter()
        .map(|e| (e.name_key.as_str(), e.birth_date))
        .collect();
    keys.sort_unstable();
    keys
}

fn insert_class(conn: &Connection, source_id: i64, r: &Roster) -> rusqlite::Result<()> {
    let c = &r.class;
    conn.execute(
        "INSERT INTO classes (source_id, sheet, class_type, known_type, course, year, start_date,
                              end_date, organiser, joint, partner, title)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            source_id,
            r.sheet,
            c.class_type,
            c.known_type,
            c.course,
            c.year,
            c.start.map(|d| d.iso()),
            c.end.map(|d| d.iso()),
            c.organiser,
            c.joint_with.is_some(),
            c.joint_with,
            c.title,
        ],
    )?;
    let class_id = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT INTO enrolments (class_id, name, name_key, birth_date, sex, ethnicity, position,
                                 unit, score, grade, note, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for e in &r.enrolments {
        insert.execute(params![
            class_id,
            e.name,
            e.name_key,
            e.birth_date.map(|d| d.iso()),
            e.sex,
            e.ethnicity,
            e.position,
            e.unit,
            e.score,
            e.grade,
            e.note,
            e.source,
        ])?;
    }
    Ok(())
}

/// Hex SHA-256 of a file, read in chunks.
const MAX_HASHED_BYTES: u64 = 512 << 20;

pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    // Capped like every other read: the reader refuses anything this big
    // anyway, so hashing beyond it only wastes time.
    let mut f = std::fs::File::open(path)?.take(MAX_HASHED_BYTES);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collect_sorts_and_says_why_files_are_skipped() {
        let c = Catalogue::builtin().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("b")).unwrap();
        for f in [
            "b/lop.ods",
            "a.xlsx",
            "~$a.xlsx",
            ".~lock.b.ods#",
            "ghi-chu.docx",
        ] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        let found = collect(&[root.to_path_buf(), root.join("missing")], &c);
        let kinds: Vec<(String, &str)> = found
            .iter()
            .map(|f| match f {
                Candidate::Roster { display, .. } => (display.clone(), "roster"),
                Candidate::Skipped { display, reason } => (
                    display.clone(),
                    if *reason == c.messages.lock_file {
                        "lock"
                    } else {
                        "other"
                    },
                ),
                Candidate::Unreadable { display, .. } => (display.clone(), "unreadable"),
            })
            .map(|(d, k)| (d.rsplit('/').next().unwrap_or_default().to_string(), k))
            .collect();
        assert_eq!(
            kinds,
            [
                (".~lock.b.ods#".to_string(), "lock"),
                ("a.xlsx".to_string(), "roster"),
                ("lop.ods".to_string(), "roster"),
                ("ghi-chu.docx".to_string(), "other"),
                ("~$a.xlsx".to_string(), "lock"),
                ("missing".to_string(), "unreadable"),
            ]
        );
    }

    /// A link back to its own folder is reported in the catalogue's words
    /// (walkdir's own message is English), and the walk goes on.
    #[cfg(unix)]
    #[test]
    fn a_link_loop_is_reported_in_the_catalogues_words() {
        let c = Catalogue::builtin().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("lop.xlsx"), b"x").unwrap();
        std::os::unix::fs::symlink(".", root.join("vong")).unwrap();
        let found = collect(&[root.to_path_buf()], &c);
        let expected = fill(
            &c.messages.unreadable_path,
            &[(
                "error",
                &IngestError::new(ErrorKind::LinkLoop, []).explain(&c.vocabulary),
            )],
        );
        assert!(expected.contains("vòng"), "{expected}");
        let unreadable: Vec<(&str, &str)> = found
            .iter()
            .filter_map(|f| match f {
                Candidate::Unreadable { display, reason } => Some((
                    display.rsplit('/').next().unwrap_or_default(),
                    reason.as_str(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(unreadable, [("vong", expected.as_str())]);
        assert!(found.iter().any(
            |f| matches!(f, Candidate::Roster { display, .. } if display.ends_with("lop.xlsx"))
        ));
    }

    #[test]
    fn hashes_are_hex_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x");
        std::fs::write(&f, b"abc").unwrap();
        assert_eq!(
            sha256_of(&f).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
