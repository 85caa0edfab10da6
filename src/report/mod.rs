//! Report: the verdicts as files a clerk opens (verdicts.json, .csv, .xlsx)
//! and the counts line in the centre's own words.
//!
//! Every file is written atomically ([`write_atomic`]): an interrupted run
//! leaves the previous file or none, never half of one.

mod csv_out;
mod deflate;
mod xlsx_out;
mod xlsx_rows;

use crate::evaluate::ruleset::RuleSet;
use crate::spill::Reel;
use crate::verdict::{Severity, Stored, Tally, Verdict, Verdicts};
use anyhow::Context as _;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use csv_out::write_csv;
pub use xlsx_out::write_xlsx;

/// Writes `bytes` to `path` through a temporary file in the same folder and
/// a rename, so readers never see a partial file; flushed to disk first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic_with(path, |file| Ok(file.write_all(bytes)?))
}

/// Like [`write_atomic`], with the content written by `write` into the
/// temporary file (so a large output is never whole in memory).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    replace(path, true, write)
}

/// Like [`write_atomic`] without waiting for the disk: for the many small
/// files of one run (a letter per rejected applicant), where a flush each
/// would cost seconds and a crash is mended by running again.
pub fn write_atomic_unsynced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic_unsynced_with(path, |file| Ok(file.write_all(bytes)?))
}

/// [`write_atomic_unsynced`], with the content written by `write`.
pub fn write_atomic_unsynced_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    replace(path, false, write)
}

/// Every output file of hoso is written here, so all of them are replaced
/// whole and readable by others (0644 on Unix, as any new file; tempfile's
/// default is owner-only, which hid letters from colleagues).
fn replace(
    path: &Path,
    sync: bool,
    write: impl FnOnce(&mut std::fs::File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".hoso-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    write(tmp.as_file_mut()).with_context(|| format!("cannot write {}", path.display()))?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// or a tab/CR that some programs strip first) gets a leading apostrophe.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// The verdicts to write, in order: in memory, or read back from the tape
/// they were written to as they were made ([`crate::pipeline::check`]).
pub trait VerdictList: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Calls `f` with every verdict, in order.
    fn each(&self, f: &mut dyn FnMut(&Verdict) -> anyhow::Result<()>) -> anyhow::Result<()>;
}

impl VerdictList for Vec<Verdict> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn each(&self, f: &mut dyn FnMut(&Verdict) -> anyhow::Result<()>) -> anyhow::Result<()> {
        self.iter().try_for_each(f)
    }
}

impl VerdictList for Reel<Stored<Verdict>> {
    fn len(&self) -> usize {
        Reel::len(self)
    }
    fn each(&self, f: &mut dyn FnMut(&Verdict) -> anyhow::Result<()>) -> anyhow::Result<()> {
        Reel::each(self, |v| f(&v.0))
    }
}

/// Bytes gathered before each write to an output file: verdicts.json is
/// 7 MB at 10,000 applicants, and 8 KB at a time was 800 system calls.
const OUT_BUFFER: usize = 1 << 18;

/// Pretty JSON with a final newline.
pub fn write_json(v: &Verdicts, out: impl Write) -> anyhow::Result<()> {
    write_json_of(v, &v.verdicts, out)
}

