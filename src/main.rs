//! The `hoso` command: a thin dispatcher. Each subcommand lives in its own
//! file under `cli/`, with its usage text at the top (xsv style).

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// Reading a batch makes millions of small strings across threads; glibc's
/// malloc spent a fifth of `hoso check` in allocation and free (perf), and
/// mimalloc's thread-local heaps cut that sharply.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so `hoso explain ... | head` would panic on the
    // closed pipe; a command-line tool should just stop, as `cat` does.
    #[cfg(unix)]
    // SAFETY: called first thing, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // mimalloc advises transparent huge pages for its arenas, so each first
    // touch of an arena page makes the kernel clear 2 MiB: that was a quarter
    // of a re-run's CPU time (perf: clear_page_erms) and 20 MB of a 10,000
    // dossier run's peak, for scattered small strings that gain nothing from
    // huge pages. Off for this process only (and its children), before the
    // batch allocates; a kernel without the call simply keeps THP.
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with integer arguments touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    let args = cli::Cli::parse();
    hoso::interrupt::install();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) if err.is::<hoso::interrupt::Interrupted>() => {
            eprintln!("hoso: {err}");
            ExitCode::from(130)
        }
        Err(err) => {
            eprintln!("hoso: {err:#}");
            ExitCode::from(2)
        }
    }
}
