//! E-mail addresses, typed ("john.smith@example.com") or spoken ("john dot
//! smith at example dot com", "… at gmail.com").

use super::Ctx;
use crate::redact::Kind;

/// The most words of a spoken local part ("j o h n dot s m i t h") after
/// an e-mail cue; without one, only "word (dot word)*" is taken.
const MAX_LOCAL_WORDS: usize = 10;

/// Redacts the e-mail addresses not yet taken.
pub(super) fn find(ctx: &mut Ctx) {
    for i in 0..ctx.words.len() {
        if ctx.taken[i] {
            continue;
        }
        if typed(ctx.words[i].text) {
            ctx.add([i], Kind::Email);
        } else if ctx.is_in(i, &ctx.rules.email_at) {
            if let Some(span) = spoken(ctx, i) {
                ctx.add(span, Kind::Email);
            }
        }
    }
}

/// Whether a word is a typed address: text, "@", a domain with a dot.
fn typed(word: &str) -> bool {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    word.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
    })
}

/// The words of a spoken address whose "at" is word `at`.
fn spoken(ctx: &Ctx, at: usize) -> Option<Vec<usize>> {
    let domain = domain_after(ctx, at)?;
    let mut span = local_before(ctx, at)?;
    span.push(at);
    span.extend(domain);
    Some(span)
}

/// The domain after "at": "gmail.com", "example dot com", "web punkt de".
fn domain_after(ctx: &Ctx, at: usize) -> Option<Vec<usize>> {
    let rules = ctx.rules;
    let first = ctx.next_same(at)?;
    let written_tld = |i: usize| {
        ctx.norm[i]
            .rsplit_once('.')
            .is_some_and(|(name, tld)| !name.is_empty() && rules.tlds.iter().any(|t| t == tld))
    };
    if written_tld(first) {
        return Some(vec![first]);
    }
    let mut span = vec![first];
    let mut i = first;
    while let Some(dot) = ctx.next_same(i) {
        if !ctx.is_in(dot, &rules.email_dot) || ctx.ends_clause(i) {
            break;
        }
        let Some(part) = ctx.next_same(dot) else {
            break;
        };
        span.extend([dot, part]);
        i = part;
    }
    (span.len() >= 3 && (ctx.is_in(i, &rules.tlds) || written_tld(i))).then_some(span)
}

/// The local part before "at": "john dot smith", "j_smith"; after an
/// e-mail cue also a spelled one ("j o h n").
fn local_before(ctx: &Ctx, at: usize) -> Option<Vec<usize>> {
    let rules = ctx.rules;
    let mut i = ctx.prev_same(at)?;
    if ctx.ends_clause(i) || ctx.taken[i] {
        return None;
    }
    let cued = ctx.cue_before(at) == Some(Kind::Email);
    let mut span = vec![i];
    while let Some(prev) = ctx.prev_same(i) {
        let joined = ctx.is_in(i, &rules.email_dot) || ctx.is_in(i, &rules.email_join);
        let joiner = ctx.is_in(prev, &rules.email_dot) || ctx.is_in(prev, &rules.email_join);
        let spelled = cued && ctx.norm[prev].chars().count() == 1 && span.len() < MAX_LOCAL_WORDS;
        if ctx.ends_clause(prev) || ctx.taken[prev] || !(joined || joiner || spelled) {
            break;
        }
        span.push(prev);
        i = prev;
    }
    span.reverse();
    Some(span)
}
