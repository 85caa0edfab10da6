//! `hoso check` (being written).

use std::process::ExitCode;

/// (being written)
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("hoso check is not written yet")
}
