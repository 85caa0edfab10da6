//! `hoso samples`: write a realistic sample year to try hoso on.

use hoso::samples::{self, DEFAULT_COUNT, DEFAULT_YEAR, ROSTER_DIR};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Write a realistic sample year into DIR.
///
///   hoso samples <DIR> [--count N] [--year YEAR] [--force]
///
/// Writes, made by hoso's own writers and the same bytes on every run:
///   DIR/xet-tuong-duong-2021/                 a review batch: commune folders, each with its
///                                             request letter (cong-van-de-nghi.docx), its
///                                             submission list (danh-sach-de-nghi.xlsx) and one
///                                             folder per applicant (don-de-nghi.docx,
///                                             bang-diem.docx or one ho-so.docx, a diploma scan);
///                                             196 verdicts: 151 recognised, 45 rejected
///   DIR/xet-tuong-duong-2021.expected.json    the verdicts the default rules should reach
///   DIR/lop-boi-duong-2021/                   the year's class rosters: 12 classes, 522
///                                             enrolments, plus the joint class
///   DIR/lop-boi-duong-2021.expected.json      what the rosters hold (classes, types, grades)
///
/// --count N makes the review batch N verdicts with the same mix of reasons (every
/// reason at least once from 100 on), for benchmarks; the rosters are written too.
/// --year YEAR (2010–2021) dates the batch in another year; the rosters are the 2021
/// figures and are written only for 2021. Forms are judged against the fixed
/// 09/07/2021 cut-off, so in earlier years the late forms are in time
/// (the expected file says so).
///
/// Refuses to overwrite an output that exists and is not empty, unless --force,
/// which deletes exactly those outputs first (nothing else in DIR).
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Folder to write into (created if needed).
    pub dir: PathBuf,
    /// Number of verdicts in the review batch [default: 196].
    #[arg(long, value_name = "N")]
    pub count: Option<usize>,
    /// Year the forms are signed in.
    #[arg(long, default_value_t = DEFAULT_YEAR)]
    pub year: i32,
    /// Replace existing outputs.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let count = args.count.unwrap_or(DEFAULT_COUNT);
    samples::check_args(count, args.year)?;
    let batch_name = samples::batch_dir_name(args.year);
    let batch = args.dir.join(&batch_name);
    let batch_json = samples::expected_path(&args.dir, &batch_name);
    let rosters = args.dir.join(ROSTER_DIR);
    let rosters_json = samples::expected_path(&args.dir, ROSTER_DIR);
    let mut outputs = vec![batch.clone(), batch_json.clone()];
    if args.year == DEFAULT_YEAR {
        outputs.extend([rosters.clone(), rosters_json.clone()]);
    }
    clear(&outputs, args.force)?;

    let bar = ProgressBar::new(count as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} hồ sơ ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let review = samples::write_review_batch_with(&batch, count, args.year, &|| bar.inc(1))?;
    bar.finish_and_clear();
    samples::write_json(&batch_json, &review)?;
    let s = review.summary;
    println!(
        "{}: {} hồ sơ cần xét, dự kiến {} công nhận đạt, {} không công nhận đạt",
        batch.display(),
        s.total,
        s.accepted,
        s.rejected
    );
    println!("  kết quả dự kiến: {}", batch_json.display());

    if args.year == DEFAULT_YEAR {
        let manifest = samples::write_rosters(&rosters)?;
        samples::write_json(&rosters_json, &manifest)?;
        let joint = manifest.rosters.iter().filter(|r| r.joint).count();
        println!(
            "{}: {:02} lớp với {} lượt học viên, và {:02} lớp phối hợp",
            rosters.display(),
            manifest.classes,
            manifest.enrolments,
            joint
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses outputs that already hold something, or deletes them with `force`.
fn clear(outputs: &[PathBuf], force: bool) -> anyhow::Result<()> {
    let taken: Vec<&PathBuf> = outputs.iter().filter(|p| holds_something(p)).collect();
    if taken.is_empty() {
        return Ok(());
    }
    if !force {
        let list: Vec<String> = taken.iter().map(|p| p.display().to_string()).collect();
        anyhow::bail!(
            "đã có dữ liệu, không ghi đè: {} (dùng --force để thay thế)",
            list.join(", ")
        );
    }
    for p in taken {
        let meta = std::fs::symlink_metadata(p)?;
        if meta.is_dir() {
            std::fs::remove_dir_all(p)?;
        } else {
            std::fs::remove_file(p)?;
        }
    }
    Ok(())
}

fn holds_something(p: &Path) -> bool {
    match std::fs::symlink_metadata(p) {
        Err(_) => false,
        Ok(meta) if meta.is_dir() => std::fs::read_dir(p)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(true),
        Ok(_) => true,
    }
}
