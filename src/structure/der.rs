//! Diarization error rate (DER) and RTTM files: how well "who spoke when"
//! matches a reference.
//!
//! The score follows NIST's Rich Transcription evaluation (RT-09 evaluation
//! plan; the `md-eval` scoring script):
//!
//! * Time is cut into [`FRAME_S`] (10 ms) frames; a speaker is active in a
//!   frame when one of its segments holds the frame's centre.
//! * A no-score collar of ±[`COLLAR_S`] (0.25 s) around every reference
//!   segment boundary is left out: hand-marked boundaries are no more exact
//!   than that.
//! * Overlap is scored: a frame may have several reference and several
//!   hypothesis speakers. Per scored frame, with `n_ref` and `n_hyp` active
//!   speakers and `n_correct` of the reference speakers whose mapped
//!   hypothesis speaker is active too:
//!   miss = max(0, n_ref − n_hyp), false alarm = max(0, n_hyp − n_ref),
//!   confusion = min(n_ref, n_hyp) − n_correct.
//! * The speaker mapping is one-to-one and maximises the scored time both
//!   speakers of a pair are active, over the whole file (labels are
//!   arbitrary: a hypothesis with the two names swapped scores 0).
//! * DER = (miss + false alarm + confusion) / scored reference speech, where
//!   scored reference speech is Σ `n_ref` over the scored frames.
//!
//! [`agent_share`] gives the figure the talk-share finding uses, so that a
//! diarization can be judged by what it does to the coaching too.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::activity::Interval;

/// Frame length of the scoring (s).
pub const FRAME_S: f64 = 0.010;
/// The standard no-score collar around each reference boundary (s).
pub const COLLAR_S: f64 = 0.25;
/// Speaker counts up to which the optimal mapping is searched exhaustively;
/// beyond, pairs are taken greedily by overlap (never the case for calls).
const EXHAUSTIVE_MAX: usize = 8;

/// One speaker turn of an RTTM file.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Speaker label (arbitrary for a hypothesis).
    pub speaker: String,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
}

/// A line of an RTTM file that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("RTTM line {line}: {why}")]
pub struct RttmError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub why: String,
}

/// Reads the `SPEAKER` lines of an RTTM file
/// (`SPEAKER file 1 start dur <NA> <NA> speaker <NA> <NA>`); other record
/// types (`SPKR-INFO`, …), comments (`;;`) and blank lines are skipped.
pub fn read_rttm(text: &str) -> Result<Vec<Segment>, RttmError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first() != Some(&"SPEAKER") {
            continue;
        }
        let err = |why: &str| RttmError {
            line: i + 1,
            why: why.to_string(),
        };
        if f.len() < 8 {
            return Err(err("a SPEAKER line needs at least 8 fields"));
        }
        let start: f64 = f[3].parse().map_err(|_| err("start is not a number"))?;
        let dur: f64 = f[4].parse().map_err(|_| err("duration is not a number"))?;
        if !(start.is_finite() && dur.is_finite()) || start < 0.0 || dur < 0.0 {
            return Err(err("start and duration must be finite and not negative"));
        }
        out.push(Segment {
            speaker: f[7].to_string(),
            start_s: start,
            end_s: start + dur,
        });
    }
    Ok(out)
}

/// Writes segments as RTTM `SPEAKER` lines of recording `file_id`
/// (times in s with 3 decimals).
pub fn write_rttm(file_id: &str, segments: &[Segment]) -> String {
    let mut s = String::new();
    for seg in segments {
        let _ = writeln!(
            s,
            "SPEAKER {file_id} 1 {:.3} {:.3} <NA> <NA> {} <NA> <NA>",
            seg.start_s,
            (seg.end_s - seg.start_s).max(0.0),
            seg.speaker
        );
    }
    s
}

/// The intervals of one speaker as segments.
pub fn segments(speaker: &str, intervals: &[Interval]) -> Vec<Segment> {
    intervals
        .iter()
        .map(|i| Segment {
            speaker: speaker.to_string(),
            start_s: i.start_s,
            end_s: i.end_s,
        })
        .collect()
}

