//! The customer reaction track on calls whose caller is real emotional
//! speech (tests/fixtures/reaction/, made by
//! scripts/make_reaction_fixtures.sh; truth.tsv has the switch):
//! Thorsten-Voice's neutral and angry takes (German, CC0) with real German
//! agent speech, EmoDB speaker 08's (German, CC0; scripts/make_emodb_calls.sh,
//! emodb-truth.tsv), and an English controlled variant (one LibriVox
//! reader, later turns raised with sox). An escalation must be found near the
//! switch and never before it, with the levels equalised too, and never in
//! the calm versions; a mono call whose roles are uncertain says so.
//! The calm real calls are checked in tests/realcalls.rs.
//!
//! Every call is scored once (real whisper base model) and shared.

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use callcoach::findings::Profile;
use callcoach::reaction::{Signal, Status, Trend};
use callcoach::scorecard::{ScoreOptions, Scorecard, Scorer};
use callcoach::structure::Channel;
use callcoach::transcribe::{Options, Recognizer};
use common::{base_model, fixture};

/// The calls scored: (file, language, whether the user set that the agent
/// speaks first, `--agent-speaks-first true`).
const CALLS: [(&str, &str, bool); 9] = [
    ("reaction/de-escalates.wav", "de", false),
    ("reaction/de-escalates-levelled.wav", "de", false),
    ("reaction/de-calm.wav", "de", false),
    ("reaction/de-escalates-mono.wav", "de", false),
    ("reaction/en-escalates.wav", "en", false),
    ("reaction/en-calm.wav", "en", false),
    ("reaction/en-escalates-mono.wav", "en", true),
    ("reaction/emodb-08-escalates.wav", "de", false),
    ("reaction/emodb-08-calm.wav", "de", false),
];

/// An escalation may start this much before the switch: the speech
/// activity's onset can lead the clip's first sample by a frame or two
/// (10 ms each) and the clip's own leading breath.
const ONSET_TOLERANCE_S: f64 = 0.25;
/// ... and must start within this long after it: the first raised turn
/// or the next one (the turns are 5.3-6.4 s apart in these calls).
const NEAR_S: f64 = 7.0;

fn scored() -> &'static BTreeMap<&'static str, Scorecard> {
    static CARDS: OnceLock<BTreeMap<&'static str, Scorecard>> = OnceLock::new();
    CARDS.get_or_init(|| {
        let recognizer = Recognizer::load(&base_model()).unwrap();
        let scorer = Scorer::new(&recognizer, Profile::default(), "default".into());
        // `--agent-speaks-first true`: the user fixes the roles.
        let mut fixed = Scorer::new(&recognizer, Profile::default(), "default".into());
        fixed.structure.agent_role_fixed = true;
        CALLS
            .iter()
            .map(|&(file, language, agent_first)| {
                let opts = ScoreOptions {
                    language: Some(language.to_string()),
                    agent_channel: Channel::Left,
                    speakers: 2,
                    agent_speaks_first: agent_first,
                    decode: Options::default(),
                    pii: callcoach::redact::PiiMode::Redacted,
                };
                let card = if agent_first { &fixed } else { &scorer }
                    .score(&fixture(file), &opts)
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
                // Kept for scripts/reaction_table.py, which prints the
                // validation table of docs/customer-reaction.md.
                let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("reaction");
                std::fs::create_dir_all(&dir).unwrap();
                let name = std::path::Path::new(file).file_stem().unwrap();
                let out = dir.join(name).with_extension("json");
                std::fs::write(&out, serde_json::to_vec(&card).unwrap()).unwrap();
                (file, card)
            })
            .collect()
    })
}

/// The switch (s) of a call from truth.tsv (or emodb-truth.tsv).
fn switch_s(file: &str) -> f64 {
    let name = file.trim_start_matches("reaction/");
    let truth = ["reaction/truth.tsv", "reaction/emodb-truth.tsv"]
        .map(|t| std::fs::read_to_string(fixture(t)).unwrap())
        .join("\n");
    let row = truth
        .lines()
        .find(|l| l.split('\t').next() == Some(name))
        .unwrap_or_else(|| panic!("{name} not in the truth tables"));
    row.split('\t').nth(4).unwrap().parse().unwrap()
}

