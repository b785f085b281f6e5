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
//! * the Silero VAD option of the mono diarization on the two-speaker call's
//!   beep.
//!
//! The pipeline separates the voices with GE2E speaker embeddings
//! (models/ge2e-resemblyzer.safetensors, `callcoach model fetch ge2e`, which
//! scripts/test.sh runs); the MFCC clustering is the fallback without it and
//! is tested too.
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

/// The speaker model, fetched by scripts/test.sh.
fn ge2e() -> callcoach::structure::ge2e::SpeakerModel {
    cases::speaker_model()
        .expect("models/ge2e-resemblyzer.safetensors missing: run `callcoach model fetch ge2e`")
}

/// Runs case `i` of [`CASES`] as the pipeline does: energy VAD, GE2E.
fn run(i: usize) -> Row {
    let row = cases::run(CASES[i], &cases::params(None, Some(&ge2e())));
    eprintln!(
        "{}",
        cases::table(CASES[i].name, std::slice::from_ref(&row))
    );
    row
}

/// Runs case `i` of [`CASES`] with the fallback: energy VAD, MFCC clustering.
fn run_mfcc(i: usize) -> Row {
    let row = cases::run(CASES[i], &cases::params(None, None));
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
    // Measured: DER 1.3 % (missed 0.6, false alarm 0.4, confusion 0.3 % of
    // 166.2 s), agent share 0.484 against 0.470 (+0.014), agent right.
    // Targets: DER ≤ 15 % met; share ±0.05 met.
    check(&run(0), 0.013, 0.014, true);
}

#[test]
fn autorepair_49_mixed_to_mono() {
    // Measured: DER 7.3 % (missed 4.8, false alarm 0.8, confusion 1.7 % of
    // 161.6 s), agent share 0.623 against 0.585 (+0.039), agent right.
    // Targets: DER ≤ 15 % met; share ±0.05 met.
    check(&run(1), 0.073, 0.039, true);
}

#[test]
fn mfcc_fallback_on_the_real_calls() {
    // Without the speaker model. Measured: DER 6.0 % (confusion 3.6 %),
    // share −0.053 on autorepair-40 (the ±0.05 target missed by 0.003);
    // DER 10.7 % (confusion 3.9 %), share +0.048 on autorepair-49.
    check(&run_mfcc(0), 0.060, -0.053, true);
    check(&run_mfcc(1), 0.107, 0.048, true);
}

#[test]
fn two_speaker_call_against_its_rttm() {
    let row = run(2);
    // Measured: DER 6.6 % (missed 0.9, false alarm 2.1: the beep at 2.4 s,
    // confusion 3.5 % of 16.3 s); with MFCC 4.1 %. The first speaker
    // (Diane, speaker90) has 0.487 of the talk in the RTTM (not the 0.375 of
    // the meeting excerpt); her voice gets 0.452 here (−0.035, under
    // the DER mapping). But the voice taken for the
    // agent is the other one (Sheila): the beep is the first "speech" and
    // falls to her voice, so the share as assigned is Sheila's 0.548.
    // Targets: DER met; the share of the first speaker's voice met; the
    // role missed.
    check(&row, 0.066, 0.062, false);
    let mapped = row.mapped_share_error().unwrap();
    assert!(
        (mapped + 0.035).abs() <= MARGIN,
        "mapped share error {mapped:+.3}"
    );
    let truth = row.truth_share.unwrap();
    assert!((truth - 0.4867).abs() < 0.001, "RTTM share {truth:.4}");
}

#[test]
fn real_mono_call_agent_share() {
    let row = run(3);
    // No truth, no words. Measured: the voice that starts at 1.14 s (the
    // other starts at 4.94 s) is taken for the agent (first-speaker rule)
    // and has 0.756 of the talk (0.777 with MFCC). Whether it is the agent
    // is not checked here; with a transcript the opening formula would
    // decide.
    assert!(
        (row.share - 0.756).abs() <= MARGIN,
        "share {:.3}",
        row.share
    );
    assert!(
        (row.first_speech_s.0 - 1.14).abs() <= 0.1 && row.first_speech_s.1 > 4.0,
        "first speech {:?}",
        row.first_speech_s
    );
}

