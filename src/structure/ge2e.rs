//! GE2E speaker embeddings for telling two voices apart in a mono call.
//!
//! The model is the speaker encoder of Wan et al. (2018), "Generalized
//! End-to-End Loss for Speaker Verification" (ICASSP), with Resemblyzer's
//! pretrained weights (Apache-2.0; `callcoach model fetch ge2e` converts them
//! from the PyPI wheel into `models/ge2e-resemblyzer.safetensors`):
//!
//! - input: a 40-band mel **power** spectrogram at 16 kHz, 25 ms Hann window
//!   (400 samples), 10 ms hop, computed as librosa's `melspectrogram`
//!   (centred frames with zero padding, Slaney mel scale and area
//!   normalisation) — [`MelFrontend`];
//! - a 3-layer LSTM (40 → 256 → 256 → 256) over a "partial" of 160 frames
//!   (1.6 s), then Linear 256 → 256, ReLU and L2 normalisation of the last
//!   layer's final hidden state — [`SpeakerEncoder::embed`].
//!
//! Embeddings of the same voice point the same way: cosine similarity near 1
//! for one speaker, lower across speakers. `scripts/ge2e_reference.py`
//! computes the same embeddings with librosa and numpy; `tests/ge2e.rs`
//! checks this module against it.
//!
//! The LSTM runs on many partials at once, so that each time step is one
//! matrix product (`matrixmultiply::sgemm`) instead of a matrix-vector
//! product per partial.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustfft::{num_complex::Complex32, Fft, FftPlanner};

/// Sample rate the model was trained at.
pub const RATE: u32 = 16_000;
/// FFT and window length (25 ms).
pub const N_FFT: usize = 400;
/// Hop between mel frames (10 ms).
pub const HOP: usize = 160;
/// Mel bands.
pub const N_MELS: usize = 40;
/// LSTM hidden size.
pub const HIDDEN: usize = 256;
/// LSTM layers.
pub const LAYERS: usize = 3;
/// Frames in one partial utterance, as in training (1.6 s).
pub const PARTIAL_FRAMES: usize = 160;
/// Embedding size.
pub const EMBED: usize = 256;
/// The converted weights' file name in the models folder.
pub const MODEL_FILE: &str = "ge2e-resemblyzer.safetensors";
/// Partials run through the LSTM together (bounds the gate buffer:
/// 32 × 160 × 1024 f32 = 21 MB).
const BATCH: usize = 32;

/// One mel frame: 40 band powers.
pub type MelFrame = [f32; N_MELS];

/// librosa-compatible mel power spectrogram (`librosa.feature.melspectrogram`
/// with `n_fft=400, hop_length=160, n_mels=40`, its defaults otherwise:
/// periodic Hann window, `center=True` with zero padding, power 2, Slaney
/// mel filters with `norm="slaney"`). The FFT is planned once.
pub struct MelFrontend {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    /// `N_MELS` rows of `N_FFT / 2 + 1` weights.
    basis: Vec<f32>,
    buf: Vec<Complex32>,
    scratch: Vec<Complex32>,
}

impl Default for MelFrontend {
    fn default() -> Self {
        Self::new()
    }
}

