//! Runs of spoken digits (card, phone, customer numbers, dates of birth,
//! post codes) and IBANs.
//!
//! A run is the number words of one party in a row; hesitations and
//! corrections ("oh four … no, oh five") and the other party's
//! back-channels between them do not end it, a pause longer than the
//! rules' gap does. A long run is always redacted; a short one only after
//! a cue; a run followed by a unit ("37 pounds", "8 a.m.", "two days") or
//! holding a month (a date) is kept unless a cue says otherwise. A later
//! run repeating an earlier value's digits (the agent's read-back) gets its
//! kind.

use super::checks::{iban_mod97, luhn};
use super::Ctx;
use crate::redact::numbers::{spoken_digits, word_pieces};
use crate::redact::Kind;

/// A run of digits said by one party.
#[derive(Debug)]
struct Run {
    /// Its words, ascending: the numbers and the fillers between them.
    words: Vec<usize>,
    /// The digits as a person would write them.
    digits: String,
    /// Whether it holds a month or a written date ("05.03.1985").
    date: bool,
    /// Whether a unit word follows it (a price, time or quantity).
    unit_after: bool,
}

/// What a word adds to a run.
enum Member {
    /// A number said or written; `strong` unless only "oh" or "double".
    Number { strong: bool },
    /// A month name: its two digits.
    Month(usize),
    /// A written date's digits ("05.03.1985").
    Date(String),
}

/// What word `i` adds to a run, if it belongs in one.
fn member(ctx: &Ctx, i: usize) -> Option<Member> {
    let raw = ctx.words[i].text;
    if let Some(digits) = written_date(raw) {
        return Some(Member::Date(digits));
    }
    if let Some(m) = ctx.rules.month(&ctx.norm[i]) {
        return Some(Member::Month(m));
    }
    let pieces = word_pieces(raw)?;
    Some(Member::Number {
        strong: pieces.iter().any(|p| p.is_strong()),
    })
}

/// The digits of a date written with dots or slashes ("05.03.1985",
/// "5/3/85").
fn written_date(raw: &str) -> Option<String> {
    let core = raw.trim_matches(|c: char| !c.is_ascii_digit());
    let parts: Vec<&str> = core.split(['.', '/']).collect();
    let ok = parts.len() == 3
        && parts[..2].iter().all(|p| (1..=2).contains(&p.len()))
        && (parts[2].len() == 2 || parts[2].len() == 4)
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| parts.concat())
}

/// The run that starts at word `start`, if a number word starts one there.
fn run_from(ctx: &Ctx, start: usize) -> Option<Run> {
    let limits = &ctx.rules.limits;
    let mut members = vec![start];
    let mut words = vec![start];
    let mut pending = Vec::new();
    let mut at = start;
    while let Some(next) = ctx.next_same(at) {
        let last = *members.last()?;
        if ctx.taken[next]
            || ctx.words[next].start_ms > ctx.words[last].end_ms + limits.run_gap_ms
            || !back_channel(ctx, at, next)
        {
            break;
        }
        if member(ctx, next).is_some() && !year_then_words(ctx, last, next) {
            words.append(&mut pending);
            words.push(next);
            members.push(next);
            at = next;
        } else if let Some(end) = ctx.any_phrase_at(next, &ctx.rules.filler) {
            let mut i = next;
            pending.push(i);
            while i < end {
                i = ctx.next_same(i)?;
                pending.push(i);
            }
            at = end;
        } else if ctx.is_in(next, &ctx.rules.date_filler)
            && (is_month(ctx, last) || ctx.next_same(next).is_some_and(|m| is_month(ctx, m)))
        {
            pending.push(next);
            at = next;
        } else {
            break;
        }
    }
    // "Oh, …" opening a run is an exclamation, not a zero.
    while members.len() > 1 && !is_strong(ctx, members[0]) && ctx.ends_clause(members[0]) {
        words.retain(|&w| w != members[0]);
        members.remove(0);
    }
    if !members.iter().any(|&m| is_strong(ctx, m)) {
        return None;
    }
    let mut date = false;
    let mut spoken = Vec::new();
    for &m in &members {
        match member(ctx, m) {
            Some(Member::Month(n)) => {
                date = true;
                spoken.push(format!("{n:02}"));
            }
            Some(Member::Date(d)) => {
                date = true;
                spoken.push(d);
            }
            _ => spoken.push(ctx.words[m].text.to_string()),
        }
    }
    let last = *members.last()?;
    let unit_after = ctx
        .next_same(last)
        .is_some_and(|n| ctx.is_in(n, &ctx.rules.units) && !ctx.ends_clause(last));
    Some(Run {
        words,
        digits: spoken_digits(&spoken),
        date,
        unit_after,
    })
}

