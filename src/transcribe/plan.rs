//! How the speech of a call is shared out among whisper runs that go side
//! by side.
//!
//! A second thread makes one whisper.cpp run only about 1.3x faster on a
//! real channel (the encoder's matrix products scale, the decoder's token by
//! token steps much less), so on two cores two one-thread runs side by side
//! finish sooner than one two-thread run. The runs should also get about the
//! same amount of speech: the channels of a call rarely hold the same
//! (autorepair-49: 162 s of the agent against 123 s of the customer), and a
//! mono call is a single channel.
//!
//! So the channels' speech is laid end to end, and the whole is cut into as
//! many equal shares as there are runs. Each cut moves to the nearest pause
//! of its channel ([`Speech::pauses`]: no word runs across one), or to the
//! end of the channel when that is within [`SNAP`]: a piece that short
//! would still cost a whole 30 s encoder pass. A run decodes its pieces one
//! after another; each piece is a whisper call of its own, started without
//! the text before it as prompt. Measured in docs/performance.md ("The
//! levers, each measured on its own": runs planned over the speech).

use super::gate::{Chunk, Speech};
use crate::audio::WHISPER_RATE;

/// Each run gets at least this much speech (samples: 60 s, two of whisper's
/// windows); with less, fewer runs take more threads each.
const MIN_RUN: usize = 60 * WHISPER_RATE as usize;

/// A cut this close to the end of a channel (samples: 15 s, half a window)
/// moves there.
const SNAP: usize = 15 * WHISPER_RATE as usize;

/// Part of one channel's speech, decoded by one whisper call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Index of the channel.
    pub channel: usize,
    /// The speech whisper hears, in time order.
    pub chunk: Chunk,
}

/// The whisper runs that go side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Each run's pieces, in the order it decodes them. Pieces of one channel
    /// come in time order, run after run.
    pub runs: Vec<Vec<Piece>>,
    /// whisper.cpp threads of each run.
    pub threads: usize,
}

impl Plan {
    /// Number of pieces in all runs.
    pub fn pieces(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }

    /// One line for the profile (`CALLCOACH_PROFILE`): the runs, and the
    /// channel and seconds of speech of each piece.
    pub fn describe(&self) -> String {
        let runs: Vec<String> = self
            .runs
            .iter()
            .map(|run| {
                let pieces: Vec<String> = run
                    .iter()
                    .map(|p| {
                        let secs = p.chunk.len() as f64 / f64::from(WHISPER_RATE);
                        format!("channel {} {secs:.1} s", p.channel)
                    })
                    .collect();
                format!("[{}]", pieces.join(", "))
            })
            .collect();
        format!(
            "{} whisper runs of {} threads: {}",
            self.runs.len(),
            self.threads,
            runs.join(" ")
        )
    }
}

