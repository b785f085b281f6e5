//! Scores one call and prints where the time goes, per pipeline stage, as a
//! real-time factor. Used by scripts/bench_score.sh.
//!
//! cargo run --release --example bench_score -- CALL.wav [LANG]

use std::path::PathBuf;
use std::time::Instant;

use callcoach::findings::Profile;
use callcoach::scorecard::{ScoreOptions, Scorer};
use callcoach::structure::Channel;
use callcoach::transcribe::{Options, Recognizer};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().expect("usage: bench_score CALL.wav [LANG]"));
    let language = args.next();
    let duration = callcoach::audio::probe(&path)
        .expect("readable WAV")
        .duration_s();

    let t0 = Instant::now();
    let model = callcoach::model::resolve_model(None).expect("model");
    let recognizer = Recognizer::load(&model).expect("model loads");
    let load_s = t0.elapsed().as_secs_f64();
    let scorer = Scorer::new(&recognizer, Profile::default(), "default".into());
    let opts = ScoreOptions {
        language,
        agent_channel: Channel::Left,
        speakers: 2,
        agent_speaks_first: true,
        decode: Options::default(),
        pii: callcoach::redact::PiiMode::Redacted,
    };
    let mut stages: Vec<(String, Instant)> = Vec::new();
    let start = Instant::now();
    let card = scorer
        .score_with_progress(&path, &opts, &mut |s| {
            stages.push((s.to_string(), Instant::now()))
        })
        .expect("scored");
    let end = Instant::now();
    let total = end - start;
    println!(
        "file {} ({duration:.1} s audio, {} channels)",
        path.display(),
        card.channels
    );
    println!("model load        {load_s:7.2} s");
    for (i, (name, at)) in stages.iter().enumerate() {
        let next = stages.get(i + 1).map_or(end, |s| s.1);
        let s = (next - *at).as_secs_f64();
        println!("{name:<17} {s:7.2} s  {:6.3} x real time", s / duration);
    }
    println!(
        "score total       {:7.2} s  {:6.3} x real time (overall score {})",
        total.as_secs_f64(),
        total.as_secs_f64() / duration,
        card.overall_score
    );
}
