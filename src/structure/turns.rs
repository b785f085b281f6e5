//! Turns and turn figures.
//!
//! A turn is a stretch in which one party holds the floor: consecutive speech
//! of that party, however long its pauses, until the other party speaks. A
//! short utterance of the other party (shorter than `backchannel_max_s`) that
//! lies wholly inside the current turn's span is a backchannel ("mhm") and does
//! not end the turn (cf. Yngve 1970 on backchannels; Heldner & Edlund 2010,
//! "Pauses, gaps and overlaps in conversations", for the gap/overlap measure).
//!
//! Response latency follows Heldner & Edlund's floor-transfer offset: for each
//! agent turn that follows a customer turn, the agent's start minus the end of
//! the customer's turn; negative when the agent starts before the customer has
//! finished.
//!
//! **Talk time** (the denominator of words per minute, as speaking-rate studies
//! use it: Goldman-Eisler 1968; Tauroza & Allison 1990) is the length of a
//! party's turns with the pauses inside a turn included. Heldner & Edlund
//! (2010) call a silence between two stretches of the same speaker a *pause*
//! and count it to that speaker; a within-speaker silence of `hold_min_s`
//! (3 s) or more is no pause but a hold or dead air (well past Jefferson's
//! 1989 "standard maximum" of about one second of silence in conversation),
//! and is left out of talk time. So a turn's talk time ends at a pause of
//! `hold_min_s`; shorter pauses count.
//!
//! **Overlap** is the time both parties speak at once (Heldner & Edlund 2010).
//! Most overlap is not an interruption (Schegloff 2000, "Overlapping talk and
//! the organization of turn-taking for conversation"): back-channels ("mhm",
//! "okay"), terminal overlap (the next speaker starts on the current
//! speaker's last word, Jefferson 1984) and short collisions that one party
//! resolves by dropping out are all ordinary. A **barge-in** is the
//! competitive case: the incoming party starts while the other is talking,
//! says more than a back-channel (a speech run of at least
//! `backchannel_max_s`), both talk at once for at least `min_overlap_s`
//! (longer than a terminal overlap on a last word), and the party that was
//! talking drops out while the incoming one goes on. Barge-ins are counted
//! for both parties, so that an agent is judged against the customer of the
//! same call: in a lively call both sides overlap.
//!
//! The party that was talking holds the floor across its own pauses shorter
//! than `floor_pause_s` (1 s: a within-speaker pause in Heldner & Edlund's
//! terms, under Jefferson's 1989 "standard maximum" silence). So the overlap
//! of a barge-in is summed over the talking party's continuing stretch after
//! the onset, and "drops out" means that stretch ends (a pause of
//! `floor_pause_s` or more, or the end of the call) while the incoming party
//! is still speaking: a barge-in of 1.5 s during which the customer pauses
//! for 0.7 s is one barge-in with 0.8 s of overlap, not two overlaps under
//! `min_overlap_s`. The onset itself must fall on the talking party's speech;
//! one in its pause is not counted.

use super::activity::{intervals, Interval, HOP_S};
use super::phrases::{normalize, starts_with_any, PhraseLists};
use super::{Speaker, SpeakerWord, StructureParams};
use serde::{Deserialize, Serialize};

/// One turn: a party holding the floor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// Who holds the floor.
    pub speaker: Speaker,
    /// Start of the first speech of the turn (s).
    pub start_s: f64,
    /// End of the last speech of the turn (s).
    pub end_s: f64,
}

