//! Where a fact came from. Every value hoso reads carries one, so a verdict
//! can say "danh-sach.xlsx!Sheet1!C14" or "don-de-nghi.docx#p7" and a clerk
//! can open the file and look.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Source {
    /// Path relative to the batch root (or as given, for single files), with `/`.
    /// Shared: every value read from a file points at the one path (a list
    /// of 100,000 people has a million sources).
    pub file: Arc<str>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Loc {
    /// The file as a whole (a scan, a missing document).
    File,
    /// A spreadsheet cell; `row` and `col` are 0-based.
    Cell { sheet: Arc<str>, row: u32, col: u32 },
    /// A Word paragraph, 1-based, counted over the body in reading order.
    Paragraph(u32),
    /// A Word table cell; table, row and cell are 1-based.
    TableCell { table: u32, row: u32, cell: u32 },
}

impl Source {
    pub fn file(file: impl Into<Arc<str>>) -> Source {
        Source {
            file: file.into(),
            loc: Loc::File,
        }
    }
    pub fn cell(
        file: impl Into<Arc<str>>,
        sheet: impl Into<Arc<str>>,
        row: u32,
        col: u32,
    ) -> Source {
        Source {
            file: file.into(),
            loc: Loc::Cell {
                sheet: sheet.into(),
                row,
                col,
            },
        }
    }
    pub fn paragraph(file: impl Into<Arc<str>>, n: u32) -> Source {
        Source {
            file: file.into(),
            loc: Loc::Paragraph(n),
        }
    }
    pub fn table_cell(file: impl Into<Arc<str>>, table: u32, row: u32, cell: u32) -> Source {
        Source {
            file: file.into(),
            loc: Loc::TableCell { table, row, cell },
        }
    }
}

/// `A`, `B`, ..., `Z`, `AA`, ... for a 0-based column.
pub fn column_letters(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        out.push(b'A' + r);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// `C14` for row 13, column 2 (0-based).
pub fn cell_ref(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col), row as u64 + 1)
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.loc {
            Loc::File => write!(f, "{}", self.file),
            Loc::Cell { sheet, row, col } => {
                write!(f, "{}!{}!{}", self.file, sheet, cell_ref(*row, *col))
            }
            Loc::Paragraph(n) => write!(f, "{}#p{}", self.file, n),
            Loc::TableCell { table, row, cell } => {
                write!(f, "{}#t{}.r{}.c{}", self.file, table, row, cell)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_a_clerk_reads_it() {
        assert_eq!(
            Source::cell("danh-sach.xlsx", "Sheet1", 13, 2).to_string(),
            "danh-sach.xlsx!Sheet1!C14"
        );
        assert_eq!(
            Source::paragraph("a/don.docx", 7).to_string(),
            "a/don.docx#p7"
        );
        assert_eq!(
            Source::table_cell("b.docx", 1, 3, 2).to_string(),
            "b.docx#t1.r3.c2"
        );
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16383), "XFD");
    }
}
