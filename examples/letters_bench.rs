//! Benchmark (not a test): writes notices for N rejected applicants (default
//! 1,000) with the built-in templates and prints the time taken.
//!
//!   cargo run --release --example letters_bench -- [N] [OUT_DIR]

use hoso::date::Date;
use hoso::letters::{LetterOptions, write_letters};
use hoso::verdict::{Reason, RuleSetInfo, Severity, Status, Summary, Verdict, Verdicts};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let count: usize = match args.next() {
        Some(n) => n.parse()?,
        None => 1000,
    };
    let keep = args.next();
    let tmp = tempfile::tempdir()?;
    let out = keep.map_or_else(|| tmp.path().join("letters"), Into::into);
    let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Đỗ", "Y", "A", "Rơ Mah"];
    let given = ["Văn An", "Thị Hoa", "Minh Tuấn", "Blông", "Thắng", "Hiền"];
    let verdicts: Vec<Verdict> = (0..count)
        .map(|i| Verdict {
            name: format!(
                "{} {} {}",
                family[i % family.len()],
                given[i % given.len()],
                i
            ),
            birth_date: Date::ymd(
                1960 + (i % 40) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            ),
            unit: Some(format!("Xã Đăk Ruồng {}", i % 9)),
            status: Status::Rejected,
            reasons: vec![
                Reason {
                    code: "thieu-bang-diem".into(),
                    severity: Severity::Reject,
                    message: "Thiếu bảng điểm".into(),
                    sources: vec![],
                },
                Reason {
                    code: "thieu-so-tiet".into(),
                    severity: Severity::Reject,
                    message: format!("Số tiết {} chưa đạt 80% của 200", 100 + i % 59),
                    sources: vec![],
                },
            ],
            dossier: None,
            list_row: None,
            files: vec![],
        })
        .collect();
    let verdicts = Verdicts {
        rule_set: RuleSetInfo {
            name: "bench".into(),
            version: "1".into(),
            sha256: String::new(),
        },
        summary: Summary::of(&verdicts),
        verdicts,
        unused_files: vec![],
        lists: vec![],
        request_letters: vec![],
        warnings: vec![],
    };
    let opts = LetterOptions {
        out,
        ..LetterOptions::default()
    };
    let started = Instant::now();
    let report = write_letters(&verdicts, &opts)?;
    let took = started.elapsed();
    println!(
        "{} notices + merged file in {:.2} s on {} threads ({})",
        report.notices.len(),
        took.as_secs_f64(),
        rayon::current_num_threads(),
        opts.out.display()
    );
    Ok(())
}
