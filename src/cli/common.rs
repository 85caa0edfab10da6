//! Pieces shared by subcommands: loading rules, thread pools, progress bars.

use anyhow::anyhow;
use hoso::evaluate::ruleset::RuleSet;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;

/// The rule set from `--rules FILE`, or the built-in default. Errors list
/// every problem with its line and column.
pub fn load_rules(path: Option<&Path>) -> anyhow::Result<RuleSet> {
    let loaded = match path {
        Some(p) => RuleSet::load(p),
        None => RuleSet::default_rules(),
    };
    loaded.map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow!(
            "the rule file has {} error(s):\n{}",
            lines.len(),
            lines.join("\n")
        )
    })
}

/// Runs `f` on a pool of `jobs` threads (all cores when `None`).
pub fn with_jobs<T: Send>(jobs: Option<usize>, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    Ok(jobs_pool(jobs)?.install(f))
}

/// The thread pool of `--jobs` (default: one thread per core), for a
/// command that runs several stages in it.
pub fn jobs_pool(jobs: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = jobs {
        builder = builder.num_threads(n.max(1));
    }
    Ok(builder.build()?)
}

/// A progress bar on stderr when it is a terminal; hidden otherwise, so
/// logs and pipes stay clean.
pub fn progress_bar(message: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} files ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}
