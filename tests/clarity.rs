//! Finding 6 (unclear pronunciation) on real speech: a voice without its
//! consonant band (real read speech low-passed at 700 Hz or 1 kHz, with and
//! without white noise; scripts/make_muffled.sh) is flagged even with no
//! customer channel to compare with, and the real calls and clean real
//! clips are not. Real whisper base model, real audio; every file is scored
//! once and shared by the tests.

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use callcoach::findings::{Finding, FindingId, Profile, Verdict};
use callcoach::scorecard::{ScoreOptions, Scorecard, Scorer};
use callcoach::structure::Channel;
use callcoach::transcribe::{Options, Recognizer};
use common::{base_model, fixture};

/// The muffled variants of tests/fixtures/muffled/ (16 kHz, the speaker
/// alone, English).
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

/// The real calls (English, two speakers, agent left on the stereo ones).
const REAL_CALLS: [&str; 3] = [
    "realcalls/autorepair-40-stereo-ulaw.wav",
    "realcalls/autorepair-49-stereo-ulaw.wav",
    "realcalls/autorepair-0-mono-ulaw.wav",
];

/// The muffled variant of a real call (agent low-passed at 700 Hz,
/// scripts/make_variants.sh).
const MUFFLED_CALL: &str = "realcalls/autorepair-40-muffled.wav";

/// The German sample whose agent is muffled, quiet and noisy (samples/).
const UNCLEAR_SAMPLE: &str = "../../samples/07-de-unclear.wav";

/// Highest consonant-band level a muffled voice may have (dB). Measured
/// (scorecard, 16 kHz): the muffled variants -40.7 (jfk-lp1k-noise) to
/// -60, the muffled call's agent -39.6; the profile's `bad` is -37.
const MUFFLED_MAX_DB: f64 = -37.0;
/// Lowest consonant-band level a clean voice may have (dB). Measured: clean
/// clips -23.5 (de-fleurs-000) to -12.9 (jfk), real agents -10.6 to -7.8,
/// the dullest FLEURS clip (de-fleurs-003) -28.1; the profile's `good` is
/// -31.
const CLEAN_MIN_DB: f64 = -31.0;

/// Every file of these tests, scored once: file -> scorecard.
fn scored() -> &'static BTreeMap<&'static str, Scorecard> {
    static CARDS: OnceLock<BTreeMap<&'static str, Scorecard>> = OnceLock::new();
    CARDS.get_or_init(|| {
        let recognizer = Recognizer::load(&base_model()).unwrap();
        let scorer = Scorer::new(&recognizer, Profile::default(), "default".into());
        let opts = |language: &str, speakers: u8| ScoreOptions {
            language: Some(language.to_string()),
            agent_channel: Channel::Left,
            speakers,
            agent_speaks_first: true,
            decode: Options::default(),
        };
        let mut jobs: Vec<(&'static str, ScoreOptions)> = Vec::new();
        jobs.extend(MUFFLED.iter().map(|&f| (f, opts("en", 1))));
        jobs.extend(CLEAN.iter().map(|&(f, l)| (f, opts(l, 1))));
        jobs.extend(REAL_CALLS.iter().map(|&f| (f, opts("en", 2))));
        jobs.push((MUFFLED_CALL, opts("en", 2)));
        jobs.push((UNCLEAR_SAMPLE, opts("de", 2)));
        let mut cards = BTreeMap::new();
        for (file, o) in jobs {
            let card = scorer
                .score(&fixture(file), &o)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let f = unclear(&card);
            eprintln!(
                "{file:45} unclear {:3} {:7?} consonant_band_db {:>6} low_confidence_share {:>6}",
                f.score,
                f.verdict,
                show(card.voice.agent.consonant_band_db, 1),
                show(metric(&card, "low_confidence_share"), 3),
            );
            cards.insert(file, card);
        }
        cards
    })
}

fn show(v: Option<f64>, decimals: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.decimals$}"))
}

fn unclear(card: &Scorecard) -> &Finding {
    card.findings
        .iter()
        .find(|f| f.id == FindingId::Unclear)
        .unwrap()
}

fn metric(card: &Scorecard, name: &str) -> Option<f64> {
    unclear(card)
        .metrics
        .iter()
        .find(|m| m.name == name)
        .and_then(|m| m.value)
}

fn consonant_db(file: &str) -> f64 {
    scored()[file]
        .voice
        .agent
        .consonant_band_db
        .unwrap_or_else(|| panic!("{file}: no consonant-band level"))
}

#[test]
fn muffled_real_speech_is_flagged_without_a_customer_channel() {
    for file in MUFFLED {
        let card = &scored()[file];
        let db = consonant_db(file);
        assert!(db < MUFFLED_MAX_DB, "{file}: consonant band {db:.1} dB");
        let f = unclear(card);
        assert_ne!(f.verdict, Verdict::Ok, "{file}: unclear {}", f.score);
    }
}

#[test]
fn clean_real_clips_are_not_flagged() {
    for (file, _) in CLEAN {
        let db = consonant_db(file);
        assert!(db > CLEAN_MIN_DB, "{file}: consonant band {db:.1} dB");
        let f = unclear(&scored()[file]);
        assert_eq!(f.verdict, Verdict::Ok, "{file}: unclear {}", f.score);
    }
}

#[test]
fn real_calls_are_not_flagged_and_the_muffled_ones_are() {
    for file in REAL_CALLS {
        let db = consonant_db(file);
        assert!(db > CLEAN_MIN_DB, "{file}: consonant band {db:.1} dB");
        let f = unclear(&scored()[file]);
        assert_eq!(f.verdict, Verdict::Ok, "{file}: unclear {}", f.score);
    }
    let db = consonant_db(MUFFLED_CALL);
    assert!(
        db < MUFFLED_MAX_DB,
        "{MUFFLED_CALL}: consonant band {db:.1} dB"
    );
    assert_ne!(unclear(&scored()[MUFFLED_CALL]).verdict, Verdict::Ok);
    assert_ne!(unclear(&scored()[UNCLEAR_SAMPLE]).verdict, Verdict::Ok);
}
