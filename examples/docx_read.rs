//! Measurement harness for the Word reader (not a test): loads every .docx
//! under the given folders into memory, then reads each with
//! `read_document_bytes`.
//!
//!   cargo run --release --example docx_read -- MODE [--rounds N] DIR...
//!
//! MODE is `load` (only load the files: the baseline to subtract), `read`
//! (load, then read every file N times, `--rounds N`) or `dump` (print `{:?}` of every
//! result, sorted by path, to compare outputs before and after a change).
//! Count instructions with `perf stat -e instructions:u` on `load` and
//! `read`; the difference is the reader's.

use hoso::ingest::docx::read_document_bytes;
use std::hint::black_box;

#[path = "harness/mod.rs"]
mod harness;

// As in the `hoso` binary, so allocation costs what it costs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let harness::Args {
        mode,
        rounds,
        paths: dirs,
    } = harness::args()?;
    let paths = harness::docx_below(&dirs);
    let files: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| Ok((p.display().to_string(), std::fs::read(p)?)))
        .collect::<std::io::Result<_>>()?;
    match mode.as_str() {
        "load" => {
            black_box(&files);
        }
        "read" => {
            for _ in 0..rounds {
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
        _ => anyhow::bail!("usage: docx_read load|read|dump [--rounds N] DIR..."),
    }
    eprintln!("{} files", files.len());
    Ok(())
}
