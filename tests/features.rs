//! Voice features against Praat and against ground truth.
//!
//! Praat's figures and per-frame tracks (tests/fixtures/praat/*.json) were
//! made by scripts/praat_compare.py with Praat 6.1.38 through parselmouth
//! 0.4.7; the clips are real speech (jfk, librivox) at 16 kHz and as 8 kHz
//! mu-law copies made with sox. The 8 kHz results are compared with Praat's
//! figures on the 16 kHz original (the same voice).

mod common;

use callcoach::audio;
use callcoach::features::{analyze_channel, intensity, pitch, FeatureParams, Frame, VoiceReport};
use common::{fixture, ENGLISH_CLIPS as CLIPS};
use serde_json::Value;

fn praat(clip: &str) -> Value {
    let text = std::fs::read_to_string(fixture(&format!("praat/{clip}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn load(name: &str) -> (Vec<f32>, u32) {
    let a = audio::load(&fixture(name), None).unwrap();
    (a.channels[0].clone(), a.sample_rate)
}

fn analyze(name: &str, params: &FeatureParams) -> VoiceReport {
    let (x, rate) = load(name);
    analyze_channel(
        &x,
        rate,
        &FeatureParams {
            keep_frames: true,
            ..params.clone()
        },
    )
}

/// Frame-by-frame agreement of a pitch track with Praat's.
struct Agreement {
    /// Share of frames where both say voiced or both unvoiced.
    voicing: f64,
    /// Gross pitch error rate: share of the frames voiced in both whose F0
    /// is more than 20 % from Praat's (the usual criterion, Rabiner et al.
    /// 1976).
    gross: f64,
    /// Fine pitch error: mean |ours / Praat − 1| over the other frames
    /// voiced in both (Chu & Alwan 2009 give its standard deviation; the
    /// mean is the plainer figure).
    fine: f64,
}

/// Our frames against Praat's track ([time, f0 or null] pairs), frames
/// matched by time within half a step.
fn against_praat(frames: &[Frame], track: &Value) -> Agreement {
    let track = track.as_array().unwrap();
    let t0 = track[0][0].as_f64().unwrap();
    let step = track[1][0].as_f64().unwrap() - t0;
    let (mut agree, mut total, mut both, mut gross) = (0, 0, 0, 0);
    let mut fine = 0.0;
    for fr in frames {
        let k = ((fr.time_s - t0) / step).round();
        if k < 0.0 || k as usize >= track.len() || (t0 + k * step - fr.time_s).abs() > 0.0051 {
            continue;
        }
        let pf = track[k as usize][1].as_f64();
        total += 1;
        agree += (pf.is_some() == fr.f0_hz.is_some()) as usize;
        if let (Some(p), Some(o)) = (pf, fr.f0_hz) {
            both += 1;
            let rel = (o as f64 / p - 1.0).abs();
            if rel > 0.2 {
                gross += 1;
            } else {
                fine += rel;
            }
        }
    }
    assert!(total > 100, "too few matched frames: {total}");
    Agreement {
        voicing: agree as f64 / total as f64,
        gross: gross as f64 / both.max(1) as f64,
        fine: fine / (both - gross).max(1) as f64,
    }
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("missing {key}"))
}

// Default (two-pass) analysis against Praat's two-pass figures on the
// 16 kHz original, at 16 kHz and on the 8 kHz mu-law copy. Largest
// differences measured on the six clips (this test prints them;
// docs/voice-features.md has the table): median 0.46 %, SD 0.056 st,
// voicing agreement 99.0 %, gross errors 0.5 %, fine error 0.09 %. Our
// first pass runs at a 30 ms step, so the adapted range, and with it a few
// frames, can differ slightly from Praat's; each bound says its margin.

/// Median F0, relative: 1 %, about twice the measured worst (0.46 %,
/// librivox-0890 at 8 kHz) and two difference limens of F0 for vowels
/// (0.3-0.5 %, Flanagan & Saslow 1958, JASA 30).
const MEDIAN_TOL: f64 = 0.01;
/// F0 standard deviation, semitones: 0.1 st, about twice the measured
/// worst (0.056 st, jfk at 16 kHz).
const SD_TOL_ST: f64 = 0.1;
/// Voicing agreement, share of frames: 98 %, one point under the measured
/// worst (99.0 %, librivox-0880 at 8 kHz; a point is 3-10 frames of these
/// clips).
const VOICING_MIN: f64 = 0.98;
/// Gross pitch errors (more than 20 % from Praat), share of the frames
/// voiced in both: 1 %, twice the measured worst (0.5 %, jfk at 16 kHz).
const GROSS_MAX: f64 = 0.01;
/// Fine pitch error, mean relative: 0.5 %, the upper end of the F0
/// difference limen for vowels (Flanagan & Saslow 1958): what remains after
/// the gross errors is inaudible. Measured worst 0.09 %.
const FINE_MAX: f64 = 0.005;

#[test]
fn pitch_agrees_with_praat_at_16k_and_8k_mulaw() {
    let mut worst = [0.0f64, 0.0, 1.0, 0.0, 0.0];
    for clip in CLIPS {
        let p = praat(clip);
        let reference = &p["two_pass"]["praat_16k"];
        for file in [format!("{clip}.wav"), format!("{clip}-8k-ulaw.wav")] {
            let r = analyze(&file, &FeatureParams::default());
            let med = r.f0_median_hz.unwrap();
            let praat_med = f(reference, "f0_median_hz");
            let sd = r.f0_std_semitones.unwrap();
            let praat_sd = f(reference, "f0_std_semitones");
            let a = against_praat(r.frames.as_ref().unwrap(), &reference["pitch_track"]);
            let (med_diff, sd_diff) = (med / praat_med - 1.0, sd - praat_sd);
            eprintln!(
                "{file}: median {:+.2} %, sd {sd_diff:+.3} st, voicing {:.1} %, gross {:.1} %, fine {:.2} %",
                100.0 * med_diff,
                100.0 * a.voicing,
                100.0 * a.gross,
                100.0 * a.fine
            );
            worst = [
                worst[0].max(med_diff.abs()),
                worst[1].max(sd_diff.abs()),
                worst[2].min(a.voicing),
                worst[3].max(a.gross),
                worst[4].max(a.fine),
            ];
            assert!(
                med_diff.abs() <= MEDIAN_TOL,
                "{file}: median {med} vs {praat_med}"
            );
            assert!(sd_diff.abs() <= SD_TOL_ST, "{file}: sd {sd} vs {praat_sd}");
            assert!(
                a.voicing >= VOICING_MIN,
                "{file}: voicing agreement {}",
                a.voicing
            );
            assert!(
                a.gross <= GROSS_MAX,
                "{file}: gross pitch errors {}",
                a.gross
            );
            assert!(a.fine <= FINE_MAX, "{file}: fine pitch error {}", a.fine);
        }
    }
    eprintln!(
        "worst: median {:.2} %, sd {:.3} st, voicing {:.1} %, gross {:.1} %, fine {:.2} %",
        100.0 * worst[0],
        worst[1],
        100.0 * worst[2],
        100.0 * worst[3],
        100.0 * worst[4]
    );
}

/// A single pass with Praat's standard settings reproduces Praat's "To Pitch
/// (ac)" frame by frame at 16 kHz (measured: 100 % voicing agreement, no
/// gross errors, identical statistics to 0.01 st on all six clips).
#[test]
fn single_pass_reproduces_praat_frame_by_frame() {
    let params = pitch::PitchParams {
        adaptive_range: false,
        ..Default::default()
    };
    for clip in CLIPS {
        let p = praat(clip);
        let reference = &p["single_pass"]["praat_16k"];
        let (x, rate) = load(&format!("{clip}.wav"));
        let t = pitch::track(&x, rate, &params);
        let track = reference["pitch_track"].as_array().unwrap();
        assert_eq!(t.len(), track.len(), "{clip}: frame count");
        let mut max_rel = 0.0f64;
        for (k, row) in track.iter().enumerate() {
            assert!(
                (t.times[k] - row[0].as_f64().unwrap()).abs() < 1e-6,
                "{clip}: frame {k} time"
            );
            let pf = row[1].as_f64();
            assert_eq!(
                pf.is_some(),
                t.f0[k].is_some(),
                "{clip}: voicing at frame {k}"
            );
            if let (Some(p), Some(o)) = (pf, t.f0[k]) {
                max_rel = max_rel.max((o as f64 / p - 1.0).abs());
            }
        }
        // f32 output and a looser Brent tolerance than Praat's: measured < 1e-4.
        assert!(max_rel < 1e-3, "{clip}: largest F0 difference {max_rel}");
    }
}

/// Our "To Intensity" (50 Hz, 10 ms) against Praat's, frame by frame.
/// Measured largest difference: well under 0.01 dB.
#[test]
fn intensity_matches_praat() {
    for clip in CLIPS {
        let p = praat(clip);
        let track = p["single_pass"]["praat_16k"]["intensity_track"]
            .as_array()
            .unwrap()
            .clone();
        let (x, rate) = load(&format!("{clip}.wav"));
        let t = intensity::track(&x, rate, &intensity::IntensityParams::default());
        assert_eq!(t.len(), track.len(), "{clip}: frame count");
        let mut worst = 0.0f64;
        for (k, row) in track.iter().enumerate() {
            worst = worst.max((t.db[k] - row[1].as_f64().unwrap()).abs());
        }
        eprintln!("{clip}: largest intensity difference {worst:.4} dB");
        // Measured: at most 0.0001 dB (same frame times, window and mean removal as Praat).
        assert!(worst < 0.001, "{clip}: a frame differs by {worst} dB");
    }
}

/// Syllable nuclei against the syllables of the reference transcript
/// (counted by rule in scripts/praat_compare.py): within ±15 % at 16 kHz
/// and on the 8 kHz mu-law copy. Measured worst: +10.7 % (jfk, 31 for 28)
/// and -11.1 % (librivox-0880 at 8 kHz, 8 for 9).
#[test]
fn syllable_count_matches_transcript() {
    for clip in CLIPS {
        let truth = praat(clip)["truth_syllables"].as_u64().unwrap() as f64;
        for file in [format!("{clip}.wav"), format!("{clip}-8k-ulaw.wav")] {
            let r = analyze(&file, &FeatureParams::default());
            let n = r.syllable_count as f64;
            assert!(
                (n / truth - 1.0).abs() <= 0.15,
                "{file}: {n} syllables, transcript {truth}"
            );
            let art = r.articulation_rate_syl_per_s.unwrap();
            assert!(art >= r.speech_rate_syl_per_s);
        }
    }
}

/// Speech span against the librivox .lab marks (start of speech, start of
/// the silence after it): the first speech interval starts and the last one
/// ends within 100 ms of them (measured worst: see docs/voice-features.md).
#[test]
fn speech_span_matches_lab_marks() {
    for clip in &CLIPS[1..] {
        let lab = std::fs::read_to_string(fixture(&format!("{clip}.lab"))).unwrap();
        let marks: Vec<f64> = lab
            .lines()
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect();
        for file in [format!("{clip}.wav"), format!("{clip}-8k-ulaw.wav")] {
            let r = analyze(&file, &FeatureParams::default());
            let start = r.speech.first().unwrap().start_ms as f64 / 1000.0;
            let end = r.speech.last().unwrap().end_ms as f64 / 1000.0;
            assert!(
                (start - marks[0]).abs() <= 0.1,
                "{file}: speech starts {start}, lab {}",
                marks[0]
            );
            assert!(
                (end - marks[1]).abs() <= 0.1,
                "{file}: speech ends {end}, lab {}",
                marks[1]
            );
        }
    }
}

/// JFK's pauses: the recording has clear breaks between the phrases "And so,
/// my fellow Americans | ask not | what your country can do for you | ask
/// what you can do for your country"; at least three pauses of >= 0.25 s.
#[test]
fn jfk_has_its_phrase_pauses() {
    for file in ["jfk.wav", "jfk-8k-ulaw.wav"] {
        let r = analyze(file, &FeatureParams::default());
        assert!(r.pauses.len() >= 3, "{file}: {:?}", r.pauses);
        assert!(r.pauses.iter().all(|p| p.duration_s() >= 0.25));
        assert!(r.clipped_fraction < 0.001);
        // Telephone-band figures of the same voice agree between 16 and 8 kHz.
        assert!(r.spectral_centroid_hz.unwrap() > 300.0);
    }
}

/// The clarity figures are computed in the telephone band, so the 16 kHz
/// original and its 8 kHz mu-law copy give close values (measured below).
#[test]
fn clarity_is_rate_independent() {
    for clip in CLIPS {
        let a = analyze(&format!("{clip}.wav"), &FeatureParams::default());
        let b = analyze(&format!("{clip}-8k-ulaw.wav"), &FeatureParams::default());
        let (ca, cb) = (
            a.spectral_centroid_hz.unwrap(),
            b.spectral_centroid_hz.unwrap(),
        );
        assert!(
            (ca / cb - 1.0).abs() < 0.05,
            "{clip}: centroid {ca} vs {cb}"
        );
        let (ha, hb) = (a.hf_energy_ratio.unwrap(), b.hf_energy_ratio.unwrap());
        assert!((ha - hb).abs() < 0.02, "{clip}: hf ratio {ha} vs {hb}");
        let (ta, tb) = (
            a.spectral_tilt_db_per_oct.unwrap(),
            b.spectral_tilt_db_per_oct.unwrap(),
        );
        assert!((ta - tb).abs() < 1.0, "{clip}: tilt {ta} vs {tb}");
    }
}

#[test]
fn empty_and_tiny_input_do_not_panic() {
    let r = analyze_channel(&[], 16000, &FeatureParams::default());
    assert_eq!(r.syllable_count, 0);
    assert!(r.f0_median_hz.is_none());
    let r = analyze_channel(&[0.0; 100], 8000, &FeatureParams::default());
    assert!(r.f0_median_hz.is_none());
    let r = analyze_channel(&[0.5; 100], 0, &FeatureParams::default());
    assert_eq!(r.duration_s, 0.0);
}
