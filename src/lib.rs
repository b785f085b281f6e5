//! callcoach: an offline call-centre telephone quality coach.
//!
//! The modules sit in layers that follow the pipeline, lowest first; a
//! module imports only from its own layer and the ones below
//! (docs/architecture.md draws the whole and lists every module;
//! `tests/architecture.rs` checks it):
//!
//! 1. Base: [`limits`] bounds every input; [`signal`] holds the signal
//!    primitives every analysis shares (frame levels, quantiles, speech
//!    activity); [`output`] holds what every
//!    writer shares (the atomic file writer, the batch directory's layout,
//!    the summary row); [`wording`] holds the reports' words in German and
//!    English.
//! 2. Input: [`audio`] reads WAV files (PCM, float, G.711), resampled to
//!    16 kHz; [`capture`] the microphone (cpal) or a replayed file, and
//!    recording; [`model`] fetches, converts and checks the model files.
//! 3. Speech: [`transcribe`] → [`transcript`]: speech recognition with
//!    whisper.cpp, words with DTW-aligned times, on the speech its gate finds
//!    ([`transcribe::gate`]: energy, and Silero VAD on request); [`features`]: the voice, measured as Praat would (pitch,
//!    loudness, pauses, syllable rate, clarity).
//! 4. [`structure`]: who speaks when: agent and customer, turns, overlaps,
//!    response times, the greeting.
//! 5. [`findings`]: the eight telephone mistakes, scored with evidence.
//! 6. [`scorecard`] runs the whole pipeline for one call (with the charts'
//!    time series, [`scorecard::series`]); [`live`] rates the voice while
//!    the agent speaks.
//! 7. [`render`]: terminal text, JSON and HTML out; draws only.
//! 8. [`report`] writes the visual report (a page per call, an index per
//!    batch).
//! 9. [`batch`] scores a day's recordings.
//!
//! The command line is the binary's (`src/cli/`), above them all.

pub mod audio;
pub mod batch;
pub mod capture;
pub mod features;
pub mod findings;
pub mod history;
pub mod limits;
pub mod live;
pub mod model;
pub mod output;
pub mod reaction;
pub mod redact;
pub mod render;
pub mod report;
pub mod scorecard;
pub mod signal;
pub mod structure;
pub mod transcribe;
pub mod transcript;
pub mod wording;
