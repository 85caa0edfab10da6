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

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3); the -sys crate's
/// list of options stops before it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc keeps freed memory before returning it to the system.
fn set_purge_delay(ms: std::ffi::c_long) {
    // SAFETY: setting an option is thread-safe; the value is in range.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms);
    }
}

/// Freed memory is kept a second (mimalloc's default), for a batch whose
/// peak memory is no concern: memory returned after 10 ms was taken back
/// from the system, page by page, by the next stage (a 1% re-run of 10,000
/// dossiers made 560 `madvise` calls and 4,000 page faults more, 6 ms of
/// its 145). A batch of 100,000 dossiers then peaks 40 MB higher, past 300.
pub fn keep_freed_memory_longer() {
    set_purge_delay(1000);
}

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
    // mimalloc returns freed memory to the system a second after it was
    // freed; batches free as fast as they allocate (each stage drops what
    // the last one built), so peaks of a stage and of the one before
    // overlapped: 10 ms took 50 MB off the peak of 100,000 dossiers with the
    // cache, at no measured cost in time. `hoso check` keeps the second for
    // smaller batches ([`keep_freed_memory_longer`]).
    set_purge_delay(10);
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
