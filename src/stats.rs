//! Run statistics for `hoso check --stats` and `hoso bench`.

use serde::{Deserialize, Serialize};

/// Stage timings and peak memory of one `hoso check`, in milliseconds and MB.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CheckStats {
    pub files: usize,
    pub dossiers: usize,
    pub verdicts: usize,
    pub jobs: usize,
    pub discover_ms: f64,
    pub ingest_ms: f64,
    pub match_ms: f64,
    pub evaluate_ms: f64,
    pub write_ms: f64,
    pub total_ms: f64,
    /// Peak resident memory of the process (Linux: VmHWM), if known.
    pub peak_rss_mb: Option<f64>,
}

/// The process's peak resident set size in MB (Linux only).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}
