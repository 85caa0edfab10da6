//! `hoso rules` (being written).

use std::process::ExitCode;

/// Validate and test rule files.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// (being written)
    Check {},
}

pub fn run(_c: Command) -> anyhow::Result<ExitCode> {
    anyhow::bail!("hoso rules is not written yet")
}