/// The segments of `speaker` as intervals.
pub fn intervals_of(segments: &[Segment], speaker: &str) -> Vec<Interval> {
    segments
        .iter()
        .filter(|s| s.speaker == speaker)
        .map(|s| Interval {
            start_s: s.start_s,
            end_s: s.end_s,
        })
        .collect()
}

/// Agent speech seconds / (agent + customer speech seconds): the talk share
/// the coaching reports. Each party's intervals are merged first, so that
/// overlapping segments of one party count once. `None` when neither speaks.
pub fn agent_share(agent: &[Interval], customer: &[Interval]) -> Option<f64> {
    let (a, c) = (union_seconds(agent), union_seconds(customer));
    (a + c > 0.0).then(|| a / (a + c))
}

/// Length of the union of `intervals` (s).
pub fn union_seconds(intervals: &[Interval]) -> f64 {
    let mut v: Vec<Interval> = intervals.to_vec();
    v.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let mut total = 0.0;
    let mut cur: Option<Interval> = None;
    for i in v {
        match cur.as_mut() {
            Some(c) if i.start_s <= c.end_s => c.end_s = c.end_s.max(i.end_s),
            _ => {
                total += cur.map_or(0.0, |c| c.duration());
                cur = Some(i);
            }
        }
    }
    total + cur.map_or(0.0, |c| c.duration())
}

/// The components of a diarization error rate (seconds of scored time).
#[derive(Debug, Clone, PartialEq)]
pub struct DerScore {
    /// Reference speech without a hypothesis speaker (s).
    pub missed_s: f64,
    /// Hypothesis speech without a reference speaker (s).
    pub false_alarm_s: f64,
    /// Speech given to the wrong speaker under the mapping (s).
    pub confusion_s: f64,
    /// Scored reference speech, overlap counted per speaker (s).
    pub total_s: f64,
    /// (missed + false alarm + confusion) / total, 0..; 0 when there is
    /// nothing to score and nothing wrong, infinite for false alarms
    /// against a reference without speech.
    pub der: f64,
    /// The optimal mapping: (reference speaker, hypothesis speaker).
    pub mapping: Vec<(String, String)>,
}

/// Per speaker: its active frames.
fn speaker_frames(segs: &[Segment], n: usize) -> BTreeMap<String, Vec<bool>> {
    let mut m: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    for s in segs {
        let f = m.entry(s.speaker.clone()).or_insert_with(|| vec![false; n]);
        let (a, b) = frame_range(s.start_s, s.end_s, n);
        f[a..b].iter_mut().for_each(|x| *x = true);
    }
    m
}

/// Frames whose centre lies in [start, end), clipped to `n` frames.
fn frame_range(start: f64, end: f64, n: usize) -> (usize, usize) {
    let first = |t: f64| ((t / FRAME_S - 0.5).ceil().max(0.0) as usize).min(n);
    let (a, b) = (first(start), first(end));
    (a, b.max(a))
}

