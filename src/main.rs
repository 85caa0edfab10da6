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
