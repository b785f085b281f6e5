//! Names: said after a lead-in ("my name is Jack", "I'm Michelle",
//! "ich heiße …"), after a title ("Mr", "Frau"), before "speaking", in the
//! answer to a name question, spelled ("S-I-T-I-L-L-E", "c h e r y l"),
//! and every later capitalised occurrence of a name word already found
//! ("Thank you, Cheryl").

use super::Ctx;
use crate::redact::numbers::word_pieces;
use crate::redact::Kind;

/// How many seconds after a name question its answer may start.
const ANSWER_WITHIN_MS: u64 = 10_000;

/// Redacts spellings: at least `spelled_min_letters` single letters in a
/// row, one party ("S-I-T-I-L-L-E.", "C, H, E", "c h e r y l"). A spelling
/// after an e-mail, IBAN, post code or address cue is that; else a name.
pub(super) fn find_spellings(ctx: &mut Ctx) {
    let min = ctx.rules.limits.spelled_min_letters;
    for i in 0..ctx.words.len() {
        if ctx.taken[i] || letters(ctx, i).is_none() {
            continue;
        }
        let mut span = vec![i];
        let mut text = letters(ctx, i).unwrap_or_default();
        let mut at = i;
        while let Some(next) = ctx.next_same(at) {
            let near =
                ctx.words[next].start_ms <= ctx.words[at].end_ms + ctx.rules.limits.run_gap_ms;
            match letters(ctx, next).filter(|_| near && !ctx.taken[next]) {
                Some(l) => text.push_str(&l),
                None => break,
            }
            span.push(next);
            at = next;
        }
        // "I" and "a" are words; a spelling has other letters too.
        if text.chars().count() < min || text.chars().all(|c| c == 'i' || c == 'a') {
            continue;
        }
        let kind = match ctx.cue_before(i) {
            Some(k @ (Kind::Email | Kind::Iban | Kind::Zip | Kind::Address)) => k,
            _ => Kind::Name,
        };
        if ctx.add(span, kind) && kind == Kind::Name {
            ctx.names.push(text);
        }
    }
}

/// The letters of word `i` if it is a spelling: one letter ("c", "C,") or
/// letters joined by hyphens, dots or ellipses ("S-I-T-I-L-L-E.",
/// "J...O...H...N"). Whisper also runs a spelling into what follows it in
/// one word: digits ("c-h-e-r-y-l-4") or an e-mail's spoken "at" and "dot"
/// ("J...O...H...N...At...E"); such a word counts when at least two of its
/// parts are single letters.
fn letters(ctx: &Ctx, i: usize) -> Option<String> {
    let core = ctx.words[i]
        .text
        .trim_matches(|c: char| !c.is_alphanumeric());
    let parts: Vec<&str> = core
        .split(['-', '.', '…'])
        .filter(|p| !p.is_empty())
        .collect();
    let mut out = String::new();
    let mut singles = 0;
    for part in &parts {
        let mut chars = part.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_alphabetic() => {
                out.extend(c.to_lowercase());
                singles += 1;
            }
            _ if parts.len() > 1 && joins_a_spelling(ctx, part) => {}
            _ => return None,
        }
    }
    (parts.len() == 1 && singles == 1 || singles >= 2).then_some(out)
}

/// Whether a part of a spelled word is one whisper runs into a spelling:
/// digits, or an e-mail's spoken "at" or "dot".
fn joins_a_spelling(ctx: &Ctx, part: &str) -> bool {
    let lower = part.to_lowercase();
    lower.bytes().all(|b| b.is_ascii_digit())
        || ctx.rules.email_at.contains(&lower)
        || ctx.rules.email_dot.contains(&lower)
}

/// Redacts the names said (lead-ins, titles, "… speaking", answers to a
/// name question), then every capitalised occurrence of a name word found.
pub(super) fn find(ctx: &mut Ctx) {
    let rules = ctx.rules;
    for i in 0..ctx.words.len() {
        let mut found = Vec::new();
        if let Some(end) = ctx.any_phrase_at(i, &rules.name_intro) {
            found = after(ctx, end, true);
        } else if ctx.any_phrase_at(i, &rules.name_titles).is_some() && is_title(ctx, i) {
            found = after(ctx, i, false);
        } else if ctx.any_phrase_at(i, &rules.name_before).is_some() {
            found = before(ctx, i);
        } else if let Some(end) = ctx.any_phrase_at(i, &rules.name_questions) {
            found = answer(ctx, end);
        }
        add_names(ctx, found);
    }
    for i in 0..ctx.words.len() {
        if !ctx.taken[i] && name_word(ctx, i) && ctx.names.contains(&ctx.norm[i]) {
            let mut found = vec![i];
            let mut at = i;
            while found.len() < ctx.rules.limits.name_max_words && !ctx.ends_clause(at) {
                match ctx.next_same(at).filter(|&n| name_word(ctx, n)) {
                    Some(n) => found.push(n),
                    None => break,
                }
                at = *found.last().unwrap_or(&at);
            }
            add_names(ctx, found);
        }
    }
}

