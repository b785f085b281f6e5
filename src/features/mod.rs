//! Voice features of one channel, measured from the audio alone as a
//! phonetician would: pitch (Boersma 1993, Praat's "To Pitch (ac)"),
//! intensity (Praat's "To Intensity"), speech activity and pauses, syllable
//! nuclei and speaking rates (de Jong & Wempe 2009), and clarity indicators.
//!
//! `analyze_channel` runs the whole analysis; the tracks are also available
//! on their own (`pitch::track`, `intensity::track`) for later stages.

pub mod activity;
pub mod clarity;
pub mod dsp;
pub mod intensity;
pub mod pitch;
pub mod syllables;
pub mod transcript_rate;

pub use activity::Interval;
pub use intensity::{IntensityParams, IntensityTrack};
pub use pitch::{PitchParams, PitchTrack};

use crate::signal::stats;
use serde::{Deserialize, Serialize};

/// All settings of the voice analysis; `Default` gives the published values
/// (Praat's pitch defaults with 10 ms step, 75–600 Hz; de Jong & Wempe's
/// -25 dB silence threshold and 2 dB minimum dip; pauses from 0.25 s).
/// Deserialisable so that a profile can override any field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeatureParams {
    /// Pitch analysis settings.
    pub pitch: PitchParams,
    /// Intensity analysis settings.
    pub intensity: IntensityParams,
    /// Silence threshold relative to the 0.99 intensity quantile (dB).
    pub silence_db: f64,
    /// Least intensity dip (dB) after a syllable peak.
    pub min_dip_db: f64,
    /// Shortest silence that counts as a pause (s).
    pub min_pause_s: f64,
    /// Shortest sounding stretch kept as speech (s).
    pub min_sounding_s: f64,
    /// How far (s) from an intensity peak a voiced frame may be for a nucleus.
    pub nucleus_voicing_tolerance_s: f64,
    /// Lower edge of the band of the clarity figures (Hz).
    pub clarity_band_low_hz: f64,
    /// Upper edge of the band of the clarity figures (Hz).
    pub clarity_band_high_hz: f64,
    /// Boundary of the high-frequency energy share (Hz).
    pub hf_split_hz: f64,
    /// Absolute sample value counted as clipped.
    pub clip_level: f32,
    /// Lower band of the consonant-band level (Hz): 300-1000 Hz.
    pub vowel_band_hz: (f64, f64),
    /// Consonant band of the consonant-band level (Hz): 2000-3400 Hz, the
    /// top of the telephone band of ITU-T G.712.
    pub consonant_band_hz: (f64, f64),
    /// Share of the quietest frames whose mean spectrum is the noise of the
    /// consonant-band level: 0.2.
    pub noise_share: f64,
    /// Whether the report carries the per-frame track.
    pub keep_frames: bool,
}

impl Default for FeatureParams {
    fn default() -> Self {
        Self {
            pitch: PitchParams::default(),
            intensity: IntensityParams::default(),
            silence_db: -25.0,
            min_dip_db: 2.0,
            min_pause_s: 0.25,
            min_sounding_s: 0.1,
            nucleus_voicing_tolerance_s: 0.03,
            clarity_band_low_hz: 100.0,
            clarity_band_high_hz: 4000.0,
            hf_split_hz: 2000.0,
            clip_level: 0.998,
            vowel_band_hz: (300.0, 1000.0),
            consonant_band_hz: (2000.0, 3400.0),
            noise_share: 0.2,
            keep_frames: false,
        }
    }
}

/// One analysis frame of the per-frame track (`--frames`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Frame {
    /// Frame centre (s).
    pub time_s: f64,
    /// F0 (Hz), `null` when unvoiced.
    pub f0_hz: Option<f32>,
    /// Intensity (dB) interpolated at the frame time.
    pub intensity_db: f32,
}

