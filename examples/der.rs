//! Scores a diarization hypothesis against a reference, both RTTM files,
//! with callcoach's DER scorer (NIST md-eval style: 0.25 s collar, overlap
//! scored, best one-to-one speaker mapping), and prints the talk share of
//! the reference's first speaker against the share of the hypothesis
//! speaker mapped to it. Used by scripts/segmentation_eval.sh.
//!
//! cargo run --release --example der -- REF.rttm HYP.rttm

use callcoach::structure::der::{self, Segment, COLLAR_S};
use callcoach::structure::Interval;

fn read(path: &str) -> Vec<Segment> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    der::read_rttm(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The share of `who` in `segs`, against everyone else.
fn share(segs: &[Segment], who: &str) -> Option<f64> {
    let mine = der::intervals_of(segs, who);
    let rest: Vec<Interval> = segs
        .iter()
        .filter(|s| s.speaker != who)
        .map(|s| Interval {
            start_s: s.start_s,
            end_s: s.end_s,
        })
        .collect();
    der::agent_share(&mine, &rest)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 2 {
        eprintln!("usage: der REF.rttm HYP.rttm");
        std::process::exit(2);
    }
    let (reference, hypothesis) = (read(&args[0]), read(&args[1]));
    let d = der::score(&reference, &hypothesis, COLLAR_S);
    let first = reference
        .iter()
        .min_by(|a, b| a.start_s.total_cmp(&b.start_s))
        .map(|s| s.speaker.clone())
        .unwrap_or_default();
    let mapped = d
        .mapping
        .iter()
        .find(|(r, _)| *r == first)
        .map(|(_, h)| h.clone());
    let pct = |x: f64| 100.0 * x / d.total_s.max(1e-9);
    println!(
        "DER {:.1} % (missed {:.1}, false alarm {:.1}, confusion {:.1} % of {:.1} s); \
         {first}'s share {:.3}, mapped hypothesis {:.3}",
        100.0 * d.der,
        pct(d.missed_s),
        pct(d.false_alarm_s),
        pct(d.confusion_s),
        d.total_s,
        share(&reference, &first).unwrap_or(f64::NAN),
        mapped
            .and_then(|h| share(&hypothesis, &h))
            .unwrap_or(f64::NAN),
    );
}