/// The figures of a call's turn-taking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnFigures {
    /// Agent speech time (s).
    pub agent_talk_s: f64,
    /// Customer speech time (s).
    pub customer_talk_s: f64,
    /// Agent share of all speech time (0..1; overlap counts for both).
    pub agent_talk_share: f64,
    /// Customer share of all speech time (0..1).
    pub customer_talk_share: f64,
    /// Number of turns.
    pub turns: usize,
    /// Longest agent turn (s).
    pub longest_agent_monologue_s: f64,
    /// Floor-transfer offsets when the agent takes over from the customer (s).
    pub latencies_s: Vec<f64>,
    /// Median of `latencies_s`.
    pub latency_median_s: Option<f64>,
    /// Share of `latencies_s` under `fast_latency_s` (overlapping starts included).
    pub latency_fast_share: Option<f64>,
    /// The fast-latency threshold used (s).
    pub fast_latency_s: f64,
    /// The agent's barge-ins (see the module doc): the agent takes the floor
    /// while the customer is mid-utterance.
    pub agent_interruptions: usize,
    /// The spans of the agent's barge-ins: from the agent's onset to the end
    /// of the customer's continuing stretch (pauses shorter than
    /// `floor_pause_s` included).
    pub interruption_spans: Vec<Interval>,
    /// Total overlap of the agent's barge-ins (s): the time both speak,
    /// summed over each barge-in's span (the customer's pauses left out).
    pub interruption_overlap_s: f64,
    /// The customer's barge-ins into the agent's speech, by the same rule.
    pub customer_interruptions: usize,
    /// Their spans, as `interruption_spans` (the customer's reaction track
    /// places them in time). Empty in scorecards written before it existed.
    #[serde(default)]
    pub customer_interruption_spans: Vec<Interval>,
    /// Total time both parties speak at once (s), back-channels and terminal
    /// overlaps included (Heldner & Edlund's overlap).
    pub overtalk_s: f64,
    /// Joint silences of at least `hold_min_s` between the first and last speech.
    pub holds: usize,
    /// Their total (s).
    pub hold_total_s: f64,
    /// The longest (s).
    pub hold_longest_s: f64,
    /// The silence spans.
    pub hold_spans: Vec<Interval>,
    /// Questions the agent asks (from the transcript).
    pub agent_questions: usize,
    /// Words the agent says.
    pub agent_words: usize,
    /// Words the customer says.
    pub customer_words: usize,
    /// The agent's talk time (s): their turns with the pauses inside a turn,
    /// without silences of `hold_min_s` or more (see the module doc).
    pub agent_turn_time_s: f64,
    /// The customer's talk time (s), by the same rule.
    pub customer_turn_time_s: f64,
    /// Agent words per minute of talk time (`agent_turn_time_s`), the
    /// conventional speaking rate: pauses inside a turn count, the other
    /// party's turns and holds do not. Words are counted as spoken
    /// ([`spoken_word_count`]: "ill-disposed" is two).
    pub agent_wpm: Option<f64>,
    /// Customer words per minute of the customer's turn time.
    pub customer_wpm: Option<f64>,
}

/// Builds the turn sequence from the two parties' speech intervals.
pub fn build_turns(
    agent: &[Interval],
    customer: &[Interval],
    params: &StructureParams,
) -> Vec<Turn> {
    let mut all: Vec<(Speaker, Interval)> = agent
        .iter()
        .map(|i| (Speaker::Agent, *i))
        .chain(customer.iter().map(|i| (Speaker::Customer, *i)))
        .collect();
    all.sort_by(|a, b| a.1.start_s.total_cmp(&b.1.start_s));
    let mut turns: Vec<Turn> = Vec::new();
    for (s, iv) in all {
        match turns.last_mut() {
            Some(t) if t.speaker == s => t.end_s = t.end_s.max(iv.end_s),
            Some(t) if iv.end_s <= t.end_s && iv.duration() < params.backchannel_max_s => {}
            _ => turns.push(Turn {
                speaker: s,
                start_s: iv.start_s,
                end_s: iv.end_s,
            }),
        }
    }
    turns
}

/// Counts the agent's questions: sentences ending in "?"; when the agent's
/// words carry no sentence punctuation at all, utterances (split at pauses of
/// 0.7 s or more) that open with a question starter from the phrase lists.
pub fn count_questions(words: &[SpeakerWord], phrases: &PhraseLists) -> usize {
    let agent: Vec<&SpeakerWord> = words
        .iter()
        .filter(|w| w.speaker == Speaker::Agent)
        .collect();
    let punctuated = agent.iter().any(|w| w.text.contains(['.', '?', '!']));
    if punctuated {
        return agent
            .iter()
            .filter(|w| w.text.trim_end().ends_with('?'))
            .count();
    }
    let mut count = 0;
    let mut utterance: Vec<String> = Vec::new();
    let mut last_end: Option<u64> = None;
    let flush = |u: &mut Vec<String>, count: &mut usize| {
        if starts_with_any(u, &phrases.questions.starters) {
            *count += 1;
        }
        u.clear();
    };
    for w in agent {
        if let Some(e) = last_end {
            if w.start_ms > e + 700 {
                flush(&mut utterance, &mut count);
            }
        }
        utterance.extend(normalize(&w.text));
        last_end = Some(w.end_ms);
    }
    flush(&mut utterance, &mut count);
    count
}