/// The voice figures of one channel. Serialises to the JSON of
/// `callcoach analyze`. Figures that need voiced speech are `null` without it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoiceReport {
    /// Channel length (s).
    pub duration_s: f64,
    /// Median F0 over voiced frames (Hz).
    pub f0_median_hz: Option<f64>,
    /// Standard deviation of 12·log2(F0 / median) over voiced frames (semitones).
    pub f0_std_semitones: Option<f64>,
    /// 5th–95th percentile range of 12·log2(F0 / median) (semitones).
    pub f0_range_semitones: Option<f64>,
    /// Voiced pitch frames as a share of the pitch frames inside speech.
    pub voiced_fraction: f64,
    /// Mean intensity over speech (dB, mean of the frame values).
    pub intensity_mean_db: Option<f64>,
    /// Standard deviation of the intensity over speech (dB).
    pub intensity_std_db: Option<f64>,
    /// Syllable nuclei found.
    pub syllable_count: usize,
    /// Total sounding time (s).
    pub phonation_time_s: f64,
    /// Syllables per second of total time.
    pub speech_rate_syl_per_s: f64,
    /// Syllables per second of phonation time.
    pub articulation_rate_syl_per_s: Option<f64>,
    /// Speech (sounding) intervals.
    pub speech: Vec<Interval>,
    /// Pauses of at least the minimum pause length between speech.
    pub pauses: Vec<Interval>,
    /// Spectral centroid of voiced speech in the clarity band (Hz).
    pub spectral_centroid_hz: Option<f64>,
    /// Share of voiced-speech energy above 2 kHz (within the clarity band).
    pub hf_energy_ratio: Option<f64>,
    /// Spectral tilt of voiced speech (dB per octave).
    pub spectral_tilt_db_per_oct: Option<f64>,
    /// Consonant-band level of voiced speech: 2000-3400 Hz against
    /// 300-1000 Hz, noise floor taken off (dB; ANSI S3.5-1997 bands, see
    /// [`clarity::Clarity::consonant_band_db`]).
    pub consonant_band_db: Option<f64>,
    /// Speech-to-noise level difference (dB).
    pub snr_db: Option<f64>,
    /// Share of samples at or above the clip level.
    pub clipped_fraction: f64,
    /// Times of the syllable nuclei (s).
    pub nuclei_s: Vec<f64>,
    /// Per-frame track, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<Vec<Frame>>,
}

/// Semitone statistics of a set of F0 values: (median Hz, std st, 5–95 % range st).
pub fn f0_statistics(f0: &[f64]) -> Option<(f64, f64, f64)> {
    if f0.is_empty() {
        return None;
    }
    let mut sorted = f0.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let median = stats::quantile_sorted(&sorted, 0.5)?;
    let st: Vec<f64> = sorted.iter().map(|f| 12.0 * (f / median).log2()).collect();
    let (_, std) = stats::mean_std(&st)?;
    let range = stats::quantile_sorted(&st, 0.95)? - stats::quantile_sorted(&st, 0.05)?;
    Some((median, std, range))
}

/// Intensity frames more than this far below the channel's 0.99 quantile do
/// not count as speech in the loudness statistics (dB).
pub const SPEECH_DB_RANGE: f64 = 50.0;

/// The level (dB) below which an intensity frame is silence caught at the
/// edge of a speech interval rather than voice: [`SPEECH_DB_RANGE`] under
/// the 0.99 quantile of the finite levels (digital silence gives -300 dB;
/// real speech spans less than 50 dB). `-inf` for no finite level, so that
/// nothing is left out.
pub fn speech_floor_db(levels_db: impl IntoIterator<Item = f64>) -> f64 {
    let finite: Vec<f64> = levels_db.into_iter().filter(|d| d.is_finite()).collect();
    stats::quantile(&finite, 0.99).map_or(f64::NEG_INFINITY, |q| q - SPEECH_DB_RANGE)
}

/// The energy mean of intensity levels (dB): 10·log10 of the mean power,
/// as Praat averages intensity ("energy" averaging), so that loud stretches
/// weigh as the ear hears them. `None` for no levels.
pub fn energy_mean_db(levels_db: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = levels_db.into_iter().fold((0.0f64, 0usize), |(s, n), d| {
        (s + 10f64.powf(d / 10.0), n + 1)
    });
    (n > 0).then(|| 10.0 * (sum / n as f64).log10())
}

/// Analyses one channel (samples in [-1, 1] at `sample_rate` Hz). Never
/// panics: empty or very short input gives a report with empty figures.
pub fn analyze_channel(samples: &[f32], sample_rate: u32, params: &FeatureParams) -> VoiceReport {
    let duration_s = if sample_rate == 0 {
        0.0
    } else {
        samples.len() as f64 / sample_rate as f64
    };
    let pitch = pitch::track(samples, sample_rate, &params.pitch);
    let inten = intensity::track(samples, sample_rate, &params.intensity);
    let act = detect_activity(&inten, duration_s, params);
    let nuclei = find_nuclei(&inten, &pitch, &act, params);
    let clar = measure_clarity(samples, sample_rate, &pitch, &inten, &act, params);

    let voiced: Vec<f64> = pitch.voiced().collect();
    let stats = f0_statistics(&voiced);
    let int_stats = stats::mean_std(&speech_levels_db(&inten, &act));
    let phonation_time_s: f64 = act.speech.iter().map(|s| s.duration_s()).sum();
    let syllable_count = nuclei.len();
    let frames = params.keep_frames.then(|| frame_track(&pitch, &inten));
    VoiceReport {
        duration_s,
        f0_median_hz: stats.map(|s| s.0),
        f0_std_semitones: stats.map(|s| s.1),
        f0_range_semitones: stats.map(|s| s.2),
        voiced_fraction: voiced_fraction(&pitch, &act),
        intensity_mean_db: int_stats.map(|s| s.0),
        intensity_std_db: int_stats.map(|s| s.1),
        syllable_count,
        phonation_time_s,
        speech_rate_syl_per_s: if duration_s > 0.0 {
            syllable_count as f64 / duration_s
        } else {
            0.0
        },
        articulation_rate_syl_per_s: (phonation_time_s > 0.0)
            .then(|| syllable_count as f64 / phonation_time_s),
        speech: act.speech,
        pauses: act.pauses,
        spectral_centroid_hz: clar.spectral_centroid_hz,
        hf_energy_ratio: clar.hf_energy_ratio,
        spectral_tilt_db_per_oct: clar.spectral_tilt_db_per_oct,
        consonant_band_db: clar.consonant_band_db,
        snr_db: clar.snr_db,
        clipped_fraction: clar.clipped_fraction,
        nuclei_s: nuclei,
        frames,
    }
}

