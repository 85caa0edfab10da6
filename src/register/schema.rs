//! The register's SQLite schema. One row per imported file, per class, per
//! enrolment; a class belongs to the file it came from, so replacing a file
//! is one `DELETE` of its source row (the rest cascades).

use anyhow::Context;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// Where the register lives when `--db` is not given.
pub const DEFAULT_DB: &str = "hoso.db";

/// Bumped when the tables change; an older binary refuses a newer register.
const VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS source_files (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,   -- canonical absolute path: the file's identity
    display     TEXT NOT NULL,          -- the path as the user gave it (used in sources)
    sha256      TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS source_files_sha256 ON source_files(sha256);

CREATE TABLE IF NOT EXISTS classes (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES source_files(id) ON DELETE CASCADE,
    sheet       TEXT NOT NULL,
    class_type  TEXT NOT NULL,          -- catalogue name, or the title's wording
    known_type  INTEGER NOT NULL,       -- 1 when class_type is a catalogue name
    course      INTEGER,                -- khóa
    year        INTEGER,
    start_date  TEXT,                   -- YYYY-MM-DD
    end_date    TEXT,
    organiser   TEXT NOT NULL,
    joint       INTEGER NOT NULL,       -- decision 12: reported apart
    partner     TEXT,
    title       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS classes_year ON classes(year);
CREATE INDEX IF NOT EXISTS classes_source ON classes(source_id);

CREATE TABLE IF NOT EXISTS enrolments (
    id          INTEGER PRIMARY KEY,
    class_id    INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    birth_date  TEXT,                   -- YYYY-MM-DD or YYYY
    sex         TEXT,
    ethnicity   TEXT,
    position    TEXT,
    unit        TEXT,
    score       REAL,
    grade       TEXT,
    note        TEXT,
    source      TEXT NOT NULL           -- file!Sheet!C14
);
CREATE INDEX IF NOT EXISTS enrolments_class ON enrolments(class_id);
";

/// Opens (creating if needed) the register for writing.
pub fn open(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open the register {}", path.display()))?;
    prepare(&conn, path)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > VERSION {
        anyhow::bail!(
            "{} was written by a newer hoso (register version {version})",
            path.display()
        );
    }
    conn.execute_batch(SCHEMA)
        .with_context(|| format!("{} is not a hoso register", path.display()))?;
    conn.execute_batch(&format!("PRAGMA user_version = {VERSION}"))?;
    Ok(conn)
}

/// Opens an existing register; a missing file is an error, not a new register.
pub fn open_existing(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open the register {}", path.display()))?;
    prepare(&conn, path)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != VERSION {
        anyhow::bail!(
            "{} is not a hoso register (version {version}); run `hoso import` first",
            path.display()
        );
    }
    Ok(conn)
}

/// WAL keeps a killed import harmless (the uncommitted tail is ignored on the
/// next open) and lets `hoso report` read while an import runs.
fn prepare(conn: &Connection, path: &Path) -> anyhow::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    )
    .with_context(|| format!("{} is not an SQLite database", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_then_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("r.db");
        assert!(
            open_existing(&db).is_err(),
            "a missing register is an error"
        );
        drop(open(&db).unwrap());
        let conn = open_existing(&db).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM classes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn a_text_file_is_not_a_register() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("notes.db");
        std::fs::write(&db, "đây không phải cơ sở dữ liệu, chỉ là ghi chú").unwrap();
        let err = open(&db).unwrap_err();
        assert!(format!("{err:#}").contains("notes.db"), "{err:#}");
    }
}
