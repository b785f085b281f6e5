//! The verdicts on real recordings: the three real
//! customer-service calls of tests/fixtures/realcalls/ and the real speech
//! clips must raise no false alarms, every controlled variant made from them
//! (scripts/make_variants.sh) must still be flagged below its original, and
//! the speaking rate must match word-timed truth. docs/validation.md has the
//! tables these tests check; scripts/validate.sh reproduces them.
//!
//! Every call is scored once (real whisper base model, real audio) and
//! shared by the tests, also by the calibration tests in
//! tests/realcalls/calibration.rs, which fit a team profile to the real
//! calls and their mono mixes, and by the role tests in
//! tests/realcalls/roles.rs (who is the agent), and by the clarity tests in
//! tests/realcalls/clarity.rs (muffled real speech).

#[path = "realcalls/calibration.rs"]
mod calibration;
#[path = "realcalls/clarity.rs"]
mod clarity;
mod common;
#[path = "realcalls/roles.rs"]
mod roles;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use callcoach::findings::{Finding, FindingId, Profile, Verdict};
use callcoach::scorecard::{ScoreOptions, Scorecard, Scorer};
use callcoach::structure::Channel;
use callcoach::transcribe::{Options, Recognizer};
use common::{base_model, fixture, verdicts};

/// The real calls (English, agent left on the stereo ones).
const REAL_CALLS: [&str; 3] = [
    "realcalls/autorepair-40-stereo-ulaw.wav",
    "realcalls/autorepair-49-stereo-ulaw.wav",
    "realcalls/autorepair-0-mono-ulaw.wav",
];

/// The stereo real calls mixed to mono (sox `remix -`, written into the
/// test's temporary folder): with the mono call, the team that
/// tests/realcalls/calibration.rs calibrates on. (mix, its stereo source).
const MONO_MIXES: [(&str, &str); 2] = [
    (
        "autorepair-40-mono-mix.wav",
        "realcalls/autorepair-40-stereo-ulaw.wav",
    ),
    (
        "autorepair-49-mono-mix.wav",
        "realcalls/autorepair-49-stereo-ulaw.wav",
    ),
];

/// Real speech clips of one speaker: (file, language).
const CLEAN_CLIPS: [(&str, &str); 5] = [
    ("jfk.wav", "en"),
    ("jfk-8k-ulaw.wav", "en"),
    ("librivox-0870.wav", "en"),
    ("de-fleurs-000.wav", "de"),
    ("de-fleurs-002.wav", "de"),
];

/// The first minute of autorepair-49 with a click on the agent's line and
/// the customer talking before the agent's first words
/// (scripts/make_opening_variant.sh).
const OPENING_LATE: &str = "realcalls/autorepair-49-opening-late.wav";

/// autorepair-40 from 7.0 s on (the agent's greeting cut off), mixed to
/// mono: the customer speaks first (scripts/make_caller_first.sh).
const CALLER_FIRST: &str = "realcalls/autorepair-40-callerfirst-mono.wav";

/// The controlled variants: (variant, its original, the finding it shows).
const VARIANTS: [(&str, &str, FindingId); 6] = [
    (
        "realcalls/autorepair-40-tempo150.wav",
        "realcalls/autorepair-40-stereo-ulaw.wav",
        FindingId::TooFast,
    ),
    (
        "realcalls/autorepair-49-tempo140.wav",
        "realcalls/autorepair-49-stereo-ulaw.wav",
        FindingId::TooFast,
    ),
    (
        "realcalls/autorepair-40-monotone.wav",
        "realcalls/autorepair-40-stereo-ulaw.wav",
        FindingId::Monotone,
    ),
    (
        "realcalls/autorepair-40-muffled.wav",
        "realcalls/autorepair-40-stereo-ulaw.wav",
        FindingId::Unclear,
    ),
    (
        "realcalls/autorepair-40-bargein.wav",
        "realcalls/autorepair-40-stereo-ulaw.wav",
        FindingId::Impatient,
    ),
    (
        "realcalls/autorepair-49-greeting.wav",
        "realcalls/autorepair-49-stereo-ulaw.wav",
        FindingId::Greeting,
    ),
];