/// The most words of the other party between two digits of a run: a
/// back-channel ("mhm", "okay, yes"), not a turn of its own.
const MAX_BACK_CHANNEL_WORDS: usize = 3;

/// Whether the other party's words between `a` and `b` are a back-channel:
/// few, and no cue among them ("Und die Prüfnummer?" starts a new run).
fn back_channel(ctx: &Ctx, a: usize, b: usize) -> bool {
    b - a - 1 <= MAX_BACK_CHANNEL_WORDS && !ctx.cues.iter().any(|c| c.end > a && c.end < b)
}

/// Whether words `a` and `b` are a year written in digits and a number
/// said in words, either way round ("2017 four fusion": whisper's "Ford"):
/// a year is said as a year, so the change of form ends the run.
fn year_then_words(ctx: &Ctx, a: usize, b: usize) -> bool {
    let year = |i: usize| {
        let d = ctx.words[i]
            .text
            .trim_matches(|c: char| !c.is_ascii_digit());
        d.len() == 4
            && (d.starts_with("19") || d.starts_with("20"))
            && d.bytes().all(|b| b.is_ascii_digit())
    };
    let spoken =
        |i: usize| !ctx.words[i].text.contains(|c: char| c.is_ascii_digit()) && !is_month(ctx, i);
    year(a) && spoken(b) || spoken(a) && year(b)
}

fn is_month(ctx: &Ctx, i: usize) -> bool {
    ctx.rules.month(&ctx.norm[i]).is_some()
}

fn is_strong(ctx: &Ctx, i: usize) -> bool {
    match member(ctx, i) {
        Some(Member::Number { strong }) => strong,
        Some(_) => true,
        None => false,
    }
}

/// Redacts the runs of digits not yet taken.
pub(super) fn find(ctx: &mut Ctx) {
    let mut runs: Vec<(Run, Option<Kind>)> = Vec::new();
    let mut in_run = vec![false; ctx.words.len()];
    for i in 0..ctx.words.len() {
        if ctx.taken[i] || in_run[i] || member(ctx, i).is_none() {
            continue;
        }
        let Some(run) = run_from(ctx, i) else {
            continue;
        };
        for &w in &run.words {
            in_run[w] = true;
        }
        let kind = kind_of(ctx, &run);
        runs.push((run, kind));
    }
    read_backs(ctx, &mut runs);
    for (run, kind) in runs {
        if let Some(kind) = kind {
            ctx.add(run.words, kind);
        }
    }
}

/// The kind of a run from its length, its check digits, what follows it
/// and the latest cue; `None`: not personal data.
fn kind_of(ctx: &Ctx, run: &Run) -> Option<Kind> {
    let limits = &ctx.rules.limits;
    let n = run.digits.len();
    let cue = ctx.cue_before(run.words[0]);
    if run.date {
        let asked = cue == Some(Kind::BirthDate) && n >= limits.cued_digits;
        // A day and a year long past: "March 12, 1985".
        let year: Option<u32> = run
            .digits
            .get(n.saturating_sub(4)..)
            .and_then(|y| y.parse().ok());
        let born = n >= 5 && year.is_some_and(|y| (1900..limits.birth_year_before).contains(&y));
        return (asked || born).then_some(Kind::BirthDate);
    }
    if (4..=5).contains(&n) && after_address(ctx, run.words[0]) {
        return Some(Kind::Zip);
    }
    // "I got this phone in 2019": a year is no part of a phone number,
    // post code or address.
    let year = n == 4 && (run.digits.starts_with("19") || run.digits.starts_with("20"));
    if year && matches!(cue, Some(Kind::Phone | Kind::Zip | Kind::Address)) {
        return None;
    }
    let cued = cue.is_some() && n >= limits.cued_digits;
    if run.unit_after && !(cued && n >= limits.always_digits) {
        return None;
    }
    match cue {
        Some(Kind::Card) if n == 3 => Some(Kind::Cvv),
        Some(Kind::Address) if cued => Some(if n >= 5 { Kind::Zip } else { Kind::Address }),
        Some(Kind::Email | Kind::Name | Kind::Address) | None => {
            let card = (13..=19).contains(&n) && luhn(&run.digits);
            (n >= limits.always_digits).then_some(if card { Kind::Card } else { Kind::Number })
        }
        Some(kind) if cued => Some(kind),
        Some(_) => None,
    }
}