/// Scores `hypothesis` against `reference` (see the module docs) with a
/// no-score collar of `collar_s` around each reference boundary (use
/// [`COLLAR_S`]; 0 scores every frame).
pub fn score(reference: &[Segment], hypothesis: &[Segment], collar_s: f64) -> DerScore {
    let end = reference
        .iter()
        .chain(hypothesis)
        .map(|s| s.end_s)
        .fold(0.0, f64::max);
    let n = (end / FRAME_S).ceil() as usize + 1;
    let refs = speaker_frames(reference, n);
    let hyps = speaker_frames(hypothesis, n);
    let mut scored = vec![true; n];
    if collar_s > 0.0 {
        for s in reference {
            for b in [s.start_s, s.end_s] {
                let (x, y) = frame_range(b - collar_s, b + collar_s, n);
                scored[x..y].iter_mut().for_each(|f| *f = false);
            }
        }
    }
    let ref_names: Vec<&String> = refs.keys().collect();
    let hyp_names: Vec<&String> = hyps.keys().collect();
    // Scored frames both speakers of a pair are active in.
    let co: Vec<Vec<usize>> = ref_names
        .iter()
        .map(|r| {
            hyp_names
                .iter()
                .map(|h| {
                    (0..n)
                        .filter(|&i| scored[i] && refs[*r][i] && hyps[*h][i])
                        .count()
                })
                .collect()
        })
        .collect();
    let map = best_mapping(&co);
    let (mut miss, mut fa, mut conf, mut total) = (0usize, 0usize, 0usize, 0usize);
    for i in (0..n).filter(|&i| scored[i]) {
        let n_ref = refs.values().filter(|f| f[i]).count();
        let n_hyp = hyps.values().filter(|f| f[i]).count();
        let n_correct = ref_names
            .iter()
            .enumerate()
            .filter(|(r, name)| refs[**name][i] && map[*r].is_some_and(|h| hyps[hyp_names[h]][i]))
            .count();
        miss += n_ref.saturating_sub(n_hyp);
        fa += n_hyp.saturating_sub(n_ref);
        conf += n_ref.min(n_hyp) - n_correct;
        total += n_ref;
    }
    let secs = |frames: usize| frames as f64 * FRAME_S;
    let errors = miss + fa + conf;
    let der = match (total, errors) {
        (0, 0) => 0.0,
        (0, _) => f64::INFINITY,
        (t, e) => e as f64 / t as f64,
    };
    DerScore {
        missed_s: secs(miss),
        false_alarm_s: secs(fa),
        confusion_s: secs(conf),
        total_s: secs(total),
        der,
        mapping: map
            .iter()
            .enumerate()
            .filter_map(|(r, h)| h.map(|h| (ref_names[r].clone(), hyp_names[h].clone())))
            .collect(),
    }
}

/// The one-to-one mapping of reference rows to hypothesis columns that
/// maximises the summed co-activity: exhaustive for up to
/// [`EXHAUSTIVE_MAX`] speakers on either side, greedy beyond.
fn best_mapping(co: &[Vec<usize>]) -> Vec<Option<usize>> {
    let n_ref = co.len();
    let n_hyp = co.first().map_or(0, Vec::len);
    if n_ref <= EXHAUSTIVE_MAX && n_hyp <= EXHAUSTIVE_MAX {
        let mut best = (0usize, vec![None; n_ref]);
        let mut cur = vec![None; n_ref];
        search(co, 0, &mut vec![false; n_hyp], &mut cur, 0, &mut best);
        return best.1;
    }
    let mut pairs: Vec<(usize, usize, usize)> = (0..n_ref)
        .flat_map(|r| (0..n_hyp).map(move |h| (co[r][h], r, h)))
        .collect();
    pairs.sort_by_key(|p| std::cmp::Reverse(p.0));
    let mut map = vec![None; n_ref];
    let mut used = vec![false; n_hyp];
    for (c, r, h) in pairs {
        if c > 0 && map[r].is_none() && !used[h] {
            map[r] = Some(h);
            used[h] = true;
        }
    }
    map
}

