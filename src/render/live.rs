//! One-line displays for `record` (level meter) and `live` (rolling figures
//! and hints), and the words line of `live --transcribe`.

use crate::capture::recorder::Level;
use crate::live::Reading;
use crate::transcript::{join_words, Word};

/// Width of the meter bar in characters; it spans −60..0 dBFS.
const METER_WIDTH: usize = 30;

/// "mm:ss.s" for a time in seconds.
fn clock(t: f64) -> String {
    let t = t.max(0.0);
    format!("{:02}:{:04.1}", (t / 60.0).floor() as u64, t % 60.0)
}

/// The recording meter: elapsed time, a peak bar over −60..0 dBFS, the peak
/// in dBFS and a clipping warning.
pub fn meter_line(level: &Level) -> String {
    let fill = (((level.peak_dbfs + 60.0) / 60.0).clamp(0.0, 1.0) * METER_WIDTH as f64) as usize;
    let bar: String = "#".repeat(fill) + &"-".repeat(METER_WIDTH - fill);
    let peak = if level.peak_dbfs.is_finite() {
        format!("{:6.1} dBFS", level.peak_dbfs)
    } else {
        "  -inf dBFS".to_string()
    };
    let clip = if level.clipped {
        "  CLIPPING! move the microphone away or turn the gain down"
    } else if level.clipped_total > 0 {
        "  (clipped earlier)"
    } else {
        ""
    };
    format!("REC {} [{bar}] {peak}{clip}", clock(level.elapsed_s))
}

/// The live line: rolling figures, then the hints ("» slower · louder").
pub fn reading_line(r: &Reading) -> String {
    let f = |v: Option<f64>, unit: &str, digits: usize| match v {
        Some(v) => format!("{v:.digits$} {unit}"),
        None => format!("- {unit}"),
    };
    let mut line = format!(
        "{}  rate {}  melody {}  level {}  pauses {}",
        clock(r.t_s),
        f(r.articulation_rate_syl_per_s, "syl/s", 1),
        f(r.f0_std_semitones, "st", 1),
        f(r.level_dbfs, "dBFS", 0),
        f(r.pauses_per_min, "/min", 0),
    );
    if !r.hints.is_empty() {
        let hints: Vec<&str> = r.hints.iter().map(|h| h.text.as_str()).collect();
        line.push_str("  » ");
        line.push_str(&hints.join(" · "));
    }
    line
}

/// Words as they come: "[mm:ss.s] word word word".
pub fn words_line(words: &[Word]) -> String {
    let start = words.first().map_or(0, |w| w.start_ms) as f64 / 1000.0;
    let text = join_words(words.iter().map(|w| w.text.as_str()));
    format!("[{}] {}", clock(start), text)
}
