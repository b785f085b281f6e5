//! Decoding: one whisper.cpp run over the joined speech of a channel, its
//! segments and DTW-timed words mapped back onto the channel's timeline.
//!
//! Word times come from whisper.cpp's DTW token alignment (see
//! [`super::words`]); words placed where the channel holds no speech are
//! dropped there. openai-whisper's temperature fallback is on for every
//! window; how a run is prompted and where its temperature starts is a
//! `Pass`.

use whisper_rs::{FullParams, SamplingStrategy, WhisperState};

use super::gate::{self, Chunk, Speech};
use super::lanes::Lanes;
use super::model::Model;
use super::words::{drop_unvoiced_words, words_from_tokens, Token};
use super::{window, Options, TranscribeError, PROFILE_TARGET};
use crate::audio::WHISPER_RATE;
use crate::transcript::{Segment, Transcript};

/// One decoding pass: how whisper.cpp is prompted and sampled.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pass {
    /// Decode each 30 s window with the text of the windows before as
    /// prompt (openai-whisper's `condition_on_previous_text`). Without it a
    /// loop cannot feed itself from window to window. (whisper.cpp's
    /// `no_context` only clears the prompt left by an earlier call;
    /// `n_max_text_ctx = 0` is what turns conditioning off.)
    pub(super) condition: bool,
    /// The temperature the fallback starts from.
    pub(super) temperature: f32,
}

/// At most this many tokens of the text before are a window's prompt
/// (whisper.cpp's `n_max_text_ctx`; openai-whisper and whisper.cpp's default
/// take up to 224, half the decoder's context). Every window decodes its
/// prompt before its first token: with 64, the agent channel of
/// autorepair-40 decodes 10 % faster (15.5 s against 13.9 s at one thread),
/// and its WER against the f16 beam-5 transcript is 6.1 % against 4.9 %
/// (49: 9.6 % against 9.8 %); the clips, one window each, do not change
/// (docs/performance.md).
const PROMPT_TOKENS: i32 = 64;

/// The first pass: greedy (or beam), conditioned on the previous text.
pub(super) const FIRST_PASS: Pass = Pass {
    condition: true,
    temperature: 0.0,
};

/// Temperature step of the fallback (openai-whisper: 0.0, 0.2, …, 1.0).
pub(super) const TEMPERATURE_INC: f32 = 0.2;
/// whisper.cpp's stand-in for openai-whisper's compression-ratio test: the
/// entropy of the last 32 tokens of a window.
const ENTROPY_THOLD: f32 = 2.4;
/// openai-whisper's `logprob_threshold`.
pub(super) const LOGPROB_THOLD: f32 = -1.0;

/// What a decoding needs of the recognizer: the model, and the lanes that
/// limit the whisper runs going at once.
#[derive(Clone, Copy)]
pub(super) struct Decoder<'a> {
    /// The loaded model.
    pub(super) model: &'a Model,
    /// Whisper runs allowed at once, if limited ([`Lanes`]).
    pub(super) lanes: Option<&'a Lanes>,
}