/// Records name words as one hit and remembers them.
fn add_names(ctx: &mut Ctx, found: Vec<usize>) {
    let words: Vec<String> = found.iter().map(|&w| ctx.norm[w].clone()).collect();
    if !found.is_empty() && ctx.add(found, Kind::Name) {
        ctx.names.extend(words);
    }
}

/// Whether word `i` may be (part of) a name: capitalised letters, not a
/// stop word, a number or a month, and free.
fn name_word(ctx: &Ctx, i: usize) -> bool {
    let n = &ctx.norm[i];
    !ctx.taken[i]
        && ctx.is_cap(i)
        && n.chars().count() >= 2
        && n.chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
        && !ctx.is_in(i, &ctx.rules.name_stop)
        && ctx.rules.month(n).is_none()
        && word_pieces(ctx.words[i].text).is_none()
}

/// Whether the title at word `i` is one ("Mr.", "Frau"; not "sir,").
fn is_title(ctx: &Ctx, i: usize) -> bool {
    let raw = ctx.words[i].text;
    ctx.is_cap(i) && (!ctx.ends_clause(i) || raw.ends_with('.') && ctx.norm[i].len() <= 3)
}

/// The name words right after word `end` (a lead-in or a title): up to
/// `name_max_words`, ending at a clause; a lead-in may skip a word
/// ("… is the Tilly").
fn after(ctx: &Ctx, end: usize, may_skip: bool) -> Vec<usize> {
    let mut found = Vec::new();
    let Some(mut at) = ctx.next_same(end) else {
        return found;
    };
    if may_skip && ctx.is_in(at, &ctx.rules.name_skip) {
        match ctx.next_same(at) {
            Some(n) => at = n,
            None => return found,
        }
    }
    while found.len() < ctx.rules.limits.name_max_words && name_word(ctx, at) {
        found.push(at);
        if ctx.ends_clause(at) {
            break;
        }
        match ctx.next_same(at) {
            Some(n) => at = n,
            None => break,
        }
    }
    found
}

/// The name words right before word `i` ("Cheri speaking").
fn before(ctx: &Ctx, i: usize) -> Vec<usize> {
    let mut found = Vec::new();
    let mut at = i;
    while found.len() < ctx.rules.limits.name_max_words {
        match ctx.prev_same(at) {
            Some(p) if name_word(ctx, p) && (p + 1 == i || !ctx.ends_clause(p)) => {
                found.push(p);
                at = p;
            }
            _ => break,
        }
        if ctx.prev_same(at).is_some_and(|p| ctx.ends_clause(p)) {
            break;
        }
    }
    found.reverse();
    found
}

/// The name in the answer to a name question ending at word `end`: the
/// other party's first clause, when it is short (a name and a word or
/// two: "Jack.", "It's Jack Smith."), its name words.
fn answer(ctx: &Ctx, end: usize) -> Vec<usize> {
    use crate::redact::Party;
    let asker = ctx.words[end].party;
    let answerer = |j: usize| match asker {
        Party::Agent => ctx.words[j].party == Party::Customer,
        Party::Customer => ctx.words[j].party == Party::Agent,
        Party::Unknown => true,
    };
    let limit = ctx.words[end].end_ms + ANSWER_WITHIN_MS;
    let start = if asker == Party::Unknown && !ctx.ends_sentence(end) {
        // One voice: the answer starts after the question's end.
        (end..ctx.words.len())
            .find(|&j| ctx.ends_sentence(j))
            .map(|j| j + 1)
    } else {
        Some(end + 1)
    };
    let Some(first) = start.and_then(|s| (s..ctx.words.len()).find(|&j| answerer(j))) else {
        return Vec::new();
    };
    if ctx.words[first].start_ms > limit {
        return Vec::new();
    }
    let mut clause = vec![first];
    let mut at = first;
    while !ctx.ends_clause(at) && clause.len() <= ctx.rules.limits.name_max_words + 2 {
        match ctx.next_same(at) {
            Some(n) => clause.push(n),
            None => break,
        }
        at = *clause.last().unwrap_or(&at);
    }
    if clause.len() > ctx.rules.limits.name_max_words + 2 {
        return Vec::new();
    }
    clause.into_iter().filter(|&w| name_word(ctx, w)).collect()
}
