//! Street addresses: a house number and a street ("12 Baker Street",
//! "Hauptstraße 12"), or what follows an address cue ("my address is …").

use super::Ctx;
use crate::redact::numbers::word_pieces;
use crate::redact::Kind;

/// The most capitalised words of a street name before its suffix.
const MAX_STREET_WORDS: usize = 3;
/// How many words after an address cue the address may start.
const START_WITHIN: usize = 6;

/// Redacts the addresses not yet taken.
pub(super) fn find(ctx: &mut Ctx) {
    for i in 0..ctx.words.len() {
        if ctx.taken[i] {
            continue;
        }
        if let Some(span) = number_then_street(ctx, i).or_else(|| street_then_number(ctx, i)) {
            ctx.add(span, Kind::Address);
        }
    }
    for i in 0..ctx.words.len() {
        if let Some(span) = postcode(ctx, i) {
            ctx.add(span, Kind::Zip);
        }
    }
    let cue_ends: Vec<usize> = ctx
        .cues
        .iter()
        .filter(|c| c.kind == Kind::Address)
        .map(|c| c.end)
        .collect();
    for end in cue_ends {
        if let Some(span) = after_cue(ctx, end) {
            ctx.add(span, Kind::Address);
        }
    }
}

/// Whether word `i` is a house number: at most four digits ("12", "12a"
/// is not read), said or written.
fn house_number(ctx: &Ctx, i: usize) -> bool {
    word_pieces(ctx.words[i].text).is_some_and(|p| p.iter().any(|p| p.is_strong()))
        && crate::redact::numbers::spoken_digits(&[ctx.words[i].text]).len() <= 4
}

/// Whether word `i` is a street suffix, or (where compounds count) ends
/// with one ("Hauptstraße").
fn is_street(ctx: &Ctx, i: usize) -> bool {
    let w = &ctx.norm[i];
    ctx.rules.street.iter().any(|s| {
        w == s
            || ctx.rules.limits.compound_cues && s.chars().count() >= 3 && w.ends_with(s.as_str())
    })
}

/// "12 Baker Street": a house number, capitalised words, a street suffix.
fn number_then_street(ctx: &Ctx, i: usize) -> Option<Vec<usize>> {
    if !house_number(ctx, i) || ctx.ends_clause(i) {
        return None;
    }
    let mut span = vec![i];
    let mut at = i;
    for _ in 0..=MAX_STREET_WORDS {
        at = ctx.next_same(at)?;
        if !ctx.is_cap(at) || ctx.taken[at] {
            return None;
        }
        span.push(at);
        if span.len() > 2 && is_street(ctx, at) {
            return Some(span);
        }
        if ctx.ends_clause(at) {
            return None;
        }
    }
    None
}

/// "Hauptstraße 12": a capitalised street word ending with a suffix, then
/// a house number that is no quantity ("Weg 2 Tage" is not).
fn street_then_number(ctx: &Ctx, i: usize) -> Option<Vec<usize>> {
    if !ctx.is_cap(i) || !is_street(ctx, i) || ctx.ends_clause(i) {
        return None;
    }
    let number = ctx.next_same(i)?;
    if !house_number(ctx, number) || ctx.taken[number] {
        return None;
    }
    let unit = ctx
        .next_same(number)
        .is_some_and(|u| ctx.is_in(u, &ctx.rules.units));
    (!unit).then(|| vec![i, number])
}

/// A British postcode at word `i`: its outward code ("LS6", "SW1A") after
/// a post-code cue, or outward and inward code together ("M1 1AE").
fn postcode(ctx: &Ctx, i: usize) -> Option<Vec<usize>> {
    let core = |w: usize| {
        ctx.words[w]
            .text
            .trim_matches(|c: char| !c.is_alphanumeric())
    };
    let outward = |w: usize| {
        let b = core(w).as_bytes();
        let letters = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
        (1..=2).contains(&letters)
            && (letters + 1..=letters + 2).contains(&b.len())
            && b[letters].is_ascii_digit()
            && b[letters + 1..]
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    };
    let inward = |w: usize| {
        let b = core(w).as_bytes();
        b.len() == 3 && b[0].is_ascii_digit() && b[1..].iter().all(u8::is_ascii_uppercase)
    };
    if ctx.taken[i] || !outward(i) {
        return None;
    }
    match ctx.next_same(i).filter(|&n| !ctx.taken[n] && inward(n)) {
        Some(n) => Some(vec![i, n]),
        None => (ctx.cue_before(i) == Some(Kind::Zip)).then(|| vec![i]),
    }
}

/// The words after an address cue ending at word `end`: from the first
/// house number or capitalised word (within a few words) to the end of the
/// sentence, at most `address_max_words`, holding a number or a street.
fn after_cue(ctx: &Ctx, end: usize) -> Option<Vec<usize>> {
    let stop = &ctx.rules.name_stop;
    let mut start = end;
    let mut found = false;
    for _ in 0..START_WITHIN {
        start = (start + 1..ctx.words.len()).find(|&j| !ctx.taken[j])?;
        if house_number(ctx, start) || ctx.is_cap(start) && !stop.contains(&ctx.norm[start]) {
            found = true;
            break;
        }
    }
    if !found {
        return None;
    }
    let mut span = vec![start];
    let mut at = start;
    while span.len() < ctx.rules.limits.address_max_words && !ctx.ends_sentence(at) {
        match ctx.next_same(at) {
            Some(next) if !ctx.taken[next] => at = next,
            _ => break,
        }
        span.push(at);
    }
    span.iter()
        .any(|&w| house_number(ctx, w) || is_street(ctx, w))
        .then_some(span)
}
