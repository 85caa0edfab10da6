//! Ctrl-C: the first press asks long runs to stop at the next safe point
//! (between files, before writing outputs); a second press exits at once.
//! Outputs are written atomically and imports are transactions, so even a
//! hard kill leaves the previous complete state.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler; call once from `main`.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nhoso: stopping (press Ctrl-C again to quit at once)");
    });
}

pub fn requested() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Returned by long operations that stopped because of Ctrl-C.
#[derive(Debug, thiserror::Error)]
#[error("interrupted: nothing was written")]
pub struct Interrupted;

pub fn check() -> Result<(), Interrupted> {
    if requested() {
        Err(Interrupted)
    } else {
        Ok(())
    }
}
