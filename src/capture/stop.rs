//! A stop flag raised by Ctrl-C (SIGINT) or SIGTERM, so that `record` and
//! `live` finish their files and print their summary instead of dying.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn raise(_signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    STOP.store(true, Ordering::SeqCst);
}

/// Routes SIGINT and SIGTERM to the stop flag (call once, early).
pub fn install() {
    #[cfg(unix)]
    // SAFETY: the handler only stores into an atomic, which is
    // async-signal-safe; `signal` is called before any capture thread runs.
    unsafe {
        let handler = raise as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// True once a stop was asked for.
pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}
