//! verdicts.xlsx: a verdict sheet, a sheet of every reason with its sources,
//! and a summary of counts per status and per reason code.
//!
//! rust_xlsxwriter makes the workbook's skeleton: every sheet, style, width
//! and pane, with the two long sheets holding only their header rows. Their
//! rows are written here ([`super::xlsx_rows`]), each sheet on its own
//! thread straight into its own deflate stream, and the file is put
//! together from the skeleton's entries and those two, copied compressed.

use super::rendered::severity_key;
use super::xlsx_rows::{Shape, SheetWriter, Template, cell_columns};
use super::{RenderedRef, VerdictList, label, neutralise};
use crate::evaluate::ruleset::RuleSet;
use crate::verdict::{Status, Tally, Verdicts};
use anyhow::Context as _;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::io::{Cursor, Read, Seek, Write};
use std::path::Path;
use zip::{ZipArchive, ZipWriter};

/// Zip level 1 instead of 6: the workbook is half as long to write (it
/// was the last of the three outputs to finish, on every re-run) for a
/// file about 50% larger (1.1 MB at 10,000 applicants).
pub(super) const ZIP_LEVEL: u8 = 1;

/// A workbook whose properties carry a fixed date (1980-01-01, as its zip
/// entries do) instead of the time it was written: the same verdicts then
/// make the same file, byte for byte, as verdicts.json and .csv are (a
/// clerk comparing two runs' files sees only what changed). When a report
/// was made is the file's own modification time.
pub(crate) fn undated_workbook() -> Workbook {
    let mut wb = Workbook::new();
    if let Ok(date) = ExcelDateTime::from_ymd(1980, 1, 1) {
        wb.set_properties(&DocProperties::new().set_creation_datetime(&date));
    }
    wb
}

/// rust_xlsxwriter names a worksheet's entry by its place: the two long
/// sheets are the first two.
const VERDICTS_ENTRY: &str = "xl/worksheets/sheet1.xml";
const REASONS_ENTRY: &str = "xl/worksheets/sheet2.xml";

/// Label keys of the verdict sheet's columns, and their widths.
const VERDICT_COLUMNS: [(&str, f64); 8] = [
    ("stt", 6.0),
    ("name", 28.0),
    ("birth_date", 12.0),
    ("unit", 28.0),
    ("status", 16.0),
    ("codes", 30.0),
    ("dossier", 40.0),
    ("list_row", 36.0),
];
/// Label keys of the reason sheet's columns, and their widths.
const REASON_COLUMNS: [(&str, f64); 5] = [
    ("name", 28.0),
    ("code", 24.0),
    ("severity", 12.0),
    ("message", 70.0),
    ("sources", 60.0),
];

