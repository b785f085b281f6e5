//! The encoder window: 1488 audio frames (29.76 s) instead of whisper's 1500.
//!
//! whisper's encoder turns a 30 s window into 1500 frames, and its attention
//! multiplies the 1500 × 1500 attention weights by V with an inner size of
//! 1500. ggml hands a matrix product to llamafile's tinyBLAS kernels only
//! when that inner size is a multiple of the vector width: 16 halves with
//! AVX-512, 8 with AVX2. 1500 is neither, so ggml falls back to one dot
//! product per output, about a quarter of a whisper run (docs/performance.md,
//! "Where the time goes"). whisper.cpp's `audio_ctx` encodes fewer frames:
//! with 1488, a multiple of 16, those products run in tinyBLAS, and one
//! thread decodes the agent channel of autorepair-40 in 13.4 s against
//! 16.5 s.
//!
//! The model then sees the first 29.76 s of each window. whisper.cpp moves
//! its window on to the last timestamp the decoder wrote, and a timestamp
//! past 29.76 s (up to `<|30.00|>`) would point at audio the encoder never
//! saw (and make whisper.cpp's DTW alignment abort: it asserts that a
//! window's frames fit the encoder's context). So [`full_capped`] masks the
//! timestamp tokens after `<|29.76|>`, through whisper.cpp's logits filter.
//!
//! Accuracy (scripts/model_accuracy.py, q8_0, greedy): the English and German
//! clips keep their WER (1.6 % and 17.7 %); the real-call agents against the
//! f16 beam-5 transcript 4.6 % (autorepair-40, was 6.1 %) and 5.5 % (49, was
//! 4.9 %).

use std::ffi::c_void;
use std::os::raw::c_int;

use whisper_rs::whisper_rs_sys::{whisper_context, whisper_state, whisper_token_data};
use whisper_rs::{FullParams, WhisperContext, WhisperError, WhisperState};

/// Encoder frames per window (20 ms each): the largest multiple of 16 that
/// does not exceed whisper's 1500.
pub const AUDIO_CTX: i32 = 1488;
const _: () = assert!(AUDIO_CTX % 16 == 0 && AUDIO_CTX <= 1500 && AUDIO_CTX > 1500 - 16);

/// Runs whisper over `samples` (`state.full`) with `params`, the window
/// shortened to [`AUDIO_CTX`] frames and the timestamps beyond it masked.
///
/// The mask lives on this function's stack and `params`, which points at
/// it, is handed to `full` and dropped there: nothing can call whisper with
/// the pointer after the mask is gone.
pub fn full_capped(
    ctx: &WhisperContext,
    state: &mut WhisperState,
    mut params: FullParams,
    samples: &[f32],
) -> Result<(), WhisperError> {
    let mut cap = TimestampCap::new(ctx);
    // whisper.cpp hands `mask` the logits of the state's own model: size the
    // cap by that vocabulary, not by `ctx`'s, so that a state made from
    // another model cannot make `mask` write past the buffer.
    cap.n_vocab = usize::try_from(state.n_vocab()).unwrap_or(0);
    params.set_audio_ctx(AUDIO_CTX);
    // SAFETY: `mask` only reads `cap`, which outlives the one `full` call
    // made with `params` (it is moved into `full` and dropped there), and
    // writes the `n_vocab` logits whisper.cpp hands it, which is the
    // buffer's length (whisper_process_logits asserts it).
    unsafe {
        params.set_filter_logits_callback(Some(mask));
        params.set_filter_logits_callback_user_data(&cap as *const TimestampCap as *mut c_void);
    }
    state.full(params, samples)
}

/// Masks the timestamp tokens past the end of the shortened window; only
/// [`full_capped`] hands it to whisper, for as long as it decodes.
struct TimestampCap {
    /// The first token id to mask: `<|0.00|>` + [`AUDIO_CTX`] + 1.
    first_masked: usize,
    /// Logits per decoding step (the vocabulary size).
    n_vocab: usize,
}

impl TimestampCap {
    /// The cap for `ctx`'s vocabulary.
    fn new(ctx: &WhisperContext) -> Self {
        let beg = usize::try_from(ctx.token_beg()).unwrap_or(0);
        TimestampCap {
            first_masked: beg + AUDIO_CTX as usize + 1,
            n_vocab: usize::try_from(ctx.n_vocab()).unwrap_or(0),
        }
    }
}

/// whisper.cpp's logits filter: sets the masked timestamps to -∞.
unsafe extern "C" fn mask(
    _ctx: *mut whisper_context,
    _state: *mut whisper_state,
    _tokens: *const whisper_token_data,
    _n_tokens: c_int,
    logits: *mut f32,
    user_data: *mut c_void,
) {
    // SAFETY: `user_data` is the `TimestampCap` that `full_capped` keeps
    // alive while whisper decodes; `logits` holds `n_vocab` values.
    let cap = unsafe { &*(user_data as *const TimestampCap) };
    let logits = unsafe { std::slice::from_raw_parts_mut(logits, cap.n_vocab) };
    for l in logits.iter_mut().skip(cap.first_masked) {
        *l = f32::NEG_INFINITY;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_past_the_window_are_masked_and_nothing_else() {
        // base's multilingual vocabulary: <|0.00|> is 50364, 51865 tokens.
        let beg = 50_364;
        let cap = TimestampCap {
            first_masked: beg + AUDIO_CTX as usize + 1,
            n_vocab: 51_865,
        };
        let mut logits = vec![1.0f32; cap.n_vocab];
        let user = &cap as *const TimestampCap as *mut c_void;
        let (ctx, state) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `logits` holds `n_vocab` values; `mask` reads only `cap`.
        unsafe { mask(ctx, state, std::ptr::null(), 0, logits.as_mut_ptr(), user) };
        // <|29.76|> is still allowed, <|29.78|> … <|30.00|> are not.
        assert_eq!(logits[beg + AUDIO_CTX as usize], 1.0);
        assert!(logits[..=beg + AUDIO_CTX as usize]
            .iter()
            .all(|&l| l == 1.0));
        assert!(logits[beg + AUDIO_CTX as usize + 1..]
            .iter()
            .all(|&l| l == f32::NEG_INFINITY));
        // The 12 timestamps of the last 0.24 s: <|29.78|> … <|30.00|>.
        let masked = logits.iter().filter(|l| l.is_infinite()).count();
        assert_eq!(masked, (1500 - AUDIO_CTX) as usize);
    }
}
