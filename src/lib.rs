//! callcoach: an offline call-centre telephone quality coach.
//!
//! The modules follow the pipeline, in order:
//!
//! 1. [`audio`]: WAV files in (PCM, float, G.711), resampled to 16 kHz;
//!    [`capture`]: the microphone (cpal) or a replayed file, and recording.
//! 2. [`transcribe`] → [`transcript`]: speech recognition with whisper.cpp,
//!    words with DTW-aligned times, on the speech [`vad`] finds (Silero VAD);
//!    [`model`] fetches and converts models.
//!    [`features`]: the voice, measured as Praat would (pitch, loudness,
//!    pauses, syllable rate, clarity).
//! 3. [`structure`]: who speaks when: agent and customer, turns, overlaps,
//!    response times, the greeting.
//! 4. [`findings`]: the eight telephone mistakes, scored with evidence;
//!    [`scorecard`] runs the whole pipeline for one call; [`batch`] a day's
//!    recordings; [`live`] rates the voice while the agent speaks.
//! 5. [`render`]: terminal text, JSON and HTML out; [`report`] writes the
//!    visual report (a page per call, an index per batch); [`wording`]
//!    holds the reports' words in German and English.
//!
//! Below them all, [`output`] holds what every writer shares: the atomic
//! file writer, the batch directory's layout and the summary row;
//! [`signal`] holds the signal primitives every analysis shares (frame
//! levels, quantiles, speech activity). The
//! command line is the binary's (`src/cli/`); docs/architecture.md draws
//! the whole.

pub mod audio;
pub mod batch;
pub mod capture;
pub mod features;
pub mod findings;
pub mod limits;
pub mod live;
pub mod model;
pub mod output;
pub mod render;
pub mod report;
pub mod scorecard;
pub mod signal;
pub mod structure;
pub mod transcribe;
pub mod transcript;
pub mod vad;
pub mod wording;
