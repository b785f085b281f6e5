//! `score` and `turns`: the whole pipeline per call, printed as a scorecard
//! or as the call structure, optionally with the visual report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::common::load_recognizer;
use callcoach::model;
use callcoach::scorecard::Scorer;

use super::common::{
    exit_for, expand_inputs, roles_warning, CallArgs, DecodeArgs, EmbedArg, ModelArg, Result,
};
use super::term::Term;

/// Arguments of `score` and `turns`.
#[derive(clap::Args)]
pub struct ScoreArgs {
    /// WAV files or directories of WAV files.
    #[arg(required = true, value_name = "CALL.wav")]
    pub inputs: Vec<PathBuf>,
    /// How to read each call.
    #[command(flatten)]
    pub call: CallArgs,
    /// Print one JSON object per call on stdout (docs/scorecard.md).
    #[arg(long)]
    pub json: bool,
    /// Also write the visual report (docs/html-report.md): the page for one
    /// call, or a directory of pages (<name>.html) for several.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// How the HTML pages carry the audio.
    #[command(flatten)]
    pub embed: EmbedArg,
    /// The whisper model.
    #[command(flatten)]
    pub model: ModelArg,
    /// whisper's decoding.
    #[command(flatten)]
    pub decode: DecodeArgs,
}

/// `score` and `turns`: the whole pipeline per call; `turns_only` prints the
/// call structure instead of the scorecard. A call that fails is reported on
/// stderr and the others go on; the exit code is 1 if any failed. The
/// scorecard is coloured as `term` says.
pub fn score(args: ScoreArgs, turns_only: bool, term: &Term) -> Result<ExitCode> {
    let files = expand_inputs(&args.inputs)?;
    let pages = html_pages(args.html.as_deref(), &files)?;
    let model = model::resolve_model(args.model.model.as_deref())?;
    let recognizer = load_recognizer(&model)?;
    let (profile, profile_name) = args.call.profile()?;
    let mut scorer = Scorer::new(&recognizer, profile, profile_name);
    args.call.apply_roles(&mut scorer);
    let opts = args.call.options(&args.decode)?;
    let style = callcoach::render::Style::new(term.stdout_color);
    let mut failed = 0;
    let mut noticed = false;
    for (i, path) in files.iter().enumerate() {
        let (card, series) = match scorer.score_for_report(path, &opts, &mut |_| {}) {
            Ok(scored) => scored,
            Err(e) => {
                eprintln!("callcoach: error: {e}");
                failed += 1;
                continue;
            }
        };
        if let Some(w) = roles_warning(&card, path) {
            eprintln!("{w}");
        }
        if let (false, Some(n)) = (noticed, scorer.speaker_model_notice(&card)) {
            eprintln!("callcoach: {n}");
            noticed = true;
        }
        if let Some(page) = pages.get(i) {
            let html = args.embed.options();
            if let Err(e) = callcoach::report::write_call_page(page, &card, &series, path, &html) {
                eprintln!("callcoach: error: {e}");
                failed += 1;
            }
        }
        match (turns_only, args.json) {
            (false, true) => println!("{}", serde_json::to_string(&card)?),
            (true, true) => println!("{}", serde_json::to_string(&card.structure)?),
            (false, false) => {
                if i > 0 {
                    println!();
                }
                print!("{}", callcoach::render::scorecard_text(&card, style));
            }
            (true, false) => {
                println!("{}", path.display());
                print!("{}", callcoach::render::structure_text(&card.structure));
            }
        }
    }
    Ok(exit_for(failed))
}

/// The page of each call for `score --html PATH`: PATH itself for one call;
/// for several, PATH is a directory (created) of `<file stem>.html`. Checks
/// that they can be written before any scoring.
fn html_pages(html: Option<&Path>, files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let Some(target) = html else {
        return Ok(Vec::new());
    };
    let pages: Vec<PathBuf> = if files.len() == 1 && !target.is_dir() {
        vec![target.to_path_buf()]
    } else {
        std::fs::create_dir_all(target).map_err(|e| {
            format!(
                "{}: cannot create the directory for the HTML pages: {e}",
                target.display()
            )
        })?;
        let mut used = std::collections::HashSet::new();
        files
            .iter()
            .map(|f| {
                let stem = f
                    .file_stem()
                    .map_or_else(|| "call".into(), |s| s.to_string_lossy().into_owned());
                let mut name = format!("{stem}.html");
                let mut k = 2;
                while !used.insert(name.clone()) {
                    name = format!("{stem}-{k}.html");
                    k += 1;
                }
                target.join(name)
            })
            .collect()
    };
    for p in &pages {
        callcoach::report::check_writable(p)?;
    }
    Ok(pages)
}
