//! The command line's logger: how the library's `log` records reach the
//! user. Warnings and errors always go to stderr as `callcoach: warning: …`
//! and `callcoach: error: …`; the timing lines the library logs at info
//! level under the target [`PROFILE_TARGET`] go to stderr as
//! `callcoach profile: …` only when `$CALLCOACH_PROFILE` is set. Everything
//! else is dropped.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

/// The target of the library's profile lines (stage timings of whisper).
pub const PROFILE_TARGET: &str = "callcoach::profile";

/// Set (to anything) to see the profile lines.
pub const PROFILE_ENV: &str = "CALLCOACH_PROFILE";

/// Prints warnings, errors and (when asked for) profile lines on stderr.
struct StderrLogger {
    /// Colour the `warning:` and `error:` labels.
    color: bool,
    /// `$CALLCOACH_PROFILE` is set.
    profile: bool,
}

impl StderrLogger {
    /// The prefix of a record, or `None` when it is not shown.
    fn prefix(&self, level: Level, target: &str) -> Option<String> {
        let label = |code: &str, text: &str| {
            if self.color {
                format!("callcoach: \x1b[{code}m{text}:\x1b[0m ")
            } else {
                format!("callcoach: {text}: ")
            }
        };
        match level {
            Level::Error => Some(label("1;31", "error")),
            Level::Warn => Some(label("1;33", "warning")),
            Level::Info if self.profile && target == PROFILE_TARGET => {
                Some("callcoach profile: ".to_string())
            }
            _ => None,
        }
    }
}

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        self.prefix(metadata.level(), metadata.target()).is_some()
    }

    fn log(&self, record: &Record) {
        if let Some(prefix) = self.prefix(record.level(), record.target()) {
            // One write per line, so lines of several threads do not mix.
            let line = format!("{prefix}{}\n", record.args());
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// Installs the logger: `color` colours the labels (the stderr decision of
/// [`super::term::Term`]); profile lines follow `$CALLCOACH_PROFILE`.
pub fn init(color: bool) {
    let profile = std::env::var_os(PROFILE_ENV).is_some();
    // The logger lives for the whole run.
    let logger: &'static StderrLogger = Box::leak(Box::new(StderrLogger { color, profile }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(if profile {
            LevelFilter::Info
        } else {
            LevelFilter::Warn
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_always_show_and_profile_lines_only_when_asked() {
        let plain = StderrLogger {
            color: false,
            profile: false,
        };
        assert_eq!(
            plain.prefix(Level::Warn, "callcoach::structure").as_deref(),
            Some("callcoach: warning: ")
        );
        assert_eq!(
            plain.prefix(Level::Error, "x").as_deref(),
            Some("callcoach: error: ")
        );
        assert_eq!(plain.prefix(Level::Info, PROFILE_TARGET), None);
        let profiling = StderrLogger {
            color: true,
            profile: true,
        };
        assert_eq!(
            profiling.prefix(Level::Info, PROFILE_TARGET).as_deref(),
            Some("callcoach profile: ")
        );
        assert_eq!(profiling.prefix(Level::Info, "callcoach::batch"), None);
        assert_eq!(profiling.prefix(Level::Debug, PROFILE_TARGET), None);
        assert_eq!(
            profiling.prefix(Level::Warn, "x").as_deref(),
            Some("callcoach: \x1b[1;33mwarning:\x1b[0m ")
        );
    }
}