/// The number of spoken words in a transcript word as whisper writes it:
/// hyphenated compounds and spelled-out letters count per part ("ill-disposed"
/// is two, "S-I-T" three), as reference transcripts and WER normalisers
/// (openai-whisper's `EnglishTextNormalizer`) split them; a token without a
/// letter or digit ("-", "...") is none.
pub fn spoken_word_count(text: &str) -> usize {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '\u{2013}')
        .filter(|part| part.chars().any(char::is_alphanumeric))
        .count()
}

/// Talk time of one party (s): the length of its turns, less every silence
/// of the party inside a turn that lasts `hold_min_s` or more (frames of
/// `speech`, the party's own track).
fn turn_time(turns: &[Turn], speaker: Speaker, speech: &[bool], hold_min_s: f64) -> f64 {
    let max_pause = (hold_min_s / HOP_S).round() as usize;
    let mut total = 0.0;
    for t in turns.iter().filter(|t| t.speaker == speaker) {
        let a = ((t.start_s / HOP_S).round() as usize).min(speech.len());
        let b = ((t.end_s / HOP_S).round() as usize).min(speech.len());
        let silent: Vec<bool> = speech[a..b].iter().map(|&s| !s).collect();
        let holds: usize = intervals(&silent)
            .iter()
            .map(|iv| (iv.duration() / HOP_S).round() as usize)
            .filter(|&n| n >= max_pause)
            .sum();
        total += (t.end_s - t.start_s - holds as f64 * HOP_S).max(0.0);
    }
    total
}

/// One barge-in found by [`barge_ins`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct BargeIn {
    /// From the incoming party's onset to the end of the interrupted party's
    /// continuing stretch (its short pauses included).
    span: Interval,
    /// The time both parties speak at once inside `span` (s): the overlap
    /// summed over the interrupted party's continuing stretch.
    overlap_s: f64,
}

/// End (exclusive frame) of the stretch of `track` that runs on from frame
/// `from`: its speech joined across its own pauses shorter than `max_pause`
/// frames. A pause that runs to the end of the track ends the stretch.
fn stretch_end(track: &[bool], from: usize, max_pause: usize) -> usize {
    let n = track.len();
    let (mut k, mut end) = (from, from);
    while k < n {
        if track[k] {
            k += 1;
            end = k;
            continue;
        }
        let pause_end = (k..n).find(|&j| track[j]).unwrap_or(n);
        if pause_end == n || pause_end - k >= max_pause {
            break;
        }
        k = pause_end;
    }
    end
}

/// Barge-ins of the `incoming` party into the `current` party's speech (10 ms
/// frame tracks), by the rule of the module doc (Schegloff 2000): an onset of
/// `incoming` while `current` speaks, whose run is no back-channel, that
/// overlaps the `current` party's continuing stretch (its pauses shorter than
/// `floor_pause_s` bridged) for `min_overlap_s` summed, and outlasts that
/// stretch (the `current` party yields while the incoming one goes on).
fn barge_ins(incoming: &[bool], current: &[bool], params: &StructureParams) -> Vec<BargeIn> {
    let n = incoming.len().min(current.len());
    let (incoming, current) = (&incoming[..n], &current[..n]);
    let min_overlap = (params.min_overlap_s / HOP_S).round() as usize;
    let min_run = (params.backchannel_max_s / HOP_S).round() as usize;
    let max_pause = (params.floor_pause_s / HOP_S).round() as usize;
    let mut found = Vec::new();
    for i in 1..n {
        let onset = incoming[i] && !incoming[i - 1];
        if !(onset && current[i] && current[i - 1]) {
            continue;
        }
        let run_end = (i..n).find(|&k| !incoming[k]).unwrap_or(n);
        // The current party holds the floor until a pause of `floor_pause_s`.
        let floor_end = stretch_end(current, i, max_pause);
        // Both speak: the incoming run against the current party's speech,
        // summed over its continuing stretch.
        let overlap = (i..floor_end.min(run_end)).filter(|&k| current[k]).count();
        // The current party's stretch ended while the incoming one went on.
        let current_dropped = floor_end < n && run_end > floor_end;
        if run_end - i >= min_run && overlap >= min_overlap && current_dropped {
            found.push(BargeIn {
                span: Interval {
                    start_s: i as f64 * HOP_S,
                    end_s: floor_end as f64 * HOP_S,
                },
                overlap_s: overlap as f64 * HOP_S,
            });
        }
    }
    found
}

