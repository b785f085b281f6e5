//! The GE2E speaker encoder (`src/structure/ge2e.rs`) with the real
//! Resemblyzer weights (`callcoach model fetch ge2e`, which `scripts/test.sh`
//! runs) on real speech.
//!
//! * Against an independent implementation: `scripts/ge2e_reference.py`
//!   (librosa's mel spectrogram, the LSTM in float64 numpy) wrote
//!   `tests/fixtures/ge2e-reference.json`.
//! * As a speaker model: the same LibriVox reader against other people,
//!   and the same voice through an 8 kHz μ-law phone line.

use std::path::{Path, PathBuf};

use callcoach::audio::{self, WHISPER_RATE};
use callcoach::structure::ge2e::{cosine, MelFrontend, SpeakerEncoder, MODEL_FILE};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn encoder() -> SpeakerEncoder {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(MODEL_FILE);
    SpeakerEncoder::load(&path).unwrap_or_else(|e| {
        panic!("{e}: run `cargo run --release -- model fetch ge2e` first (scripts/test.sh does)")
    })
}

fn speech(name: &str) -> Vec<f32> {
    let a = audio::load(&fixture(name), Some(WHISPER_RATE)).expect("fixture audio");
    a.channels[0].clone()
}

#[test]
fn matches_the_python_reference() {
    let text = std::fs::read_to_string(fixture("ge2e-reference.json")).expect("reference");
    let reference: serde_json::Value = serde_json::from_str(&text).expect("reference parses");
    let enc = encoder();
    for name in ["jfk.wav", "librivox-0870.wav"] {
        let r = &reference["embeddings"][name];
        let samples = speech(name);

        // The mel front end against librosa: same frame count, same total
        // power (measured: relative difference 3e-7 on jfk; f32 sums).
        let mel = MelFrontend::new().mel(&samples);
        assert_eq!(
            mel.len() as u64,
            r["mel_frames"].as_u64().unwrap(),
            "{name}"
        );
        let sum: f64 = mel.iter().flatten().map(|&v| f64::from(v)).sum();
        let want = r["mel_sum"].as_f64().unwrap();
        assert!(
            ((sum - want) / want).abs() < 1e-4,
            "{name}: mel sum {sum} against librosa's {want}"
        );

        // The embedding: measured max difference 5.4e-7 per component
        // (the reference is rounded to 6 decimals).
        let want: Vec<f32> = r["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let got = enc.embed_utterance(&samples);
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "{name}: embedding differs by up to {worst}");
    }
}

#[test]
fn tells_one_reader_from_other_people() {
    let enc = encoder();
    let embed = |name: &str| enc.embed_utterance(&speech(name));
    let reader: Vec<Vec<f32>> = ["0870", "0880", "0890", "0920"]
        .iter()
        .map(|n| embed(&format!("librivox-{n}.wav")))
        .collect();
    // Other people: JFK and three FLEURS German speakers (001 and 004 are
    // left out: they sound like one speaker, cosine 0.86).
    let others: Vec<Vec<f32>> = [
        "jfk.wav",
        "de-fleurs-000.wav",
        "de-fleurs-002.wav",
        "de-fleurs-003.wav",
    ]
    .iter()
    .map(|n| embed(n))
    .collect();
    let mut same = f32::MAX;
    for i in 0..reader.len() {
        for j in i + 1..reader.len() {
            same = same.min(cosine(&reader[i], &reader[j]));
        }
    }
    let mut across = f32::MIN;
    for r in &reader {
        for o in &others {
            across = across.max(cosine(r, o));
        }
    }
    // Measured: the reader's clips 0.774..0.922 among themselves, at most
    // 0.638 against anyone else.
    assert!(same > 0.75, "the reader's clips agree only to {same}");
    assert!(across < 0.70, "another voice comes as close as {across}");
    assert!(same - across > 0.1, "{same} against {across}");
}

#[test]
fn a_phone_line_keeps_the_voice() {
    let enc = encoder();
    // The same recording, and the same recording through 8 kHz μ-law
    // (measured: 0.999 for jfk, 0.967 for librivox-0870).
    for (wide, phone, min) in [
        ("jfk.wav", "jfk-8k-ulaw.wav", 0.99),
        ("librivox-0870.wav", "librivox-0870-8k-ulaw.wav", 0.95),
    ] {
        let c = cosine(
            &enc.embed_utterance(&speech(wide)),
            &enc.embed_utterance(&speech(phone)),
        );
        assert!(c > min, "{wide} against {phone}: cosine {c}");
    }
}