impl MelFrontend {
    /// Plans the FFT and builds the window and the mel filters.
    pub fn new() -> Self {
        let fft = FftPlanner::new().plan_fft_forward(N_FFT);
        let scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
        let window = (0..N_FFT)
            .map(|n| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos()) as f32
            })
            .collect();
        MelFrontend {
            fft,
            window,
            basis: slaney_mel_basis(),
            buf: vec![Complex32::default(); N_FFT],
            scratch,
        }
    }

    /// Mel power frames of 16 kHz `samples`: frame `i` is centred on sample
    /// `i * HOP`; there are `1 + samples.len() / HOP` of them.
    pub fn mel(&mut self, samples: &[f32]) -> Vec<MelFrame> {
        let n_frames = 1 + samples.len() / HOP;
        let bins = N_FFT / 2 + 1;
        let mut power = vec![0.0f32; bins];
        let mut out = Vec::with_capacity(n_frames);
        for f in 0..n_frames {
            // Sample index of the window's first point, before padding.
            let start = (f * HOP) as isize - (N_FFT / 2) as isize;
            for (n, slot) in self.buf.iter_mut().enumerate() {
                let i = start + n as isize;
                let x = if i >= 0 && (i as usize) < samples.len() {
                    samples[i as usize]
                } else {
                    0.0
                };
                *slot = Complex32::new(x * self.window[n], 0.0);
            }
            self.fft
                .process_with_scratch(&mut self.buf, &mut self.scratch);
            for (p, c) in power.iter_mut().zip(&self.buf[..bins]) {
                *p = c.norm_sqr();
            }
            let mut frame = [0.0f32; N_MELS];
            for (m, v) in frame.iter_mut().enumerate() {
                let row = &self.basis[m * bins..(m + 1) * bins];
                *v = row.iter().zip(&power).map(|(w, p)| w * p).sum();
            }
            out.push(frame);
        }
        out
    }
}

/// Slaney's mel scale (Auditory Toolbox), as librosa's `hz_to_mel(htk=False)`:
/// linear below 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_mel = 1000.0 / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= 1000.0 {
        min_log_mel + (hz / 1000.0).ln() / logstep
    } else {
        hz / f_sp
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_mel = 1000.0 / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        1000.0 * (logstep * (mel - min_log_mel)).exp()
    } else {
        mel * f_sp
    }
}

/// librosa's `filters.mel(sr=16000, n_fft=400, n_mels=40)`: triangles
/// between mel-spaced edges from 0 Hz to 8 kHz, each scaled by 2 / its width
/// in Hz (`norm="slaney"`, equal area).
fn slaney_mel_basis() -> Vec<f32> {
    let bins = N_FFT / 2 + 1;
    let top = hz_to_mel(RATE as f64 / 2.0);
    let edges: Vec<f64> = (0..N_MELS + 2)
        .map(|i| mel_to_hz(top * i as f64 / (N_MELS + 1) as f64))
        .collect();
    let mut basis = vec![0.0f32; N_MELS * bins];
    for m in 0..N_MELS {
        let (lo, mid, hi) = (edges[m], edges[m + 1], edges[m + 2]);
        let norm = 2.0 / (hi - lo);
        for k in 0..bins {
            let f = k as f64 * RATE as f64 / N_FFT as f64;
            let w = ((f - lo) / (mid - lo)).min((hi - f) / (hi - mid)).max(0.0);
            basis[m * bins + k] = (w * norm) as f32;
        }
    }
    basis
}

/// Where a speaker model file is and whether it loads; loaded afresh by each
/// user (5.7 MB, a few milliseconds), like [`crate::transcribe::gate::Silero`], so that
/// the analysis parameters stay plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerModel {
    path: PathBuf,
}

impl SpeakerModel {
    /// The model at `path` (read when first used).
    pub fn new(path: &Path) -> Self {
        SpeakerModel {
            path: path.to_path_buf(),
        }
    }