/// Whether word `i` comes right after an address (a post code).
fn after_address(ctx: &Ctx, i: usize) -> bool {
    let prev = ctx.prev_same(i);
    let before = prev.and_then(|p| ctx.prev_same(p));
    ctx.hits.iter().any(|h| {
        h.kind == Kind::Address
            && h.words
                .last()
                .is_some_and(|&l| Some(l) == prev || Some(l) == before)
    })
}

/// Gives a kept run that repeats an earlier redacted value's digits (at
/// least `readback_min_digits` of them) that value's kind.
fn read_backs(ctx: &Ctx, runs: &mut [(Run, Option<Kind>)]) {
    let min = ctx.rules.limits.readback_min_digits;
    for r in 0..runs.len() {
        let (run, kind) = &runs[r];
        if kind.is_some() || run.unit_after || run.date || run.digits.len() < min {
            continue;
        }
        let repeated = runs[..r].iter().find_map(|(earlier, kind)| {
            let v = &earlier.digits;
            let kind = (*kind)?;
            (v.len() >= min && (v.contains(&run.digits) || run.digits.contains(v.as_str())))
                .then_some(kind)
        });
        runs[r].1 = repeated;
    }
}

/// Redacts IBANs: a country code (two capital letters, written "DE",
/// "DE89" or spelled "D E") and a run of digits, passing the mod-97 check
/// or announced by an IBAN cue.
pub(super) fn find_ibans(ctx: &mut Ctx) {
    for i in 0..ctx.words.len() {
        if ctx.taken[i] {
            continue;
        }
        let Some((code, mut words)) = country_code(ctx, i) else {
            continue;
        };
        let Some(first) = words.last().and_then(|&w| ctx.next_same(w)) else {
            continue;
        };
        if ctx.taken[first] || member(ctx, first).is_none() {
            continue;
        }
        let Some(run) = run_from(ctx, first) else {
            continue;
        };
        let text = format!("{code}{}", run.digits);
        let cued = ctx.cue_before(i) == Some(Kind::Iban)
            && text.len() >= 2 + ctx.rules.limits.always_digits;
        if !run.date && (iban_mod97(&text) || cued) {
            words.extend(run.words);
            ctx.add(words, Kind::Iban);
        }
    }
}

/// A country code at word `i`: its letters (and any digits written with
/// them, "DE89") and its words.
fn country_code(ctx: &Ctx, i: usize) -> Option<(String, Vec<usize>)> {
    let core = ctx.words[i]
        .text
        .trim_matches(|c: char| !c.is_alphanumeric());
    let letters: String = core.chars().take_while(char::is_ascii_uppercase).collect();
    let rest = &core[letters.len()..];
    if letters.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()) {
        return Some((core.to_string(), vec![i]));
    }
    let spelled = |w: usize| {
        let c = ctx.words[w]
            .text
            .trim_matches(|c: char| !c.is_alphanumeric());
        (c.len() == 1 && c.bytes().all(|b| b.is_ascii_uppercase())).then(|| c.to_string())
    };
    let next = ctx.next_same(i)?;
    Some((format!("{}{}", spelled(i)?, spelled(next)?), vec![i, next]))
}
