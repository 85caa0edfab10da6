//! .xlsx and .xlsm, read with calamine once [`super::zip_parts`] has checked
//! the real inflated size of every part. Cells are streamed and kept sparse
//! until the real extent is known: `worksheet_range` would first allocate
//! the whole rectangle up to the farthest cell (17 billion cells for one at
//! XFD1048576).

use super::{
    Budget, ErrorKind, Full, Grid, IngestError, MAX_CELLS, Result, SheetProblem, SheetWarning,
    Workbook, is_worksheet, one_line, password_protected, to_cell, workbook,
};
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

pub(super) fn read_xlsx(bytes: &[u8], display: &str) -> Result<Workbook> {
    let mut xlsx = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => password_protected(),
        e => IngestError::detail(ErrorKind::Damaged, format!(".xlsx: {}", one_line(e))),
    })?;
    let epoch_1904 = xlsx.has_1904_epoch();
    let metas = xlsx.sheets_metadata().to_vec();
    Ok(workbook(display, &metas, |meta, budget, warnings| {
        if !is_worksheet(meta, warnings) {
            return Ok(None);
        }
        let grid = read_xlsx_cells(&mut xlsx, &meta.name, budget, epoch_1904)?;
        let merges = xlsx
            .merge_cells_by_sheet_name(&meta.name)
            .unwrap_or_else(|e| {
                warnings.push(SheetWarning::new(
                    SheetProblem::MergesUnreadable,
                    &meta.name,
                    [one_line(e)],
                ));
                Vec::new()
            });
        Ok(grid.into_sheet(&meta.name, merges, epoch_1904, budget, warnings))
    }))
}

/// Streams one sheet's cells; `worksheet_range` would first allocate the
/// whole rectangle up to the farthest cell.
fn read_xlsx_cells(
    xlsx: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    budget: &Budget,
    epoch_1904: bool,
) -> std::result::Result<Grid, SheetWarning> {
    let mut reader = xlsx
        .worksheet_cells_reader(name)
        .map_err(|e| SheetWarning::new(SheetProblem::Unreadable, name, [one_line(e)]))?;
    let mut grid = Grid::new();
    loop {
        match reader.next_cell() {
            Ok(Some(cell)) => {
                let pos = cell.get_position();
                let value = to_cell(Data::from(cell.get_value().clone()), epoch_1904);
                if let Err(Full) = grid.push(pos, value, budget) {
                    let limit = MAX_CELLS.to_string();
                    return Err(SheetWarning::new(SheetProblem::TooManyCells, name, [limit]));
                }
            }
            Ok(None) => return Ok(grid),
            Err(e) => {
                return Err(SheetWarning::new(
                    SheetProblem::Damaged,
                    name,
                    [one_line(e)],
                ));
            }
        }
    }
}
