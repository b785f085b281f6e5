//! Speech recognition on the real base model and real speech.
//!
//! Needs models/ggml-base.bin and models/ggml-tiny.en.bin
//! (`callcoach model fetch base`, `… tiny.en`; scripts/test.sh does both).

mod common;

use std::path::Path;

use callcoach::audio::{self, WHISPER_RATE};
use callcoach::transcribe::{find_loops, Options, Recognizer};
use callcoach::transcript::{DropReason, Transcript};
use common::{
    base_model, callcoach, callcoach_json, fixture, normalise, sox, synth, wer, ENGLISH_CLIPS,
};

const JFK: &str = "And so my fellow Americans, ask not what your country can do for you, \
                   ask what you can do for your country.";

fn transcribe_file(model: &Recognizer, path: &Path, language: Option<&str>) -> Transcript {
    let audio = audio::load(path, Some(WHISPER_RATE)).unwrap();
    let opts = Options {
        language: language.map(str::to_string),
        ..Options::default()
    };
    model.transcribe(&audio.mix(), &opts).unwrap()
}

#[test]
fn jfk_transcribes_word_for_word_with_americans_at_1_8_s() {
    let model = Recognizer::load(&base_model()).unwrap();
    let t = transcribe_file(&model, &fixture("jfk.wav"), Some("en"));
    assert_eq!(normalise(&t.text()), normalise(JFK), "got: {}", t.text());

    // openai-whisper's own test on this clip: "Americans" covers t = 1.8 s.
    let americans = t
        .words()
        .find(|w| normalise(&w.text) == ["americans"])
        .expect("a word 'Americans'");
    assert!(
        americans.start_ms <= 1800 && americans.end_ms >= 1800,
        "Americans at {}–{} ms",
        americans.start_ms,
        americans.end_ms
    );
    // Word times follow the audio: monotone, inside the clip, and not spread
    // evenly (an even spread would give every word the same duration).
    let words: Vec<_> = t.words().collect();
    assert_eq!(words.len(), 22);
    for pair in words.windows(2) {
        assert!(pair[0].start_ms <= pair[1].start_ms);
    }
    assert!(words.last().unwrap().end_ms <= 11_100);
    let durations: Vec<u64> = words.iter().map(|w| w.end_ms - w.start_ms).collect();
    let (min, max) = (
        durations.iter().min().unwrap(),
        durations.iter().max().unwrap(),
    );
    assert!(max - min > 300, "durations {durations:?}");
    for w in &words {
        assert!((0.0..=1.0).contains(&w.probability), "{w:?}");
    }
}

#[test]
fn librivox_clips_under_15_percent_wer() {
    let model = Recognizer::load(&base_model()).unwrap();
    for id in ["0870", "0880", "0890", "0920", "0930"] {
        let wav = fixture(&format!("librivox-{id}.wav"));
        let reference = std::fs::read_to_string(fixture(&format!("librivox-{id}.txt"))).unwrap();
        let t = transcribe_file(&model, &wav, Some("en"));
        let e = wer(&reference, &t.text());
        assert!(
            e <= 0.15,
            "librivox-{id}: WER {:.1} % ({})",
            e * 100.0,
            t.text()
        );
    }
}

#[test]
fn german_fleurs_clips_mean_wer_under_25_percent() {
    let model = Recognizer::load(&base_model()).unwrap();
    let mut total = 0.0;
    for i in 0..5 {
        let wav = fixture(&format!("de-fleurs-00{i}.wav"));
        let reference = std::fs::read_to_string(fixture(&format!("de-fleurs-00{i}.txt"))).unwrap();
        let t = transcribe_file(&model, &wav, Some("de"));
        assert_eq!(t.language, "de");
        let e = wer(&reference, &t.text());
        eprintln!("de-fleurs-00{i}: WER {:.1} %", e * 100.0);
        total += e;
    }
    let mean = total / 5.0;
    assert!(mean <= 0.25, "mean WER {:.1} %", mean * 100.0);
}

