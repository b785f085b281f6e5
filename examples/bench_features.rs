//! Speed of the whole voice analysis (`analyze_channel`) on one thread.
//!
//! `bench_features FILE.wav [SECONDS] [OUT.wav]`: tiles the file's first
//! channel to SECONDS (default 60), runs the analysis repeatedly for about
//! two seconds, and prints the time per minute of audio and the real-time
//! factor. With OUT.wav it also writes the tiled signal (16-bit PCM) so that
//! scripts/bench_features.sh can time Praat on the very same audio.

use callcoach::audio;
use callcoach::features::{analyze_channel, pitch, FeatureParams};
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(file) = args.first() else {
        eprintln!("usage: bench_features FILE.wav [SECONDS] [OUT.wav]");
        std::process::exit(2);
    };
    let secs: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60.0);
    let a = match audio::load(Path::new(file), None) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let src = &a.channels[0];
    let n = (secs * a.sample_rate as f64) as usize;
    let x: Vec<f32> = src.iter().copied().cycle().take(n).collect();
    if let Some(out) = args.get(2) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: a.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(out, spec).expect("cannot write the tiled WAV");
        for &v in &x {
            w.write_sample((v * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
                .unwrap();
        }
        w.finalize().unwrap();
    }
    let params = FeatureParams::default();
    let time = |f: &dyn Fn()| {
        f();
        let start = Instant::now();
        let mut runs = 0;
        while start.elapsed().as_secs_f64() < 2.0 || runs < 3 {
            f();
            runs += 1;
        }
        start.elapsed().as_secs_f64() / runs as f64
    };
    let full = time(&|| {
        std::hint::black_box(analyze_channel(&x, a.sample_rate, &params));
    });
    let pitch_only = time(&|| {
        std::hint::black_box(pitch::track(&x, a.sample_rate, &params.pitch));
    });
    let per_min = 60.0 / secs;
    println!(
        "callcoach full analysis: {:.1} ms per minute of {} Hz audio = {:.0}x real time (one thread)",
        full * per_min * 1000.0,
        a.sample_rate,
        secs / full
    );
    println!(
        "callcoach pitch (two passes): {:.1} ms per minute = {:.0}x real time",
        pitch_only * per_min * 1000.0,
        secs / pitch_only
    );
    println!("FULL_S_PER_MIN={:.6}", full * per_min);
}
