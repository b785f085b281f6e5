use super::*;
use crate::findings::{Profile, ScoringPhrases};
use crate::transcript::Word;

fn bands() -> FindingRules {
    Profile::default().findings[REACTION_BANDS].clone()
}

fn figures(level: f64, f0: f64, range: f64, rate: f64) -> VoiceFigures {
    VoiceFigures {
        speech_s: 5.0,
        level_dbfs: Some(level),
        f0_median_hz: Some(f0),
        f0_range_semitones: Some(range),
        rate_syl_per_s: Some(rate),
    }
}

#[test]
fn change_is_in_decibels_semitones_and_percent() {
    let c = Change::between(
        &figures(-30.0, 110.0, 8.0, 4.0),
        &figures(-27.0, 220.0, 10.0, 5.0),
    );
    assert_eq!(c.level_db, Some(3.0));
    assert!((c.f0_semitones.unwrap() - 12.0).abs() < 1e-9);
    assert_eq!(c.f0_range_semitones, Some(2.0));
    assert!((c.rate_percent.unwrap() - 25.0).abs() < 1e-9);
}

#[test]
fn a_tense_stretch_needs_pitch_among_its_signals() {
    use Signal::*;
    let b = bands();
    // Moderate rises, inside each band: each counts once.
    let c = Change {
        level_db: Some(5.0),
        f0_semitones: Some(6.0),
        f0_range_semitones: Some(5.0),
        rate_percent: Some(100.0),
    };
    let tense = |up: &[Signal]| is_tense(up, &c, &b, 2);
    assert!(tense(&[Pitch, Level]));
    assert!(tense(&[PitchRange, Phrase]));
    // Loud and fast, but the pitch stayed: not the voice rising.
    assert!(!tense(&[Level, Rate, BargeIn, Overtalk]));
    // Higher while talking over: overlap does not count (real calls).
    assert!(!tense(&[Pitch, BargeIn, Overtalk]));
    assert!(!tense(&[Pitch]));
    // Pitch past its band's bad end (8 st) counts twice: real anger.
    let far = Change {
        f0_semitones: Some(9.4),
        ..Change::default()
    };
    assert!(is_tense(&[Pitch], &far, &b, 2));
    assert!(!is_tense(&[Pitch], &far, &b, 3));
    // The range past its bad end (7 st) still counts once.
    let wide = Change {
        f0_range_semitones: Some(7.8),
        ..Change::default()
    };
    assert!(!is_tense(&[PitchRange], &wide, &b, 2));
}

#[test]
fn a_signal_is_up_past_the_middle_of_its_band() {
    // Default pitch band good 1, bad 5 st: up above 3 st.
    let b = bands();
    let t = b.metrics["f0_rise_semitones"];
    let middle = (t.good + t.bad) / 2.0;
    let at = |v| Change {
        f0_semitones: Some(v),
        ..Change::default()
    };
    assert!(voice_up(&at(middle + 0.1), Signal::Pitch, &b));
    assert!(!voice_up(&at(middle - 0.1), Signal::Pitch, &b));
    // A fall is no rise.
    assert!(!voice_up(&at(-10.0), Signal::Pitch, &b));
    // Not measured is not up.
    assert!(!voice_up(&Change::default(), Signal::Pitch, &b));
}

#[test]
fn the_end_is_tenser_calmer_or_the_same() {
    let b = bands();
    let calm = figures(-30.0, 110.0, 8.0, 4.0);
    // Thorsten-Voice's neutral to angry: +9.8 st, +5.4 st range, +1.2 dB.
    let angry = figures(-28.8, 195.0, 13.4, 4.0);
    assert_eq!(
        episodes::start_vs_end(&calm, &angry, &b, 2).trend,
        Trend::Tenser
    );
    assert_eq!(
        episodes::start_vs_end(&angry, &calm, &b, 2).trend,
        Trend::Calmer
    );
    // Angry, with the pitch alone: past the bad end, so still tenser.
    let pitch_only = figures(-30.0, 190.0, 8.0, 4.0);
    assert_eq!(
        episodes::start_vs_end(&calm, &pitch_only, &b, 2).trend,
        Trend::Tenser
    );
    let same = figures(-31.0, 114.0, 7.0, 4.2);
    assert_eq!(
        episodes::start_vs_end(&calm, &same, &b, 2).trend,
        Trend::Same
    );
}

#[test]
fn the_end_pool_takes_the_last_stretches_back_to_the_speech_wanted() {
    let cut = |a: f64, b: f64| stretches::Cut {
        start_s: a,
        end_s: b,
        speech: vec![Interval {
            start_s: a,
            end_s: b,
        }],
    };
    let cuts = [cut(0.0, 4.0), cut(10.0, 13.0), cut(20.0, 24.0)];
    let pool = episodes::end_pool(&cuts, 6.0);
    assert_eq!(pool.len(), 2);
    assert_eq!(pool[0].start_s, 10.0);
}

#[test]
fn escalation_phrases_are_found_in_english_and_german() {
    let words = |text: &str| -> Vec<Word> {
        text.split_whitespace()
            .enumerate()
            .map(|(i, w)| Word {
                text: w.to_string(),
                start_ms: i as u64 * 300,
                end_ms: i as u64 * 300 + 250,
                probability: 0.9,
            })
            .collect()
    };
    let found = |lang: &str, text: &str| -> Vec<String> {
        find_timed(&words(text), &ScoringPhrases::builtin(lang).escalation)
            .into_iter()
            .map(|h| h.phrase)
            .collect()
    };
    let en = found(
        "en",
        "This is ridiculous. I want to speak to your manager, now.",
    );
    assert!(en.contains(&"this is ridiculous".to_string()), "{en:?}");
    assert!(en.iter().any(|p| p.contains("manager")), "{en:?}");
    assert!(!found("en", "I've been waiting for forty minutes!").is_empty());
    let de = found(
        "de",
        "Das ist doch unmöglich! Ich will Ihren Vorgesetzten sprechen.",
    );
    assert!(de.contains(&"das ist doch unmöglich".to_string()), "{de:?}");
    assert!(de.contains(&"ihren vorgesetzten".to_string()), "{de:?}");
    assert!(!found("de", "Dann kündige ich eben.").is_empty());
    // An ordinary request has none.
    assert!(found("en", "Could you tell me when the parcel arrives?").is_empty());
    assert!(found("de", "Können Sie mir sagen, wann das Paket kommt?").is_empty());
}