/// The four voice findings that ordinary calls must not get wrong.
const VOICE_FINDINGS: [FindingId; 4] = [
    FindingId::Unclear,
    FindingId::Monotone,
    FindingId::TooFast,
    FindingId::Rushed,
];

/// Every file above (and the two-speaker call), scored once.
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
            pii: callcoach::redact::PiiMode::Redacted,
        };
        let mut jobs: Vec<(&'static str, ScoreOptions)> = Vec::new();
        jobs.extend(REAL_CALLS.iter().map(|&f| (f, opts("en", 2))));
        jobs.extend(MONO_MIXES.iter().map(|&(f, _)| (f, opts("en", 2))));
        jobs.extend(VARIANTS.iter().map(|&(f, _, _)| (f, opts("en", 2))));
        jobs.extend(CLEAN_CLIPS.iter().map(|&(f, l)| (f, opts(l, 1))));
        jobs.push((TWO_SPEAKER_SPLIT, opts("en", 2)));
        jobs.push((OPENING_LATE, opts("en", 2)));
        jobs.push((CALLER_FIRST, opts("en", 2)));
        jobs.extend(clarity::MUFFLED.iter().map(|&f| (f, opts("en", 1))));
        jobs.push((clarity::UNCLEAR_SAMPLE, opts("de", 2)));
        for l in LIBRIVOX {
            jobs.push((l.0, opts("en", 1)));
        }
        let mut cards = BTreeMap::new();
        for (file, o) in jobs {
            if cards.contains_key(file) {
                continue;
            }
            let path = match file {
                TWO_SPEAKER_SPLIT => split_two_speaker_call(),
                _ => match MONO_MIXES.iter().find(|m| m.0 == file) {
                    Some(&(mix, stereo)) => mono_mix(mix, stereo),
                    None => fixture(file),
                },
            };
            let card = scorer
                .score(&path, &o)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            // Kept for `scripts/validate.sh --from DIR`, which prints the
            // tables of docs/validation.md from these scorecards.
            let name = std::path::Path::new(file).file_stem().unwrap();
            let out = dump_dir().join(name).with_extension("json");
            std::fs::write(&out, serde_json::to_vec(&card).unwrap()).unwrap();
            cards.insert(file, card);
        }
        cards
    })
}

/// The two-speaker call with each speaker on a channel of their own, cut
/// by the RTTM (speaker90, Diane, left): the rate is checked on the truth's
/// who-speaks-when, apart from the mono diarization (tested against truth in tests/diarization.rs).
const TWO_SPEAKER_SPLIT: &str = "two-speaker-call-split.wav";

/// Writes [`TWO_SPEAKER_SPLIT`] into the test's temporary folder.
fn split_two_speaker_call() -> std::path::PathBuf {
    let mut reader = hound::WavReader::open(fixture("two-speaker-call.wav")).unwrap();
    let spec = reader.spec();
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let rttm = std::fs::read_to_string(fixture("two-speaker-call.rttm")).unwrap();
    let rate = f64::from(spec.sample_rate);
    let mut channels = [vec![0i16; samples.len()], vec![0i16; samples.len()]];
    for line in rttm.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (start, dur): (f64, f64) = (f[3].parse().unwrap(), f[4].parse().unwrap());
        let ch = usize::from(f[7] != "speaker90");
        let a = ((start * rate) as usize).min(samples.len());
        let b = (((start + dur) * rate) as usize).min(samples.len());
        channels[ch][a..b].copy_from_slice(&samples[a..b]);
    }
    let path = dump_dir().join(TWO_SPEAKER_SPLIT);
    let stereo = hound::WavSpec {
        channels: 2,
        ..spec
    };
    let mut w = hound::WavWriter::create(&path, stereo).unwrap();
    for (&l, &r) in channels[0].iter().zip(&channels[1]) {
        w.write_sample(l).unwrap();
        w.write_sample(r).unwrap();
    }
    w.finalize().unwrap();
    path
}