impl Decoder<'_> {
    /// whisper's language for the first 30 s of `samples` (one encoder pass).
    pub(super) fn detect_language(
        &self,
        samples: &[f32],
        threads: usize,
    ) -> Result<String, TranscribeError> {
        let werr = |e| self.model.error(e);
        let _lane = self.lanes.map(Lanes::take);
        let mut state = self.model.ctx.create_state().map_err(werr)?;
        state.pcm_to_mel(samples, threads.max(1)).map_err(werr)?;
        let (id, _) = state.lang_detect(0, threads.max(1)).map_err(werr)?;
        Ok(whisper_rs::get_lang_str(id).unwrap_or("en").to_string())
    }

    /// One decoding pass over `speech`, the speech of `samples` (see
    /// [`gate::channel_speech`]), as [`Decoder::decode_chunk`] does it. A
    /// channel without speech gives an empty transcript instead of
    /// whisper's hallucinations.
    pub(super) fn decode_speech(
        &self,
        samples: &[f32],
        speech: Option<Speech>,
        opts: &Options,
        pass: Pass,
    ) -> Result<Transcript, TranscribeError> {
        match speech {
            Some(speech) if !speech.spans.is_empty() => {
                self.decode_chunk(samples, &speech.chunk(), opts, pass)
            }
            _ => Ok(empty_transcript(opts)),
        }
    }

    /// One decoding pass over `chunk`, speech of `samples`: words without
    /// speech dropped, times on the timeline of `samples`.
    pub(super) fn decode_chunk(
        &self,
        samples: &[f32],
        chunk: &Chunk,
        opts: &Options,
        pass: Pass,
    ) -> Result<Transcript, TranscribeError> {
        let mut t = self.decode_all(&chunk.join(samples), opts, pass)?;
        let map = |ms: u64| chunk.to_channel_ms(ms);
        for seg in &mut t.segments {
            seg.start_ms = map(seg.start_ms);
            seg.end_ms = map(seg.end_ms);
            for w in &mut seg.words {
                w.start_ms = map(w.start_ms);
                w.end_ms = map(w.end_ms).max(w.start_ms);
            }
        }
        for d in &mut t.dropped {
            d.start_ms = map(d.start_ms);
            d.end_ms = map(d.end_ms).max(d.start_ms);
        }
        Ok(t)
    }

    /// Runs whisper over all of `samples` (no gating): its segments, with
    /// the words that lie on no speech frame dropped.
    fn decode_all(
        &self,
        samples: &[f32],
        opts: &Options,
        pass: Pass,
    ) -> Result<Transcript, TranscribeError> {
        // An English-only model (tiny.en, base.en, …) knows one language;
        // asking it to detect one gives nonsense ids.
        let requested = match self.model.shape.multilingual() {
            true => opts.language.clone(),
            false => Some("en".to_string()),
        };
        let fallback_lang = requested.clone().unwrap_or_else(|| "en".into());
        let werr = |e| self.model.error(e);
        // Taken before the state is made, given back after it is freed.
        let _lane = self.lanes.map(Lanes::take);
        let mut state = self.model.ctx.create_state().map_err(werr)?;
        let params = full_params(opts, pass, requested.as_deref().unwrap_or("auto"));
        let started = std::time::Instant::now();
        window::full_capped(&self.model.ctx, &mut state, params, samples).map_err(werr)?;
        if log::log_enabled!(target: PROFILE_TARGET, log::Level::Info) {
            // Profiling aid (docs/performance.md): one line per whisper run.
            let tokens: i32 = state.as_iter().map(|s| s.n_tokens()).sum();
            log::info!(
                target: PROFILE_TARGET,
                "whisper {:.1} s of audio ({} windows of 30 s), {} segments, {tokens} tokens, {:.2} s",
                samples.len() as f64 / f64::from(WHISPER_RATE),
                samples.len().div_ceil(WHISPER_RATE as usize * 30),
                state.full_n_segments(),
                started.elapsed().as_secs_f64()
            );
        }

        let language = whisper_rs::get_lang_str(state.full_lang_id_from_state())
            .map(str::to_string)
            .unwrap_or(fallback_lang);
        let speech = gate::speech_mask(samples);
        let segments = self.segments(&state, &speech)?;
        let mut t = Transcript {
            language,
            segments,
            dropped: Vec::new(),
        };
        drop_unvoiced_words(&mut t, &speech);
        Ok(t)
    }

    /// The segments of a finished run, their words timed by DTW and trimmed
    /// to `speech` (the 10 ms [`gate::speech_mask`] of the run's audio).
    fn segments(
        &self,
        state: &WhisperState,
        speech: &[bool],
    ) -> Result<Vec<Segment>, TranscribeError> {
        let werr = |e| self.model.error(e);
        let eot = self.model.ctx.token_eot();
        let mut segments = Vec::new();
        for seg in state.as_iter() {
            let text = seg.to_str_lossy().map_err(werr)?.trim().to_string();
            let start_ms = cs_to_ms(seg.start_timestamp());
            let end_ms = cs_to_ms(seg.end_timestamp());
            let mut tokens = Vec::new();
            for i in 0..seg.n_tokens() {
                let Some(tok) = seg.get_token(i) else {
                    continue;
                };
                if tok.token_id() >= eot {
                    continue; // special and timestamp tokens
                }
                let data = tok.token_data();
                tokens.push(Token {
                    bytes: tok.to_bytes().map_err(werr)?.to_vec(),
                    t_ms: cs_to_ms(data.t_dtw),
                    p: data.p,
                });
            }
            let words = words_from_tokens(&tokens, start_ms, end_ms, speech);
            segments.push(Segment {
                start_ms,
                end_ms,
                text,
                words,
            });
        }
        Ok(segments)
    }
}

/// whisper.cpp's parameters for one run in `language` ("auto" detects it).
fn full_params<'l>(opts: &Options, pass: Pass, language: &'l str) -> FullParams<'l, 'static> {
    let strategy = if opts.beam_size > 1 {
        SamplingStrategy::BeamSearch {
            beam_size: opts.beam_size as i32,
            patience: -1.0,
        }
    } else {
        SamplingStrategy::Greedy { best_of: 1 }
    };
    let mut params = FullParams::new(strategy);
    params.set_n_threads(opts.threads as i32);
    params.set_language(Some(language));
    params.set_token_timestamps(true);
    params.set_print_progress(false);
    params.set_print_realtime(false);
    params.set_print_special(false);
    params.set_print_timestamps(false);
    params.set_suppress_nst(true);
    // openai-whisper's fallback settings (whisper.cpp's defaults, spelt
    // out): a window is decoded again 0.2 hotter when its tokens repeat
    // (entropy below 2.4) or its mean log probability is below -1.0.
    params.set_temperature(pass.temperature);
    params.set_temperature_inc(TEMPERATURE_INC);
    params.set_entropy_thold(ENTROPY_THOLD);
    params.set_logprob_thold(LOGPROB_THOLD);
    params.set_n_max_text_ctx(if pass.condition { PROMPT_TOKENS } else { 0 });
    params
}

/// The transcript of a channel without speech: no words, in the language
/// asked for (English when none was).
pub(super) fn empty_transcript(opts: &Options) -> Transcript {
    Transcript {
        language: opts.language.clone().unwrap_or_else(|| "en".into()),
        segments: Vec::new(),
        dropped: Vec::new(),
    }
}

/// Converts whisper's centisecond timestamps to milliseconds.
fn cs_to_ms(cs: i64) -> u64 {
    (cs.max(0) as u64) * 10
}
