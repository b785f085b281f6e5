//! Mono diarization against truth (issue 16): DER (NIST md-eval style,
//! 0.25 s collar, overlap scored; src/structure/der.rs) and the agent's talk
//! share of the mono analysis, on real calls.
//!
//! * autorepair-40 and -49: real stereo calls averaged to mono, scored
//!   against their own stereo analysis (one party per channel);
//! * two-speaker-call.wav against its hand-made RTTM;
//! * autorepair-0, a real mono call without truth: its agent share only;
//! * autorepair-40 with a customer utterance put first, without and with
//!   words: the opening formula decides who is the agent;
//! * the Silero VAD option of the mono diarization (measured worse, so off
//!   in the pipeline) on the two-speaker call's beep.
//!
//! The targets are DER ≤ 15 % and the agent's talk share within
//! ±0.05 of the truth. The bounds below are today's measurements (written
//! beside each) plus [`MARGIN`], so a change that makes the diarization
//! worse fails here; docs/call-structure.md has the table and says which
//! targets are met. `scripts/diarization_eval.sh` prints it.
//!
//! No whisper model is loaded: the analysis runs without a transcript (the
//! customer-first test brings its own words).

#[path = "diarization/cases.rs"]
mod cases;

use cases::{Row, CASES};

/// Margin on a measured DER or share error before a test fails (absolute).
const MARGIN: f64 = 0.02;

/// Runs case `i` of [`CASES`] with the energy VAD, as the pipeline does.
fn run(i: usize) -> Row {
    let row = cases::run(CASES[i], None);
    eprintln!(
        "{}",
        cases::table(CASES[i].name, std::slice::from_ref(&row))
    );
    row
}

/// Asserts DER, agent share error and role of a row against the measured
/// values.
fn check(row: &Row, der: f64, share_error: f64, agent_right: bool) {
    let d = row.der.as_ref().expect("a reference");
    assert!(
        d.der <= der + MARGIN,
        "{}: DER {:.3}, measured {der:.3}",
        row.case.name,
        d.der
    );
    let e = row.share_error().expect("a reference");
    assert!(
        (e - share_error).abs() <= MARGIN,
        "{}: agent share error {e:+.3}, measured {share_error:+.3}",
        row.case.name
    );
    assert_eq!(row.agent_right, Some(agent_right), "{}", row.case.name);
}

#[test]
fn autorepair_40_mixed_to_mono() {
    // Measured: DER 6.0 % (missed 0.6, false alarm 1.7, confusion 3.6 % of
    // 166.2 s), agent share 0.418 against 0.470 (−0.053), agent right.
    // Targets: DER ≤ 15 % met; share ±0.05 missed by 0.003.
    check(&run(0), 0.060, -0.053, true);
}

#[test]
fn autorepair_49_mixed_to_mono() {
    // Measured: DER 10.7 % (missed 5.0, false alarm 1.9, confusion 3.9 % of
    // 161.6 s), agent share 0.632 against 0.585 (+0.048), agent right.
    // Targets: DER ≤ 15 % met; share ±0.05 met, just.
    check(&run(1), 0.107, 0.048, true);
}

#[test]
fn two_speaker_call_against_its_rttm() {
    let row = run(2);
    // Measured: DER 4.1 % (missed 0.0, false alarm 2.5: the beep at 2.4 s,
    // confusion 1.6 % of 16.3 s). The first speaker (Diane, speaker90) has
    // 0.487 of the talk in the RTTM (not the 0.375 of the meeting
    // excerpt); her voice gets 0.502 here (+0.015, under the DER mapping).
    // But the voice taken for the agent is the other one (Sheila): the
    // beep is the first "speech" and her model explains it best, so the
    // share as assigned is Sheila's 0.498. Targets: DER met; the share of
    // the first speaker's voice met; the role missed.
    check(&row, 0.041, 0.012, false);
    let mapped = row.mapped_share_error().unwrap();
    assert!(
        (mapped - 0.015).abs() <= MARGIN,
        "mapped share error {mapped:+.3}"
    );
    let truth = row.truth_share.unwrap();
    assert!((truth - 0.4867).abs() < 0.001, "RTTM share {truth:.4}");
}

#[test]
fn real_mono_call_agent_share() {
    let row = run(3);
    // No truth, no words. Measured: the voice that starts at 1.14 s (the
    // other starts at 6.33 s) is taken for the agent (first-speaker rule)
    // and has 0.777 of the talk. Whether it is the agent is not checked
    // here; with a transcript the opening formula would decide.
    assert!(
        (row.share - 0.777).abs() <= MARGIN,
        "share {:.3}",
        row.share
    );
    assert!(
        (row.first_speech_s.0 - 1.14).abs() <= 0.1 && row.first_speech_s.1 > 6.0,
        "first speech {:?}",
        row.first_speech_s
    );
}

#[test]
fn customer_first_the_opening_formula_finds_the_agent() {
    let (case, channels, reference, words) = cases::customer_first();
    let agent = Some("agent".to_string());
    let blind = cases::score_mono(case, &channels, reference.clone(), agent.clone(), &[], None);
    let heard = cases::score_mono(case, &channels, reference, agent, &words, None);
    eprintln!(
        "{}",
        cases::table(case.name, &[blind.clone(), heard.clone()])
    );
    // Without words the first-speaker rule takes the customer for the agent:
    // measured agent share 0.584 against 0.468 (+0.115).
    check(&blind, 0.059, 0.115, false);
    // With the words the greeting's "thank you for calling" and "how can I
    // help" pick the other voice: share 0.416 (−0.052), DER unchanged (5.9 %).
    check(&heard, 0.059, -0.052, true);
    let reason = &heard.diarization.as_ref().unwrap().agent_reason;
    assert!(
        reason.contains("\"thank you for calling\"") && reason.contains("other voice"),
        "{reason}"
    );
}

#[test]
fn silero_option_drops_the_beep_but_is_not_better() {
    // The Silero VAD (models/ggml-silero-vad.bin, `callcoach model fetch
    // silero-vad`) with the energy test: the two-speaker call's beep at
    // 2.4 s is no longer speech (first speech 6.79 s, Diane's "Hello?"),
    // yet DER rises from 4.1 % to 11.3 % (confusion 7.9 %): the clustering
    // lands elsewhere. On the mixed real calls DER rose too (6.0 → 7.0 %,
    // 10.7 → 12.1 %), so the pipeline keeps the energy VAD;
    // docs/call-structure.md has the table.
    let vad = cases::silero()
        .expect("models/ggml-silero-vad.bin missing: run `callcoach model fetch silero-vad`");
    let row = cases::run(CASES[2], Some(&vad));
    eprintln!("{}", cases::table("silero", std::slice::from_ref(&row)));
    let first = row.first_speech_s.0.min(row.first_speech_s.1);
    assert!((first - 6.79).abs() <= 0.1, "first speech {first:.2} s");
    let d = row.der.as_ref().unwrap();
    assert!((d.der - 0.113).abs() <= MARGIN, "DER {:.3}", d.der);
    assert!(
        row.diarization.as_ref().unwrap().method.contains("Silero"),
        "{:?}",
        row.diarization
    );
}