/// Checks that `file` escalates near its switch and never before it.
fn escalates_at_the_switch(file: &str) {
    let r = &scored()[file].customer_reaction;
    assert_eq!(r.status, Status::Measured, "{file}: {:?}", r.reason);
    let switch = switch_s(file);
    assert!(!r.escalations.is_empty(), "{file}: no escalation found");
    for e in &r.escalations {
        let start = e.start_ms as f64 / 1000.0;
        assert!(
            start >= switch - ONSET_TOLERANCE_S,
            "{file}: escalation at {start} s, before the switch at {switch} s"
        );
    }
    let first = r.escalations[0].start_ms as f64 / 1000.0;
    assert!(
        first <= switch + NEAR_S,
        "{file}: first escalation at {first} s, switch at {switch} s"
    );
    assert!(
        r.escalations[0].signals.contains(&Signal::Pitch),
        "{file}: {:?}",
        r.escalations[0].signals
    );
    let trend = r.start_vs_end.as_ref().map(|t| t.trend);
    assert_eq!(trend, Some(Trend::Tenser), "{file}");
}

/// Checks that `file` is measured and has no escalation.
fn stays_calm(file: &str) {
    let r = &scored()[file].customer_reaction;
    assert_eq!(r.status, Status::Measured, "{file}: {:?}", r.reason);
    assert!(
        r.escalations.is_empty(),
        "{file}: escalations {:?}",
        r.escalations
    );
    let trend = r.start_vs_end.as_ref().map(|t| t.trend);
    assert_eq!(trend, Some(Trend::Same), "{file}");
}

#[test]
fn real_anger_in_german_is_found_at_the_switch() {
    escalates_at_the_switch("reaction/de-escalates.wav");
}

#[test]
fn a_second_real_speaker_s_anger_is_found_at_the_switch() {
    // EmoDB speaker 08 (female), whose clips were peak-normalised: her
    // angry sentences after four neutral ones; the same calm, unchanged.
    escalates_at_the_switch("reaction/emodb-08-escalates.wav");
    stays_calm("reaction/emodb-08-calm.wav");
}

#[test]
fn real_anger_is_found_with_the_levels_equalised() {
    // The angry turns are set to the neutral clip's RMS: the level says
    // nothing, the pitch carries it.
    escalates_at_the_switch("reaction/de-escalates-levelled.wav");
    let r = &scored()["reaction/de-escalates-levelled.wav"].customer_reaction;
    for e in &r.escalations {
        assert!(!e.signals.contains(&Signal::Level), "{:?}", e.signals);
    }
}

#[test]
fn a_raised_english_voice_is_found_at_the_switch() {
    escalates_at_the_switch("reaction/en-escalates.wav");
}

#[test]
fn the_same_speaker_staying_neutral_shows_no_escalation() {
    stays_calm("reaction/de-calm.wav");
    stays_calm("reaction/en-calm.wav");
}

#[test]
fn a_mono_call_with_uncertain_roles_says_so_instead_of_guessing() {
    // The German mono call's agent is five different FLEURS readers:
    // diarization cannot split two parties, the roles stay uncertain.
    let r = &scored()["reaction/de-escalates-mono.wav"].customer_reaction;
    assert_eq!(r.status, Status::NotMeasured);
    assert_eq!(r.reason.as_deref(), Some("roles_uncertain"));
    assert!(r.escalations.is_empty() && r.stretches.is_empty());
    // With the roles set (the agent speaks first), the English mono call
    // is measured, and nothing is reported before the switch.
    let file = "reaction/en-escalates-mono.wav";
    let r = &scored()[file].customer_reaction;
    assert_eq!(r.status, Status::Measured, "{:?}", r.reason);
    let switch = switch_s(file);
    for e in &r.escalations {
        assert!(e.start_ms as f64 / 1000.0 >= switch - ONSET_TOLERANCE_S);
    }
}

#[test]
fn the_card_says_when_the_caller_escalated() {
    let card = &scored()["reaction/de-escalates.wav"];
    let text = callcoach::render::scorecard_text(card, callcoach::render::Style::new(false));
    let e = &card.customer_reaction.escalations[0];
    let at = format!(
        "{}:{:04.1} Stimme des Anrufers",
        e.start_ms / 60_000,
        (e.start_ms % 60_000) as f64 / 1000.0
    );
    assert!(text.contains("Reaktion des Anrufers"), "{text}");
    assert!(text.contains(&at), "{at} not in\n{text}");
    assert!(text.contains("HT höher"), "{text}");
}
