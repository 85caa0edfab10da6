//! What the measuring harnesses share (`#[path]`-included by each; cargo
//! builds no example from this folder): their command line,
//! `MODE [--rounds N] PATH...`, and the Word files below some folders.

#![allow(dead_code)] // each harness uses its own part

use std::path::PathBuf;

pub struct Args {
    pub mode: String,
    /// How many times to repeat the measured work (`--rounds`, default 1).
    pub rounds: usize,
    pub paths: Vec<String>,
}

pub fn args() -> anyhow::Result<Args> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let mut rounds = 1;
    let mut paths = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--rounds" {
            rounds = args.next().unwrap_or_default().parse()?;
        } else {
            paths.push(arg);
        }
    }
    Ok(Args {
        mode,
        rounds,
        paths,
    })
}

/// Every .docx below `dirs`, in path order.
pub fn docx_below(dirs: &[String]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = dirs
        .iter()
        .flat_map(walkdir::WalkDir::new)
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "docx"))
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    paths
}
