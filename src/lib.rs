//! callcoach: an offline call-centre telephone quality coach.
//!
//! The modules follow the pipeline, in order:
//!
//! 1. [`audio`]: WAV files in (PCM, float, G.711), resampled to 16 kHz.
//! 2. [`transcribe`] → [`transcript`]: speech recognition with whisper.cpp,
//!    words with DTW-aligned times.
//! 3. [`render`]: terminal text and JSON out.

pub mod audio;
pub mod features;
pub mod render;
pub mod transcribe;
pub mod transcript;
