//! Showing a batch's progress on stderr: indicatif bars on a terminal
//! (overall bar with files, audio hours, ETA and speed, and a line per
//! worker with its file and stage), plain log lines otherwise, or nothing
//! (`--quiet`). It implements the library's
//! [`callcoach::batch::progress::Progress`]; it only displays.

use std::time::{Duration, Instant};

use callcoach::batch::progress::{Finished, Notice, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::term::Term;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing (`--quiet`).
    Quiet,
    /// A line per finished call (stderr is not a terminal: logs, CI, Slurm).
    Plain,
    /// Live bars (stderr is a terminal).
    Bars,
}

impl Mode {
    /// Bars on a terminal, plain lines otherwise, nothing when `quiet`.
    pub fn pick(quiet: bool, term: &Term) -> Mode {
        if quiet {
            Mode::Quiet
        } else if term.stderr_tty {
            Mode::Bars
        } else {
            Mode::Plain
        }
    }
}

/// The display of one batch run.
pub struct Display {
    mode: Mode,
    color: bool,
    multi: MultiProgress,
    overall: Option<ProgressBar>,
    workers: Vec<ProgressBar>,
    total_files: usize,
    total_audio_s: f64,
    done_files: usize,
    done_audio_s: f64,
    started: Instant,
}

impl Display {
    /// A display in `mode`; `color` colours the bar.
    pub fn new(mode: Mode, color: bool) -> Display {
        let multi = MultiProgress::with_draw_target(if mode == Mode::Bars {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        Display {
            mode,
            color,
            multi,
            overall: None,
            workers: Vec::new(),
            total_files: 0,
            total_audio_s: 0.0,
            done_files: 0,
            done_audio_s: 0.0,
            started: Instant::now(),
        }
    }

    /// A line that is not about one call: printed above the bars, or alone.
    fn line(&self, text: &str) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Plain => eprintln!("{text}"),
            Mode::Bars => {
                let _ = self.multi.println(text);
            }
        }
    }

    /// Audio seconds scored per wall second so far.
    fn speed(&self) -> f64 {
        self.done_audio_s / self.started.elapsed().as_secs_f64().max(1e-3)
    }

    fn update_overall(&self) {
        if let Some(bar) = &self.overall {
            bar.set_position((self.done_audio_s * 1000.0) as u64);
            bar.set_message(format!(
                "{}/{} files, {:.2}/{:.2} h audio, {:.1}x real time",
                self.done_files,
                self.total_files,
                self.done_audio_s / 3600.0,
                self.total_audio_s / 3600.0,
                self.speed()
            ));
        }
    }
}

impl Progress for Display {
    fn start(&mut self, workers: usize, calls: usize, audio_s: f64) {
        self.total_files = calls;
        self.total_audio_s = audio_s;
        self.started = Instant::now();
        if self.mode != Mode::Bars {
            return;
        }
        let bar = self
            .multi
            .add(ProgressBar::new((audio_s * 1000.0).max(1.0) as u64));
        let template = if self.color {
            "{bar:30.cyan/blue} {msg} ETA {eta}"
        } else {
            "{bar:30} {msg} ETA {eta}"
        };
        bar.set_style(
            ProgressStyle::with_template(template)
                .expect("valid template")
                .progress_chars("=> "),
        );
        self.overall = Some(bar);
        self.update_overall();
        for w in 0..workers {
            let line = self.multi.add(ProgressBar::new_spinner());
            line.set_style(
                ProgressStyle::with_template("  {spinner} {prefix} {wide_msg}")
                    .expect("valid template"),
            );
            line.set_prefix(format!("worker {}", w + 1));
            line.set_message("idle");
            line.enable_steady_tick(Duration::from_millis(200));
            self.workers.push(line);
        }
    }

    fn stage(&mut self, worker: usize, file: &str, stage: &str) {
        if let Some(line) = self.workers.get(worker) {
            line.set_message(format!("{file}: {stage}"));
        }
    }

    fn finished(&mut self, call: Finished<'_>) {
        self.done_files += 1;
        self.done_audio_s += call.audio_s;
        if let Some(line) = self.workers.get(call.worker) {
            line.set_message("idle");
        }
        let outcome = match call.outcome {
            Ok(overall) => format!("scored (overall {overall})"),
            Err(why) => format!("failed: {why}"),
        };
        self.line(&format!(
            "[{}/{}] {} {outcome} in {:.1} s",
            self.done_files, self.total_files, call.file, call.elapsed_s
        ));
        self.update_overall();
    }

    fn notice(&mut self, notice: Notice<'_>) {
        match notice {
            Notice::Skipped { skipped, calls } => self.line(&format!(
                "{skipped} of {calls} calls already scored with this model and profile: skipped (--force redoes them)"
            )),
            Notice::SpeakerModel(text) => self.line(&format!("callcoach: {text}")),
        }
    }

    fn end(&mut self) {
        for w in &self.workers {
            w.finish_and_clear();
        }
        if let Some(bar) = &self.overall {
            bar.finish_and_clear();
        }
    }
}
