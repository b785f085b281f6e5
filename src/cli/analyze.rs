//! `analyze`: the voice figures of each channel; no whisper.

use std::path::PathBuf;
use std::process::ExitCode;

use callcoach::audio;

use super::common::{expand_inputs, select_channel, Channel, Result};

/// Arguments of `analyze`.
#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// WAV files or directories of WAV files.
    #[arg(required = true, value_name = "CALL.wav")]
    pub inputs: Vec<PathBuf>,
    /// Channel to analyse [default: every channel].
    #[arg(long, value_enum)]
    pub channel: Option<Channel>,
    /// Print one JSON object per file on stdout.
    #[arg(long)]
    pub json: bool,
    /// Add the per-frame track (time, F0 or null, dB) to the JSON.
    #[arg(long)]
    pub frames: bool,
}

/// `analyze`: voice figures per channel at the file's own rate; no whisper.
pub fn analyze(args: AnalyzeArgs) -> Result<ExitCode> {
    let files = expand_inputs(&args.inputs)?;
    let params = callcoach::features::FeatureParams {
        keep_frames: args.frames,
        ..Default::default()
    };
    for path in &files {
        let audio = audio::load(path, None)?;
        let names = ["left", "right"];
        let selected: Vec<(&str, Vec<f32>)> = match args.channel {
            None if audio.channels.len() == 1 => vec![("mono", audio.channels[0].clone())],
            None => audio
                .channels
                .iter()
                .zip(names)
                .map(|(c, n)| (n, c.clone()))
                .collect(),
            Some(ch) => vec![(
                match ch {
                    Channel::Left => "left",
                    Channel::Right => "right",
                    Channel::Mix => "mix",
                },
                select_channel(&audio, ch, path)?,
            )],
        };
        let reports: Vec<serde_json::Value> = selected
            .iter()
            .map(|(name, samples)| {
                let report =
                    callcoach::features::analyze_channel(samples, audio.sample_rate, &params);
                let mut v = serde_json::to_value(report).expect("serialisable");
                v["channel"] = (*name).into();
                v
            })
            .collect();
        if args.json {
            let doc = serde_json::json!({
                "schema": "callcoach.voice/1",
                "file": path.display().to_string(),
                "duration_ms": (audio.duration_s() * 1000.0).round() as u64,
                "sample_rate_hz": audio.sample_rate,
                "channels": reports,
            });
            println!("{}", serde_json::to_string(&doc)?);
        } else {
            println!(
                "{} ({:.1} s, {} Hz)",
                path.display(),
                audio.duration_s(),
                audio.sample_rate
            );
            for r in &reports {
                println!("{}", callcoach::render::voice_text(r));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
