//! Showing a batch's progress on stderr: indicatif bars on a terminal
//! (overall bar with files, audio hours, ETA and speed, and a line per
//! worker with its file and stage), plain log lines otherwise, or nothing
//! (`--quiet`). It only displays; it decides nothing.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

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
    pub fn detect(quiet: bool) -> Mode {
        if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Plain
        }
    }
}

/// The display of one batch run.
pub struct Progress {
    mode: Mode,
    multi: MultiProgress,
    overall: Option<ProgressBar>,
    workers: Vec<ProgressBar>,
    total_files: usize,
    total_audio_s: f64,
    done_files: usize,
    done_audio_s: f64,
    started: Instant,
}

impl Progress {
    /// Starts the display for `total_files` calls holding `total_audio_s` of
    /// audio, scored by `workers` workers.
    pub fn new(mode: Mode, workers: usize, total_files: usize, total_audio_s: f64) -> Progress {
        let multi = MultiProgress::with_draw_target(if mode == Mode::Bars {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let mut p = Progress {
            mode,
            multi,
            overall: None,
            workers: Vec::new(),
            total_files,
            total_audio_s,
            done_files: 0,
            done_audio_s: 0.0,
            started: Instant::now(),
        };
        if mode == Mode::Bars {
            let bar = p
                .multi
                .add(ProgressBar::new((total_audio_s * 1000.0).max(1.0) as u64));
            bar.set_style(
                ProgressStyle::with_template("{bar:30.cyan/blue} {msg} ETA {eta}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            p.overall = Some(bar);
            p.update_overall();
            for w in 0..workers {
                let line = p.multi.add(ProgressBar::new_spinner());
                line.set_style(
                    ProgressStyle::with_template("  {spinner} {prefix} {wide_msg}")
                        .expect("valid template"),
                );
                line.set_prefix(format!("worker {}", w + 1));
                line.set_message("idle");
                line.enable_steady_tick(Duration::from_millis(200));
                p.workers.push(line);
            }
        }
        p
    }

    /// Worker `worker` is at `stage` of `file`.
    pub fn stage(&self, worker: usize, file: &str, stage: &str) {
        if let Some(line) = self.workers.get(worker) {
            line.set_message(format!("{file}: {stage}"));
        }
    }

    /// A call finished: `outcome` is "scored (overall 81)" or "failed: why".
    pub fn finished(
        &mut self,
        worker: usize,
        file: &str,
        outcome: &str,
        audio_s: f64,
        elapsed_s: f64,
    ) {
        self.done_files += 1;
        self.done_audio_s += audio_s;
        if let Some(line) = self.workers.get(worker) {
            line.set_message("idle");
        }
        let text = format!(
            "[{}/{}] {file} {outcome} in {elapsed_s:.1} s",
            self.done_files, self.total_files
        );
        match self.mode {
            Mode::Quiet => {}
            Mode::Plain => eprintln!("{text}"),
            Mode::Bars => {
                let _ = self.multi.println(text);
                self.update_overall();
            }
        }
    }

    /// A line that is not about one call.
    pub fn note(&self, text: &str) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Plain => eprintln!("{text}"),
            Mode::Bars => {
                let _ = self.multi.println(text);
            }
        }
    }

    /// Audio seconds scored per wall second so far.
    pub fn speed(&self) -> f64 {
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

    /// Removes the bars.
    pub fn finish(&self) {
        for w in &self.workers {
            w.finish_and_clear();
        }
        if let Some(bar) = &self.overall {
            bar.finish_and_clear();
        }
    }
}