/// Computes the turn figures from the frame tracks (10 ms hop), the turns and
/// the speaker-assigned words.
pub fn figures(
    agent: &[bool],
    customer: &[bool],
    turns: &[Turn],
    words: &[SpeakerWord],
    phrases: &PhraseLists,
    params: &StructureParams,
) -> TurnFigures {
    let n = agent.len().min(customer.len());
    let agent_talk_s = agent.iter().filter(|&&a| a).count() as f64 * HOP_S;
    let customer_talk_s = customer.iter().filter(|&&c| c).count() as f64 * HOP_S;
    let total = agent_talk_s + customer_talk_s;
    let share = |x: f64| if total > 0.0 { x / total } else { 0.0 };

    let longest_agent_monologue_s = longest_turn_s(turns, Speaker::Agent);
    let latencies_s = reply_latencies(turns);
    let latency_fast_share = fast_share(&latencies_s, params.fast_latency_s);

    let agent_barge_ins = barge_ins(&agent[..n], &customer[..n], params);
    let customer_interruption_spans: Vec<Interval> = barge_ins(&customer[..n], &agent[..n], params)
        .iter()
        .map(|b| b.span)
        .collect();
    let interruption_overlap_s = sum_from_zero(agent_barge_ins.iter().map(|b| b.overlap_s));
    let interruption_spans: Vec<Interval> = agent_barge_ins.iter().map(|b| b.span).collect();
    let overtalk_s = (0..n).filter(|&i| agent[i] && customer[i]).count() as f64 * HOP_S;

    let hold_spans = hold_spans(&agent[..n], &customer[..n], params.hold_min_s);
    let hold_total_s = sum_from_zero(hold_spans.iter().map(Interval::duration));
    let hold_longest_s = hold_spans
        .iter()
        .map(Interval::duration)
        .fold(0.0, f64::max);

    let (agent_words, customer_words) = (
        word_count(words, Speaker::Agent),
        word_count(words, Speaker::Customer),
    );
    let agent_turn_time_s = turn_time(turns, Speaker::Agent, agent, params.hold_min_s);
    let customer_turn_time_s = turn_time(turns, Speaker::Customer, customer, params.hold_min_s);

    TurnFigures {
        agent_talk_s,
        customer_talk_s,
        agent_talk_share: share(agent_talk_s),
        customer_talk_share: share(customer_talk_s),
        turns: turns.len(),
        longest_agent_monologue_s,
        latency_median_s: crate::signal::stats::median(&latencies_s),
        latency_fast_share,
        latencies_s,
        fast_latency_s: params.fast_latency_s,
        agent_interruptions: interruption_spans.len(),
        interruption_spans,
        interruption_overlap_s,
        customer_interruptions: customer_interruption_spans.len(),
        customer_interruption_spans,
        overtalk_s,
        holds: hold_spans.len(),
        hold_total_s,
        hold_longest_s,
        hold_spans,
        agent_questions: count_questions(words, phrases),
        agent_words,
        customer_words,
        agent_turn_time_s,
        customer_turn_time_s,
        agent_wpm: words_per_minute(agent_words, agent_turn_time_s),
        customer_wpm: words_per_minute(customer_words, customer_turn_time_s),
    }
}

