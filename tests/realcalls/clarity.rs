//! Finding 6 (unclear pronunciation) on real speech: a voice without its
//! consonant band (real read speech low-passed at 700 Hz or 1 kHz, with and
//! without white noise; scripts/make_muffled.sh) is flagged even with no
//! customer channel to compare with, and the real calls and clean real
//! clips are not. The files are scored once with the others of
//! tests/realcalls.rs.

use callcoach::findings::{Finding, FindingId, Verdict};
use callcoach::scorecard::Scorecard;

use super::{card, CLEAN_CLIPS, REAL_CALLS};

/// The muffled variants of tests/fixtures/muffled/ (16 kHz, the speaker
/// alone, English).
pub(super) const MUFFLED: [&str; 8] = [
    "muffled/jfk-lp700.wav",
    "muffled/jfk-lp700-noise.wav",
    "muffled/jfk-lp1k.wav",
    "muffled/jfk-lp1k-noise.wav",
    "muffled/librivox-0870-lp700.wav",
    "muffled/librivox-0870-lp700-noise.wav",
    "muffled/librivox-0870-lp1k.wav",
    "muffled/librivox-0870-lp1k-noise.wav",
];

/// The muffled variant of a real call (agent low-passed at 700 Hz,
/// scripts/make_variants.sh).
const MUFFLED_CALL: &str = "realcalls/autorepair-40-muffled.wav";

/// The German sample whose agent is muffled, quiet and noisy (samples/).
pub(super) const UNCLEAR_SAMPLE: &str = "../../samples/07-de-unclear.wav";

/// Highest consonant-band level a muffled voice may have (dB). Measured
/// (scorecard, 16 kHz): the muffled variants -40.7 (jfk-lp1k-noise) to
/// -60, the muffled call's agent -39.6; the profile's `bad` is -37.
const MUFFLED_MAX_DB: f64 = -37.0;
/// Lowest consonant-band level a clean voice may have (dB). Measured: clean
/// clips -23.5 (de-fleurs-000) to -12.9 (jfk), real agents -10.6 to -7.8,
/// the dullest FLEURS clip (de-fleurs-003) -28.1; the profile's `good` is
/// -31.
const CLEAN_MIN_DB: f64 = -31.0;

fn unclear(card: &Scorecard) -> &Finding {
    card.findings
        .iter()
        .find(|f| f.id == FindingId::Unclear)
        .unwrap()
}

fn consonant_db(file: &str) -> f64 {
    card(file)
        .voice
        .agent
        .consonant_band_db
        .unwrap_or_else(|| panic!("{file}: no consonant-band level"))
}

#[test]
fn muffled_real_speech_is_flagged_without_a_customer_channel() {
    for file in MUFFLED {
        let c = card(file);
        let db = consonant_db(file);
        assert!(db < MUFFLED_MAX_DB, "{file}: consonant band {db:.1} dB");
        let f = unclear(c);
        assert!(f.verdict.flagged(), "{file}: unclear {:?}", f.score);
    }
}

#[test]
fn clean_real_clips_are_not_flagged() {
    for (file, _) in CLEAN_CLIPS {
        let db = consonant_db(file);
        assert!(db > CLEAN_MIN_DB, "{file}: consonant band {db:.1} dB");
        let f = unclear(card(file));
        assert_eq!(f.verdict, Verdict::Ok, "{file}: unclear {:?}", f.score);
    }
}

#[test]
fn real_calls_are_not_flagged_and_the_muffled_ones_are() {
    for file in REAL_CALLS {
        let db = consonant_db(file);
        assert!(db > CLEAN_MIN_DB, "{file}: consonant band {db:.1} dB");
        let f = unclear(card(file));
        assert_eq!(f.verdict, Verdict::Ok, "{file}: unclear {:?}", f.score);
    }
    let db = consonant_db(MUFFLED_CALL);
    assert!(
        db < MUFFLED_MAX_DB,
        "{MUFFLED_CALL}: consonant band {db:.1} dB"
    );
    assert!(unclear(card(MUFFLED_CALL)).verdict.flagged());
    assert!(unclear(card(UNCLEAR_SAMPLE)).verdict.flagged());
}
