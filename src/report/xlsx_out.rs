//! verdicts.xlsx: a verdict sheet, a sheet of every reason with its sources,
//! and a summary of counts per status and per reason code.

use super::{VerdictList, label, neutralise};
use crate::evaluate::ruleset::RuleSet;
use crate::verdict::{Status, Tally, Verdicts};
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use std::path::Path;

/// Writes verdicts.xlsx to `out`. The two long sheets are in constant-memory
/// mode (rows go to temporary files in `tmp` as they are written): a
/// workbook kept whole in memory cost ~1 KB per applicant. The verdicts are
/// `list`'s; the rest of the report is `head`'s.
pub fn write_xlsx<W>(
    head: &Verdicts,
    list: &dyn VerdictList,
    rules: &RuleSet,
    tmp: &Path,
    out: W,
) -> anyhow::Result<()>
where
    W: std::io::Write + std::io::Seek + Send,
{
    let mut wb = Workbook::new();
    wb.set_tempdir(tmp)?;
    // Zip level 1 instead of 6: the workbook is half as long to write (it
    // was the last of the three outputs to finish, on every re-run) for a
    // file about 50% larger (1.1 MB at 10,000 applicants).
    wb.set_zip_compression_level(1);
    let bold = Format::new().set_bold();
    let text = |ws: &mut Worksheet, row: u32, col: u16, s: &str| {
        ws.write_string(row, col, neutralise(s).as_ref())
            .map(|_| ())
    };

    // The two long sheets are filled side by side, each in its own pass
    // over the verdicts: the workbook is the last output to finish.
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
    let mut fill_verdicts = || {
        let mut r = 0;
        list.each(&mut |x| {
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
        })
    };
    let fill_reasons = || {
        let mut r2 = 1;
        // The reason counts of the summary sheet, taken on the way.
        let mut tally = Tally::default();
        list.each(&mut |x| {
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
        })
        .map(|()| tally)
    };
    let (filled, tally) = std::thread::scope(|s| {
        let reasons = s.spawn(fill_reasons);
        (fill_verdicts(), reasons.join())
    });
    filled?;
    let tally = tally.map_err(|_| anyhow::anyhow!("the reasons sheet stopped unexpectedly"))??;
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

    let ws = wb.add_worksheet().set_name(label(rules, "sheet_summary"))?;
    ws.write_string_with_format(0, 0, label(rules, "status"), &bold)?;
    ws.write_string_with_format(0, 1, label(rules, "count"), &bold)?;
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
    ws.write_string_with_format(start, 0, label(rules, "code"), &bold)?;
    ws.write_string_with_format(start, 1, label(rules, "count"), &bold)?;
    ws.write_string_with_format(start, 2, label(rules, "severity"), &bold)?;
    for (i, (code, sev, n)) in tally.reason_counts().iter().enumerate() {
        let r = start + 1 + i as u32;
        text(ws, r, 0, code)?;
        ws.write_number(r, 1, *n as f64)?;
        text(ws, r, 2, label(rules, severity_key(*sev)))?;
    }
    ws.set_column_width(0, 30.0)?;
    ws.set_column_width(2, 14.0)?;

    wb.save_to_writer(out)?;
    Ok(())
}

fn severity_key(s: crate::verdict::Severity) -> &'static str {
    match s {
        crate::verdict::Severity::Reject => "reject",
        crate::verdict::Severity::Warning => "warning",
        crate::verdict::Severity::Review => "review",
    }
}