/// Shares the speech of `channels` (`None`: a channel without speech) out
/// among at most `max_runs` runs, and `threads` among them (see the module
/// comment).
pub fn plan(channels: &[Option<&Speech>], threads: usize, max_runs: usize) -> Plan {
    let threads = threads.max(1);
    let chunks: Vec<(usize, Chunk, &Speech)> = channels
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i, s.chunk(), s)))
        .filter(|(_, chunk, _)| !chunk.is_empty())
        .collect();
    let total: usize = chunks.iter().map(|(_, chunk, _)| chunk.len()).sum();
    let n_runs = threads
        .min(max_runs)
        .min(chunks.len().max(total / MIN_RUN))
        .max(1);

    // Where each chunk starts when all are laid end to end.
    let starts: Vec<usize> = chunks
        .iter()
        .scan(0, |at, (_, chunk, _)| {
            let start = *at;
            *at += chunk.len();
            Some(start)
        })
        .collect();
    // The cuts on that line, and for each chunk the channel samples where
    // it is cut inside.
    let mut cuts = Vec::with_capacity(n_runs);
    let mut inner: Vec<Vec<usize>> = vec![Vec::new(); chunks.len()];
    for k in 1..n_runs {
        let target = total * k / n_runs;
        let j = starts.iter().rposition(|&s| s <= target).unwrap_or(0);
        let (_, chunk, speech) = &chunks[j];
        let (lo, hi) = (starts[j], starts[j] + chunk.len());
        let end = if target - lo <= hi - target { lo } else { hi };
        let mut best = (target.abs_diff(end).saturating_sub(SNAP), end, None);
        for pause in speech.pauses() {
            let at = lo + chunk.joined_before(pause);
            if at > lo && at < hi && target.abs_diff(at) < best.0 {
                best = (target.abs_diff(at), at, Some(pause));
            }
        }
        cuts.push(best.1);
        inner[j].extend(best.2);
    }

    let mut runs: Vec<Vec<Piece>> = vec![Vec::new(); n_runs];
    for (j, (channel, chunk, _)) in chunks.iter().enumerate() {
        let mut rest = chunk.clone();
        let mut start = starts[j];
        let mut cut_at = inner[j].clone();
        cut_at.push(usize::MAX);
        for at in cut_at {
            let (piece, after) = rest.split_at(at);
            if !piece.is_empty() {
                let run = cuts.iter().filter(|&&c| c <= start).count();
                runs[run].push(Piece {
                    channel: *channel,
                    chunk: piece,
                });
            }
            start = starts[j] + chunk.joined_before(at);
            rest = after;
        }
    }
    runs.retain(|r| !r.is_empty());
    Plan {
        threads: (threads / runs.len().max(1)).max(1),
        runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcribe::gate::{Detector, CHUNK_GAP};
    use std::ops::Range;

    const RATE: usize = WHISPER_RATE as usize;

    /// Speech of `spans` (seconds) in a channel of `len_s` seconds.
    fn speech(len_s: usize, spans: &[(usize, usize)]) -> Speech {
        Speech {
            spans: spans.iter().map(|&(a, b)| a * RATE..b * RATE).collect(),
            detector: Detector::Energy,
            len: len_s * RATE,
        }
    }

    /// 10 s of speech, 10 s of pause, `n` times (speech under 85 % of the
    /// channel, so the chunk keeps the spans).
    fn turns(n: usize) -> Speech {
        let spans: Vec<(usize, usize)> = (0..n).map(|i| (20 * i, 20 * i + 10)).collect();
        speech(20 * n, &spans)
    }

    /// Per run: (channel, first span start s, last span end s) of each piece.
    fn layout(p: &Plan) -> Vec<Vec<(usize, usize, usize)>> {
        let secs = |r: &Range<usize>| (r.start / RATE, r.end / RATE);
        p.runs
            .iter()
            .map(|run| {
                run.iter()
                    .map(|piece| {
                        let first = secs(piece.chunk.spans.first().unwrap()).0;
                        let last = secs(piece.chunk.spans.last().unwrap()).1;
                        (piece.channel, first, last)
                    })
                    .collect()
            })
            .collect()
    }

    /// Every span of every channel lands in exactly one piece, whole.
    fn covers(p: &Plan, channels: &[&Speech]) {
        for (c, s) in channels.iter().enumerate() {
            let mut got: Vec<Range<usize>> = p
                .runs
                .iter()
                .flatten()
                .filter(|piece| piece.channel == c)
                .flat_map(|piece| piece.chunk.spans.clone())
                .collect();
            got.sort_by_key(|r| r.start);
            assert_eq!(got, s.chunk().spans, "channel {c}");
        }
    }

    #[test]
    fn a_long_mono_channel_is_cut_at_the_pause_nearest_its_middle() {
        let mono = turns(12); // 120 s of speech in 240 s
        let p = plan(&[Some(&mono)], 2, 2);
        assert_eq!(p.threads, 1);
        assert_eq!(layout(&p), vec![vec![(0, 0, 110)], vec![(0, 120, 230)]]);
        covers(&p, &[&mono]);
    }

    #[test]
    fn short_speech_takes_one_run_with_all_threads() {
        let mono = turns(5); // 50 s of speech
        let p = plan(&[Some(&mono)], 2, 2);
        assert_eq!((p.runs.len(), p.threads), (1, 2));
        assert_eq!(layout(&p), vec![vec![(0, 0, 90)]]);
    }

    #[test]
    fn balanced_channels_get_a_run_each() {
        let (a, b) = (turns(6), turns(5));
        let p = plan(&[Some(&a), Some(&b)], 2, 2);
        assert_eq!(p.threads, 1);
        // 60 s against 50 s (+ gaps): the middle is 5 s before the end of
        // the first channel, within SNAP, so no channel is cut.
        assert_eq!(layout(&p), vec![vec![(0, 0, 110)], vec![(1, 0, 90)]]);
    }

    #[test]
    fn the_longer_channel_gives_its_end_to_the_other_run() {
        let (agent, customer) = (turns(16), turns(6)); // 160 s and 60 s
        let p = plan(&[Some(&agent), Some(&customer)], 2, 2);
        assert_eq!(p.threads, 1);
        // Half of the 220 s (+ gaps) is 11 turns in: the agent's last five
        // turns go with the customer.
        assert_eq!(
            layout(&p),
            vec![vec![(0, 0, 210)], vec![(0, 220, 310), (1, 0, 110)]]
        );
        covers(&p, &[&agent, &customer]);
        let run_len =
            |r: &Vec<Piece>| r.iter().map(|piece| piece.chunk.len()).sum::<usize>() / RATE;
        let lens: Vec<usize> = p.runs.iter().map(run_len).collect();
        assert!(lens[0].abs_diff(lens[1]) <= 10, "{lens:?}");
    }

    #[test]
    fn one_run_takes_every_thread_and_both_channels_whole() {
        let (a, b) = (turns(16), turns(6));
        // (threads, runs allowed): one thread, or two threads in one run.
        for (threads, max_runs) in [(1, 1), (2, 1)] {
            let p = plan(&[Some(&a), Some(&b)], threads, max_runs);
            assert_eq!((p.runs.len(), p.threads), (1, threads));
            assert_eq!(layout(&p), vec![vec![(0, 0, 310), (1, 0, 110)]]);
        }
        // Four threads, two runs allowed: two runs of two threads.
        let p = plan(&[Some(&a), Some(&b)], 4, 2);
        assert_eq!((p.runs.len(), p.threads), (2, 2));
        covers(&p, &[&a, &b]);
    }

    #[test]
    fn channels_without_speech_get_no_piece() {
        let a = turns(14);
        let silent = speech(100, &[]);
        let p = plan(&[None, Some(&a), Some(&silent)], 2, 2);
        assert_eq!(layout(&p), vec![vec![(1, 0, 130)], vec![(1, 140, 270)]]);
        let none = plan(&[None, None], 2, 2);
        assert_eq!((none.pieces(), none.threads), (0, 2));
    }

    #[test]
    fn a_channel_without_pauses_is_not_cut() {
        let whole = speech(200, &[(0, 200)]);
        let p = plan(&[Some(&whole)], 2, 2);
        assert_eq!((p.runs.len(), p.threads), (1, 2));
        assert_eq!(p.runs[0][0].chunk.len(), 200 * RATE + CHUNK_GAP);
    }
}
