//! Clarity indicators over voiced speech, from the long-term average spectrum
//! (LTAS) of the voiced frames: spectral centroid, share of energy above
//! 2 kHz, spectral tilt in dB per octave; plus an SNR estimate from the
//! intensity contour and the share of clipped samples.
//!
//! All spectral figures are computed in the telephone band (100–4000 Hz by
//! default) so that wide-band and 8 kHz recordings of the same voice give
//! comparable values. A muffled voice (lowered articulation effort, hand over
//! the microphone) has a lower centroid, less energy above 2 kHz and a
//! steeper (more negative) tilt.
//!
//! The consonant-band level ([`Clarity::consonant_band_db`]) judges the band
//! that carries most of intelligibility against the band every accepted
//! recording carries: the telephone band of ITU-T G.712 (300-3400 Hz) is
//! passed by G.711 at 8 kHz and by any wider line. In the band-importance
//! function of the Speech Intelligibility Index (ANSI S3.5-1997, table 3,
//! one-third-octave procedure) the bands at 2000, 2500 and 3150 Hz carry
//! about a quarter of all importance; the standard speech spectrum of the
//! same table (normal vocal effort) puts the 2000-3400 Hz band about 14 dB
//! below the 300-1000 Hz band. Speech whose long-term spectrum falls off a
//! cliff near 1 kHz on such a line is muffled, whatever the line.

use super::activity::Activity;
use super::dsp::Stft;
use super::intensity::IntensityTrack;
use super::pitch::PitchTrack;
use crate::signal::stats::quantile_sorted;

/// Settings of the clarity analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClarityParams {
    /// Lower edge of the analysed band (Hz).
    pub band_low_hz: f64,
    /// Upper edge of the analysed band (Hz), capped at the Nyquist frequency.
    pub band_high_hz: f64,
    /// Boundary of the "high-frequency" share (Hz).
    pub hf_split_hz: f64,
    /// Absolute sample value at or above which a sample counts as clipped.
    pub clip_level: f32,
    /// Lower band of the consonant-band level: `(low, high)` edges in Hz.
    pub vowel_band_hz: (f64, f64),
    /// Upper (consonant) band of the consonant-band level: `(low, high)` in Hz.
    pub consonant_band_hz: (f64, f64),
    /// Share of the channel's frames, the quietest by total power, whose
    /// mean spectrum is taken as the noise of the consonant-band level.
    pub noise_share: f64,
}

/// The clarity figures of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Clarity {
    /// Spectral centroid of the voiced LTAS in the band (Hz).
    pub spectral_centroid_hz: Option<f64>,
    /// Energy above `hf_split_hz` as a share of the band's energy.
    pub hf_energy_ratio: Option<f64>,
    /// Slope of the third-octave band levels against log2 frequency (dB/octave).
    pub spectral_tilt_db_per_oct: Option<f64>,
    /// Speech level minus noise level (dB).
    pub snr_db: Option<f64>,
    /// Share of samples at or above the clip level.
    pub clipped_fraction: f64,
    /// Consonant-band level: voiced-speech power in the consonant band
    /// (2000-3400 Hz) against the vowel band (300-1000 Hz), in dB, each with
    /// the channel's noise taken off (spectral subtraction, Boll 1979; the
    /// noise is the mean spectrum of the quietest frames). Ordinary speech:
    /// about -14 dB (ANSI S3.5-1997 standard speech spectrum); speech
    /// low-passed at 1 kHz: below -38 dB. Floored at [`CONSONANT_FLOOR_DB`].
    pub consonant_band_db: Option<f64>,
}

/// Least value of [`Clarity::consonant_band_db`] (dB): no voiced energy
/// above the noise floor in the consonant band.
pub const CONSONANT_FLOOR_DB: f64 = -60.0;

