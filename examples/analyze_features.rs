//! Prints the voice features of WAV files as JSON, one object per file with
//! one report per channel: `cargo run --release --example analyze_features --
//! [--frames] [--params JSON] FILE.wav...`. Used by scripts/praat_compare.py until
//! `callcoach analyze` is wired in the binary.

use callcoach::audio;
use callcoach::features::{analyze_channel, FeatureParams};
use std::path::Path;

fn main() {
    let mut params = FeatureParams::default();
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--frames" {
            params.keep_frames = true;
        } else if a == "--params" {
            // A JSON object overriding FeatureParams fields (for experiments).
            let json = args.next().unwrap_or_default();
            match serde_json::from_str(&json) {
                Ok(p) => params = FeatureParams { keep_frames: params.keep_frames, ..p },
                Err(e) => {
                    eprintln!("--params: {e}");
                    std::process::exit(2);
                }
            }
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        eprintln!("usage: analyze_features [--frames] FILE.wav...");
        std::process::exit(2);
    }
    let mut out = serde_json::Map::new();
    for f in &files {
        let audio = match audio::load(Path::new(f), None) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        let reports: Vec<_> = audio
            .channels
            .iter()
            .map(|c| analyze_channel(c, audio.sample_rate, &params))
            .collect();
        out.insert(
            f.clone(),
            serde_json::json!({"sample_rate": audio.sample_rate, "channels": reports}),
        );
    }
    println!("{}", serde_json::Value::Object(out));
}
