//! `calibrate`: a scoring profile fitted to a team's scorecards.

use std::path::PathBuf;
use std::process::ExitCode;

use callcoach::findings::Profile;

use super::common::{usage_error, Result};

/// Arguments of `calibrate`.
#[derive(clap::Args)]
pub struct CalibrateArgs {
    /// Scorecard JSON files, or output directories of `callcoach batch`
    /// (their calls/ folder is read).
    #[arg(required = true, value_name = "SCORECARDS")]
    pub inputs: Vec<PathBuf>,
    /// The profile to write (TOML); without it the distribution is only printed.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Start from this profile instead of the built-in bands.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// The team percentile that becomes `good` (in the bad direction).
    #[arg(long, default_value_t = 50.0, value_name = "P")]
    pub good_percentile: f64,
    /// The team percentile, in the bad direction, that becomes `bad`.
    #[arg(long, default_value_t = 95.0, value_name = "P")]
    pub bad_percentile: f64,
    /// The default bands count as this many calls: with n calls a band
    /// moves n / (n + K) of the way toward the team.
    #[arg(long, default_value_t = 20.0, value_name = "K")]
    pub prior_calls: f64,
    /// The most an end of a band may move, as a fraction of the default width.
    #[arg(long, default_value_t = 0.5, value_name = "FRACTION")]
    pub max_shift: f64,
    /// Print the distribution as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `calibrate`: a profile fitted to a team's scorecards; the distribution
/// on stdout, the profile written atomically.
pub fn calibrate(args: CalibrateArgs) -> Result<ExitCode> {
    use callcoach::findings::calibrate::{self, CalibrateOptions};
    let opts = CalibrateOptions {
        good_percentile: args.good_percentile,
        bad_percentile: args.bad_percentile,
        prior_calls: args.prior_calls,
        max_shift: args.max_shift,
        ..CalibrateOptions::default()
    };
    if let Err(e) = opts.check() {
        return usage_error(e);
    }
    let base = match &args.profile {
        Some(p) => Profile::load(p)?,
        None => Profile::default(),
    };
    let calls = calibrate::read_scorecards(&args.inputs)?;
    let profile = calibrate::calibrate(&calls, &base, &opts);
    if let Some(out) = &args.output {
        let text = calibrate::profile_toml(&profile);
        callcoach::output::write_atomic(out, text.as_bytes())
            .map_err(|e| format!("{}: cannot write profile: {e}", out.display()))?;
    }
    if args.json {
        println!("{}", callcoach::render::calibration_json(&profile));
    } else {
        print!("{}", callcoach::render::calibration_text(&profile));
    }
    if let Some(out) = &args.output {
        eprintln!("callcoach: profile written to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
