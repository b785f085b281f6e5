//! Silencing file descriptor 2 for the length of a call, and only then.
//!
//! ALSA's library writes its own diagnostics straight to file descriptor 2
//! ("cannot find card '0'", …), bypassing Rust's `stderr`. The capture code
//! runs device enumeration and opening with descriptor 2 pointed at
//! `/dev/null` so that the user sees our one-line error instead.
//!
//! Descriptor 2 belongs to the whole process, so the redirection is:
//! * scoped: [`QuietStderr`] restores the original descriptor when dropped,
//!   which also happens while unwinding from a panic inside the scope;
//! * serialised: one static mutex admits one silenced scope at a time, so
//!   two threads cannot save each other's `/dev/null` as "the original".

#[cfg(unix)]
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
#[cfg(unix)]
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Admits one [`QuietStderr`] at a time (descriptor 2 is process-wide).
#[cfg(unix)]
static STDERR_LOCK: Mutex<()> = Mutex::new(());

/// While alive, file descriptor 2 points at `/dev/null`; dropping it points
/// descriptor 2 back at the file it had before.
#[cfg(unix)]
struct QuietStderr {
    /// A duplicate of the original descriptor 2 (closed after restoring).
    saved: OwnedFd,
    /// Held for the guard's life; released after `saved` is restored.
    _lock: MutexGuard<'static, ()>,
}

#[cfg(unix)]
impl QuietStderr {
    /// Points descriptor 2 at `/dev/null`; `None` (nothing changed) when
    /// `/dev/null` cannot be opened or descriptor 2 cannot be duplicated.
    fn new() -> Option<Self> {
        // A panic in an earlier scope poisons the lock; the guard restored
        // descriptor 2 all the same, so the lock is still sound.
        let lock = STDERR_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .ok()?;
        // SAFETY: dup returns a fresh descriptor (or -1) that nothing else
        // owns; OwnedFd takes ownership and closes it on drop.
        let saved = unsafe { libc::dup(2) };
        if saved < 0 {
            return None;
        }
        let saved = unsafe { OwnedFd::from_raw_fd(saved) };
        // SAFETY: both descriptors are open; dup2 replaces descriptor 2
        // atomically. `null` is closed when it goes out of scope; descriptor
        // 2 keeps its own reference to /dev/null.
        if unsafe { libc::dup2(null.as_raw_fd(), 2) } < 0 {
            return None;
        }
        Some(Self { saved, _lock: lock })
    }
}

#[cfg(unix)]
impl Drop for QuietStderr {
    fn drop(&mut self) {
        // SAFETY: `saved` is open until this guard's fields drop after this.
        unsafe { libc::dup2(self.saved.as_raw_fd(), 2) };
    }
}

/// Runs `f` with file descriptor 2 pointed at `/dev/null`, then restores it
/// (also when `f` panics). Other threads that silence descriptor 2 wait.
pub(crate) fn quiet_stderr<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(unix)]
    {
        let _guard = QuietStderr::new();
        f()
    }
    #[cfg(not(unix))]
    f()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;

    /// (device, inode) of the file behind descriptor `fd`.
    fn identity(fd: i32) -> (u64, u64) {
        // SAFETY: fstat writes into the zeroed struct it is given.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::fstat(fd, &mut st) }, 0, "fstat({fd})");
        (st.st_dev as u64, st.st_ino as u64)
    }

    /// Writes `bytes` to descriptor 2 directly, as ALSA does (the test
    /// harness captures Rust's `eprintln!`, not the descriptor).
    fn write_fd2(bytes: &[u8]) {
        // SAFETY: writes from a valid buffer of the given length.
        unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
    }

    #[test]
    fn fd2_is_null_inside_and_restored_after() {
        let before = identity(2);
        let null = std::fs::metadata("/dev/null").unwrap();
        let inside = quiet_stderr(|| identity(2));
        assert_eq!(inside, (null.dev(), null.ino()), "not /dev/null inside");
        assert_eq!(identity(2), before, "descriptor 2 not restored");
    }

    #[test]
    fn fd2_is_restored_after_a_panic_inside() {
        let before = identity(2);
        let caught = std::panic::catch_unwind(|| quiet_stderr(|| panic!("inside the scope")));
        assert!(caught.is_err());
        assert_eq!(identity(2), before, "descriptor 2 not restored");
        // The poisoned lock does not block the next scope.
        assert_eq!(quiet_stderr(|| 7), 7);
        assert_eq!(identity(2), before);
    }

    /// Names the child half of [`writes_inside_do_not_reach_stderr`].
    const CHILD: &str = "CALLCOACH_QUIET_STDERR_CHILD";

    /// Run in a child process whose descriptor 2 is a temporary file: a
    /// write inside the scope must not reach the file, one after it must.
    #[test]
    fn writes_inside_do_not_reach_stderr() {
        if std::env::var_os(CHILD).is_some() {
            quiet_stderr(|| write_fd2(b"inside\n"));
            let _ = std::panic::catch_unwind(|| {
                quiet_stderr(|| {
                    write_fd2(b"inside-panic\n");
                    panic!("inside the scope")
                })
            });
            write_fd2(b"after\n");
            return;
        }
        let mut log = tempfile::tempfile().unwrap();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "capture::quiet::tests::writes_inside_do_not_reach_stderr",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .stdout(std::process::Stdio::null())
            .stderr(log.try_clone().unwrap())
            .status()
            .unwrap();
        assert!(status.success(), "child failed: {status}");
        let mut text = String::new();
        std::io::Seek::rewind(&mut log).unwrap();
        log.read_to_string(&mut text).unwrap();
        assert!(
            text.contains("after\n"),
            "the write after the scope is lost: {text:?}"
        );
        assert!(
            !text.contains("inside"),
            "a write inside the scope leaked: {text:?}"
        );
    }
}