    /// The model file beside the whisper model `model`, if it is there.
    pub fn beside(model: &Path) -> Option<SpeakerModel> {
        let path = model.parent().unwrap_or(Path::new(".")).join(MODEL_FILE);
        path.is_file().then(|| SpeakerModel::new(&path))
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the weights.
    pub fn load(&self) -> Result<SpeakerEncoder, Ge2eError> {
        SpeakerEncoder::load(&self.path)
    }
}

/// The one-line notice for a mono call split by MFCC clustering because no
/// speaker model lies beside the whisper model `model` (the command line
/// prints it once; the library prints nothing).
pub fn missing_notice(model: &Path) -> String {
    let dir = model.parent().unwrap_or(Path::new("."));
    format!(
        "notice: no speaker model {}: mono calls are split by MFCC clustering \
         (less accurate); `callcoach model fetch ge2e` fetches it",
        dir.join(MODEL_FILE).display()
    )
}

/// One LSTM layer in PyTorch's layout: gates (input, forget, cell, output)
/// stacked as rows of the weight matrices.
struct Layer {
    input: usize,
    /// `[4 * HIDDEN][input]`.
    w_ih: Vec<f32>,
    /// `[4 * HIDDEN][HIDDEN]`.
    w_hh: Vec<f32>,
    /// `bias_ih + bias_hh`, `[4 * HIDDEN]`.
    bias: Vec<f32>,
}

/// Why the speaker model could not be loaded; one line each, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum Ge2eError {
    /// The file is missing, unreadable or not a safetensors file.
    #[error(transparent)]
    Read(#[from] crate::model::ModelError),
    /// A tensor the encoder needs is not in the file.
    #[error("{}: no tensor {name}", path.display())]
    Missing {
        /// The model file.
        path: PathBuf,
        /// The tensor's PyTorch name.
        name: String,
    },
    /// A tensor has another shape than Resemblyzer's.
    #[error("{}: tensor {name} has shape {found:?}, expected {expected:?}", path.display())]
    Shape {
        /// The model file.
        path: PathBuf,
        /// The tensor's PyTorch name.
        name: String,
        /// Its shape in the file.
        found: Vec<usize>,
        /// The shape the encoder needs.
        expected: Vec<usize>,
    },
}

/// The GE2E encoder: LSTM, linear layer and the mel front end.
pub struct SpeakerEncoder {
    layers: Vec<Layer>,
    /// `[EMBED][HIDDEN]`.
    linear_w: Vec<f32>,
    linear_b: Vec<f32>,
}

impl SpeakerEncoder {
    /// Reads the converted weights (safetensors, the 14 tensors of
    /// Resemblyzer's `model_state` named as in PyTorch) and checks their shapes.
    pub fn load(path: &Path) -> Result<SpeakerEncoder, Ge2eError> {
        let tensors = crate::model::safetensors::read(path)?;
        let take = |name: &str, shape: &[usize]| -> Result<Vec<f32>, Ge2eError> {
            let t = tensors
                .iter()
                .find(|t| t.name == name)
                .ok_or_else(|| Ge2eError::Missing {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                })?;
            if t.shape != shape {
                return Err(Ge2eError::Shape {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                    found: t.shape.clone(),
                    expected: shape.to_vec(),
                });
            }
            Ok(t.data.clone())
        };
        let mut layers = Vec::with_capacity(LAYERS);
        for l in 0..LAYERS {
            let input = if l == 0 { N_MELS } else { HIDDEN };
            let w_ih = take(&format!("lstm.weight_ih_l{l}"), &[4 * HIDDEN, input])?;
            let w_hh = take(&format!("lstm.weight_hh_l{l}"), &[4 * HIDDEN, HIDDEN])?;
            let b_ih = take(&format!("lstm.bias_ih_l{l}"), &[4 * HIDDEN])?;
            let b_hh = take(&format!("lstm.bias_hh_l{l}"), &[4 * HIDDEN])?;
            let bias = b_ih.iter().zip(&b_hh).map(|(a, b)| a + b).collect();
            layers.push(Layer {
                input,
                w_ih,
                w_hh,
                bias,
            });
        }
        let linear_w = take("linear.weight", &[EMBED, HIDDEN])?;
        let linear_b = take("linear.bias", &[EMBED])?;
        Ok(SpeakerEncoder {
            layers,
            linear_w,
            linear_b,
        })
    }