/// Computes the clarity figures of one channel.
pub fn measure(
    samples: &[f32],
    rate: u32,
    pitch: &PitchTrack,
    intensity: &IntensityTrack,
    activity: &Activity,
    p: &ClarityParams,
) -> Clarity {
    let clipped = samples.iter().filter(|v| v.abs() >= p.clip_level).count();
    let clipped_fraction = if samples.is_empty() {
        0.0
    } else {
        clipped as f64 / samples.len() as f64
    };
    let mut out = Clarity {
        clipped_fraction,
        snr_db: snr(intensity, activity),
        ..Clarity::default()
    };
    if rate == 0 || samples.is_empty() {
        return out;
    }
    // LTAS over the voiced frames: 32 ms frames (a power of two).
    let rate_f = rate as f64;
    let mut len = 1;
    while (len as f64) < 0.032 * rate_f {
        len *= 2;
    }
    let mut stft = Stft::new(len);
    let mut ltas = vec![0.0; len / 2 + 1];
    let mut frames = 0usize;
    for (t, f0) in pitch.times.iter().zip(pitch.f0.iter()) {
        if f0.is_none() {
            continue;
        }
        let centre = (t * rate_f) as i64;
        let start = (centre - len as i64 / 2).max(0) as usize;
        for (acc, v) in ltas.iter_mut().zip(stft.power(samples, start)) {
            *acc += v;
        }
        frames += 1;
    }
    if frames == 0 {
        return out;
    }
    let bin_hz = rate_f / len as f64;
    out.consonant_band_db = consonant_band_db(samples, &ltas, frames, &mut stft, bin_hz, p);
    let high = p.band_high_hz.min(0.5 * rate_f);
    let in_band = |k: usize| {
        let f = k as f64 * bin_hz;
        f >= p.band_low_hz && f <= high
    };
    let (mut total, mut weighted, mut hf) = (0.0, 0.0, 0.0);
    for (k, &v) in ltas.iter().enumerate().filter(|(k, _)| in_band(*k)) {
        let f = k as f64 * bin_hz;
        total += v;
        weighted += f * v;
        if f >= p.hf_split_hz {
            hf += v;
        }
    }
    if total > 0.0 {
        out.spectral_centroid_hz = Some(weighted / total);
        out.hf_energy_ratio = Some(hf / total);
    }
    // Third-octave band levels (mean power per bin, dB) from 315 Hz up to
    // the band's top, regressed on log2 frequency.
    let mut pts: Vec<(f64, f64)> = Vec::new();
    let mut fc: f64 = 315.0;
    while fc * 2f64.powf(1.0 / 6.0) <= high {
        let (lo, hi) = (fc * 2f64.powf(-1.0 / 6.0), fc * 2f64.powf(1.0 / 6.0));
        let (mut s, mut n) = (0.0, 0usize);
        for (k, &v) in ltas.iter().enumerate() {
            let f = k as f64 * bin_hz;
            if f >= lo && f < hi {
                s += v;
                n += 1;
            }
        }
        if n > 0 && s > 0.0 {
            pts.push((fc.log2(), 10.0 * (s / n as f64).log10()));
        }
        fc *= 2f64.powf(1.0 / 3.0);
    }
    if pts.len() >= 3 {
        let n = pts.len() as f64;
        let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
        let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
        let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
        if sxx > 0.0 {
            out.spectral_tilt_db_per_oct = Some(sxy / sxx);
        }
    }
    out
}

/// Sum of `spectrum` over the bins in `band` (Hz).
fn band_power(spectrum: &[f64], bin_hz: f64, band: (f64, f64)) -> f64 {
    spectrum
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let f = *k as f64 * bin_hz;
            f >= band.0 && f < band.1
        })
        .map(|(_, v)| v)
        .sum()
}