/// Writes verdicts.xlsx to `out`. The verdicts are `list`'s (read twice,
/// a sheet each, and once more before if `list` was not [`Counted`] as it
/// was made); the rest of the report is `head`'s. `tmp` holds
/// rust_xlsxwriter's temporary files (a header row each): the skeleton's two
/// long sheets are constant-memory ones, as the rows that follow their
/// header rows are written in that mode's XML.
pub fn write_xlsx<W>(
    head: &Verdicts,
    list: &dyn VerdictList,
    rules: &RuleSet,
    tmp: &Path,
    out: W,
) -> anyhow::Result<()>
where
    W: Write + Seek + Send,
{
    let counted_here;
    let counted = match list.counted() {
        Some(counted) => counted,
        None => {
            counted_here = count_reasons(list, rules)?;
            &counted_here
        }
    };
    let reasons_shape = counted.reason_sheet_shape()?;
    let mut skeleton = ZipArchive::new(Cursor::new(skeleton(head, rules, counted.tally(), tmp)?))?;
    let verdicts_template = Template::cut(&entry_text(&mut skeleton, VERDICTS_ENTRY)?)?;
    let reasons_template = Template::cut(&entry_text(&mut skeleton, REASONS_ENTRY)?)?;
    let (verdicts, reasons) = rayon::join(
        || verdict_sheet(list, rules, &verdicts_template),
        || reason_sheet(list, rules, &reasons_template, &reasons_shape),
    );
    let verdicts = verdicts.context("verdict sheet")?;
    let reasons = reasons.context("reason sheet")?;

    let mut verdicts = ZipArchive::new(Cursor::new(verdicts))?;
    let mut reasons = ZipArchive::new(Cursor::new(reasons))?;
    let mut zip = ZipWriter::new(std::io::BufWriter::with_capacity(1 << 16, out));
    for i in 0..skeleton.len() {
        let entry = skeleton.by_index_raw(i)?;
        match entry.name()?.into_owned().as_str() {
            VERDICTS_ENTRY => zip.raw_copy_file(verdicts.by_index_raw(0)?)?,
            REASONS_ENTRY => zip.raw_copy_file(reasons.by_index_raw(0)?)?,
            _ => zip.raw_copy_file(entry)?,
        }
    }
    zip.finish()?.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

/// The workbook without the long sheets' data rows, as an xlsx in memory
/// (a few KB).
fn skeleton(
    head: &Verdicts,
    rules: &RuleSet,
    tally: &Tally,
    tmp: &Path,
) -> anyhow::Result<Vec<u8>> {
    let mut wb = undated_workbook();
    wb.set_tempdir(tmp)?;
    wb.set_zip_compression_level(ZIP_LEVEL);
    let bold = Format::new().set_bold();
    let long_sheet = |wb: &mut Workbook, name: &str, columns: &[(&str, f64)]| {
        let mut ws = wb.new_worksheet_with_constant_memory()?;
        ws.set_name(label(rules, name))?;
        for (c, (key, _)) in (0..).zip(columns) {
            ws.write_string_with_format(0, c, label(rules, key), &bold)?;
        }
        for (c, (_, width)) in (0..).zip(columns) {
            ws.set_column_width(c, *width)?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok::<_, XlsxError>(ws)
    };
    let verdicts = long_sheet(&mut wb, "sheet_verdicts", &VERDICT_COLUMNS)?;
    let reasons = long_sheet(&mut wb, "sheet_reasons", &REASON_COLUMNS)?;
    wb.push_worksheet(verdicts);
    wb.push_worksheet(reasons);

    summary_sheet(&mut wb, head, rules, tally, &bold)?;
    Ok(wb.save_to_buffer()?)
}

/// The summary sheet: the counts per status and per reason code, and the
/// files not used.
fn summary_sheet(
    wb: &mut Workbook,
    head: &Verdicts,
    rules: &RuleSet,
    tally: &Tally,
    bold: &Format,
) -> Result<(), XlsxError> {
    let text = |ws: &mut Worksheet, row: u32, col: u16, s: &str| {
        ws.write_string(row, col, neutralise(s).as_ref())
            .map(|_| ())
    };
    let ws = wb.add_worksheet().set_name(label(rules, "sheet_summary"))?;
    ws.write_string_with_format(0, 0, label(rules, "status"), bold)?;
    ws.write_string_with_format(0, 1, label(rules, "count"), bold)?;
    let s = &head.summary;
    let rows = [
        (rules.status_name(Status::Accepted), s.accepted),
        (rules.status_name(Status::Rejected), s.rejected),
        (rules.status_name(Status::NeedsReview), s.needs_review),
        (label(rules, "total"), s.total),
    ];
    for (i, (name, n)) in rows.iter().enumerate() {
        text(ws, i as u32 + 1, 0, name)?;
        ws.write_number(i as u32 + 1, 1, *n as f64)?;
    }
    let start = rows.len() as u32 + 2;
    ws.write_string_with_format(start, 0, label(rules, "code"), bold)?;
    ws.write_string_with_format(start, 1, label(rules, "count"), bold)?;
    ws.write_string_with_format(start, 2, label(rules, "severity"), bold)?;
    let counts = tally.reason_counts();
    for (i, (code, sev, n)) in counts.iter().enumerate() {
        let r = start + 1 + i as u32;
        text(ws, r, 0, code)?;
        ws.write_number(r, 1, *n as f64)?;
        text(ws, r, 2, label(rules, severity_key(*sev)))?;
    }
    // The files no verdict used, and why: what a clerk checks before
    // trusting the counts above (verdicts.json has them too).
    let start = start + counts.len() as u32 + 2;
    ws.write_string_with_format(start, 0, label(rules, "unused_files"), bold)?;
    ws.write_string_with_format(start, 1, label(rules, "reasons"), bold)?;
    for (r, unused) in (start + 1..).zip(&head.unused_files) {
        text(ws, r, 0, &unused.path)?;
        text(ws, r, 1, &unused.reason)?;
    }
    ws.set_column_width(0, 30.0)?;
    ws.set_column_width(2, 14.0)?;
    Ok(())
}

/// The skeleton's own (trusted, just made) entry `name`, inflated.
fn entry_text(skeleton: &mut ZipArchive<Cursor<Vec<u8>>>, name: &str) -> anyhow::Result<String> {
    let mut xml = String::new();
    skeleton.by_name(name)?.read_to_string(&mut xml)?;
    Ok(xml)
}

/// The reason counts of the summary sheet, and the reason sheet's size.
/// What the workbook must know of the verdicts before it writes them: how
/// many carry each status and reason (its summary sheet) and the reason
/// sheet's extent (which heads that sheet's XML). Taken as the verdicts
/// are made ([`crate::pipeline::check`] does, as it tallies them) or else
/// in a pass of its own, before the sheets are written: that pass was a
/// tenth of the workbook's time on a re-run, ahead of everything else.
#[derive(Clone, Debug)]
pub struct Counted {
    tally: Tally,
    shape: Shape,
    /// Reason rows counted so far.
    rows: u32,
    /// More reason rows than a sheet can hold (refused when written).
    too_many: bool,
}

impl Default for Counted {
    fn default() -> Counted {
        Counted {
            tally: Tally::default(),
            shape: header_shape(REASON_COLUMNS.len()),
            rows: 0,
            too_many: false,
        }
    }
}

impl Counted {
    /// Counts the verdict `v`, the next in the order they are written.
    pub fn add(&mut self, v: &RenderedRef) {
        self.tally.add_rendered(v.status, v.codes());
        for cells in v.reason_cells() {
            let Some(row) = self.rows.checked_add(1) else {
                self.too_many = true;
                return;
            };
            self.rows = row;
            cell_columns(cells).for_each(|col| self.shape.add(row, col));
        }
    }

    /// The counts per status and reason code.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The reason sheet's extent, if the sheet can hold its rows.
    fn reason_sheet_shape(&self) -> anyhow::Result<Shape> {
        if self.too_many {
            return Err(XlsxError::RowColumnLimitError.into());
        }
        self.shape.check()?;
        Ok(self.shape)
    }
}

fn count_reasons(list: &dyn VerdictList, rules: &RuleSet) -> anyhow::Result<Counted> {
    let mut counted = Counted::default();
    list.each(rules, &mut |v| {
        counted.add(v);
        Ok(())
    })?;
    Ok(counted)
}

/// A header row of `columns` cells: a label left empty is a blank cell,
/// written all the same as it has a format.
fn header_shape(columns: usize) -> Shape {
    let mut shape = Shape::default();
    shape.add(0, 0);
    shape.add(0, columns.saturating_sub(1));
    shape
}

fn verdict_sheet(
    list: &dyn VerdictList,
    rules: &RuleSet,
    template: &Template,
) -> anyhow::Result<Vec<u8>> {
    let rows = u32::try_from(list.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
    // Every row has its number in column A, and the header every column.
    let mut shape = header_shape(VERDICT_COLUMNS.len());
    shape.add(rows, 0);
    let mut sheet = SheetWriter::start(VERDICTS_ENTRY, template, &shape)?;
    let mut row = 0;
    list.each(rules, &mut |v| {
        row += 1;
        sheet.number(row, 0, row)?;
        sheet.cells(row, v.verdict_cells)
    })?;
    anyhow::ensure!(row == rows, "the verdicts changed while being written");
    sheet.finish()
}

fn reason_sheet(
    list: &dyn VerdictList,
    rules: &RuleSet,
    template: &Template,
    shape: &Shape,
) -> anyhow::Result<Vec<u8>> {
    let mut sheet = SheetWriter::start(REASONS_ENTRY, template, shape)?;
    let mut row = 0;
    list.each(rules, &mut |v| {
        for cells in v.reason_cells() {
            row += 1;
            sheet.cells(row, cells)?;
        }
        Ok(())
    })?;
    sheet.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::report::Rendered;
    use crate::spill::Tape;
    use crate::verdict::{Reason, Severity, Stored, Verdict};
    use proptest::prelude::*;

    /// The writer before this one, cell by cell through rust_xlsxwriter in
    /// constant-memory mode: what the rows written here must equal.
    fn write_xlsx_cell_by_cell(
        head: &Verdicts,
        verdicts: &[Verdict],
        rules: &RuleSet,
        tmp: &Path,
        out: &mut Vec<u8>,
    ) -> anyhow::Result<()> {
        let mut wb = undated_workbook();
        wb.set_tempdir(tmp)?;
        wb.set_zip_compression_level(1);
        let bold = Format::new().set_bold();
        let text = |ws: &mut Worksheet, row: u32, col: u16, s: &str| {
            ws.write_string(row, col, neutralise(s).as_ref())
                .map(|_| ())
        };
        let mut verdicts_ws = wb.new_worksheet_with_constant_memory()?;
        let mut reasons_ws = wb.new_worksheet_with_constant_memory()?;
        let (ws, ws2) = (&mut verdicts_ws, &mut reasons_ws);
        ws.set_name(label(rules, "sheet_verdicts"))?;
        ws2.set_name(label(rules, "sheet_reasons"))?;
        let headers = [
            "stt",
            "name",
            "birth_date",
            "unit",
            "status",
            "codes",
            "dossier",
            "list_row",
        ];
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, label(rules, h), &bold)?;
        }
        let headers = ["name", "code", "severity", "message", "sources"];
        for (c, h) in headers.iter().enumerate() {
            ws2.write_string_with_format(0, c as u16, label(rules, h), &bold)?;
        }
        let mut r = 0;
        verdicts.iter().try_for_each(|x| -> anyhow::Result<()> {
            r += 1;
            ws.write_number(r, 0, r as f64)?;
            text(ws, r, 1, &x.name)?;
            text(
                ws,
                r,
                2,
                &x.birth_date.map(|d| d.display_vn()).unwrap_or_default(),
            )?;
            text(ws, r, 3, x.unit.as_deref().unwrap_or(""))?;
            text(ws, r, 4, rules.status_name(x.status))?;
            let codes: Vec<&str> = x.reasons.iter().map(|r| r.code.as_str()).collect();
            text(ws, r, 5, &codes.join("; "))?;
            text(ws, r, 6, x.dossier.as_deref().unwrap_or(""))?;
            text(ws, r, 7, x.list_row.as_deref().unwrap_or(""))?;
            Ok(())
        })?;
        let mut r2 = 1;
        let mut tally = Tally::default();
        verdicts.iter().try_for_each(|x| -> anyhow::Result<()> {
            tally.add(x);
            for reason in &x.reasons {
                text(ws2, r2, 0, &x.name)?;
                text(ws2, r2, 1, &reason.code)?;
                text(ws2, r2, 2, label(rules, severity_key(reason.severity)))?;
                text(ws2, r2, 3, &reason.message)?;
                text(ws2, r2, 4, &reason.sources.join("; "))?;
                r2 += 1;
            }
            Ok(())
        })?;
        for (c, w) in [6.0, 28.0, 12.0, 28.0, 16.0, 30.0, 40.0, 36.0]
            .iter()
            .enumerate()
        {
            ws.set_column_width(c as u16, *w)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (c, w) in [28.0, 24.0, 12.0, 70.0, 60.0].iter().enumerate() {
            ws2.set_column_width(c as u16, *w)?;
        }
        ws2.set_freeze_panes(1, 0)?;
        wb.push_worksheet(verdicts_ws);
        wb.push_worksheet(reasons_ws);

        summary_sheet(&mut wb, head, rules, &tally, &bold)?;
        wb.save_to_writer(Cursor::new(out))?;
        Ok(())
    }

    /// Both writers' files for the same verdicts: the new one's from
    /// `list`, the old one's from `verdicts`.
    fn both(
        head: &Verdicts,
        list: &dyn VerdictList,
        verdicts: &[Verdict],
        rules: &RuleSet,
    ) -> (anyhow::Result<Vec<u8>>, anyhow::Result<Vec<u8>>) {
        let tmp = tempfile::tempdir().unwrap();
        let mut new = Cursor::new(Vec::new());
        let new = write_xlsx(head, list, rules, tmp.path(), &mut new).map(|()| new.into_inner());
        let mut old = Vec::new();
        let old =
            write_xlsx_cell_by_cell(head, verdicts, rules, tmp.path(), &mut old).map(|()| old);
        (new, old)
    }

    /// Every entry's name and inflated bytes, in order; the time in
    /// docProps/core.xml left out.
    fn entries(xlsx: &[u8]) -> Vec<(String, String)> {
        let mut zip = ZipArchive::new(Cursor::new(xlsx)).unwrap();
        let times = regex::Regex::new(r"<dcterms:(created|modified)[^>]*>[^<]*<").unwrap();
        (0..zip.len())
            .map(|i| {
                let mut entry = zip.by_index(i).unwrap();
                let mut xml = String::new();
                entry.read_to_string(&mut xml).unwrap();
                let xml = times.replace_all(&xml, "<dcterms:$1><").into_owned();
                (entry.name().unwrap().into_owned(), xml)
            })
            .collect()
    }

    /// The same entries, in the same order, with the same bytes.
    fn assert_same_as_cell_by_cell(head: &Verdicts, list: &dyn VerdictList, rules: &RuleSet) {
        let (new, old) = both(head, list, &head.verdicts, rules);
        let (new, old) = (entries(&new.unwrap()), entries(&old.unwrap()));
        let names = |e: &[(String, String)]| e.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&new), names(&old));
        for ((name, new), (_, old)) in new.iter().zip(&old) {
            assert!(new == old, "{name} differs:\n{new:.3000}\n---\n{old:.3000}");
        }
    }

    /// Renderings with their counts taken beforehand.
    struct CountedAhead {
        reel: crate::spill::Reel<Rendered>,
        counted: Counted,
    }

    impl VerdictList for CountedAhead {
        fn len(&self) -> usize {
            self.reel.len()
        }
        fn each(
            &self,
            rules: &RuleSet,
            f: &mut dyn FnMut(&RenderedRef) -> anyhow::Result<()>,
        ) -> anyhow::Result<()> {
            VerdictList::each(&self.reel, rules, f)
        }
        fn counted(&self) -> Option<&Counted> {
            Some(&self.counted)
        }
    }

    fn sample_run(rules: &RuleSet) -> Verdicts {
        let batch = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/xet-tuong-duong-2021");
        let v = crate::pipeline::run(&batch, rules, &|_, _| {})
            .unwrap()
            .verdicts;
        assert!(v.verdicts.len() > 100);
        assert!(v.verdicts.iter().map(|v| v.reasons.len()).sum::<usize>() > 50);
        v
    }

    #[test]
    fn the_sample_batch_gives_the_cell_by_cell_writers_xml() {
        let rules = RuleSet::default_rules().unwrap();
        let v = sample_run(&rules);
        assert_same_as_cell_by_cell(&v, &v.verdicts, &rules);

        // From a tape on disk, as a large run's verdicts are written.
        let dir = tempfile::tempdir().unwrap();
        let mut tape = Tape::new(dir.path(), 10);
        for verdict in &v.verdicts {
            tape.push(Stored(verdict.clone())).unwrap();
        }
        let reel = tape.finish().unwrap();
        assert_same_as_cell_by_cell(&v, &reel, &rules);

        // Rendered as judging renders them, as `hoso check` writes them.
        let mut tape = Tape::new(dir.path(), 10);
        for verdict in &v.verdicts {
            let files = crate::pipeline::files_fingerprint(&verdict.files);
            tape.push(Rendered::of(verdict, &rules, files).unwrap())
                .unwrap();
        }
        let reel = tape.finish().unwrap();
        assert_same_as_cell_by_cell(&v, &reel, &rules);

        // Counted as they were made, as `hoso check` counts them: the
        // workbook then takes no pass of its own to count them.
        let mut counted = Counted::default();
        VerdictList::each(&reel, &rules, &mut |r| {
            counted.add(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(counted.tally(), &Tally::of(&v.verdicts));
        let ahead = CountedAhead { reel, counted };
        assert_same_as_cell_by_cell(&v, &ahead, &rules);

        let none = Verdicts {
            verdicts: Vec::new(),
            ..v.clone()
        };
        assert_same_as_cell_by_cell(&none, &none.verdicts, &rules);
    }

    /// Headers left empty are blank cells, which count in the sheets'
    /// ranges as texts do not.
    #[test]
    fn empty_labels_give_the_cell_by_cell_writers_xml() {
        let mut rules = RuleSet::default_rules().unwrap();
        let v = sample_run(&rules);
        let none = Verdicts {
            verdicts: Vec::new(),
            ..v.clone()
        };
        for keys in [
            &["list_row", "sources"][..],
            &["stt", "name", "message", "sources"],
            &[
                "stt",
                "name",
                "birth_date",
                "unit",
                "status",
                "codes",
                "dossier",
                "list_row",
                "code",
                "severity",
                "message",
            ],
        ] {
            for key in keys {
                rules.report.labels.insert(key.to_string(), String::new());
            }
            assert_same_as_cell_by_cell(&v, &v.verdicts, &rules);
            assert_same_as_cell_by_cell(&none, &none.verdicts, &rules);
        }
    }

    #[test]
    fn the_file_reads_back_with_calamine() {
        use calamine::{Data, Reader, Xlsx};
        let rules = RuleSet::default_rules().unwrap();
        let mut v = sample_run(&rules);
        let unused = crate::verdict::UnusedFile {
            path: "ghi-chú.txt".into(),
            reason: "không thuộc hồ sơ nào".into(),
        };
        v.unused_files.push(unused.clone());
        let (new, _) = both(&v, &v.verdicts, &v.verdicts, &rules);
        let mut book = Xlsx::new(Cursor::new(new.unwrap())).unwrap();
        assert_eq!(
            book.sheet_names(),
            ["Kết quả xét", "Lý do", "Tổng hợp"].map(String::from)
        );

        let sheet = book.worksheet_range("Kết quả xét").unwrap();
        assert_eq!(sheet.height(), v.verdicts.len() + 1);
        assert_eq!(sheet.width(), 8);
        assert_eq!(sheet.get((0, 1)), Some(&Data::String("Họ và tên".into())));
        for (i, verdict) in v.verdicts.iter().enumerate() {
            assert_eq!(sheet.get((i + 1, 0)), Some(&Data::Float(i as f64 + 1.0)));
            assert_eq!(
                sheet.get((i + 1, 1)),
                Some(&Data::String(neutralise(&verdict.name).into_owned()))
            );
            assert_eq!(
                sheet.get((i + 1, 4)),
                Some(&Data::String(rules.status_name(verdict.status).into()))
            );
        }

        let sheet = book.worksheet_range("Lý do").unwrap();
        let reasons: Vec<(&Verdict, &Reason)> = v
            .verdicts
            .iter()
            .flat_map(|v| v.reasons.iter().map(move |r| (v, r)))
            .collect();
        assert_eq!(sheet.height(), reasons.len() + 1);
        for (i, (verdict, reason)) in reasons.iter().enumerate() {
            let cell = |col| sheet.get((i + 1, col)).cloned();
            assert_eq!(cell(0), Some(Data::String(verdict.name.clone())));
            assert_eq!(cell(1), Some(Data::String(reason.code.clone())));
            assert_eq!(cell(3), Some(Data::String(reason.message.clone())));
            assert_eq!(cell(4), Some(Data::String(reason.sources.join("; "))));
        }

        let summary = book.worksheet_range("Tổng hợp").unwrap();
        assert_eq!(
            summary.get((4, 1)),
            Some(&Data::Float(v.verdicts.len() as f64))
        );
        // Below the counts, the files not used, each with why.
        let heading = (0..summary.height())
            .find(|&r| summary.get((r, 0)) == Some(&Data::String("Tệp không dùng".into())))
            .expect("a table of the files not used");
        let text = |r, c| summary.get((r, c)).cloned();
        assert_eq!(text(heading, 1), Some(Data::String("Lý do".into())));
        assert_eq!(text(heading + 1, 0), Some(Data::String(unused.path)));
        assert_eq!(text(heading + 1, 1), Some(Data::String(unused.reason)));
    }

    /// Texts that an XML writer gets wrong: specials, control characters,
    /// spaces at the ends, Excel's own `_xHHHH_`, formulas, long texts.
    fn odd_text() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => Just(String::new()),
            10 => "[ \t\n\r&<>\"'=+@a-zạđĐễ😀_x0-9A-F\u{0}-\u{1f}\u{7f}\u{fffd}\u{fffe}\u{ffff}\u{ff01}-]{1,12}",
            6 => "(_x[0-9A-Fa-f]{4}_|_x[0-9a-g]{3,5}_?|_x|ạ|_| ){1,6}",
            1 => (
                prop::sample::select(vec!["", "=", " ", "-", "\t"]),
                prop::sample::select(vec!["a", "ạ", "😀", "&", "\u{1}"]),
                32_760usize..32_772,
            )
                .prop_map(|(start, unit, units)| {
                    let per = unit.encode_utf16().count();
                    format!("{start}{}", unit.repeat(units / per))
                }),
        ]
    }

    fn odd_verdict() -> impl Strategy<Value = Verdict> {
        let reason = (
            odd_text(),
            prop::sample::select(vec![Severity::Reject, Severity::Warning, Severity::Review]),
            odd_text(),
            prop::collection::vec(odd_text(), 0..3),
        )
            .prop_map(|(code, severity, message, sources)| Reason {
                code,
                severity,
                message,
                sources,
            });
        (
            odd_text(),
            prop::option::of((1900i32..2030, 1u32..13, 1u32..29)),
            prop::option::of(odd_text()),
            prop::sample::select(vec![
                Status::Accepted,
                Status::Rejected,
                Status::NeedsReview,
            ]),
            prop::collection::vec(reason, 0..4),
            (prop::option::of(odd_text()), prop::option::of(odd_text())),
        )
            .prop_map(
                |(name, birth, unit, status, reasons, (dossier, list_row))| Verdict {
                    name,
                    birth_date: birth.and_then(|(y, m, d)| {
                        chrono::NaiveDate::from_ymd_opt(y, m, d).map(Date::Full)
                    }),
                    unit,
                    status,
                    reasons,
                    dossier,
                    list_row,
                    files: Vec::new(),
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// The same bytes as rust_xlsxwriter's for odd texts, or an error
        /// where it has one (a text past 32,767 characters).
        #[test]
        fn odd_texts_give_the_cell_by_cell_writers_xml(
            verdicts in prop::collection::vec(odd_verdict(), 0..6),
            labels in prop::collection::vec(
                (prop::sample::select(vec!["stt", "name", "unit", "list_row", "message",
                    "sources", "reject", "warning", "total", "count"]), odd_text()),
                0..3,
            ),
            status in odd_text(),
        ) {
            let mut rules = RuleSet::default_rules().unwrap();
            for (key, text) in labels {
                rules.report.labels.insert(key.to_string(), text);
            }
            rules.report.status_names.insert("rejected".into(), status);
            let head = Verdicts {
                rule_set: crate::verdict::RuleSetInfo {
                    name: "x".into(),
                    version: "1".into(),
                    sha256: String::new(),
                },
                summary: crate::verdict::Summary::of(&verdicts),
                verdicts: Vec::new(),
                unused_files: Vec::new(),
                lists: Vec::new(),
                request_letters: Vec::new(),
                warnings: Vec::new(),
            };
            let (new, old) = both(&head, &verdicts, &verdicts, &rules);
            match (new, old) {
                (Ok(new), Ok(old)) => prop_assert!(entries(&new) == entries(&old)),
                (Err(_), Err(_)) => {}
                (new, old) => prop_assert!(false, "new {:?}, old {:?}", new.err(), old.err()),
            }
        }
    }
}