/// Writes the mono mix `name` of the stereo fixture `stereo` (8 kHz μ-law,
/// as the real mono call) into the test's temporary folder.
fn mono_mix(name: &str, stereo: &str) -> std::path::PathBuf {
    let out = dump_dir().join(name);
    let (src, dst) = (fixture(stereo), out.clone());
    common::sox(&[
        src.to_str().unwrap(),
        "-e",
        "u-law",
        dst.to_str().unwrap(),
        "remix",
        "-",
    ]);
    out
}

/// Where the scorecards of this test are written (target/tmp/validation).
fn dump_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("validation");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn card(file: &str) -> &'static Scorecard {
    &scored()[file]
}

fn finding(card: &Scorecard, id: FindingId) -> &Finding {
    card.findings.iter().find(|f| f.id == id).unwrap()
}

#[test]
fn ordinary_calls_and_clean_speech_raise_no_voice_false_alarms() {
    let files = REAL_CALLS
        .iter()
        .copied()
        .chain(CLEAN_CLIPS.iter().map(|c| c.0));
    for file in files {
        let card = card(file);
        let mut watches = 0;
        for id in VOICE_FINDINGS {
            let f = finding(card, id);
            assert_ne!(
                f.verdict,
                Verdict::Problem,
                "{file}: {} is a problem\n{}",
                id.as_str(),
                verdicts(card)
            );
            watches += usize::from(f.verdict == Verdict::Watch);
        }
        assert!(
            watches <= 1,
            "{file}: {watches} watches among unclear, monotone, too_fast, rushed\n{}",
            verdicts(card)
        );
    }
}

#[test]
fn each_controlled_variant_is_flagged_below_its_original() {
    for (variant, original, id) in VARIANTS {
        let v = finding(card(variant), id);
        let o = finding(card(original), id);
        assert!(
            v.verdict.flagged(),
            "{variant}: {} not flagged (score {:?})\n{}",
            id.as_str(),
            v.score,
            verdicts(card(variant))
        );
        let (sv, so) = (v.score.expect("flagged"), o.score.expect("measured"));
        assert!(
            sv < so,
            "{variant}: {} scores {sv} against {so} for {original}",
            id.as_str(),
        );
    }
}

/// The librivox clips: (file, words of the .txt, .lab speech start and end).
const LIBRIVOX: [(&str, &str); 5] = [
    ("librivox-0870.wav", "librivox-0870"),
    ("librivox-0880.wav", "librivox-0880"),
    ("librivox-0890.wav", "librivox-0890"),
    ("librivox-0920.wav", "librivox-0920"),
    ("librivox-0930.wav", "librivox-0930"),
];

/// Words per minute from the truth: words of the reference text over the
/// speech span that the `.lab` file gives (one turn, pauses included).
fn librivox_truth_wpm(stem: &str) -> f64 {
    let text = std::fs::read_to_string(fixture(&format!("{stem}.txt"))).unwrap();
    let lab = std::fs::read_to_string(fixture(&format!("{stem}.lab"))).unwrap();
    let times: Vec<f64> = lab
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    text.split_whitespace().count() as f64 / ((times[1] - times[0]) / 60.0)
}

/// Tolerance of the speaking rate against word-timed truth (the speaking-rate target: ±10 %).
const RATE_TOLERANCE: f64 = 0.10;

