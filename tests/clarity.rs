//! Finding 6 (unclear pronunciation) on real speech: a voice without its
//! consonant band (real read speech low-passed at 700 Hz or 1 kHz, with and
//! without white noise; scripts/make_muffled.sh) is flagged even with no
//! customer channel to compare with, and the real calls and clean real
//! clips are not. Real whisper base model, real audio.

mod common;

use std::sync::OnceLock;

use callcoach::findings::{Finding, FindingId, Profile, Verdict};
use callcoach::scorecard::{ScoreOptions, Scorecard, Scorer};
use callcoach::structure::Channel;
use callcoach::transcribe::{Options, Recognizer};
use common::{base_model, fixture};

/// The muffled variants of tests/fixtures/muffled/ (16 kHz, the agent alone).
const MUFFLED: [&str; 8] = [
    "muffled/jfk-lp700.wav",
    "muffled/jfk-lp700-noise.wav",
    "muffled/jfk-lp1k.wav",
    "muffled/jfk-lp1k-noise.wav",
    "muffled/librivox-0870-lp700.wav",
    "muffled/librivox-0870-lp700-noise.wav",
    "muffled/librivox-0870-lp1k.wav",
    "muffled/librivox-0870-lp1k-noise.wav",
];

/// Clean real clips (the speaker alone) and their language.
const CLEAN: [(&str, &str); 5] = [
    ("jfk.wav", "en"),
    ("jfk-8k-ulaw.wav", "en"),
    ("librivox-0870.wav", "en"),
    ("de-fleurs-000.wav", "de"),
    ("de-fleurs-002.wav", "de"),
];

/// The real calls (agent left on the stereo ones).
const REAL_CALLS: [&str; 3] = [
    "realcalls/autorepair-40-stereo-ulaw.wav",
    "realcalls/autorepair-49-stereo-ulaw.wav",
    "realcalls/autorepair-0-mono-ulaw.wav",
];

/// Highest consonant-band level of the muffled variants (dB). Measured
/// (callcoach analyze, whole channel): -35.1 (librivox-0870-lp700-noise) to
/// -58.9; the noise left after subtraction sets the top. The muffled call
/// variant's agent: -39.1.
const MUFFLED_MAX_DB: f64 = -30.0;
/// Lowest consonant-band level of the clean clips (dB). Measured: -23.5
/// (de-fleurs-000) to -12.9 (jfk); real agents -8.6 and -7.7.
const CLEAN_MIN_DB: f64 = -26.0;

fn score(file: &str, language: &str, speakers: u8) -> Scorecard {
    static RECOGNIZER: OnceLock<Recognizer> = OnceLock::new();
    let recognizer = RECOGNIZER.get_or_init(|| Recognizer::load(&base_model()).unwrap());
    let scorer = Scorer::new(recognizer, Profile::default(), "default".into());
    let opts = ScoreOptions {
        language: Some(language.to_string()),
        agent_channel: Channel::Left,
        speakers,
        agent_speaks_first: true,
        decode: Options::default(),
    };
    scorer
        .score(&fixture(file), &opts)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn unclear(card: &Scorecard) -> &Finding {
    card.findings
        .iter()
        .find(|f| f.id == FindingId::Unclear)
        .unwrap()
}

fn consonant_db(card: &Scorecard) -> f64 {
    card.voice
        .agent
        .consonant_band_db
        .expect("voiced speech gives a consonant-band level")
}

#[test]
fn muffled_real_speech_is_flagged_without_a_customer_channel() {
    for file in MUFFLED {
        let card = score(file, "en", 1);
        let f = unclear(&card);
        let db = consonant_db(&card);
        assert!(db < MUFFLED_MAX_DB, "{file}: consonant band {db:.1} dB");
        assert_ne!(f.verdict, Verdict::Ok, "{file}: unclear {}", f.score);
    }
}

#[test]
fn clean_real_clips_are_not_flagged() {
    for (file, language) in CLEAN {
        let card = score(file, language, 1);
        let f = unclear(&card);
        let db = consonant_db(&card);
        assert!(db > CLEAN_MIN_DB, "{file}: consonant band {db:.1} dB");
        assert_eq!(f.verdict, Verdict::Ok, "{file}: unclear {}", f.score);
    }
}

#[test]
fn real_calls_are_not_flagged_and_the_muffled_call_is() {
    for file in REAL_CALLS {
        let card = score(file, "en", 2);
        let f = unclear(&card);
        assert!(consonant_db(&card) > CLEAN_MIN_DB, "{file}");
        assert_eq!(f.verdict, Verdict::Ok, "{file}: unclear {}", f.score);
    }
    let card = score("realcalls/autorepair-40-muffled.wav", "en", 2);
    assert!(consonant_db(&card) < MUFFLED_MAX_DB);
    assert_ne!(unclear(&card).verdict, Verdict::Ok);
}