#[test]
fn telephone_mu_law_copy_transcribes_the_same_but_one_word() {
    let dir = tempfile::tempdir().unwrap();
    let phone = dir.path().join("jfk-8k-ulaw.wav");
    sox(&[
        fixture("jfk.wav").to_str().unwrap(),
        "-r",
        "8000",
        "-e",
        "u-law",
        phone.to_str().unwrap(),
    ]);
    let p = phone.to_str().unwrap();
    let doc = callcoach_json(&[
        "transcribe",
        p,
        "--language",
        "en",
        "--beam-size",
        "5",
        "--json",
    ]);
    let text = doc["text"].as_str().unwrap();
    // Measured with base: beam 5 gives "And so my fellow America, ask not …"
    // (1 of 22 words off: the plural s of "Americans" lies above 4 kHz, which
    // 8 kHz audio cannot carry; plain 8 kHz PCM resampled by sox gives the
    // same). Greedy decoding gives "America asked" (2 words off).
    let e = wer(JFK, text);
    assert!(e <= 1.0 / 22.0 + 1e-9, "WER {:.1} %: {text}", e * 100.0);
}

#[test]
fn stereo_channels_are_transcribed_separately() {
    let dir = tempfile::tempdir().unwrap();
    let stereo = dir.path().join("right-only.wav");
    let jfk = fixture("jfk.wav");
    sox(&[
        jfk.to_str().unwrap(),
        stereo.to_str().unwrap(),
        "remix",
        "0",
        "1",
    ]);
    let s = stereo.to_str().unwrap();
    let doc = callcoach_json(&[
        "transcribe",
        s,
        "--channel",
        "right",
        "--language",
        "en",
        "--json",
    ]);
    assert_eq!(doc["channels"], 2);
    assert_eq!(normalise(doc["text"].as_str().unwrap()), normalise(JFK));

    let doc = callcoach_json(&[
        "transcribe",
        s,
        "--channel",
        "left",
        "--language",
        "en",
        "--json",
    ]);
    assert_eq!(doc["segments"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(doc["text"], "");
}

/// `transcribe_channels_beside` does its work once, on the thread of a
/// whisper run when there are runs, and gives the same transcripts as
/// `transcribe_channels`; with nothing to decode, on the calling thread.
#[test]
fn work_beside_two_runs_is_done_once_on_a_run_thread() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let model = Recognizer::load(&base_model()).unwrap();
    let jfk = audio::load(&fixture("jfk.wav"), Some(WHISPER_RATE))
        .unwrap()
        .mix();
    let libri = audio::load(&fixture("librivox-0870.wav"), Some(WHISPER_RATE))
        .unwrap()
        .mix();
    // Two threads: two one-thread runs, one channel each (the run plan).
    let opts = Options {
        language: Some("en".into()),
        threads: 2,
        ..Options::default()
    };
    let calls = AtomicUsize::new(0);
    let caller = std::thread::current().id();
    let (beside, (on, n)) = model
        .transcribe_channels_beside(&[&jfk, &libri], &opts, || {
            (
                std::thread::current().id(),
                calls.fetch_add(1, Ordering::SeqCst) + 1,
            )
        })
        .unwrap();
    assert_eq!((n, calls.load(Ordering::SeqCst)), (1, 1));
    assert_ne!(on, caller, "the work ran on the calling thread");
    let plain = model.transcribe_channels(&[&jfk, &libri], &opts).unwrap();
    assert_eq!(beside.len(), 2);
    for (a, b) in beside.iter().zip(&plain) {
        assert_eq!(a.text(), b.text());
    }
    assert_eq!(normalise(&beside[0].text()), normalise(JFK));

    // Silence: no run, the work is still done, here.
    let silence = vec![0.0f32; WHISPER_RATE as usize * 2];
    let (t, on) = model
        .transcribe_channels_beside(&[&silence, &silence], &opts, || std::thread::current().id())
        .unwrap();
    assert_eq!(on, caller);
    assert!(t.iter().all(|t| t.segments.is_empty()));
}

#[test]
fn json_output_has_words_with_times_and_probabilities() {
    let doc = callcoach_json(&[
        "transcribe",
        "tests/fixtures/jfk.wav",
        "--json",
        "--language",
        "en",
    ]);
    assert_eq!(doc["schema"], "callcoach.transcript/1");
    assert_eq!(doc["duration_ms"], 11_000);
    let words: Vec<&serde_json::Value> = doc["segments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["words"].as_array().unwrap())
        .collect();
    assert_eq!(words.len(), 22);
    for w in words {
        assert!(w["start_ms"].as_u64().unwrap() <= w["end_ms"].as_u64().unwrap());
        assert!(w["probability"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn tiny_en_model_by_path_transcribes_jfk() {
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-tiny.en.bin");
    assert!(tiny.exists(), "run `callcoach model fetch tiny.en`");
    let doc = callcoach_json(&[
        "transcribe",
        "tests/fixtures/jfk.wav",
        "--model",
        "models/ggml-tiny.en.bin",
        "--json",
    ]);
    assert_eq!(
        doc["language"], "en",
        "an English-only model reports English"
    );
    // tiny.en is English-only and much smaller: allow one word off.
    let e = wer(JFK, doc["text"].as_str().unwrap());
    assert!(
        e <= 1.0 / 22.0,
        "tiny.en WER {:.1} %: {}",
        e * 100.0,
        doc["text"]
    );
}

/// Runs `callcoach transcribe FILE` and returns (exit code, stderr).
fn transcribe_error(path: &Path) -> (i32, String) {
    let out = callcoach(&["transcribe", path.to_str().unwrap(), "--language", "en"]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_inputs_give_a_one_line_error_and_a_failure_exit() {
    let dir = tempfile::tempdir().unwrap();
    let jfk = std::fs::read(fixture("jfk.wav")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.wav", vec![], "empty WAV"),
        (
            "notes.wav",
            b"meeting notes, not audio\n".to_vec(),
            "not a WAV file",
        ),
        ("cut.wav", jfk[..jfk.len() / 3].to_vec(), "truncated WAV"),
        ("header.wav", jfk[..44].to_vec(), "empty WAV"),
    ];
    for (name, bytes, problem) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let (code, stderr) = transcribe_error(&p);
        assert_ne!(code, 0, "{name}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: {stderr}");
        assert!(
            stderr.contains(name) && stderr.contains(problem),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // A missing model names the fetch command.
    let out = callcoach(&[
        "transcribe",
        "tests/fixtures/jfk.wav",
        "--model",
        "models/nope.bin",
    ]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("models/nope.bin") && stderr.contains("callcoach model fetch"),
        "{stderr}"
    );
    // A file that is not a model.
    let out = callcoach(&[
        "transcribe",
        "tests/fixtures/jfk.wav",
        "--model",
        "tests/fixtures/jfk.wav",
    ]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("jfk.wav") && stderr.contains("not a whisper.cpp GGML model"),
        "{stderr}"
    );
}

/// Words of `t` as the loop test sees them.
fn loop_keys(t: &Transcript) -> Vec<String> {
    t.words().flat_map(|w| normalise(&w.text)).collect()
}

#[test]
fn unclear_german_agent_loop_is_dropped_and_reported() {
    // samples/07-de-unclear.wav, agent (left) channel: muffled, quiet and
    // noisy. whisper's first pass writes "Es ist ein sehr leckeres Problem."
    // 18 times over the whole 53.9 s; decoded again without the previous
    // text as prompt it still loops (measured: 15 times, then "Wir sind
    // gerade im Kaffee." …), so the loop is dropped and reported.
    let model = Recognizer::load(&base_model()).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/07-de-unclear.wav");
    let audio = audio::load(&path, Some(WHISPER_RATE)).unwrap();
    let opts = Options {
        language: Some("de".into()),
        ..Options::default()
    };
    let t = model.transcribe(&audio.channels[0], &opts).unwrap();
    let words = loop_keys(&t);
    assert!(find_loops(&words).is_empty(), "still loops: {}", t.text());
    // Measured: no word is left; allow a few.
    assert!(words.len() <= 5, "{} words left: {}", words.len(), t.text());
    let looped: Vec<_> = t
        .dropped
        .iter()
        .filter(|d| d.reason == DropReason::RepetitionLoop)
        .collect();
    let covered: u64 = looped.iter().map(|d| d.end_ms - d.start_ms).sum();
    assert!(
        covered >= 45_000,
        "dropped loop spans cover {covered} ms: {:?}",
        t.dropped
    );
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["dropped"][0]["reason"], "repetition loop", "{json}");
}

#[test]
fn no_words_are_placed_in_a_noise_only_span() {
    // jfk (11 s), 10 s of white noise (sox `vol 0.01`: about -50 dBFS RMS,
    // above the -50 dBFS silence cut of a 30 ms frame), jfk again.
    let dir = tempfile::tempdir().unwrap();
    let noise = dir.path().join("noise.wav");
    let call = dir.path().join("jfk-noise-jfk.wav");
    let (n, c) = (noise.to_str().unwrap(), call.to_str().unwrap());
    let jfk = fixture("jfk.wav");
    let j = jfk.to_str().unwrap();
    synth(&noise, "10", "whitenoise", "0.01");
    sox(&[j, n, j, c]);
    let model = Recognizer::load(&base_model()).unwrap();

    // On the noise alone whisper writes "Thank you." (en) or "Ich habe mich
    // nicht mehr aufgelistet." (de): no speech frame, no words.
    for language in ["en", "de"] {
        let t = transcribe_file(&model, &noise, Some(language));
        assert_eq!(t.words().count(), 0, "{language}: {}", t.text());
    }

    let t = transcribe_file(&model, &call, Some("en"));
    for w in t.words() {
        assert!(
            !(11_000..21_000).contains(&w.start_ms),
            "{w:?} starts in the noise"
        );
    }
    // Both copies of jfk keep their words (measured: all 22 each; the "And"
    // the alignment put into the noise is moved onto the second copy).
    let text = |range: std::ops::Range<u64>| {
        let words: Vec<&str> = t
            .words()
            .filter(|w| range.contains(&w.start_ms))
            .map(|w| w.text.as_str())
            .collect();
        words.join(" ")
    };
    for (part, range) in [("first", 0..11_000), ("second", 21_000..32_000)] {
        let e = wer(JFK, &text(range.clone()));
        assert!(
            e <= 1.0 / 22.0 + 1e-9,
            "{part} jfk: WER {:.1} % ({})",
            e * 100.0,
            text(range)
        );
    }
}

/// A recording long enough to be cut into two one-thread whisper runs
/// (`transcribe::plan`): the joined pieces keep every clip's words at the
/// clip's own place, and lose none at the cut.
#[test]
fn a_long_recording_cut_into_two_runs_keeps_each_clip_in_its_place() {
    use callcoach::transcribe::gate::Speech;
    use callcoach::transcribe::plan::plan;

    let model = Recognizer::load(&base_model()).unwrap();
    let rate = WHISPER_RATE as usize;
    let clips: Vec<(String, Vec<f32>)> = ENGLISH_CLIPS
        .iter()
        .map(|stem| {
            let text = std::fs::read_to_string(fixture(&format!("{stem}.txt"))).unwrap();
            let audio = audio::load(&fixture(&format!("{stem}.wav")), Some(WHISPER_RATE)).unwrap();
            (text, audio.mix())
        })
        .collect();
    // The six clips (35.7 s) four times over, each followed by 3 s of
    // silence: (reference text, start, end) of each in the recording.
    let mut signal = Vec::new();
    let mut placed = Vec::new();
    for _ in 0..4 {
        for (text, samples) in &clips {
            let start = signal.len();
            signal.extend_from_slice(samples);
            placed.push((text.clone(), start, signal.len()));
            signal.resize(signal.len() + 3 * rate, 0.0);
        }
    }
    let speech = Speech::find(&signal, None).unwrap();
    let cut = plan(&[Some(&speech)], 2, 2);
    assert_eq!(cut.runs.len(), 2, "{}", cut.describe());

    let opts = Options {
        language: Some("en".into()),
        threads: 2,
        ..Options::default()
    };
    let t = model.transcribe(&signal, &opts).unwrap();
    let starts: Vec<u64> = t.segments.iter().map(|s| s.start_ms).collect();
    assert!(starts.windows(2).all(|p| p[0] <= p[1]), "{starts:?}");
    let ms = |samples: usize| (samples * 1000 / rate) as u64;
    let mut total = 0.0;
    for (i, (reference, start, end)) in placed.iter().enumerate() {
        // A word belongs to the clip it starts in (0.3 s of slack).
        let words: Vec<&str> = t
            .words()
            .filter(|w| w.start_ms + 300 >= ms(*start) && w.start_ms < ms(*end))
            .map(|w| w.text.as_str())
            .collect();
        let e = wer(reference, &words.join(" "));
        eprintln!(
            "clip {i} at {:.1} s: WER {:.1} %",
            *start as f64 / rate as f64,
            e * 100.0
        );
        // Measured: 0-25 % per clip (25 %: 2 of the 8 words of the 3 s
        // librivox-0880), 11.0 % mean; each half of the recording gives
        // the same figures as the other.
        assert!(
            e <= 0.3,
            "clip {i}: WER {:.1} % ({})",
            e * 100.0,
            words.join(" ")
        );
        total += e;
    }
    let mean = total / placed.len() as f64;
    assert!(mean <= 0.15, "mean WER {:.1} %", mean * 100.0);
}
