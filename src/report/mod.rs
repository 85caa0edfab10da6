//! Report: the verdicts as files a clerk opens (verdicts.json, .csv, .xlsx)
//! and the counts line in the centre's own words.
//!
//! Every file is written atomically ([`write_atomic`]): an interrupted run
//! leaves the previous file or none, never half of one.

mod csv_out;
mod deflate;
mod rendered;
mod xlsx_out;
mod xlsx_rows;

use crate::evaluate::ruleset::RuleSet;
use crate::spill::{Blob, Reel, Spill, SpillError};
use crate::verdict::{Severity, Stored, Tally, Verdict, Verdicts};
use anyhow::Context as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use csv_out::write_csv;
pub use rendered::{NotRendered, Rendered, RenderedRef};
pub(crate) use xlsx_out::undated_workbook;
pub use xlsx_out::{Counted, write_xlsx};

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

/// The verdicts to write, in order, rendered for the report files: as
/// judging rendered them ([`Renderings`], made by
/// [`crate::pipeline::check`]), or verdicts in memory or on a tape,
/// rendered as they are read.
pub trait VerdictList: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Calls `f` with every verdict, in order, rendered by `rules`.
    fn each(
        &self,
        rules: &RuleSet,
        f: &mut dyn FnMut(&RenderedRef) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;
    /// The verdicts counted for the workbook, if they were as they were
    /// made ([`Counted`]); else the workbook counts them first.
    fn counted(&self) -> Option<&Counted> {
        None
    }
}

impl VerdictList for Vec<Verdict> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn each(
        &self,
        rules: &RuleSet,
        f: &mut dyn FnMut(&RenderedRef) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.iter().try_for_each(|v| render_to(v, rules, f))
    }
}

impl VerdictList for Reel<Stored<Verdict>> {
    fn len(&self) -> usize {
        Reel::len(self)
    }
    fn each(
        &self,
        rules: &RuleSet,
        f: &mut dyn FnMut(&RenderedRef) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        Reel::each(self, |Stored(v)| render_to(v, rules, f))
    }
}

/// `v` rendered by `rules`, to `f`.
fn render_to(
    v: &Verdict,
    rules: &RuleSet,
    f: &mut dyn FnMut(&RenderedRef) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    f(&Rendered::of(v, rules, files_of(v))?.view()?)
}

impl VerdictList for Reel<Rendered> {
    fn len(&self) -> usize {
        Reel::len(self)
    }
    fn each(
        &self,
        _: &RuleSet,
        f: &mut dyn FnMut(&RenderedRef) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        Reel::each(self, |r| f(&r.view()?))
    }
}

/// A verdict's rendering as judging hands it on: made by this run, or kept
/// by the cache, where it lies in the blob file (checked when it was
/// found there).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Rendering {
    Made(Rendered),
    Kept(Blob),
}

impl Rendering {
    /// Calls `f` with the rendering's parts; kept ones are read from
    /// `spill`, where they lie.
    pub fn with<T>(
        &self,
        spill: &Spill,
        f: impl FnOnce(&RenderedRef) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        match self {
            Rendering::Made(made) => f(&made.view()?),
            Rendering::Kept(blob) => spill
                .with_checked(*blob, |bytes| {
                    Ok(RenderedRef::parse_checked(bytes).map(|parts| f(&parts)))
                })?
                .ok_or(SpillError::Damaged)?,
        }
    }
}

/// A run's renderings, in order, and the blob file its kept ones lie in.
pub struct Renderings {
    pub reel: Reel<Rendering>,
    pub spill: Arc<Spill>,
    /// The renderings counted as they were made, in the same order.
    pub counted: Counted,
}

impl Renderings {
    pub fn len(&self) -> usize {
        self.reel.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reel.is_empty()
    }

    /// Calls `f` with every rendering's parts, in order.
    pub fn each(
        &self,
        mut f: impl FnMut(&RenderedRef) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.reel.each(|r| r.with(&self.spill, &mut f))
    }
}

impl VerdictList for Renderings {
    fn len(&self) -> usize {
        self.reel.len()
    }
    fn each(
        &self,
        _: &RuleSet,
        f: &mut dyn FnMut(&RenderedRef) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        Renderings::each(self, f)
    }
    fn counted(&self) -> Option<&Counted> {
        Some(&self.counted)
    }
}

/// A verdict's files as [`RenderedRef::files`] adds them up.
fn files_of(v: &Verdict) -> u128 {
    crate::pipeline::files_fingerprint(&v.files)
}

/// Bytes gathered before each write to an output file: verdicts.json is
/// 7 MB at 10,000 applicants, and 8 KB at a time was 800 system calls.
const OUT_BUFFER: usize = 1 << 18;

/// Pretty JSON with a final newline.
pub fn write_json(v: &Verdicts, out: impl Write) -> anyhow::Result<()> {
    write_json_with(
        v,
        |element| {
            v.verdicts
                .iter()
                .try_for_each(|v| element(&rendered::json_element(v)?))
        },
        out,
    )
}

/// As [`write_json`], with the verdicts of `list` in place of `head`'s.
pub fn write_json_of(
    head: &Verdicts,
    list: &dyn VerdictList,
    rules: &RuleSet,
    out: impl Write,
) -> anyhow::Result<()> {
    write_json_with(
        head,
        |element| list.each(rules, &mut |v| element(v.json)),
        out,
    )
}