#[test]
fn speaking_rate_is_words_over_talk_time_within_ten_percent_of_truth() {
    for (file, stem) in LIBRIVOX {
        let truth = librivox_truth_wpm(stem);
        let got = card(file).structure.figures.agent_wpm.unwrap();
        let err = got / truth - 1.0;
        eprintln!(
            "{file}: {got:.1} wpm against {truth:.1} ({:+.1} %)",
            err * 100.0
        );
        assert!(
            err.abs() <= RATE_TOLERANCE,
            "{file}: {got:.1} wpm, truth {truth:.1}"
        );
    }
    // The two-speaker call, split by its RTTM (Diane = speaker90 left, as
    // the agent): her words from the STM over her talk time from the RTTM
    // (her segments in a row, until Sheila speaks, form one turn). The
    // STM's own segment times are tighter than the RTTM's (10.5 s against
    // 11.9 s of talk for Diane): against them the same figure reads 16 %
    // low; docs/validation.md shows both.
    let stm = std::fs::read_to_string(fixture("two-speaker-call.stm")).unwrap();
    let words: usize = stm
        .lines()
        .map(|l| l.splitn(6, ' ').collect::<Vec<_>>())
        .filter(|f| f[2] == "Diane")
        .map(|f| common::normalise(f[5]).len())
        .sum();
    let rttm = std::fs::read_to_string(fixture("two-speaker-call.rttm")).unwrap();
    let mut turns: Vec<(String, f64, f64)> = Vec::new();
    for line in rttm.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (a, d): (f64, f64) = (f[3].parse().unwrap(), f[4].parse().unwrap());
        match turns.last_mut() {
            Some(t) if t.0 == f[7] => t.2 = t.2.max(a + d),
            _ => turns.push((f[7].to_string(), a, a + d)),
        }
    }
    let secs: f64 = turns
        .iter()
        .filter(|t| t.0 == "speaker90")
        .map(|t| t.2 - t.1)
        .sum();
    let truth = words as f64 / (secs / 60.0);
    let got = card(TWO_SPEAKER_SPLIT).structure.figures.agent_wpm.unwrap();
    let err = got / truth - 1.0;
    eprintln!(
        "two-speaker-call: {got:.1} wpm against {truth:.1} ({:+.1} %)",
        err * 100.0
    );
    assert!(
        err.abs() <= RATE_TOLERANCE,
        "two-speaker call: {got:.1} wpm, truth {truth:.1}"
    );
}

#[test]
fn articulation_rate_stays_its_own_metric() {
    // Syllables per second of phonation, beside words per minute of talk time.
    for file in REAL_CALLS {
        let c = card(file);
        let f = finding(c, FindingId::TooFast);
        let names: Vec<&str> = f.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["agent_wpm", "articulation_rate_syl_per_s"],
            "{file}"
        );
        let rate = c.voice.agent.articulation_rate_syl_per_s.unwrap();
        // Conversational English: about 4-6 syllables per second of phonation.
        assert!((3.5..7.0).contains(&rate), "{file}: {rate:.2} syl/s");
    }
}

#[test]
fn impatience_on_real_calls_counts_barge_ins_for_both_parties() {
    for file in REAL_CALLS {
        let c = card(file);
        let f = finding(c, FindingId::Impatient);
        let fig = &c.structure.figures;
        eprintln!(
            "{file}: agent barge-ins {}, customer {}, overlap {:.1} s, overtalk {:.1} s, {:?} {:?}",
            fig.agent_interruptions,
            fig.customer_interruptions,
            fig.interruption_overlap_s,
            fig.overtalk_s,
            f.verdict,
            f.score
        );
        // The agents here are friendly and patient (their transcripts): no
        // impatience problem, whatever the overlap of a lively call.
        assert_ne!(f.verdict, Verdict::Problem, "{file}\n{}", verdicts(c));
        // Barge-ins are a strict subset of the overlaps.
        assert!(fig.interruption_overlap_s <= fig.overtalk_s + 1e-9);
    }
    let bargein = &card("realcalls/autorepair-40-bargein.wav")
        .structure
        .figures;
    let original = &card("realcalls/autorepair-40-stereo-ulaw.wav")
        .structure
        .figures;
    assert!(
        bargein.agent_interruptions >= original.agent_interruptions + 3,
        "agent 1.5 s early: {} barge-ins against {}",
        bargein.agent_interruptions,
        original.agent_interruptions
    );
}

