//! Prints the mono-diarization table of issue 16: DER (NIST md-eval style,
//! 0.25 s collar, overlap scored) and agent talk share of the mono analysis
//! on the real calls mixed to mono and on the two-speaker call, with the
//! energy VAD and with Silero VAD + energy (when models/ggml-silero-vad.bin
//! is there). Used by scripts/diarization_eval.sh; the figures are in
//! docs/call-structure.md and asserted by tests/diarization.rs.
//!
//! cargo run --release --example diarization_eval -- [--rttm-dir DIR]
//!
//! `--rttm-dir DIR` also writes each case's reference and hypotheses as
//! RTTM (`NAME.ref.rttm`, `NAME.energy.rttm`, `NAME.silero.rttm`), for
//! md-eval or pyannote.metrics.

#[path = "../tests/diarization/cases.rs"]
mod cases;

use std::path::PathBuf;

use callcoach::structure::der::write_rttm;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut rttm_dir: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rttm-dir" => rttm_dir = args.next().map(PathBuf::from),
            _ => {
                eprintln!("usage: diarization_eval [--rttm-dir DIR]");
                std::process::exit(2);
            }
        }
    }
    let silero = cases::silero();
    let mut detectors = vec![("energy", None)];
    match &silero {
        Some(s) => detectors.push(("silero", Some(s))),
        None => eprintln!(
            "diarization_eval: models/ggml-silero-vad.bin not found: energy VAD only \
             (run `callcoach model fetch silero-vad`)"
        ),
    }
    for (label, vad) in detectors {
        let rows: Vec<cases::Row> = cases::CASES.iter().map(|&c| cases::run(c, vad)).collect();
        let title = match label {
            "energy" => "### MFCC GMM diarization, speech by energy VAD",
            _ => "### MFCC GMM diarization, speech by Silero VAD and energy",
        };
        println!("{}", cases::table(title, &rows));
        for r in &rows {
            eprintln!(
                "{label}: {}: {:.1} s; diarization {:?}",
                r.case.name, r.seconds, r.diarization
            );
        }
        if label == "energy" {
            // Who is the agent when the customer speaks first: the same
            // call without and with its words.
            let (case, channels, reference, words) = cases::customer_first();
            let agent = Some("agent".to_string());
            let rows = [
                cases::score_mono(case, &channels, reference.clone(), agent.clone(), &[], vad),
                cases::score_mono(case, &channels, reference, agent, &words, vad),
            ];
            println!(
                "{}",
                cases::table(
                    "### Customer first: autorepair-40 mixed to mono, without and with words",
                    &rows
                )
            );
            for r in &rows {
                let reason = r.diarization.as_ref().map(|d| d.agent_reason.as_str());
                eprintln!(
                    "customer first: agent right {:?}: {reason:?}",
                    r.agent_right
                );
            }
        }
        if let Some(dir) = &rttm_dir {
            std::fs::create_dir_all(dir).expect("create the RTTM folder");
            for r in &rows {
                let stem = std::path::Path::new(r.case.file)
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("call")
                    .to_string();
                let write = |suffix: &str, segs: &[callcoach::structure::der::Segment]| {
                    let p = dir.join(format!("{stem}.{suffix}.rttm"));
                    std::fs::write(&p, write_rttm(&stem, segs)).expect("write RTTM");
                };
                write(label, &r.hypothesis);
                if !r.reference.is_empty() {
                    write("ref", &r.reference);
                }
            }
        }
    }
}