    /// Embeddings of the partials of `mel` that start at the frames in
    /// `starts`, each `frames` long ([`PARTIAL_FRAMES`] as in training; zero
    /// frames past the end, as Resemblyzer pads the waveform). Each is unit
    /// length (or zero when the ReLU left nothing).
    pub fn embed(&self, mel: &[MelFrame], starts: &[usize], frames: usize) -> Vec<Vec<f32>> {
        let mut out = Vec::with_capacity(starts.len());
        for batch in starts.chunks(BATCH) {
            out.extend(self.embed_batch(mel, batch, frames));
        }
        out
    }

    /// One embedding for a whole utterance of 16 kHz `samples`, as
    /// Resemblyzer's `embed_utterance`: partials of [`PARTIAL_FRAMES`] at
    /// 1.3 per second (the last one kept when it is at least 75 % covered),
    /// their embeddings averaged and normalised. Resemblyzer's own volume
    /// normalisation and silence trimming are not done: pass speech.
    pub fn embed_utterance(&self, samples: &[f32]) -> Vec<f32> {
        let (rate, min_coverage) = (1.3f64, 0.75f64);
        let n_frames = (samples.len() + 1).div_ceil(HOP);
        let step = ((RATE as f64 / rate) / HOP as f64).round() as usize;
        let mut starts: Vec<usize> =
            (0..(n_frames + step + 1).saturating_sub(PARTIAL_FRAMES).max(1))
                .step_by(step)
                .collect();
        let last = starts[starts.len() - 1] * HOP;
        let coverage = (samples.len() as f64 - last as f64) / (PARTIAL_FRAMES * HOP) as f64;
        if coverage < min_coverage && starts.len() > 1 {
            starts.pop();
        }
        // Resemblyzer zero-pads the waveform to the end of the last partial
        // before its mel spectrogram; the padded frames are then not silent
        // at the seam, so pad the samples, not the frames.
        let need = (starts[starts.len() - 1] + PARTIAL_FRAMES) * HOP;
        let mut padded;
        let x = if need >= samples.len() {
            padded = samples.to_vec();
            padded.resize(need, 0.0);
            &padded[..]
        } else {
            samples
        };
        let mel = MelFrontend::new().mel(x);
        let partials = self.embed(&mel, &starts, PARTIAL_FRAMES);
        let mut mean = vec![0.0f32; EMBED];
        for p in &partials {
            mean.iter_mut().zip(p).for_each(|(m, v)| *m += v);
        }
        normalize(mean)
    }

