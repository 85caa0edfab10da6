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
    #[serde(deserialize_with = "shared::deserialize")]
    pub file: Arc<str>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Loc {
    /// The file as a whole (a scan, a missing document).
    File,
    /// A spreadsheet cell; `row` and `col` are 0-based.
    Cell {
        #[serde(deserialize_with = "shared::deserialize")]
        sheet: Arc<str>,
        row: u32,
        col: u32,
    },
    /// A Word paragraph, 1-based, counted over the body in reading order.
    Paragraph(u32),
    /// A Word table cell; table, row and cell are 1-based.
    TableCell { table: u32, row: u32, cell: u32 },
}

/// Paths and sheet names read back shared: the last few read on a thread
/// are kept, and one read again is the same `Arc`. Reading back a batch's
/// contents from the cache meets the same list path and sheet name in
/// every cell source of a list, and a Word file's own path in each of its
/// parts: a string each was 90,000 allocations at 10,000 dossiers.
pub(crate) mod shared {
    use serde::Deserializer;
    use std::cell::RefCell;
    use std::sync::Arc;

    /// How many recent texts a thread keeps: a list's path and sheet, and
    /// room to spare.
    const KEPT: usize = 4;

    thread_local! {
        static RECENT: RefCell<([Option<Arc<str>>; KEPT], usize)> =
            const { RefCell::new(([const { None }; KEPT], 0)) };
    }

    /// `text` as an `Arc`: one kept on this thread if it is the same text.
    pub fn share(text: &str) -> Arc<str> {
        let kept = RECENT
            .with_borrow(|(recent, _)| recent.iter().flatten().find(|k| ***k == *text).cloned());
        kept.unwrap_or_else(|| {
            let made: Arc<str> = Arc::from(text);
            keep(&made);
            made
        })
    }

    /// Keeps `text` as one of this thread's recent texts (a file's path,
    /// before its content is read back).
    pub fn expect(text: &Arc<str>) {
        let known =
            RECENT.with_borrow(|(recent, _)| recent.iter().flatten().any(|k| Arc::ptr_eq(k, text)));
        if !known {
            keep(text);
        }
    }

    /// `text` in place of the oldest of this thread's recent texts.
    fn keep(text: &Arc<str>) {
        RECENT.with_borrow_mut(|(recent, next)| {
            recent[*next % KEPT] = Some(Arc::clone(text));
            *next = next.wrapping_add(1);
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Arc<str>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Arc<str>, E> {
                Ok(share(text))
            }
        }
        d.deserialize_str(Visitor)
    }
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

    /// Sources read back share their path and sheet name with the last
    /// ones read on the thread, and with a path expected; the texts are
    /// read back as they were, whatever was kept.
    #[test]
    fn sources_read_back_share_their_texts() {
        let list: Arc<str> = Arc::from("xã/danh sách.xlsx");
        shared::expect(&list);
        let cells: Vec<Source> = (0..6)
            .map(|row| Source::cell("xã/danh sách.xlsx", "Trang 1", row, 2))
            .chain([Source::cell("khác.xlsx", "Trang 1", 0, 0)])
            .collect();
        let bytes = postcard::to_stdvec(&cells).unwrap();
        let back: Vec<Source> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, cells);
        let sheet = |s: &Source| match &s.loc {
            Loc::Cell { sheet, .. } => Arc::clone(sheet),
            _ => unreachable!(),
        };
        for s in &back[..6] {
            assert!(Arc::ptr_eq(&s.file, &list), "the expected path");
            assert!(Arc::ptr_eq(&sheet(s), &sheet(&back[0])));
        }
        assert_eq!(&*back[6].file, "khác.xlsx");
        // From JSON too, whose strings are not borrowed.
        let json: Source =
            serde_json::from_str(&serde_json::to_string(&cells[0]).unwrap()).unwrap();
        assert!(Arc::ptr_eq(&json.file, &list));
    }
}
