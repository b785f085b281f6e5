//! What the terminal allows, settled once per run from `--color` and the
//! streams: whether stdout and stderr are terminals (lines that redraw
//! themselves, progress bars) and whether each gets ANSI colour. Handlers
//! and renderers take these answers instead of asking again.

use std::io::IsTerminal;

/// `--color`: when to use ANSI colour (the convention of ripgrep and
/// hyperfine).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set to a non-empty value.
    #[default]
    Auto,
    /// Colour always, also into pipes and files.
    Always,
    /// Never colour.
    Never,
}

/// The terminal facts of this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    /// stdout is a terminal.
    pub stdout_tty: bool,
    /// stderr is a terminal.
    pub stderr_tty: bool,
    /// Colour what goes to stdout (scorecards).
    pub stdout_color: bool,
    /// Colour what goes to stderr (warnings, errors, progress bars).
    pub stderr_color: bool,
}

impl Term {
    /// Looks at the streams and `NO_COLOR` (<https://no-color.org>: set and
    /// not empty means no colour) once.
    pub fn detect(choice: ColorChoice) -> Term {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Term::from_facts(
            choice,
            std::io::stdout().is_terminal(),
            std::io::stderr().is_terminal(),
            no_color,
        )
    }

    /// The decision itself: `auto` colours a stream that is a terminal
    /// while `NO_COLOR` is unset.
    fn from_facts(choice: ColorChoice, stdout_tty: bool, stderr_tty: bool, no_color: bool) -> Term {
        let color = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Term {
            stdout_tty,
            stderr_tty,
            stdout_color: color(stdout_tty),
            stderr_color: color(stderr_tty),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_terminals_without_no_color_and_the_flag_overrides_both() {
        let t = Term::from_facts(ColorChoice::Auto, true, false, false);
        assert!(t.stdout_color && !t.stderr_color);
        let t = Term::from_facts(ColorChoice::Auto, true, true, true);
        assert!(!t.stdout_color && !t.stderr_color);
        let t = Term::from_facts(ColorChoice::Always, false, false, true);
        assert!(t.stdout_color && t.stderr_color);
        let t = Term::from_facts(ColorChoice::Never, true, true, false);
        assert!(!t.stdout_color && !t.stderr_color && t.stdout_tty);
    }
}