#[test]
fn no_word_is_counted_where_its_party_is_silent() {
    for file in REAL_CALLS.iter().chain(VARIANTS.iter().map(|v| &v.0)) {
        let c = card(file);
        let speech = |s: callcoach::structure::Speaker| match s {
            callcoach::structure::Speaker::Agent => &c.structure.agent_speech,
            callcoach::structure::Speaker::Customer => &c.structure.customer_speech,
        };
        for w in &c.structure.words {
            let (a, b) = (w.start_ms as f64 / 1000.0, w.end_ms as f64 / 1000.0);
            let near = speech(w.speaker)
                .iter()
                .any(|i| i.end_s > a - 0.3 && i.start_s < b + 0.3);
            assert!(near, "{file}: {:?} at {a:.2} s has no speech", w.text);
        }
    }
}

#[test]
fn mono_calls_find_the_agent_by_voice_and_formula() {
    // End to end (whisper words, GE2E diarization): on every real
    // mono call here the voice taken for the agent is the one whose opening
    // has the agent's formula, and on the mixes of the stereo calls the
    // agent's talk share is within the target's ±0.05 of the stereo call's.
    // Measured: autorepair-40 mix 0.504 against 0.470 (+0.034), -49 mix
    // 0.623 against 0.585 (+0.038); autorepair-0: "thank you for calling"
    // in the first speaker's opening, agent share 0.742.
    for (mix, stereo) in MONO_MIXES {
        let (m, s) = (card(mix), card(stereo));
        let d = m.structure.diarization.as_ref().expect("mono diarization");
        assert!(d.method.starts_with("GE2E"), "{mix}: {}", d.method);
        assert!(
            d.agent_reason.starts_with("opening formula"),
            "{mix}: {}",
            d.agent_reason
        );
        let (ms, ss) = (
            m.structure.figures.agent_talk_share,
            s.structure.figures.agent_talk_share,
        );
        assert!(
            (ms - ss).abs() <= 0.05,
            "{mix}: share {ms:.3} against {ss:.3}"
        );
    }
    let c = card("realcalls/autorepair-0-mono-ulaw.wav");
    let d = c.structure.diarization.as_ref().expect("mono diarization");
    assert!(
        d.agent_reason.contains("\"thank you for calling\""),
        "autorepair-0: {}",
        d.agent_reason
    );
}

#[test]
fn the_opening_is_the_agents_first_words_up_to_the_customers_turn() {
    // A 0.25 s click on the agent's line and the customer's "Yeah, hi,
    // Terry." come first; the opening is still the agent's greeting, as on
    // the original call. Measured: original 0.0-1.86 s, 11 words; the
    // variant 2.49-4.37 s, 10 words (whisper hears "I'll tell you" for
    // "I've got a sale" once the call starts later). Before openings had
    // to hold words, the variant's opening was the click: 0.2-0.45 s, 0
    // words, rated ok.
    for file in ["realcalls/autorepair-49-stereo-ulaw.wav", OPENING_LATE] {
        let c = card(file);
        let g = &c.structure.greeting;
        assert!(g.present, "{file}");
        assert!(
            g.text.to_lowercase().contains("how can i help you"),
            "{file}: {:?}",
            g.text
        );
        assert!((8..=14).contains(&g.word_count), "{file}: {g:?}");
        assert!(g.duration_s > 1.0 && g.duration_s < 3.0, "{file}: {g:?}");
        let f = finding(c, FindingId::Greeting);
        assert_eq!(f.verdict, Verdict::Ok, "{file}: {f:?}");
    }
    assert!(card(OPENING_LATE).structure.greeting.start_s > 2.0);
    // Agent 40's company greeting with its slogan: long and formulaic.
    let c = card("realcalls/autorepair-40-stereo-ulaw.wav");
    let g = &c.structure.greeting;
    assert!(g.text.starts_with("Thank you for calling"), "{:?}", g.text);
    assert!(g.word_count >= 18, "{g:?}");
    let f = finding(c, FindingId::Greeting);
    assert_eq!(f.verdict, Verdict::Problem, "{f:?}");
}

