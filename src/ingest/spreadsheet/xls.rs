//! .xls: a BIFF stream in an OLE compound file, read with calamine after a
//! pre-scan ([`pre_scan`]) that applies calamine's own reading rules, so
//! calamine never meets a file that makes it loop or allocate without bound.

use super::{
    ErrorKind, IngestError, MAX_CELLS, Result, SheetProblem, SheetWarning, Workbook, is_worksheet,
    one_line, password_protected, range_to_sheet, without_panics, workbook,
};
use crate::ingest::cfb::{Cfb, u16_at, u32_at};
use calamine::{Reader, Xls};
use std::io::Cursor;

pub(super) fn read_xls(bytes: &[u8], display: &str) -> Result<Workbook> {
    pre_scan(bytes)?;
    // calamine's BIFF parser indexes record data without length checks
    // (MergeCells, BoundSheet offsets, MulRk column ranges, FAT lookups) and
    // panics on such files. The guard covers what would abort or exhaust
    // memory; these panics it does not try to predict.
    without_panics(".xls", || read_xls_unguarded(bytes, display))
}

fn read_xls_unguarded(bytes: &[u8], display: &str) -> Result<Workbook> {
    let mut xls = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsError::Password => password_protected(),
        e => IngestError::detail(ErrorKind::Damaged, format!(".xls: {}", one_line(e))),
    })?;
    let epoch_1904 = xls.has_1904_epoch();
    let metas = xls.sheets_metadata().to_vec();
    Ok(workbook(display, &metas, |meta, budget, warnings| {
        if !is_worksheet(meta, warnings) {
            return Ok(None);
        }
        let range = xls
            .worksheet_range(&meta.name)
            .map_err(|e| SheetWarning::new(SheetProblem::Unreadable, &meta.name, [one_line(e)]))?;
        let merges = xls
            .merge_cells_by_sheet_name(&meta.name)
            .unwrap_or_default();
        Ok(range_to_sheet(
            &meta.name, range, merges, epoch_1904, budget, warnings,
        ))
    }))
}

// ------------------------------------------------------------ pre-scan

/// calamine reserves DIMENSIONS rows x columns cells of 40 bytes.
const MAX_DECLARED_CELLS: u64 = 2_000_000;

/// Refuses what would make calamine loop or allocate past our caps: a
/// looping or broken sector chain, declared dimensions or cells past
/// [`MAX_CELLS`].
fn pre_scan(bytes: &[u8]) -> Result<()> {
    let cfb = Cfb::open(bytes, ".xls")?;
    if cfb.has("EncryptedPackage") {
        return Err(super::password_protected());
    }
    if cfb.has("WordDocument") {
        return Err(IngestError::new(ErrorKind::WordNotSpreadsheet, []));
    }
    let stream = match cfb.stream("Workbook") {
        Ok(s) => s,
        Err(_) if cfb.has("Book") => cfb.stream("Book")?,
        Err(e) if cfb.has("Workbook") => return Err(e),
        Err(_) => {
            return Err(IngestError::new(ErrorKind::NotSpreadsheet, []));
        }
    };
    check_biff(&stream)
}

/// BIFF records as calamine iterates them: CONTINUE records folded into
/// the record before them; iteration ends at the first malformed record
/// (where calamine stops with an error).
struct Records<'a> {
    s: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let typ = u16_at(self.s, 0)?;
        let len = u16_at(self.s, 2)? as usize;
        let data = self.s.get(4..4 + len)?;
        self.s = &self.s[4 + len..];
        while self.s.len() > 4 && u16_at(self.s, 0) == Some(0x003C) {
            let len = u16_at(self.s, 2)? as usize;
            self.s = self.s.get(4 + len..)?;
        }
        Some((typ, data))
    }
}