/// autorepair-40 with a customer utterance first, diarized with `params`
/// without words and with them (the agent's greeting); checks the reason
/// given with the words and returns both rows.
fn customer_first(params: &callcoach::structure::StructureParams) -> (Row, Row) {
    let (case, channels, reference, words) = cases::customer_first();
    let agent = Some("agent".to_string());
    let blind = cases::score_mono(
        case,
        &channels,
        reference.clone(),
        agent.clone(),
        &[],
        params,
    );
    let heard = cases::score_mono(case, &channels, reference, agent, &words, params);
    eprintln!(
        "{}",
        cases::table(case.name, &[blind.clone(), heard.clone()])
    );
    let reason = &heard.diarization.as_ref().unwrap().agent_reason;
    assert!(
        reason.contains("\"thank you for calling\"") && reason.contains("other voice"),
        "{reason}"
    );
    (blind, heard)
}

#[test]
fn customer_first_the_opening_formula_finds_the_agent() {
    // With MFCC clustering, the planted customer utterance is the
    // customer's: a real customer-first call, where the opening formula
    // must overrule the first-speaker rule.
    let (blind, heard) = customer_first(&cases::params(None, None));
    // Without words the first-speaker rule takes the customer for the agent:
    // measured agent share 0.584 against 0.468 (+0.115).
    check(&blind, 0.059, 0.115, false);
    // With the words the greeting's "thank you for calling" and "how can I
    // help" pick the other voice: share 0.416 (−0.052), DER unchanged (5.9 %).
    check(&heard, 0.059, -0.052, true);
}

#[test]
fn customer_first_with_ge2e() {
    // The same call with GE2E: the planted customer utterance is the
    // customer's here too, so without words the first-speaker rule is wrong
    // and with them the formula puts it right. Measured: DER 1.4 %; share
    // 0.518 (+0.050) blind, 0.482 (+0.014) with the words.
    let (blind, heard) = customer_first(&cases::params(None, Some(&ge2e())));
    check(&blind, 0.014, 0.050, false);
    check(&heard, 0.014, 0.014, true);
}

#[test]
fn silero_option_drops_the_beep() {
    // The Silero VAD (models/ggml-silero-vad.bin, `callcoach model fetch
    // silero-vad`) with the energy test and GE2E: the two-speaker call's
    // beep at 2.4 s is no longer speech (first speech 6.79 s, Diane's
    // "Hello?") and DER falls from 6.6 % to 2.9 %. On the mixed real calls
    // DER rises (1.3 → 3.7 %, 7.3 → 9.0 %; missed speech +2.4 and +1.8
    // points against a truth that is itself an energy VAD), so the
    // pipeline keeps the energy VAD; docs/call-structure.md has the table.
    let vad = cases::silero()
        .expect("models/ggml-silero-vad.bin missing: run `callcoach model fetch silero-vad`");
    let row = cases::run(CASES[2], &cases::params(Some(&vad), Some(&ge2e())));
    eprintln!("{}", cases::table("silero", std::slice::from_ref(&row)));
    let first = row.first_speech_s.0.min(row.first_speech_s.1);
    assert!((first - 6.79).abs() <= 0.1, "first speech {first:.2} s");
    let d = row.der.as_ref().unwrap();
    assert!((d.der - 0.029).abs() <= MARGIN, "DER {:.3}", d.der);
    let method = &row.diarization.as_ref().unwrap().method;
    assert!(
        method.contains("Silero") && method.contains("GE2E"),
        "{method}"
    );
}

#[test]
fn without_the_speaker_model_the_method_says_mfcc() {
    let row = run_mfcc(2);
    let method = &row.diarization.as_ref().unwrap().method;
    assert!(method.starts_with("MFCC"), "{method}");
    let row = run(2);
    let method = &row.diarization.as_ref().unwrap().method;
    assert!(method.starts_with("GE2E"), "{method}");
}