/// The longest turn (s) of `speaker`, 0 without one.
fn longest_turn_s(turns: &[Turn], speaker: Speaker) -> f64 {
    turns
        .iter()
        .filter(|t| t.speaker == speaker)
        .map(|t| t.end_s - t.start_s)
        .fold(0.0, f64::max)
}

/// A sum that starts from +0.0: an empty f64 `sum()` is -0.0, printed as
/// "-0.0".
fn sum_from_zero(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}

/// The agent's reply latencies (s): the gap from each customer turn's end to
/// the agent turn that follows it.
fn reply_latencies(turns: &[Turn]) -> Vec<f64> {
    turns
        .windows(2)
        .filter(|w| w[0].speaker == Speaker::Customer && w[1].speaker == Speaker::Agent)
        .map(|w| w[1].start_s - w[0].end_s)
        .collect()
}

/// The share of latencies under `fast_s` (None without latencies).
fn fast_share(latencies_s: &[f64], fast_s: f64) -> Option<f64> {
    if latencies_s.is_empty() {
        None
    } else {
        Some(latencies_s.iter().filter(|&&l| l < fast_s).count() as f64 / latencies_s.len() as f64)
    }
}

/// Holds: joint silences of at least `hold_min_s` between the first and the
/// last speech of the two (equally long) frame tracks.
fn hold_spans(agent: &[bool], customer: &[bool], hold_min_s: f64) -> Vec<Interval> {
    let any: Vec<bool> = agent.iter().zip(customer).map(|(&a, &c)| a || c).collect();
    let mut hold_spans = Vec::new();
    if let (Some(first), Some(last)) = (any.iter().position(|&a| a), any.iter().rposition(|&a| a)) {
        let silent: Vec<bool> = any[first..=last].iter().map(|&a| !a).collect();
        for iv in intervals(&silent) {
            if iv.duration() >= hold_min_s - 1e-9 {
                let off = first as f64 * HOP_S;
                hold_spans.push(Interval {
                    start_s: iv.start_s + off,
                    end_s: iv.end_s + off,
                });
            }
        }
    }
    hold_spans
}

/// How many words one speaker said, counted as spoken ([`spoken_word_count`]).
fn word_count(words: &[SpeakerWord], speaker: Speaker) -> usize {
    words
        .iter()
        .filter(|w| w.speaker == speaker)
        .map(|w| spoken_word_count(&w.text))
        .sum()
}

