//! `hoso letters` (being written).

use std::path::Path;
use std::process::ExitCode;

/// (being written)
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("hoso letters is not written yet")
}

pub fn write_for(_v: &hoso::verdict::Verdicts, _out: &Path) -> anyhow::Result<()> {
    anyhow::bail!("letters are not written yet")
}