/// The cell extent of every sheet, as calamine will size it.
fn check_biff(stream: &[u8]) -> Result<()> {
    let mut sheet_offsets = Vec::new();
    for (typ, data) in (Records { s: stream }) {
        match typ {
            0x002F if u16_at(data, 0).is_some_and(|v| v != 0) => {
                return Err(super::password_protected());
            }
            0x0085 => sheet_offsets.extend(u32_at(data, 0)),
            0x000A => break,
            _ => {}
        }
    }
    let mut area_total: u64 = 0;
    for pos in sheet_offsets {
        let Some(sheet) = stream.get(pos as usize..) else {
            continue;
        };
        let extent = sheet_extent(sheet)?;
        area_total = area_total.saturating_add(extent.area());
        if extent.cells > MAX_CELLS as u64 || area_total > MAX_CELLS as u64 {
            return Err(IngestError::detail(
                ErrorKind::OverLimit,
                format!(
                    "a sheet spans {} x {} cells (up to {}), more than the {MAX_CELLS} we read",
                    extent.rows(),
                    extent.cols(),
                    extent.last_ref()
                ),
            ));
        }
    }
    Ok(())
}

#[derive(Default)]
struct Extent {
    cells: u64,
    bounds: Option<((u32, u32), (u32, u32))>,
}

impl Extent {
    fn add(&mut self, row: u32, col: u32) {
        self.cells += 1;
        self.bounds = Some(match self.bounds {
            None => ((row, col), (row, col)),
            Some(((r0, c0), (r1, c1))) => ((r0.min(row), c0.min(col)), (r1.max(row), c1.max(col))),
        });
    }
    fn rows(&self) -> u64 {
        self.bounds
            .map_or(0, |((r0, _), (r1, _))| (r1 - r0) as u64 + 1)
    }
    fn cols(&self) -> u64 {
        self.bounds
            .map_or(0, |((_, c0), (_, c1))| (c1 - c0) as u64 + 1)
    }
    fn area(&self) -> u64 {
        self.rows() * self.cols()
    }
    fn last_ref(&self) -> String {
        self.bounds
            .map_or_else(String::new, |(_, (r, c))| crate::source::cell_ref(r, c))
    }
}

fn sheet_extent(sheet: &[u8]) -> Result<Extent> {
    let mut extent = Extent::default();
    let mut seen_bof = false;
    let mut depth = 0usize;
    for (typ, data) in (Records { s: sheet }) {
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let at = |i: usize| u16_at(data, i).map(u32::from);
        match typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x000A => break,
            0x0200 => check_dimensions(data)?,
            // Number, Label, RString, BoolErr, RK, LabelSst, Formula
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(r), Some(c)) = (at(0), at(2)) {
                    extent.add(r, c);
                }
            }
            // MulRk: one row, a run of columns
            0x00BD => {
                let last = data.len().checked_sub(2).and_then(at);
                if let (Some(r), Some(first), Some(last)) = (at(0), at(2), last)
                    && first <= last
                {
                    extent.add(r, first);
                    extent.add(r, last);
                    extent.cells += (last - first).saturating_sub(1) as u64;
                }
            }
            _ => {}
        }
    }
    Ok(extent)
}

/// calamine reserves (last row - first row + 1) x (last col - first col
/// + 1) cells from this record, with unchecked arithmetic.
fn check_dimensions(r: &[u8]) -> Result<()> {
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (
            u16_at(r, 0).unwrap_or(0) as u32,
            u16_at(r, 2).unwrap_or(0) as u32,
            u16_at(r, 4).unwrap_or(0) as u32,
            u16_at(r, 6).unwrap_or(0) as u32,
        ),
        14 | 16 => (
            u32_at(r, 0).unwrap_or(0),
            u32_at(r, 4).unwrap_or(0),
            u16_at(r, 8).unwrap_or(0) as u32,
            u16_at(r, 10).unwrap_or(0) as u32,
        ),
        _ => return Ok(()), // calamine refuses the record itself
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let ((r0, c0), (r1, c1)) = if rl >= 1 && cl >= 1 {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let declared = match (r1.checked_sub(r0), c1.checked_sub(c0)) {
        (Some(rows), Some(cols)) => (rows as u64 + 1) * (cols as u64 + 1),
        _ => u64::MAX,
    };
    if declared > MAX_DECLARED_CELLS {
        return Err(IngestError::detail(
            ErrorKind::OverLimit,
            format!("a sheet declares an absurd size (rows {rf}..{rl}, columns {cf}..{cl})"),
        ));
    }
    Ok(())
}