/// Speech and pauses from the intensity track, with the channel's silence
/// threshold and minimum pause and speech lengths.
fn detect_activity(
    inten: &IntensityTrack,
    duration_s: f64,
    params: &FeatureParams,
) -> activity::Activity {
    activity::detect(
        inten,
        duration_s,
        &activity::ActivityParams {
            silence_db: params.silence_db,
            min_pause_s: params.min_pause_s,
            min_sounding_s: params.min_sounding_s,
        },
    )
}

/// Syllable nuclei (their times in s) within the speech: the basis of the
/// speech and articulation rates.
fn find_nuclei(
    inten: &IntensityTrack,
    pitch: &PitchTrack,
    act: &activity::Activity,
    params: &FeatureParams,
) -> Vec<f64> {
    syllables::nuclei(
        inten,
        pitch,
        act,
        &syllables::SyllableParams {
            silence_db: params.silence_db,
            min_dip_db: params.min_dip_db,
            voicing_tolerance_s: params.nucleus_voicing_tolerance_s,
        },
    )
}

/// The spectral clarity figures (centroid, tilt, SNR, clipping) of the speech.
fn measure_clarity(
    samples: &[f32],
    sample_rate: u32,
    pitch: &PitchTrack,
    inten: &IntensityTrack,
    act: &activity::Activity,
    params: &FeatureParams,
) -> clarity::Clarity {
    clarity::measure(
        samples,
        sample_rate,
        pitch,
        inten,
        act,
        &clarity::ClarityParams {
            band_low_hz: params.clarity_band_low_hz,
            band_high_hz: params.clarity_band_high_hz,
            hf_split_hz: params.hf_split_hz,
            clip_level: params.clip_level,
            vowel_band_hz: params.vowel_band_hz,
            consonant_band_hz: params.consonant_band_hz,
            noise_share: params.noise_share,
        },
    )
}

/// The share of pitch frames inside speech that are voiced (0 without speech).
fn voiced_fraction(pitch: &PitchTrack, act: &activity::Activity) -> f64 {
    let (mut n_speech, mut n_voiced) = (0usize, 0usize);
    for (&t, f) in pitch.times.iter().zip(pitch.f0.iter()) {
        if act.speech.iter().any(|s| s.contains(t)) {
            n_speech += 1;
            n_voiced += f.is_some() as usize;
        }
    }
    if n_speech == 0 {
        0.0
    } else {
        n_voiced as f64 / n_speech as f64
    }
}

/// The intensity levels (dB) of the speech frames for the loudness
/// statistics, without the edge silence far below the loudest speech.
fn speech_levels_db(inten: &IntensityTrack, act: &activity::Activity) -> Vec<f64> {
    // Frames far below the loudest speech are silence caught at the edges of
    // a speech interval (digital silence gives -300 dB), not voice: leave
    // them out of the loudness statistics. Real speech spans < 50 dB.
    let floor = speech_floor_db(inten.db.iter().copied());
    inten
        .times
        .iter()
        .zip(inten.db.iter())
        .filter(|(&t, &d)| act.speech.iter().any(|s| s.contains(t)) && d > floor)
        .map(|(_, &d)| d)
        .collect()
}

/// The per-frame pitch and intensity track kept for plotting (`frames`).
fn frame_track(pitch: &PitchTrack, inten: &IntensityTrack) -> Vec<Frame> {
    pitch
        .times
        .iter()
        .zip(pitch.f0.iter())
        .map(|(&t, &f)| Frame {
            time_s: t,
            f0_hz: f,
            intensity_db: inten.at(t).unwrap_or(-300.0) as f32,
        })
        .collect()
}
