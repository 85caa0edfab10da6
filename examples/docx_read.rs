//! Measurement harness for the Word reader (not a test): loads every .docx
//! under the given folders into memory, then reads each with
//! `read_document_bytes`.
//!
//!   cargo run --release --example docx_read -- MODE [--repeat N] DIR...
//!
//! MODE is `load` (only load the files: the baseline to subtract), `read`
//! (load, then read every file N times) or `dump` (print `{:?}` of every
//! result, sorted by path, to compare outputs before and after a change).
//! Count instructions with `perf stat -e instructions:u` on `load` and
//! `read`; the difference is the reader's.

use hoso::ingest::docx::read_document_bytes;
use std::hint::black_box;

// As in the `hoso` binary, so allocation costs what it costs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let mut repeat = 1usize;
    let mut dirs = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--repeat" {
            repeat = args.next().unwrap_or_default().parse()?;
        } else {
            dirs.push(arg);
        }
    }
    let mut paths: Vec<_> = dirs
        .iter()
        .flat_map(walkdir::WalkDir::new)
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "docx"))
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    let files: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| Ok((p.display().to_string(), std::fs::read(p)?)))
        .collect::<std::io::Result<_>>()?;
    match mode.as_str() {
        "load" => {
            black_box(&files);
        }
        "read" => {
            for _ in 0..repeat {
                for (name, bytes) in &files {
                    let _ = black_box(read_document_bytes(black_box(bytes), name));
                }
            }
        }
        "dump" => {
            for (name, bytes) in &files {
                println!("{name}\n{:?}", read_document_bytes(bytes, name));
            }
        }
        _ => anyhow::bail!("usage: docx_read load|read|dump [--repeat N] DIR..."),
    }
    eprintln!("{} files", files.len());
    Ok(())
}