/// Depth-first search over the assignments of reference `r..` (each to a
/// free hypothesis speaker or to none).
fn search(
    co: &[Vec<usize>],
    r: usize,
    used: &mut [bool],
    cur: &mut [Option<usize>],
    sum: usize,
    best: &mut (usize, Vec<Option<usize>>),
) {
    if r == co.len() {
        if sum > best.0 {
            *best = (sum, cur.to_vec());
        }
        return;
    }
    for h in 0..used.len() {
        if !used[h] && co[r][h] > 0 {
            used[h] = true;
            cur[r] = Some(h);
            search(co, r + 1, used, cur, sum + co[r][h], best);
            used[h] = false;
            cur[r] = None;
        }
    }
    search(co, r + 1, used, cur, sum, best);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(speaker: &str, start_s: f64, end_s: f64) -> Segment {
        Segment {
            speaker: speaker.into(),
            start_s,
            end_s,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// A: 0-10 s, B: 10-20 s. With the 0.25 s collar around 0, 10 and 20 s,
    /// 9.5 s of each is scored: 19 s in all.
    fn two_turns() -> Vec<Segment> {
        vec![seg("A", 0.0, 10.0), seg("B", 10.0, 20.0)]
    }

    #[test]
    fn perfect_hypothesis_scores_zero() {
        let s = score(&two_turns(), &two_turns(), COLLAR_S);
        assert!(close(s.total_s, 19.0), "{s:?}");
        assert_eq!(s.der, 0.0);
        let s0 = score(&two_turns(), &two_turns(), 0.0);
        assert!(close(s0.total_s, 20.0) && s0.der == 0.0, "{s0:?}");
    }

    #[test]
    fn swapped_labels_score_zero_by_the_mapping() {
        let hyp = vec![seg("spk1", 0.0, 10.0), seg("spk0", 10.0, 20.0)];
        let s = score(&two_turns(), &hyp, COLLAR_S);
        assert_eq!(s.der, 0.0);
        assert_eq!(
            s.mapping,
            vec![("A".into(), "spk1".into()), ("B".into(), "spk0".into())]
        );
    }

    #[test]
    fn a_speaker_missed_entirely() {
        // B's 9.5 scored seconds are missed: 9.5 / 19.
        let s = score(&two_turns(), &[seg("x", 0.0, 10.0)], COLLAR_S);
        assert!(close(s.missed_s, 9.5) && close(s.der, 0.5), "{s:?}");
        assert!(close(s.false_alarm_s, 0.0) && close(s.confusion_s, 0.0));
    }

    #[test]
    fn one_hypothesis_speaker_for_two_is_confusion() {
        // x covers both; A maps to x, B's 9.5 s are confusion.
        let s = score(&two_turns(), &[seg("x", 0.0, 20.0)], COLLAR_S);
        assert!(close(s.confusion_s, 9.5) && close(s.der, 0.5), "{s:?}");
        assert!(close(s.missed_s, 0.0));
    }

    #[test]
    fn false_alarm_in_silence() {
        // Reference A 0-10 (9.5 s scored); the hypothesis adds 5 s at 20-25.
        let reference = [seg("A", 0.0, 10.0)];
        let hyp = [seg("x", 0.0, 10.0), seg("x", 20.0, 25.0)];
        let s = score(&reference, &hyp, COLLAR_S);
        assert!(close(s.false_alarm_s, 5.0), "{s:?}");
        assert!(close(s.der, 5.0 / 9.5), "{s:?}");
    }

    #[test]
    fn collar_forgives_boundary_errors_under_a_quarter_second() {
        // The change at 10 s placed 0.2 s late: inside the collar.
        let hyp = vec![seg("x", 0.0, 10.2), seg("y", 10.2, 20.0)];
        assert_eq!(score(&two_turns(), &hyp, COLLAR_S).der, 0.0);
        // Without a collar the 0.2 s are confusion.
        let s0 = score(&two_turns(), &hyp, 0.0);
        assert!(close(s0.confusion_s, 0.2), "{s0:?}");
        // 0.5 s late: the 0.25 s beyond the collar are confusion.
        let late = vec![seg("x", 0.0, 10.5), seg("y", 10.5, 20.0)];
        let s = score(&two_turns(), &late, COLLAR_S);
        assert!(
            close(s.confusion_s, 0.25) && close(s.der, 0.25 / 19.0),
            "{s:?}"
        );
    }

    #[test]
    fn overlap_frames_count_per_speaker() {
        // A 0-10, B 5-15: both speak 5-10. Scored: 0.25-4.75 (A), 5.25-9.75
        // (A+B), 10.25-14.75 (B): 4.5 + 9 + 4.5 = 18 s of reference speech.
        let reference = [seg("A", 0.0, 10.0), seg("B", 5.0, 15.0)];
        // One speaker at a time: B's part of the overlap is missed.
        let hyp = [seg("x", 0.0, 10.0), seg("y", 10.0, 15.0)];
        let s = score(&reference, &hyp, COLLAR_S);
        assert!(close(s.total_s, 18.0), "{s:?}");
        assert!(close(s.missed_s, 4.5) && close(s.der, 0.25), "{s:?}");
        // The overlap found: perfect.
        let hyp2 = [seg("x", 0.0, 10.0), seg("y", 5.0, 15.0)];
        assert_eq!(score(&reference, &hyp2, COLLAR_S).der, 0.0);
        // Two hypothesis speakers where one speaks: false alarm, no confusion.
        let one = [seg("A", 0.0, 10.0)];
        let both = [seg("x", 0.0, 10.0), seg("y", 0.0, 10.0)];
        let s = score(&one, &both, COLLAR_S);
        assert!(close(s.false_alarm_s, 9.5) && close(s.der, 1.0), "{s:?}");
        assert!(close(s.confusion_s, 0.0));
    }

    #[test]
    fn empty_hypothesis_is_all_missed() {
        let s = score(&two_turns(), &[], COLLAR_S);
        assert!(close(s.der, 1.0) && close(s.missed_s, 19.0), "{s:?}");
        assert!(s.mapping.is_empty());
        assert_eq!(score(&[], &[], COLLAR_S).der, 0.0);
        assert!(score(&[], &[seg("x", 0.0, 1.0)], COLLAR_S)
            .der
            .is_infinite());
    }

    #[test]
    fn mapping_maximises_total_overlap_not_greedy_pairs() {
        // Greedy would pair A with x (6 s) and leave B with nothing; the
        // optimal mapping pairs A-y (5 s) and B-x (5 s): 10 s.
        let reference = [seg("A", 0.0, 11.0), seg("B", 20.0, 25.0)];
        let hyp = [
            seg("x", 0.0, 6.0),
            seg("y", 6.0, 11.0),
            seg("x", 20.0, 25.0),
        ];
        let s = score(&reference, &hyp, 0.0);
        assert_eq!(
            s.mapping,
            vec![("A".into(), "y".into()), ("B".into(), "x".into())]
        );
        assert!(close(s.confusion_s, 6.0), "{s:?}");
    }

    #[test]
    fn many_speakers_are_mapped_greedily() {
        // Nine speakers (beyond the exhaustive search), one second each,
        // renamed in the hypothesis: each pairs with its own.
        let reference: Vec<Segment> = (0..9)
            .map(|i| seg(&format!("r{i}"), i as f64 * 2.0, i as f64 * 2.0 + 1.0))
            .collect();
        let hyp: Vec<Segment> = (0..9)
            .map(|i| seg(&format!("h{}", 8 - i), i as f64 * 2.0, i as f64 * 2.0 + 1.0))
            .collect();
        let s = score(&reference, &hyp, 0.0);
        assert_eq!(s.der, 0.0, "{s:?}");
        assert_eq!(s.mapping.len(), 9);
    }

    #[test]
    fn rttm_round_trip_and_errors() {
        let segs = vec![seg("agent", 1.25, 3.5), seg("customer", 3.0, 4.0)];
        let text = write_rttm("call", &segs);
        assert_eq!(
            text.lines().next().unwrap(),
            "SPEAKER call 1 1.250 2.250 <NA> <NA> agent <NA> <NA>"
        );
        let back = read_rttm(&format!(";; comment\n\nSPKR-INFO x\n{text}")).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].speaker, "customer");
        assert!(close(back[0].end_s, 3.5) && close(back[1].start_s, 3.0));
        let e = read_rttm("SPEAKER f 1 x 1 <NA> <NA> s <NA> <NA>").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(read_rttm("SPEAKER f 1 0").is_err());
        assert!(read_rttm("SPEAKER f 1 1.0 -2 <NA> <NA> s").is_err());
    }

    #[test]
    fn agent_share_merges_each_party_first() {
        let iv = |a: f64, b: f64| Interval {
            start_s: a,
            end_s: b,
        };
        // Agent 0-4 and 2-6 (6 s once merged), customer 6-8 (2 s).
        let share = agent_share(&[iv(0.0, 4.0), iv(2.0, 6.0)], &[iv(6.0, 8.0)]).unwrap();
        assert!(close(share, 0.75), "{share}");
        assert_eq!(agent_share(&[], &[]), None);
        assert!(close(union_seconds(&[iv(5.0, 6.0), iv(0.0, 1.0)]), 2.0));
    }
}