/// verdicts.json as serde_json's pretty printer writes [`Verdicts`]
/// (field for field), with the verdicts' elements given by `elements`
/// ([`RenderedRef::json`]): a kept verdict's element is written as it was
/// rendered, not made again.
fn write_json_with(
    head: &Verdicts,
    elements: impl FnOnce(&mut dyn FnMut(&[u8]) -> anyhow::Result<()>) -> anyhow::Result<()>,
    out: impl Write,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(OUT_BUFFER, out);
    // A field of the top object: one level deep.
    let field = |out: &mut std::io::BufWriter<_>, first: bool, name: &str| {
        out.write_all(if first { b"{\n  \"" } else { b",\n  \"" })?;
        out.write_all(name.as_bytes())?;
        out.write_all(b"\": ")
    };
    field(&mut out, true, "rule_set")?;
    out.write_all(&rendered::nested(&head.rule_set, b"\n  ")?)?;
    field(&mut out, false, "summary")?;
    out.write_all(&rendered::nested(&head.summary, b"\n  ")?)?;
    field(&mut out, false, "verdicts")?;
    let mut first = true;
    elements(&mut |element| {
        out.write_all(if first { b"[\n    " } else { b",\n    " })?;
        first = false;
        out.write_all(element)?;
        Ok(())
    })?;
    out.write_all(if first { b"[]" } else { b"\n  ]" })?;
    field(&mut out, false, "unused_files")?;
    out.write_all(&rendered::nested(&head.unused_files, b"\n  ")?)?;
    field(&mut out, false, "lists")?;
    out.write_all(&rendered::nested(&head.lists, b"\n  ")?)?;
    field(&mut out, false, "request_letters")?;
    out.write_all(&rendered::nested(&head.request_letters, b"\n  ")?)?;
    field(&mut out, false, "warnings")?;
    out.write_all(&rendered::nested(&head.warnings, b"\n  ")?)?;
    out.write_all(b"\n}\n")?;
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
                || write_atomic_with(&json, |f| write_json_of(head, list, rules, f)),
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
        write_json_of(v, &reel, &rules, &mut streamed).unwrap();
        assert!(streamed == expected, "streamed verdicts.json differs");

        // Rendered as judging renders them, as `hoso check` writes them;
        // and each verdict read back from its rendering.
        let mut tape = crate::spill::Tape::new(dir.path(), 10);
        for verdict in &v.verdicts {
            let files = crate::pipeline::files_fingerprint(&verdict.files);
            let rendered = Rendered::of(verdict, &rules, files).unwrap();
            assert_eq!(&rendered.verdict().unwrap(), verdict);
            tape.push(rendered).unwrap();
        }
        let reel = tape.finish().unwrap();
        let mut rendered = Vec::new();
        write_json_of(v, &reel, &rules, &mut rendered).unwrap();
        assert!(
            rendered == expected,
            "verdicts.json from renderings differs"
        );

        // No verdicts: an empty array, as serde writes it.
        let none = Verdicts {
            verdicts: Vec::new(),
            ..v.clone()
        };
        let mut expected = serde_json::to_vec_pretty(&none).unwrap();
        expected.push(b'\n');
        let mut empty = Vec::new();
        write_json(&none, &mut empty).unwrap();
        assert!(empty == expected, "{}", String::from_utf8_lossy(&empty));
    }

    /// verdicts.csv from renderings (each record by its own csv writer)
    /// is what one csv writer makes of every record in turn, as the file
    /// was written before verdicts were rendered.
    #[test]
    fn csv_from_renderings_is_one_writers_csv() {
        let mut rules = RuleSet::default_rules().unwrap();
        let batch = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/xet-tuong-duong-2021");
        let mut v = crate::pipeline::run(&batch, &rules, &|_, _| {})
            .unwrap()
            .verdicts;
        // Texts that need quoting, and one a spreadsheet would run.
        v.verdicts[0].name = "=Nguyễn, \"An\"\n".into();
        v.verdicts[1].unit = Some(" ; ".into());
        rules
            .report
            .labels
            .insert("unit".into(), "Đơn vị, \"chi bộ\"".into());

        let mut expected = b"\xEF\xBB\xBF".to_vec();
        {
            let mut w = csv::Writer::from_writer(&mut expected);
            let headers = rendered::CSV_COLUMNS.iter().map(|h| label(&rules, h));
            w.write_record(headers).unwrap();
            for x in &v.verdicts {
                let join = |f: &dyn Fn(&crate::verdict::Reason) -> Vec<&str>| {
                    x.reasons.iter().flat_map(f).collect::<Vec<_>>().join("; ")
                };
                let fields = [
                    x.name.clone(),
                    x.birth_date.map(|d| d.iso()).unwrap_or_default(),
                    x.unit.clone().unwrap_or_default(),
                    rules.status_name(x.status).to_string(),
                    join(&|r| vec![r.code.as_str()]),
                    join(&|r| vec![r.message.as_str()]),
                    join(&|r| r.sources.iter().map(String::as_str).collect()),
                    x.dossier.clone().unwrap_or_default(),
                    x.list_row.clone().unwrap_or_default(),
                ];
                w.write_record(fields.iter().map(|f| neutralise(f).into_owned()))
                    .unwrap();
            }
            w.flush().unwrap();
        }
        assert!(
            expected.windows(4).any(|w| w == b"\"'=N"),
            "a quoted, neutralised name"
        );

        let dir = tempfile::tempdir().unwrap();
        let mut tape = crate::spill::Tape::new(dir.path(), 10);
        for verdict in &v.verdicts {
            let files = crate::pipeline::files_fingerprint(&verdict.files);
            tape.push(Rendered::of(verdict, &rules, files).unwrap())
                .unwrap();
        }
        let mut written = Vec::new();
        write_csv(&tape.finish().unwrap(), &rules, &mut written).unwrap();
        assert!(written == expected, "{}", String::from_utf8_lossy(&written));
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
