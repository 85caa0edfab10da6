//! The year-end register: class rosters imported into SQLite, and the year's
//! statistics and report drawn from it (domain.md §6).
//!
//! [`catalogue`] (rules/lop-hoc.toml) says which class a title names and
//! holds every user-facing text; [`roster`] turns one roster sheet into a
//! class with enrolments and data-quality warnings; [`import`] stores whole
//! files, one transaction each; [`stats`] counts a year; [`report_xlsx`] and
//! [`report_docx`] write it out.
//!
//! Decisions: a class whose title matches no catalogue type (or ties between
//! two) is still imported, under the title's own wording ("LỚP TẬP HUẤN X
//! KHÓA 01" → "TẬP HUẤN X") with `known_type = 0` and a warning, and the
//! report lists it after the catalogue's types; nothing is dropped. A class
//! with no year (no "năm ..." and no dates in its title) is imported with a
//! warning but belongs to no year's report. A file whose content was already
//! imported from another path is a copy and adds nothing.

pub mod catalogue;
pub mod import;
pub mod report_docx;
pub mod report_xlsx;
pub mod roster;
pub mod schema;
pub mod stats;
pub mod wording;
