//! The speech detector in front of whisper (src/transcribe/gate.rs) with the real Silero
//! VAD model (`callcoach model fetch silero-vad`) on real speech, real
//! 8 kHz μ-law calls, noise and a noisy line.

mod common;

use std::path::{Path, PathBuf};

use callcoach::audio::{self, WHISPER_RATE};
use callcoach::transcribe::gate::{Detector, Silero, Speech};
use common::{fixture, sox, synth};

fn silero() -> Silero {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-silero-vad.bin");
    assert!(
        p.exists(),
        "{} missing: run `callcoach model fetch silero-vad` (scripts/test.sh does)",
        p.display()
    );
    Silero::new(&p)
}

fn channel(path: &Path, index: usize) -> Vec<f32> {
    let mut a = audio::load(path, Some(WHISPER_RATE)).unwrap();
    a.channels.swap_remove(index)
}

/// The share of `reference`'s speech that `found` covers too.
fn coverage(found: &Speech, reference: &Speech) -> f64 {
    let overlap: usize = reference
        .spans
        .iter()
        .flat_map(|r| {
            found
                .spans
                .iter()
                .map(move |f| f.end.min(r.end).saturating_sub(f.start.max(r.start)))
        })
        .sum();
    let total: usize = reference.spans.iter().map(|r| r.len()).sum();
    overlap as f64 / total.max(1) as f64
}

fn white_noise(dir: &Path, seconds: &str, vol: &str) -> PathBuf {
    let p = dir.join(format!("noise-{seconds}-{vol}.wav"));
    synth(&p, seconds, "whitenoise", vol);
    p
}

#[test]
fn loud_noise_is_not_speech_for_silero_but_is_for_energy() {
    // 4 s of silence-level hiss, then 10 s of loud white noise (-20 dBFS):
    // the energy gate takes the loud noise for speech, Silero does not.
    let dir = tempfile::tempdir().unwrap();
    let quiet = white_noise(dir.path(), "4", "0.001");
    let loud = white_noise(dir.path(), "10", "0.1");
    let both = dir.path().join("hiss-noise.wav");
    sox(&[
        quiet.to_str().unwrap(),
        loud.to_str().unwrap(),
        both.to_str().unwrap(),
    ]);
    let x = channel(&both, 0);
    let energy = Speech::find(&x, None).unwrap();
    let neural = Speech::find(&x, Some(&silero())).unwrap();
    eprintln!(
        "noise: energy {:.2} s, silero {:.2} s",
        energy.seconds(),
        neural.seconds()
    );
    assert_eq!(neural.detector, Detector::Silero);
    assert!(energy.seconds() >= 9.5, "energy: {:.2} s", energy.seconds());
    // Measured: energy 10.2 s, Silero 0.0 s.
    assert!(neural.seconds() <= 1.0, "silero: {:.2} s", neural.seconds());
}

#[test]
fn real_speech_is_kept_at_16_khz_on_8_khz_mu_law_and_on_a_noisy_line() {
    // Reference: the energy gate on the clean 16 kHz jfk.wav (9.3 s of its
    // 11 s: the speech and its pauses under 1 s). Silero with the energy
    // gate must keep that speech on the clean file, on the 8 kHz μ-law
    // copy, and with white noise mixed in at about 10 dB SNR, where the
    // energy gate alone would take the noise too.
    let clean = channel(&fixture("jfk.wav"), 0);
    let reference = Speech::find(&clean, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let noisy = dir.path().join("jfk-noisy.wav");
    let noise = white_noise(dir.path(), "11", "0.02");
    sox(&[
        "-m",
        fixture("jfk.wav").to_str().unwrap(),
        noise.to_str().unwrap(),
        noisy.to_str().unwrap(),
    ]);
    for (name, path) in [
        ("jfk.wav", fixture("jfk.wav")),
        ("jfk-8k-ulaw.wav", fixture("jfk-8k-ulaw.wav")),
        ("jfk + noise", noisy),
    ] {
        let x = channel(&path, 0);
        let s = Speech::find(&x, Some(&silero())).unwrap();
        let kept = coverage(&s, &reference);
        eprintln!(
            "{name}: {:.2} s of speech, {:.1} % of the reference",
            s.seconds(),
            kept * 100.0
        );
        // Measured: 99.6 % (clean, μ-law) and 99.9 % (noisy).
        assert!(kept >= 0.97, "{name}: only {:.1} % kept", kept * 100.0);
        assert!(
            s.seconds() <= reference.seconds() + 0.5,
            "{name}: {:.2} s",
            s.seconds()
        );
    }
}

#[test]
fn real_calls_keep_their_speech_and_leave_out_crosstalk() {
    // Both channels of the real 8 kHz μ-law calls: Silero with the energy
    // gate keeps at most what the energy gate keeps, and never drops more
    // than a few seconds of it (the energy gate already leaves out the
    // other party's bleed, 25-40 dB down).
    for name in [
        "autorepair-40-stereo-ulaw.wav",
        "autorepair-49-stereo-ulaw.wav",
    ] {
        let path = fixture(&format!("realcalls/{name}"));
        for ch in 0..2 {
            let x = channel(&path, ch);
            let energy = Speech::find(&x, None).unwrap();
            let neural = Speech::find(&x, Some(&silero())).unwrap();
            eprintln!(
                "{name} channel {ch}: energy {:.1} s, silero {:.1} s",
                energy.seconds(),
                neural.seconds()
            );
            // Measured: Silero leaves out 0.4-8.1 s of the energy gate's
            // 104-155 s (breaths, clicks, line noise between words).
            assert!(neural.seconds() <= energy.seconds() + 0.01);
            assert!(neural.seconds() >= energy.seconds() - 12.0);
        }
    }
}
