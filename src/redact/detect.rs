//! Finds the spans of personal data in a call's words.
//!
//! The words are speech-recognition output of both parties merged in time
//! order, so a question and its answer are neighbours: a number that
//! answers "can I have your phone number?" is a phone number. The passes,
//! each in its own module, run in this order and never take a word twice:
//! spoken and typed e-mail addresses (`email`), IBANs (`digits`),
//! spellings (`names`), addresses and post codes (`address`), runs of
//! digits (`digits`, validated by `checks`) and names (`names`).
//! Validation only chooses a span's kind, never whether it is redacted:
//! whisper mishears digits.

mod address;
mod checks;
mod digits;
mod email;
mod names;

use super::rules::{norm, Phrase, Rules};
use super::{Hit, Kind, SpokenWord};

/// The spans of personal data in `words` (both parties, in time order),
/// sorted by their first word.
pub fn find(words: &[SpokenWord], rules: &Rules) -> Vec<Hit> {
    let mut ctx = Ctx::new(words, rules);
    email::find(&mut ctx);
    digits::find_ibans(&mut ctx);
    names::find_spellings(&mut ctx);
    address::find(&mut ctx);
    digits::find(&mut ctx);
    names::find(&mut ctx);
    let mut hits = ctx.hits;
    hits.sort_by_key(|h| h.words[0]);
    hits
}

/// A cue phrase found in the words: the kind it announces and where it
/// ends.
#[derive(Debug, Clone, Copy)]
struct Cue {
    /// Index of its last word.
    end: usize,
    /// Its number of words (a longer cue ending at the same word wins).
    len: usize,
    /// The kind it announces.
    kind: Kind,
}

/// The words with what the passes share: their normalised forms, the cues,
/// which words are taken and the hits so far.
struct Ctx<'w, 'r> {
    words: &'w [SpokenWord<'w>],
    rules: &'r Rules,
    /// Each word normalised ([`norm`]).
    norm: Vec<String>,
    /// The cues, by their last word, ascending.
    cues: Vec<Cue>,
    /// Whether a word is already in a hit.
    taken: Vec<bool>,
    hits: Vec<Hit>,
    /// The name words found so far (normalised; spellings joined).
    names: Vec<String>,
}

impl<'w, 'r> Ctx<'w, 'r> {
    fn new(words: &'w [SpokenWord<'w>], rules: &'r Rules) -> Self {
        let mut ctx = Ctx {
            words,
            rules,
            norm: words.iter().map(|w| norm(w.text)).collect(),
            cues: Vec::new(),
            taken: vec![false; words.len()],
            hits: Vec::new(),
            names: Vec::new(),
        };
        for i in 0..words.len() {
            for (kind, phrase) in &rules.cues {
                if let Some(end) = ctx.phrase_at(i, phrase) {
                    ctx.cues.push(Cue {
                        end,
                        len: phrase.len(),
                        kind: *kind,
                    });
                }
            }
        }
        ctx.cues.sort_by_key(|c| (c.end, c.len));
        ctx
    }

    /// The next word after `i` said by the same party.
    fn next_same(&self, i: usize) -> Option<usize> {
        let party = self.words[i].party;
        (i + 1..self.words.len()).find(|&j| self.words[j].party == party)
    }

    /// The word before `i` said by the same party.
    fn prev_same(&self, i: usize) -> Option<usize> {
        let party = self.words[i].party;
        (0..i).rev().find(|&j| self.words[j].party == party)
    }

    /// Where `phrase` ends when it starts at word `i` (its words said in a
    /// row by one party). A one-word phrase also matches the end of a
    /// compound where the rules allow it.
    fn phrase_at(&self, i: usize, phrase: &Phrase) -> Option<usize> {
        let (first, rest) = phrase.split_first()?;
        let word = &self.norm[i];
        let compound = self.rules.limits.compound_cues
            && rest.is_empty()
            && first.chars().count() >= 4
            && word.ends_with(first.as_str());
        if word != first && !compound {
            return None;
        }
        let mut at = i;
        for p in rest {
            at = self.next_same(at)?;
            if &self.norm[at] != p {
                return None;
            }
        }
        Some(at)
    }

    /// The end of the longest of `phrases` starting at `i`.
    fn any_phrase_at(&self, i: usize, phrases: &[Phrase]) -> Option<usize> {
        phrases.iter().filter_map(|p| self.phrase_at(i, p)).max()
    }

    /// The kind announced by the latest cue before word `i`, within the
    /// rules' window of time and words.
    fn cue_before(&self, i: usize) -> Option<Kind> {
        let limits = &self.rules.limits;
        let start = self.words[i].start_ms;
        self.cues
            .iter()
            .rev()
            .filter(|c| c.end < i)
            .take_while(|c| {
                i - c.end <= limits.cue_window_words
                    && start.saturating_sub(self.words[c.end].end_ms) <= limits.cue_window_ms
            })
            .map(|c| c.kind)
            .next()
    }

    /// Whether word `i` starts with a capital letter.
    fn is_cap(&self, i: usize) -> bool {
        self.words[i]
            .text
            .chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(char::is_uppercase)
    }

    /// Whether word `i` ends a clause (, . ; : ! ?).
    fn ends_clause(&self, i: usize) -> bool {
        self.words[i]
            .text
            .trim_end_matches(['"', '\'', ')'])
            .ends_with([',', '.', ';', ':', '!', '?'])
    }

    /// Whether word `i` ends a sentence (. ! ?).
    fn ends_sentence(&self, i: usize) -> bool {
        self.words[i]
            .text
            .trim_end_matches(['"', '\'', ')'])
            .ends_with(['.', '!', '?'])
    }

    /// Whether `word` is in `list`.
    fn is_in(&self, i: usize, list: &[String]) -> bool {
        list.contains(&self.norm[i])
    }

    /// Records a hit of the words not yet taken; false when none was free.
    fn add(&mut self, words: impl IntoIterator<Item = usize>, kind: Kind) -> bool {
        let mut free: Vec<usize> = words.into_iter().filter(|&i| !self.taken[i]).collect();
        free.sort_unstable();
        free.dedup();
        if free.is_empty() {
            return false;
        }
        for &i in &free {
            self.taken[i] = true;
        }
        self.hits.push(Hit { words: free, kind });
        true
    }
}

#[cfg(test)]
mod tests;