#[test]
fn what_could_not_be_measured_says_why_and_is_never_ok() {
    // Single voices: no customer, so no opening, no barge-ins, no
    // responses; the short clips hold less than 20 s of speech.
    for (file, _) in CLEAN_CLIPS {
        let c = card(file);
        let g = finding(c, FindingId::Greeting);
        assert_eq!((g.verdict, g.score), (Verdict::NotMeasured, None), "{file}");
        assert!(
            g.metrics
                .iter()
                .all(|m| m.reason.as_deref() == Some("no_customer")),
            "{file}: {:?}",
            g.metrics
        );
        let text = callcoach::render::scorecard_text(c, callcoach::render::Style::new(false));
        assert!(
            text.contains("not measured: no customer in this recording")
                || text.contains("nicht gemessen: kein Kunde in dieser Aufnahme"),
            "{file}:\n{text}"
        );
    }
    // Everywhere: a metric without a value has a reason, a finding with no
    // value at all is not_measured without a score, and nothing measured
    // nothing yet reads ok.
    for (file, c) in scored() {
        for f in &c.findings {
            for m in &f.metrics {
                assert_eq!(m.value.is_none(), m.reason.is_some(), "{file}: {m:?}");
            }
            let none = f.metrics.iter().all(|m| m.value.is_none());
            assert_eq!(none, f.verdict == Verdict::NotMeasured, "{file}: {f:?}");
            assert_eq!(none, f.score.is_none(), "{file}: {f:?}");
        }
    }
}

/// The number of words of a quote, "…" not counted.
fn quote_words(q: &str) -> usize {
    q.split_whitespace().filter(|w| *w != "…").count()
}

#[test]
fn evidence_quotes_are_whole_clauses_of_at_most_25_words() {
    let mut checked = 0;
    for (file, c) in scored() {
        let agent = &c.words.agent;
        let texts: Vec<&str> = agent.iter().map(|w| w.text.trim()).collect();
        let quotes = c
            .findings
            .iter()
            .flat_map(|f| f.evidence.iter().filter_map(|e| e.quote.as_deref()))
            .chain(c.follow_ups.iter().map(|f| f.quote.as_str()))
            .filter(|q| !q.starts_with('[') && !q.starts_with('…'));
        for q in quotes {
            assert!(quote_words(q) <= 25, "{file}: {q}");
            // Where the quote is agent speech, the word before it ends a
            // clause: punctuation, or a pause of a second.
            let first: Vec<&str> = q.split_whitespace().take(8).collect();
            let at: Vec<usize> = texts
                .windows(first.len())
                .enumerate()
                .filter(|(_, w)| *w == first.as_slice())
                .map(|(i, _)| i)
                .collect();
            if at.is_empty() {
                continue; // a quote of the customer, or of words split otherwise
            }
            checked += 1;
            let clause_start = |i: usize| {
                i == 0
                    || texts[i - 1].ends_with([',', '.', ';', ':', '!', '?', '…'])
                    || agent[i].start_ms >= agent[i - 1].end_ms + 1000
            };
            assert!(
                at.iter().any(|&i| clause_start(i)),
                "{file}: {q:?} starts mid-clause after {:?}",
                texts[at[0] - 1]
            );
        }
    }
    assert!(checked >= 10, "only {checked} quotes checked");
}