/// Words per minute of turn time (None without words or time).
fn words_per_minute(count: usize, secs: f64) -> Option<f64> {
    if secs > 0.0 && count > 0 {
        Some(count as f64 / secs * 60.0)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 10 ms frame track with speech in the given (start_s, end_s) spans.
    fn track(len_s: f64, spans: &[(f64, f64)]) -> Vec<bool> {
        let n = (len_s / HOP_S).round() as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 * HOP_S;
                spans.iter().any(|&(a, b)| t >= a && t < b)
            })
            .collect()
    }

    fn found(incoming: &[(f64, f64)], current: &[(f64, f64)]) -> Vec<BargeIn> {
        let p = StructureParams::default();
        barge_ins(&track(20.0, incoming), &track(20.0, current), &p)
    }

    fn count(agent: &[(f64, f64)], customer: &[(f64, f64)]) -> usize {
        found(agent, customer).len()
    }

    #[test]
    fn a_barge_in_is_taking_the_floor_mid_utterance() {
        // The customer talks 0-6 s; the agent starts at 3 s, both talk for
        // 1.5 s, the customer gives up at 4.5 s while the agent goes on.
        assert_eq!(count(&[(3.0, 8.0)], &[(0.0, 4.5)]), 1);
    }

    #[test]
    fn back_channels_terminal_overlaps_and_yielded_collisions_are_not_barge_ins() {
        // "mhm" (0.4 s) inside the customer's turn.
        assert_eq!(count(&[(2.0, 2.4)], &[(0.0, 6.0)]), 0);
        // Terminal overlap: the agent starts 0.3 s before the customer's
        // last word ends.
        assert_eq!(count(&[(5.7, 10.0)], &[(0.0, 6.0)]), 0);
        // A collision the agent yields: both start talking, the agent stops
        // after 0.8 s and the customer goes on.
        assert_eq!(count(&[(3.0, 3.8)], &[(0.0, 8.0)]), 0);
        // Both talk for 2 s, then the agent gives up: not the agent's barge-in.
        assert_eq!(count(&[(3.0, 5.0)], &[(0.0, 8.0)]), 0);
    }

    #[test]
    fn a_short_pause_of_the_interrupted_party_does_not_split_a_barge_in() {
        // The customer talks 0-5.4 s, pauses 0.7 s, says 6.1-6.5 s and stops;
        // the agent starts at 5.0 s and goes on. Both pieces of overlap are
        // 0.4 s (under min_overlap_s); summed over the customer's stretch
        // they are 0.8 s (1.5 s of barge-in less the 0.7 s pause).
        let b = found(&[(5.0, 10.0)], &[(0.0, 5.4), (6.1, 6.5)]);
        assert_eq!(b.len(), 1, "{b:?}");
        assert!((b[0].overlap_s - 0.8).abs() < 0.015, "{b:?}");
        assert!((b[0].span.start_s - 5.0).abs() < 0.015, "{b:?}");
        assert!((b[0].span.end_s - 6.5).abs() < 0.015, "{b:?}");
        // The same rule the other way round: the customer starts at 3.0 s
        // in the agent's speech, the agent pauses 0.6 s and stops at 4.5 s.
        let c = found(&[(3.0, 9.0)], &[(0.0, 3.3), (3.9, 4.5)]);
        assert_eq!(c.len(), 1, "{c:?}");
        assert!((c[0].overlap_s - 0.9).abs() < 0.015, "{c:?}");
    }

    #[test]
    fn a_pause_of_floor_pause_s_ends_the_interrupted_stretch() {
        // As above with a 1.0 s pause: the customer's stretch ends at 5.4 s,
        // 0.4 s of overlap, and the later 0.4 s is another stretch that the
        // agent did not start in.
        assert_eq!(count(&[(5.0, 10.0)], &[(0.0, 5.4), (6.4, 6.8)]), 0);
        assert_eq!(count(&[(5.0, 10.0)], &[(0.0, 5.4), (7.0, 7.4)]), 0);
    }

    #[test]
    fn bridged_pauses_keep_back_channels_and_yielded_collisions_out() {
        // A 0.6 s "mhm" across the customer's 0.7 s pause: no back-channel
        // becomes a barge-in.
        assert_eq!(count(&[(5.0, 5.6)], &[(0.0, 5.4), (6.1, 8.0)]), 0);
        // The agent talks 1.2 s into the customer's speech and stops inside
        // the customer's 0.4 s pause; the customer goes on: the customer kept
        // the floor, so the agent yielded.
        assert_eq!(count(&[(3.0, 4.2)], &[(0.0, 4.0), (4.4, 8.0)]), 0);
        // The agent goes on but the customer resumes and outlasts the agent.
        assert_eq!(count(&[(5.0, 7.0)], &[(0.0, 5.4), (6.1, 9.0)]), 0);
    }

    #[test]
    fn talk_time_keeps_pauses_and_drops_holds() {
        let turns = [Turn {
            speaker: Speaker::Agent,
            start_s: 1.0,
            end_s: 15.0,
        }];
        // Speech 1-4 s, a 1 s pause, 5-8 s, a 4 s hold, 12-15 s.
        let speech = track(16.0, &[(1.0, 4.0), (5.0, 8.0), (12.0, 15.0)]);
        let t = turn_time(&turns, Speaker::Agent, &speech, 3.0);
        assert!((t - 10.0).abs() < 0.02, "{t}");
        assert_eq!(turn_time(&turns, Speaker::Customer, &speech, 3.0), 0.0);
    }

    #[test]
    fn spoken_words_count_hyphenated_parts() {
        assert_eq!(spoken_word_count("ill-disposed"), 2);
        assert_eq!(spoken_word_count("S-I-T-I-L-L-E."), 7);
        assert_eq!(spoken_word_count("don't"), 1);
        assert_eq!(spoken_word_count("2018"), 1);
        assert_eq!(spoken_word_count("-"), 0);
        assert_eq!(spoken_word_count("..."), 0);
    }
}
