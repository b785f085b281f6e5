//! Prints the tables of the mono-diarization evaluation: DER (NIST md-eval style,
//! 0.25 s collar, overlap scored) and agent talk share of the mono analysis
//! on the real calls mixed to mono and on the two-speaker call, for each
//! speaker model (GE2E embeddings when models/ge2e-resemblyzer.safetensors
//! is there, MFCC clustering always) and speech detector (energy; Silero
//! VAD and energy when models/ggml-silero-vad.bin is there); then, with
//! `--sweep`, the GE2E settings around the defaults. Used by
//! scripts/diarization_eval.sh; the figures are in docs/call-structure.md
//! and asserted by tests/diarization.rs.
//!
//! cargo run --release --example diarization_eval -- [--sweep] [--rttm-dir DIR]
//!
//! `--rttm-dir DIR` also writes each case's reference and hypotheses as
//! RTTM (`NAME.ref.rttm`, `NAME.SETUP.rttm`), for md-eval or pyannote.metrics.

#[path = "../tests/diarization/cases.rs"]
mod cases;

use std::path::PathBuf;

use callcoach::structure::der::write_rttm;
use callcoach::structure::StructureParams;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut rttm_dir: Option<PathBuf> = None;
    let mut sweep = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rttm-dir" => rttm_dir = args.next().map(PathBuf::from),
            "--sweep" => sweep = true,
            _ => {
                eprintln!("usage: diarization_eval [--sweep] [--rttm-dir DIR]");
                std::process::exit(2);
            }
        }
    }
    let silero = cases::silero();
    let ge2e = cases::speaker_model();
    if silero.is_none() {
        eprintln!("diarization_eval: models/ggml-silero-vad.bin not found: energy VAD only (run `callcoach model fetch silero-vad`)");
    }
    if ge2e.is_none() {
        eprintln!("diarization_eval: models/ge2e-resemblyzer.safetensors not found: MFCC only (run `callcoach model fetch ge2e`)");
    }
    let mut setups: Vec<(&str, String, StructureParams)> = Vec::new();
    if let Some(m) = &ge2e {
        setups.push((
            "ge2e",
            "### GE2E speaker embeddings (the pipeline's default), speech by energy VAD".into(),
            cases::params(None, Some(m)),
        ));
    }
    setups.push((
        "mfcc",
        "### MFCC GMM diarization (the fallback without the speaker model), speech by energy VAD"
            .into(),
        cases::params(None, None),
    ));
    if let Some(v) = &silero {
        if let Some(m) = &ge2e {
            setups.push((
                "ge2e-silero",
                "### GE2E speaker embeddings, speech by Silero VAD and energy".into(),
                cases::params(Some(v), Some(m)),
            ));
        }
        setups.push((
            "mfcc-silero",
            "### MFCC GMM diarization, speech by Silero VAD and energy".into(),
            cases::params(Some(v), None),
        ));
    }
    for (label, title, params) in &setups {
        let rows: Vec<cases::Row> = cases::CASES
            .iter()
            .map(|&c| cases::run(c, params))
            .collect();
        println!("{}", cases::table(title, &rows));
        for r in &rows {
            eprintln!(
                "{label}: {}: {:.1} s; diarization {:?}",
                r.case.name, r.seconds, r.diarization
            );
        }
        if params.speech_vad.is_none() {
            // Who is the agent when the customer speaks first: the same
            // call without and with its words.
            let (case, channels, reference, words) = cases::customer_first();
            let agent = Some("agent".to_string());
            let rows = [
                cases::score_mono(
                    case,
                    &channels,
                    reference.clone(),
                    agent.clone(),
                    &[],
                    params,
                ),
                cases::score_mono(case, &channels, reference, agent, &words, params),
            ];
            println!("{}", cases::table(&format!("### Customer first ({label}): autorepair-40 mixed to mono, without and with words"), &rows));
            for r in &rows {
                let reason = r.diarization.as_ref().map(|d| d.agent_reason.as_str());
                eprintln!(
                    "customer first ({label}): agent right {:?}: {reason:?}",
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
    if let (true, Some(m)) = (sweep, &ge2e) {
        println!("### GE2E settings (energy VAD): DER and agent-share error per case\n");
        println!("| window | hop | scale | MFCC rounds after | autorepair-40 | autorepair-49 | two-speaker-call | seconds (40 + 49) |\n|---|---|---|---|---|---|---|---|");
        let base = cases::params(None, Some(m));
        for (w, h, s, r) in [
            (1.6, 0.8, 40.0, 1),
            (1.6, 0.8, 40.0, 0),
            (1.6, 0.4, 40.0, 1),
            (1.6, 0.8, 20.0, 1),
            (1.6, 0.8, 80.0, 1),
            (1.0, 0.8, 40.0, 1),
            (2.4, 0.8, 40.0, 1),
            (1.6, 0.8, 40.0, 3),
        ] {
            let p = StructureParams {
                diar_embed_window_s: w,
                diar_embed_hop_s: h,
                diar_embed_scale: s,
                diar_embed_reseg_rounds: r,
                ..base.clone()
            };
            let rows: Vec<cases::Row> = cases::CASES[..3]
                .iter()
                .map(|&c| cases::run(c, &p))
                .collect();
            let cell = |r: &cases::Row| {
                format!(
                    "{:.1} % / {:+.3}",
                    100.0 * r.der.as_ref().unwrap().der,
                    r.share_error().unwrap()
                )
            };
            println!(
                "| {w} s | {h} s | {s} | {r} | {} | {} | {} | {:.1} |",
                cell(&rows[0]),
                cell(&rows[1]),
                cell(&rows[2]),
                rows[0].seconds + rows[1].seconds
            );
        }
    }
}
