//! Facts and helpers shared by several test files (each uses some).
#![allow(dead_code)]

/// The centre's classes in the reported year (domain.md §6): class type,
/// classes, learners. The joint class (55 learners) is reported apart.
pub const CLASSES_2021: [(&str, usize, usize); 11] = [
    ("Nhận thức về Đảng", 2, 77),
    (
        "Bồi dưỡng công tác Đảng cho Bí thư chi bộ và cấp ủy viên cơ sở",
        1,
        42,
    ),
    (
        "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Dân vận ở cơ sở",
        1,
        55,
    ),
    ("Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở", 1, 50),
    (
        "Bồi dưỡng nghiệp vụ công tác Tuyên giáo và tuyên truyền miệng ở cơ sở",
        1,
        50,
    ),
    ("Bồi dưỡng nghiệp vụ công tác Đội", 1, 30),
    (
        "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Mặt trận ở cơ sở",
        1,
        50,
    ),
    (
        "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Hội Nông dân ở cơ sở",
        1,
        50,
    ),
    (
        "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Công đoàn",
        1,
        50,
    ),
    ("Đảng viên mới", 1, 33),
    ("Sơ cấp lý luận chính trị", 1, 35),
];

/// A Nhận thức về Đảng roster of `rows` learners, course `course`, written by
/// rust_xlsxwriter; `tag` makes the names (and so the content) unique.
pub fn write_roster(path: &std::path::Path, course: u32, rows: u32, tag: &str) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let title = [
        "HUYỆN ỦY KON RẪY".to_string(),
        "TRUNG TÂM CHÍNH TRỊ".to_string(),
        "DANH SÁCH HỌC VIÊN".to_string(),
        "LỚP BỒI DƯỠNG NHẬN THỨC VỀ ĐẢNG".to_string(),
        format!("Khóa {course:02}, năm 2021 (từ ngày 01/3/2021 đến ngày 05/3/2021)"),
    ];
    for (r, line) in (0u32..).zip(&title) {
        ws.write_string(r, 0, line).unwrap();
    }
    for (c, h) in (0u16..).zip([
        "STT",
        "Họ và tên",
        "Ngày sinh",
        "Đơn vị",
        "Điểm",
        "Xếp loại",
    ]) {
        ws.write_string(6, c, h).unwrap();
    }
    for i in 0..rows {
        let r = 7 + i;
        ws.write_number(r, 0, f64::from(i + 1)).unwrap();
        ws.write_string(r, 1, format!("Học Viên {tag} Số {i}"))
            .unwrap();
        ws.write_string(r, 2, format!("{:02}/03/19{:02}", 1 + i % 28, 70 + i % 30))
            .unwrap();
        ws.write_string(r, 3, "Xã Đắk Ruồng").unwrap();
        ws.write_string(r, 4, "7,5").unwrap();
        ws.write_string(r, 5, "Khá").unwrap();
    }
    wb.save(path).unwrap();
}

/// `files` rosters of `rows` learners each in `dir`/many, and `hoso import`
/// of them into `dir`/r.db, returned running once at least three files
/// have landed (or finished, if it was quicker).
pub fn import_until_some_landed(
    dir: &std::path::Path,
    files: u32,
    rows: u32,
) -> std::process::Child {
    let many = dir.join("many");
    std::fs::create_dir(&many).unwrap();
    for k in 0..files {
        write_roster(
            &many.join(format!("lop-{k:03}.xlsx")),
            k % 90 + 1,
            rows,
            &k.to_string(),
        );
    }
    let db = dir.join("r.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(["import", "--db", "r.db", "many"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    loop {
        let landed =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| {
                    c.query_row("SELECT count(*) FROM source_files", [], |r| {
                        r.get::<_, i64>(0)
                    })
                })
                .unwrap_or(0);
        if landed >= 3 || child.try_wait().unwrap().is_some() {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Runs the hoso binary with `args` in the folder `dir` (this process's
/// when `None`), failing the test with its error output unless it succeeds.
pub fn hoso_ok(args: &[&str], dir: Option<&std::path::Path>) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hoso"));
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "hoso {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Copies the folder `from`, files and folders, to `to`.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `hoso check` of `batch` into `out` (with `extra` arguments), quietly:
/// the verdicts.json it wrote.
pub fn check_into(batch: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> String {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_hoso"))
        .arg("check")
        .arg(batch)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read_to_string(out.join("verdicts.json")).unwrap()
}

/// An applicant's name, status and reason codes: what must not change when
/// the same batch is sent in other file formats.
pub type Outcome = (String, String, Vec<String>);

/// The outcome of every verdict, in order.
pub fn outcomes_of(v: &hoso::verdict::Verdicts) -> Vec<Outcome> {
    v.verdicts
        .iter()
        .map(|x| {
            let codes = x.reasons.iter().map(|r| r.code.clone()).collect();
            (x.name.clone(), x.status.as_str().to_string(), codes)
        })
        .collect()
}

/// The outcomes of checking `batch` with the default rules (every file
/// accounted for).
pub fn outcomes(batch: &std::path::Path) -> Vec<Outcome> {
    let rules = hoso::evaluate::ruleset::RuleSet::default_rules().unwrap();
    let run = hoso::pipeline::run(batch, &rules, &|_, _| {}).unwrap();
    assert!(run.accounting.is_empty(), "{:?}", run.accounting);
    outcomes_of(&run.verdicts)
}

/// Puts `fixtures/{name}.{ext}` in `folder` in place of the file `name`
/// sent in another Office format (which must be there): the same document
/// saved another way.
pub fn swap_in(folder: &std::path::Path, name: &str, fixtures: &str, ext: &str) {
    let removed = ["docx", "doc", "xlsx", "xls"]
        .iter()
        .filter(|old| std::fs::remove_file(folder.join(format!("{name}.{old}"))).is_ok())
        .count();
    assert!(removed > 0, "no {name} in {}", folder.display());
    std::fs::copy(
        format!("{fixtures}/{name}.{ext}"),
        folder.join(format!("{name}.{ext}")),
    )
    .unwrap();
}

/// A workbook of one sheet named `sheet` holding `rows` of text, written
/// by rust_xlsxwriter: a list whose reading is not what a test is about.
pub fn write_rows(path: &std::path::Path, sheet: &str, rows: &[&[&str]]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet().set_name(sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *text).unwrap();
        }
    }
    book.save(path).unwrap();
}
