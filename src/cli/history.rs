//! `history`: a team's scored calls over weeks, in a SQLite database
//! (docs/history.md). `history import OUT_DIR… --db PATH` records batch
//! output directories; `history --db PATH` prints per-agent trends.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use callcoach::findings::FindingId;
use callcoach::history::{import_dir, History, ImportError, Period, Report, ReportQuery};

use super::common::{usage_error, Result};

/// Arguments of `history`: a report, or `history import`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryArgs {
    /// `import`: record batch output directories.
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
    /// The report's options.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `history`'s subcommands.
#[derive(clap::Subcommand)]
pub enum HistoryCommand {
    /// Record the scored calls of batch output directories (merged shard output too).
    Import(ImportArgs),
}

/// Arguments of `history import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// Output directories of `callcoach batch` or `callcoach merge`.
    #[arg(required = true, value_name = "OUT_DIR")]
    pub dirs: Vec<PathBuf>,
    /// The history database (created when missing).
    #[arg(long, value_name = "PATH")]
    pub db: PathBuf,
}

/// Arguments of the report.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// The history database.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// One agent only.
    #[arg(long, value_name = "A")]
    pub agent: Option<String>,
    /// From this date on (YYYY-MM-DD).
    #[arg(long, value_name = "D")]
    pub since: Option<String>,
    /// Up to this date (YYYY-MM-DD).
    #[arg(long, value_name = "D")]
    pub until: Option<String>,
    /// Length of the periods.
    #[arg(long, value_enum, default_value = "week")]
    pub period: PeriodArg,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `--period`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum PeriodArg {
    /// Calendar days.
    Day,
    /// Weeks from Monday.
    Week,
    /// Calendar months.
    Month,
}

/// `history`: import, or print the report.
pub fn history(args: HistoryArgs) -> Result<ExitCode> {
    if let Some(HistoryCommand::Import(a)) = args.command {
        return import(a);
    }
    let r = args.report;
    let Some(db) = r.db else {
        return usage_error("history: give the database with --db PATH");
    };
    for d in [&r.since, &r.until].into_iter().flatten() {
        if callcoach::history::date::iso_date(d).as_deref() != Some(d.as_str()) {
            return usage_error(format!("history: {d:?} is no date (YYYY-MM-DD)"));
        }
    }
    if !db.is_file() {
        return usage_error(format!(
            "{}: no history database here (record calls with `callcoach history import OUT_DIR --db {}`)",
            db.display(),
            db.display()
        ));
    }
    let history = History::open(&db)?;
    let report = history.report(&ReportQuery {
        agent: r.agent,
        since: r.since,
        until: r.until,
        period: match r.period {
            PeriodArg::Day => Period::Day,
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
        },
    })?;
    if r.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report_text(&report));
    }
    Ok(ExitCode::SUCCESS)
}

/// `history import`: every directory into the database, one line each.
fn import(args: ImportArgs) -> Result<ExitCode> {
    // Every directory is checked before the database is opened (or
    // created), so that a wrong argument leaves no empty database behind.
    for dir in &args.dirs {
        if !callcoach::output::layout::calls_dir(dir).is_dir() {
            return Err(ImportError::NotBatch(dir.clone()).into());
        }
    }
    let mut history = History::open(&args.db)?;
    for dir in &args.dirs {
        let n = import_dir(&mut history, dir)?;
        println!(
            "{}: {} added, {} already recorded, {} re-scored (earlier version kept)",
            dir.display(),
            n.added,
            n.unchanged,
            n.replaced
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The report as a table: per agent and period the calls and each
/// finding's mean score, with ▲/▼ where it moved 5 points or more since
/// the agent's previous period; then the team's most common mistake.
fn report_text(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(out, "{:<14} {:<10} {:>5}", "agent", "period", "calls");
    for id in FindingId::ALL {
        let _ = write!(out, " {:>11}", id.as_str());
    }
    out.push('\n');
    for a in &report.agents {
        for p in &a.periods {
            let _ = write!(out, "{:<14} {:<10} {:>5}", a.agent, p.start, p.calls);
            for id in FindingId::ALL {
                let cell = p.findings.get(id.as_str()).map_or_else(
                    || "–".to_string(),
                    |f| {
                        let mark = match f.change {
                            Some(c) if c >= 5.0 => " ▲",
                            Some(c) if c <= -5.0 => " ▼",
                            _ => "  ",
                        };
                        f.mean_score
                            .map_or("–".to_string(), |m| format!("{m:.0}{mark}"))
                    },
                );
                let _ = write!(out, " {cell:>11}");
            }
            out.push('\n');
        }
    }
    out.push('\n');
    for t in &report.team {
        let _ = writeln!(
            out,
            "team {}: {} calls, most common problem: {}",
            t.start,
            t.calls,
            t.most_common_problem.as_deref().unwrap_or("none")
        );
    }
    out
}
