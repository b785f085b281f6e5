//! The date of a call, and where it came from: the manifest's `date`, a
//! date and time in the file name, or the file's modification time, in
//! that order; the source is recorded with the date, so that a trend built
//! on file times can be told apart.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use regex::{Captures, Regex};
use serde::Serialize;

/// Where a call's date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    /// The batch manifest's `date` column.
    Manifest,
    /// A date (and time) in the recording's file name.
    FileName,
    /// The recording file's modification time.
    FileTime,
}

impl DateSource {
    /// The source as stored (`file_name`).
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::Manifest => "manifest",
            DateSource::FileName => "file_name",
            DateSource::FileTime => "file_time",
        }
    }
}

/// A call's date: ISO 8601, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` (the
/// recording's local time as the name or manifest gives it; file times in
/// UTC), and its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallDate {
    /// The date.
    pub value: String,
    /// Where it came from.
    pub source: DateSource,
}

/// The call's date from the first source that has one: the manifest's
/// `date` (if it reads as a date), the file name, then the file time.
pub fn call_date(
    manifest: Option<&str>,
    file_name: &str,
    modified: Option<SystemTime>,
) -> Option<CallDate> {
    let found = |value: String, source| Some(CallDate { value, source });
    if let Some(d) = manifest.and_then(iso_date) {
        return found(d, DateSource::Manifest);
    }
    if let Some(d) = from_file_name(file_name) {
        return found(d, DateSource::FileName);
    }
    modified
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .and_then(|d| found(from_unix(d.as_secs()), DateSource::FileTime))
}

/// A date as ISO 8601 (`2025-02-19`, `2025-02-19T06:01:22`,
/// `2025-02-19 06:01`) in its normal form, or `None` when it is no date.
pub fn iso_date(text: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$")
            .expect("valid pattern")
    });
    assemble(&re.captures(text.trim())?)
}

/// A date and time in a file name: `…2025-02-19T06-01-22…` (the call
/// recorders' export), `20251119_063000`, `20251119-0630` or a bare
/// `2025-11-19` / `20251119` between non-digits.
pub fn from_file_name(name: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?:^|\D)(\d{4})-?(\d{2})-?(\d{2})(?:[T_ -](\d{2})[-:.]?(\d{2})(?:[-:.]?(\d{2}))?)?(?:\D|$)",
        )
        .expect("valid pattern")
    });
    re.captures_iter(name).find_map(|c| assemble(&c))
}

/// `YYYY-MM-DD[THH:MM:SS]` from a match whose groups 1-6 are year, month,
/// day, hour, minute and second (the time optional, the second too), when
/// every field is in range (a year 1970–2099).
fn assemble(c: &Captures) -> Option<String> {
    let part = |i: usize| c.get(i).map(|m| m.as_str());
    let n = |s: &str| s.parse::<u32>().ok();
    let (year, month, day) = (n(part(1)?)?, n(part(2)?)?, n(part(3)?)?);
    let time = part(4)
        .zip(part(5))
        .map(|(h, m)| (h, m, part(6).unwrap_or("00")));
    let days_in = days_in_month(year, month)?;
    if !(1970..=2099).contains(&year) || day == 0 || day > days_in {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    match time {
        None => Some(date),
        Some((h, m, s)) => {
            let (h, m, s) = (n(h)?, n(m)?, n(s)?);
            (h < 24 && m < 60 && s < 60).then(|| format!("{date}T{h:02}:{m:02}:{s:02}"))
        }
    }
}

fn days_in_month(year: u32, month: u32) -> Option<u32> {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    Some(match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    })
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SS` (UTC), by Hinnant's
/// civil-from-days algorithm ("chrono-Compatible Low-Level Date
/// Algorithms"), so that no date crate is needed for this one conversion.
pub fn from_unix(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_come_from_the_manifest_the_name_or_the_file_time_in_that_order() {
        let t = UNIX_EPOCH + Duration::from_secs(1_739_944_882); // 2025-02-19T06:01:22Z
        let name = "Auto0_GUID_000_AGENT_ChrisL_DT_2025-02-19T06-01-22_Mono.wav";
        let d = call_date(Some("2025-03-01"), name, Some(t)).unwrap();
        assert_eq!(
            (d.value.as_str(), d.source),
            ("2025-03-01", DateSource::Manifest)
        );
        // A manifest cell that is no date falls through to the name.
        let d = call_date(Some("monday"), name, Some(t)).unwrap();
        assert_eq!(
            (d.value.as_str(), d.source),
            ("2025-02-19T06:01:22", DateSource::FileName)
        );
        let d = call_date(None, "call-0042.wav", Some(t)).unwrap();
        assert_eq!(
            (d.value.as_str(), d.source),
            ("2025-02-19T06:01:22", DateSource::FileTime)
        );
        assert_eq!(call_date(None, "call.wav", None), None);
    }

    #[test]
    fn file_names_in_the_recorders_forms() {
        let of = |n: &str| from_file_name(n);
        assert_eq!(
            of("20251119_063000_agent7.wav").as_deref(),
            Some("2025-11-19T06:30:00")
        );
        assert_eq!(
            of("rec-20251119-0630.wav").as_deref(),
            Some("2025-11-19T06:30:00")
        );
        assert_eq!(of("anna_2025-11-19.wav").as_deref(), Some("2025-11-19"));
        assert_eq!(of("20251119_x.wav").as_deref(), Some("2025-11-19"));
        // Not dates: a month 13, a 30th of February, a long number.
        assert_eq!(of("20251319_x.wav"), None);
        assert_eq!(of("2025-02-30.wav"), None);
        assert_eq!(of("order-4111111111111111.wav"), None);
    }

    #[test]
    fn unix_times_convert_to_utc_dates() {
        assert_eq!(from_unix(0), "1970-01-01T00:00:00");
        assert_eq!(from_unix(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(from_unix(1_739_944_882), "2025-02-19T06:01:22");
    }
}