#[test]
fn a_figure_past_its_problem_line_is_flagged_or_counted_on_the_card() {
    // The bundled real sample (autorepair-40) keeps its empathy finding ok
    // with a 28 s monologue: the card must say that it is 1 of 4 signs.
    for (file, c) in scored() {
        let words = callcoach::wording::Wording::builtin(&c.language);
        let text = callcoach::render::scorecard_text(c, callcoach::render::Style::new(false));
        for f in &c.findings {
            let measured: Vec<_> = f.metrics.iter().filter(|m| m.value.is_some()).collect();
            let past = measured.iter().filter(|m| m.rating == Some(0.0)).count();
            if past == 0 || f.verdict.flagged() || measured.len() < 2 {
                continue;
            }
            let signs = words.label_with(
                "signs",
                &[
                    ("past", past.to_string()),
                    ("n", measured.len().to_string()),
                ],
            );
            let row = text.lines().find(|l| l.contains(&f.title)).unwrap();
            assert!(row.contains(&signs), "{file}: {row}");
            assert!(
                !row.contains(&f.metrics[0].name),
                "{file}: JSON key on the card: {row}"
            );
        }
    }
}

/// Redaction on real calls (docs/privacy.md): every call names its agent
/// or caller, and those names are found; the prices, times and durations
/// of ordinary calls are not taken for personal data, so few words go.
/// Measured with the base-q8_0 model: 1.1 % (autorepair-40), 0.5 % (49),
/// 2.0 % (the mono call, a 9-digit number and two spelled names); the
/// bound is the 3 % an over-redaction may cost at most.
#[test]
fn real_calls_redact_their_names_and_under_three_percent_of_words() {
    use callcoach::redact::Kind;
    use callcoach::transcript::redaction_token;
    for file in REAL_CALLS {
        let card = &scored()[file];
        let words: Vec<&str> = card
            .words
            .agent
            .iter()
            .chain(&card.words.customer)
            .map(|w| w.text.as_str())
            .collect();
        let redacted = words
            .iter()
            .filter(|w| redaction_token(w).is_some())
            .count();
        let share = redacted as f64 / words.len() as f64;
        eprintln!(
            "{file}: {redacted} of {} words redacted ({:.1} %)",
            words.len(),
            share * 100.0
        );
        assert!(
            share < 0.03,
            "{file}: {:.1} % of the words redacted",
            share * 100.0
        );
        assert!(
            card.redactions.iter().any(|r| r.kind == Kind::Name),
            "{file}: no name redacted: {:?}",
            card.redactions
        );
        // The appointment times of autorepair-40 stay ("8 a.m.").
        if file.contains("autorepair-40") {
            assert!(
                words
                    .windows(2)
                    .any(|p| p[0] == "8" && p[1].starts_with("a.m.")),
                "{file}: \"8 a.m.\" redacted"
            );
        }
    }
}

#[test]
fn calm_real_calls_show_no_customer_escalation() {
    // The three real calls are calm (an ordinary repair booking, a price
    // enquiry, a follow-up): their callers' voices move from stretch to
    // stretch (pitch up to +6.4 st, range +6.3 st, rate +81 % in single
    // stretches; docs/customer-reaction.md) but never enough together.
    // Their mono mixes and the controlled variants neither: the variants
    // change the agent's line or the whole call's tempo, not the caller.
    for file in REAL_CALLS {
        let r = &card(file).customer_reaction;
        assert_eq!(
            r.status,
            callcoach::reaction::Status::Measured,
            "{file}: {:?}",
            r.reason
        );
        assert!(
            r.stretches.len() >= 8,
            "{file}: {} stretches",
            r.stretches.len()
        );
    }
    let files = REAL_CALLS
        .iter()
        .copied()
        .chain(MONO_MIXES.iter().map(|m| m.0))
        .chain(VARIANTS.iter().map(|v| v.0))
        .chain([OPENING_LATE, CALLER_FIRST]);
    for file in files {
        let r = &card(file).customer_reaction;
        assert!(
            r.escalations.is_empty(),
            "{file}: escalations {:?}",
            r.escalations
        );
    }
}