    fn embed_batch(&self, mel: &[MelFrame], starts: &[usize], t_len: usize) -> Vec<Vec<f32>> {
        let b = starts.len();
        let g4 = 4 * HIDDEN;
        // Layer input, time-major: x[t][b][input].
        let mut x = vec![0.0f32; t_len * b * N_MELS];
        for (bi, &s) in starts.iter().enumerate() {
            for t in 0..t_len {
                if let Some(frame) = mel.get(s + t) {
                    let at = (t * b + bi) * N_MELS;
                    x[at..at + N_MELS].copy_from_slice(frame);
                }
            }
        }
        let mut gates = vec![0.0f32; t_len * b * g4];
        let mut h = vec![0.0f32; b * HIDDEN];
        let mut c = vec![0.0f32; b * HIDDEN];
        for layer in &self.layers {
            // Input contributions of all time steps at once, plus the biases.
            gemm_nt(&x, t_len * b, layer.input, &layer.w_ih, g4, &mut gates, 0.0);
            for row in gates.chunks_exact_mut(g4) {
                row.iter_mut().zip(&layer.bias).for_each(|(g, bb)| *g += bb);
            }
            h.iter_mut().for_each(|v| *v = 0.0);
            c.iter_mut().for_each(|v| *v = 0.0);
            let mut y = vec![0.0f32; t_len * b * HIDDEN];
            for t in 0..t_len {
                let g = &mut gates[t * b * g4..(t + 1) * b * g4];
                gemm_nt(&h, b, HIDDEN, &layer.w_hh, g4, g, 1.0);
                for bi in 0..b {
                    let gr = &g[bi * g4..(bi + 1) * g4];
                    let hr = &mut h[bi * HIDDEN..(bi + 1) * HIDDEN];
                    let cr = &mut c[bi * HIDDEN..(bi + 1) * HIDDEN];
                    for j in 0..HIDDEN {
                        let i_g = sigmoid(gr[j]);
                        let f_g = sigmoid(gr[HIDDEN + j]);
                        let c_g = gr[2 * HIDDEN + j].tanh();
                        let o_g = sigmoid(gr[3 * HIDDEN + j]);
                        cr[j] = f_g * cr[j] + i_g * c_g;
                        hr[j] = o_g * cr[j].tanh();
                    }
                }
                y[t * b * HIDDEN..(t + 1) * b * HIDDEN].copy_from_slice(&h);
            }
            x = y;
        }
        // h is the last layer's final hidden state.
        let mut e = vec![0.0f32; b * EMBED];
        gemm_nt(&h, b, HIDDEN, &self.linear_w, EMBED, &mut e, 0.0);
        e.chunks_exact(EMBED)
            .map(|row| {
                let v: Vec<f32> = row
                    .iter()
                    .zip(&self.linear_b)
                    .map(|(a, bb)| (a + bb).max(0.0))
                    .collect();
                normalize(v)
            })
            .collect()
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// `v / |v|`, or `v` itself when it is zero.
pub fn normalize(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
    v
}

/// Cosine similarity of two unit vectors (their dot product).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `c = a · wᵀ + beta · c` for row-major `a` (`m × k`), `w` (`n × k`, as
/// PyTorch stores weights) and `c` (`m × n`).
fn gemm_nt(a: &[f32], m: usize, k: usize, w: &[f32], n: usize, c: &mut [f32], beta: f32) {
    assert!(a.len() >= m * k && w.len() >= n * k && c.len() >= m * n);
    // SAFETY: the asserts above keep every index of the three matrices, with
    // the strides given, inside their slices; `c` does not alias `a` or `w`
    // (it is borrowed mutably).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            w.as_ptr(),
            1,
            k as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_round_trips_and_bends_at_1_khz() {
        for hz in [0.0, 300.0, 999.0, 1000.0, 4000.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-6);
        }
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
    }

    #[test]
    fn a_tone_lands_in_its_band() {
        // 1 kHz at amplitude 0.5: the band whose centre is nearest 1 kHz gets
        // the most power.
        let samples: Vec<f32> = (0..16_000)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16_000.0).sin())
            .collect();
        let mel = MelFrontend::new().mel(&samples);
        assert_eq!(mel.len(), 1 + 16_000 / HOP);
        let frame = mel[50];
        let best = (0..N_MELS)
            .max_by(|&a, &b| frame[a].total_cmp(&frame[b]))
            .unwrap();
        let top = hz_to_mel(8000.0);
        let centre = |m: usize| mel_to_hz(top * (m + 1) as f64 / (N_MELS + 1) as f64);
        let nearest = (0..N_MELS)
            .min_by(|&a, &b| {
                (centre(a) - 1000.0)
                    .abs()
                    .total_cmp(&(centre(b) - 1000.0).abs())
            })
            .unwrap();
        assert_eq!(best, nearest);
    }

    #[test]
    fn gemm_matches_a_plain_product() {
        let (m, k, n) = (3, 5, 4);
        let a: Vec<f32> = (0..m * k).map(|i| i as f32 * 0.5 - 2.0).collect();
        let w: Vec<f32> = (0..n * k).map(|i| (i as f32).sin()).collect();
        let mut c = vec![1.0f32; m * n];
        gemm_nt(&a, m, k, &w, n, &mut c, 1.0);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = 1.0 + (0..k).map(|p| a[i * k + p] * w[j * k + p]).sum::<f32>();
                assert!((c[i * n + j] - want).abs() < 1e-4);
            }
        }
    }
}