/// As [`write_json`], with the verdicts of `list` in place of `head`'s.
pub fn write_json_of(
    head: &Verdicts,
    list: &dyn VerdictList,
    out: impl Write,
) -> anyhow::Result<()> {
    /// `Verdicts`, field for field, with the verdicts streamed from `list`.
    #[derive(serde::Serialize)]
    struct Streamed<'a> {
        rule_set: &'a crate::verdict::RuleSetInfo,
        summary: &'a crate::verdict::Summary,
        verdicts: Seq<'a>,
        unused_files: &'a [crate::verdict::UnusedFile],
        lists: &'a [String],
        request_letters: &'a [String],
        warnings: &'a [String],
    }
    struct Seq<'a>(&'a dyn VerdictList);
    impl serde::Serialize for Seq<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{Error, SerializeSeq};
            let mut seq = s.serialize_seq(Some(self.0.len()))?;
            let mut failed = None;
            let read = self.0.each(&mut |v| {
                seq.serialize_element(v).map_err(|e| {
                    let message = e.to_string();
                    failed = Some(e);
                    anyhow::anyhow!(message)
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            read.map_err(|e| S::Error::custom(format!("{e:#}")))?;
            seq.end()
        }
    }
    let mut out = std::io::BufWriter::with_capacity(OUT_BUFFER, out);
    let streamed = Streamed {
        rule_set: &head.rule_set,
        summary: &head.summary,
        verdicts: Seq(list),
        unused_files: &head.unused_files,
        lists: &head.lists,
        request_letters: &head.request_letters,
        warnings: &head.warnings,
    };
    serde_json::to_writer_pretty(&mut out, &streamed)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// verdicts.json, verdicts.csv and verdicts.xlsx in `out`, each streamed to
/// its file.
pub fn write_all(out: &Path, v: &Verdicts, rules: &RuleSet) -> anyhow::Result<Vec<PathBuf>> {
    write_all_of(out, v, &v.verdicts, rules)
}

/// As [`write_all`], with the verdicts of `list` in place of `head`'s.
pub fn write_all_of(
    out: &Path,
    head: &Verdicts,
    list: &dyn VerdictList,
    rules: &RuleSet,
) -> anyhow::Result<Vec<PathBuf>> {
    let json = out.join("verdicts.json");
    let csv = out.join("verdicts.csv");
    let xlsx = out.join("verdicts.xlsx");
    // Three independent files, written side by side on the current rayon
    // pool (so `--jobs` holds here too). The workbook, the longest, starts
    // first on this thread; the others are taken up by idle threads.
    let (c, (a, b)) = rayon::join(
        || write_atomic_with(&xlsx, |f| write_xlsx(head, list, rules, out, f)),
        || {
            rayon::join(
                || write_atomic_with(&json, |f| write_json_of(head, list, f)),
                || {
                    write_atomic_with(&csv, |f| {
                        write_csv(
                            list,
                            rules,
                            std::io::BufWriter::with_capacity(OUT_BUFFER, f),
                        )
                    })
                },
            )
        },
    );
    a?;
    b?;
    c?;
    Ok(vec![json, csv, xlsx])
}

/// "196 hồ sơ: 151 công nhận đạt, 45 không công nhận, 0 cần xem lại".
pub fn counts_line(v: &Verdicts, rules: &RuleSet) -> String {
    let s = &v.summary;
    rules
        .report
        .counts
        .replace("{total}", &s.total.to_string())
        .replace("{accepted}", &s.accepted.to_string())
        .replace("{rejected}", &s.rejected.to_string())
        .replace("{needs_review}", &s.needs_review.to_string())
}

/// How many verdicts carry each reason code, by severity then code.
pub fn reason_counts(v: &Verdicts) -> Vec<(String, Severity, usize)> {
    Tally::of(&v.verdicts).reason_counts()
}

/// A label for a spreadsheet header, from the rule file's `[report.labels]`.
fn label<'a>(rules: &'a RuleSet, key: &'a str) -> &'a str {
    rules
        .report
        .labels
        .get(key)
        .map(String::as_str)
        .unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
        assert_eq!(neutralise("Nguyễn Văn An"), "Nguyễn Văn An");
    }

    /// `write_json_of` restates `Verdicts` field by field to stream the
    /// verdicts: a field added to `Verdicts` and not there fails here.
    #[test]
    fn streamed_json_is_serdes_json_of_the_whole_verdicts() {
        let rules = RuleSet::default_rules().unwrap();
        let batch = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/xet-tuong-duong-2021");
        let run = crate::pipeline::run(&batch, &rules, &|_, _| {}).unwrap();
        let v = &run.verdicts;
        assert!(v.verdicts.len() > 100 && !v.lists.is_empty());
        let mut expected = serde_json::to_vec_pretty(v).unwrap();
        expected.push(b'\n');

        let mut in_memory = Vec::new();
        write_json(v, &mut in_memory).unwrap();
        assert!(in_memory == expected, "write_json differs from serde's");

        // From a tape on disk, as a large run's verdicts are written.
        let dir = tempfile::tempdir().unwrap();
        let mut tape = crate::spill::Tape::new(dir.path(), 10);
        for verdict in &v.verdicts {
            tape.push(Stored(verdict.clone())).unwrap();
        }
        let reel = tape.finish().unwrap();
        let mut streamed = Vec::new();
        write_json_of(v, &reel, &mut streamed).unwrap();
        assert!(streamed == expected, "streamed verdicts.json differs");
    }

    #[test]
    fn atomic_write_replaces_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }
}