/// The consonant-band level of [`Clarity::consonant_band_db`] from the
/// voiced LTAS (`ltas`, summed over `frames` voiced frames).
///
/// The noise spectrum of the channel is the mean power spectrum of its
/// quietest frames: all frames (hop of half a frame) are ranked by total
/// power and the lowest `noise_share` of them averaged, a stationary-noise
/// estimate without the downward bias of a low quantile (minimum
/// statistics, Martin 2001, has to correct that bias). Frames that are
/// mostly digital silence (more than half the samples exactly zero: the
/// gaps of a gated or muted line, a quiet mu-law line) carry no noise and
/// are left out; a frame of ordinary speech or line noise has few zeros
/// (mu-law codes the smallest magnitudes to zero, so some zeros are usual).
///
/// `None` when the line cannot carry the consonant band (Nyquist below its
/// top), when every frame is digital silence, or when no voiced power stands
/// above the noise in the lower band.
fn consonant_band_db(
    samples: &[f32],
    ltas: &[f64],
    frames: usize,
    stft: &mut Stft,
    bin_hz: f64,
    p: &ClarityParams,
) -> Option<f64> {
    let len = 2 * (ltas.len() - 1);
    if bin_hz * len as f64 / 2.0 < p.consonant_band_hz.1 {
        return None;
    }
    // (total power, lower-band power, consonant-band power) of each frame.
    let mut noise: Vec<(f64, f64, f64)> = Vec::new();
    let mut start = 0;
    while start + len <= samples.len() {
        let zeros = samples[start..start + len]
            .iter()
            .filter(|v| **v == 0.0)
            .count();
        if zeros * 2 <= len {
            let spec = stft.power(samples, start);
            noise.push((
                spec.iter().sum(),
                band_power(spec, bin_hz, p.vowel_band_hz),
                band_power(spec, bin_hz, p.consonant_band_hz),
            ));
        }
        start += len / 2;
    }
    if noise.is_empty() {
        return None;
    }
    noise.sort_by(|a, b| a.0.total_cmp(&b.0));
    let quiet =
        &noise[..((noise.len() as f64 * p.noise_share).ceil() as usize).clamp(1, noise.len())];
    let q = quiet.len() as f64;
    let low_noise = quiet.iter().map(|v| v.1).sum::<f64>() / q;
    let high_noise = quiet.iter().map(|v| v.2).sum::<f64>() / q;
    let n = frames as f64;
    let low = band_power(ltas, bin_hz, p.vowel_band_hz) / n - low_noise;
    let high = band_power(ltas, bin_hz, p.consonant_band_hz) / n - high_noise;
    if low <= 0.0 {
        return None;
    }
    let db = 10.0 * (high.max(0.0) / low).log10();
    Some(db.max(CONSONANT_FLOOR_DB))
}

/// Speech level (energy mean of the frames in speech) minus the noise level
/// (median of the frames outside speech, or the 5th percentile of all frames
/// when there are fewer than ten non-speech frames). The noise level is never
/// taken below 16-bit quantisation noise (-98 dBFS): digital silence between
/// turns would otherwise give a meaningless SNR of hundreds of dB.
fn snr(intensity: &IntensityTrack, activity: &Activity) -> Option<f64> {
    let mut speech = Vec::new();
    let mut other = Vec::new();
    for (&t, &db) in intensity.times.iter().zip(intensity.db.iter()) {
        if activity.speech.iter().any(|s| s.contains(t)) {
            speech.push(db);
        } else {
            other.push(db);
        }
    }
    if speech.is_empty() {
        return None;
    }
    let speech_db = 10.0
        * (speech.iter().map(|d| 10f64.powf(d / 10.0)).sum::<f64>() / speech.len() as f64).log10();
    let noise_db = if other.len() >= 10 {
        other.sort_by(|a, b| a.total_cmp(b));
        quantile_sorted(&other, 0.5)?
    } else {
        let mut all: Vec<f64> = intensity.db.clone();
        all.sort_by(|a, b| a.total_cmp(b));
        quantile_sorted(&all, 0.05)?
    };
    Some(speech_db - noise_db.max(QUANTISATION_FLOOR_DB))
}

/// 16-bit quantisation noise (-98 dBFS) on Praat's scale (full scale = 93.98 dB).
const QUANTISATION_FLOOR_DB: f64 = 93.98 - 98.0;
