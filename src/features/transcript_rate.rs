//! Articulation rate from the transcript: the syllables of the words whisper
//! heard, per second of articulation time.
//!
//! Articulation rate is syllables per second of speaking time with the
//! pauses left out (Goldman-Eisler 1968, "Psycholinguistics: experiments in
//! spontaneous speech"; Jacewicz, Fox, O'Neill & Salmons 2009, "Articulation
//! rate across dialect, age, and gender", Language Variation and Change 21),
//! pauses being silences of 0.25 s or more (Goldman-Eisler's limit; de Jong &
//! Wempe 2009 use the same). The nuclei count of [`super::syllables`] (de Jong
//! & Wempe) finds the syllables in the intensity contour alone; in fast
//! speech neighbouring syllables merge into one intensity peak, so it barely
//! rises with tempo (a read at sox tempo ×1.45 went from 4.18 to 4.23 syl/s).
//! The words do not merge: counted from the transcript, the syllables stay
//! the same at any tempo while the articulation time shrinks.
//!
//! Syllables per word come from the TeX hyphenation patterns (Liang 1983) of
//! the `hypher` crate, with a vowel-group count inside each piece; numbers
//! written as digits count as spoken ([`word_syllables`]).

use super::activity::Interval;
use crate::transcript::{DroppedSpan, Word};
use hypher::{hyphenate_bounded, Lang};

/// Articulation time below this (s) gives no rate: a word or two.
const MIN_ARTICULATION_S: f64 = 1.0;

/// The transcript rate of one party.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TranscriptRate {
    /// Syllables of the party's words ([`word_syllables`]).
    pub syllables: usize,
    /// Articulation time (s): the party's speech intervals (pauses of the
    /// minimum pause length, 0.25 s by default, left out) that hold a
    /// recognised word, less the stretches whose words were dropped.
    pub articulation_s: f64,
    /// Syllables per second of articulation time.
    pub syl_per_s: f64,
}

/// The articulation rate of `words` over the `speech` intervals of the same
/// party (its [`super::VoiceReport::speech`], where pauses of 0.25 s or more
/// are gaps). Only speech intervals that overlap a word count: a cough or
/// the line's noise has no syllables in the transcript. Stretches in
/// `dropped` (words speech recognition threw away) count neither their time
/// nor their words. `None` with less than 1 s of articulation time or no
/// syllable.
pub fn transcript_rate(
    words: &[Word],
    speech: &[Interval],
    dropped: &[DroppedSpan],
    language: &str,
) -> Option<TranscriptRate> {
    let syllables: usize = words
        .iter()
        .map(|w| word_syllables(&w.text, language))
        .sum();
    let overlap = |a0: u64, a1: u64, b0: u64, b1: u64| a1.min(b1).saturating_sub(a0.max(b0));
    let articulation_ms: u64 = speech
        .iter()
        .filter(|s| {
            words.iter().any(|w| {
                overlap(
                    s.start_ms,
                    s.end_ms,
                    w.start_ms,
                    w.end_ms.max(w.start_ms + 1),
                ) > 0
            })
        })
        .map(|s| {
            let lost: u64 = dropped
                .iter()
                .map(|d| overlap(s.start_ms, s.end_ms, d.start_ms, d.end_ms))
                .sum();
            (s.end_ms - s.start_ms).saturating_sub(lost)
        })
        .sum();
    let articulation_s = articulation_ms as f64 / 1000.0;
    if syllables == 0 || articulation_s < MIN_ARTICULATION_S {
        return None;
    }
    Some(TranscriptRate {
        syllables,
        articulation_s,
        syl_per_s: syllables as f64 / articulation_s,
    })
}

/// Syllables of one transcript word as whisper writes it, in `language`
/// ("de" German, anything else English): hyphenated compounds per part,
/// numbers written as digits as they are spoken ("1961" is "nineteen
/// sixty-one", four; "$20" "twenty dollars", four; "0176" digit by digit),
/// short all-capital words letter by letter ("TV", two); punctuation none.
///
/// A word is split by the TeX hyphenation patterns of its language
/// (`hypher`: Liang's patterns for US English and German, embedded, no
/// dependencies, maintained with typst; chosen because a pattern set knows
/// the syllable breaks between vowels that no spelling rule sees, as in
/// "pe-ri-od", "qui-et", "Mu-se-um"). Patterns are made to miss a break rather
/// than set a wrong one ("every", "area" stay whole), so each piece then
/// counts its vowel groups; in English a piece's final silent "e",
/// "-es" or "-ed" does not count ("fire", "names", "disposed") while "-le"
/// after a consonant does ("table"), and "-n't" after a consonant adds one
/// ("didn't").
pub fn word_syllables(text: &str, language: &str) -> usize {
    let german = language.starts_with("de");
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '\u{2013}' || c == '/')
        .map(|part| part_syllables(part, german))
        .sum()
}

/// Syllables of one part of a word (no spaces or hyphens).
fn part_syllables(part: &str, german: bool) -> usize {
    let part = part.trim_matches(|c: char| !c.is_alphanumeric() && !"$€£%".contains(c));
    if part.chars().any(|c| c.is_ascii_digit()) {
        return number_syllables(part, german);
    }
    let letters: String = part.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return 0;
    }
    let n = letters.chars().count();
    if (2..=3).contains(&n) && letters.chars().all(|c| c.is_uppercase()) {
        // Spelled out: "TV", "ID", "USB"; W is "double-u" (three).
        return letters
            .chars()
            .map(|c| if c == 'W' && !german { 3 } else { 1 })
            .sum();
    }
    let lower = letters.to_lowercase();
    let mut count = pattern_syllables(&lower, german);
    if !german && lower.len() > 3 && part.to_lowercase().ends_with("n't") {
        let before_n = lower.chars().rev().nth(2);
        if before_n.is_some_and(|c| !is_vowel(c)) {
            count += 1;
        }
    }
    count
}

/// Vowel letters (y is decided by its place, see [`vowel_flags`]).
fn is_vowel(c: char) -> bool {
    "aeiouäöüàâéèêëîïôûù".contains(c)
}

/// For each letter of a lower-case word: is it a vowel? `y` is one except at
/// the start of the word or before a vowel ("you", "beyond"; "my", "every").
fn vowel_flags(word: &[char]) -> Vec<bool> {
    (0..word.len())
        .map(|i| match word[i] {
            'y' => i > 0 && !word.get(i + 1).is_some_and(|&c| is_vowel(c)),
            c => is_vowel(c),
        })
        .collect()
}

/// Syllables of a lower-case word from its hyphenation pieces and their
/// vowel groups (see [`word_syllables`]).
fn pattern_syllables(word: &str, german: bool) -> usize {
    let lang = if german { Lang::German } else { Lang::English };
    let chars: Vec<char> = word.chars().collect();
    let vowel = vowel_flags(&chars);
    let mut total = 0;
    let mut at = 0;
    let pieces: Vec<usize> = hyphenate_bounded(word, lang, 1, 1)
        .map(|p| p.chars().count())
        .collect();
    for len in pieces {
        let (a, b) = (at, at + len);
        at = b;
        let mut groups = (a..b)
            .filter(|&i| vowel[i] && (i == a || !vowel[i - 1]))
            .count();
        if !german && groups > 1 && silent_ending(&chars[a..b]) {
            groups -= 1;
        }
        total += groups;
    }
    // A word of consonants only ("hmm", "pst") is still said.
    total.max(1)
}

/// True when an English hyphenation piece ends in a silent "e", "es" or
/// "ed": "fire", "names", "disposed", "some-body", "un-for-tu-nate-ly"; not
/// "table", "boxes", "wanted", "free".
fn silent_ending(piece: &[char]) -> bool {
    let n = piece.len();
    let at = |k: usize| n.checked_sub(k).map(|i| piece[i]);
    let consonant = |c: Option<char>| c.is_some_and(|c| !is_vowel(c) && c != 'y');
    match (at(3), at(2), at(1)) {
        // "-le" after a consonant is a syllable: "table", "little".
        (Some(c), Some('l'), Some('e')) if consonant(Some(c)) => false,
        (_, Some(c), Some('e')) => consonant(Some(c)),
        (Some(c), Some('e'), Some('s')) => consonant(Some(c)) && !"sxzcgh".contains(c),
        (Some(c), Some('e'), Some('d')) => consonant(Some(c)) && !"td".contains(c),
        _ => false,
    }
}

/// Syllables of a token with digits as it is spoken: separators,
/// decimals, times, ordinals, currency and percent signs included.
fn number_syllables(token: &str, german: bool) -> usize {
    let mut total = 0;
    for c in token.chars() {
        total += match (c, german) {
            ('%', _) => 2,            // percent, Prozent
            ('$', _) | ('€', _) => 2, // dollars, euro(s)
            ('£', _) => 1,            // pounds, Pfund
            _ => 0,
        };
    }
    // Thousands separators: "1,000" (English), "1.000" (German).
    let (thousands, decimal) = if german { ('.', ',') } else { (',', '.') };
    let chars: Vec<char> = token.chars().collect();
    let mut cleaned = String::new();
    let mut grouped = false;
    for (i, &c) in chars.iter().enumerate() {
        let three_after = chars.len() >= i + 4
            && chars[i + 1..i + 4].iter().all(|d| d.is_ascii_digit())
            && !chars.get(i + 4).is_some_and(|d| d.is_ascii_digit());
        if c == thousands && i > 0 && chars[i - 1].is_ascii_digit() && three_after {
            grouped = true;
            continue;
        }
        cleaned.push(c);
    }
    let mut first = true;
    for group in cleaned.split(':') {
        let (int, frac) = match group.split_once(decimal) {
            Some((a, b)) => (a, Some(b)),
            None => (group, None),
        };
        let digits: String = int.chars().filter(|c| c.is_ascii_digit()).collect();
        // "10:00" is "ten", not "ten zero zero".
        if !digits.is_empty() && (first || digits.chars().any(|d| d != '0')) {
            total += integer_syllables(&digits, grouped, german);
        }
        if let Some(frac) = frac.filter(|f| f.chars().any(|c| c.is_ascii_digit())) {
            total += if german { 2 } else { 1 }; // Komma, point
            total += frac
                .chars()
                .filter_map(|d| d.to_digit(10))
                .map(|d| digit_syllables(d as usize, german))
                .sum::<usize>();
        }
        first = false;
    }
    total
}

/// Syllables of a digit as said alone.
fn digit_syllables(d: usize, german: bool) -> usize {
    match (d, german) {
        (0, false) | (7, _) => 2, // zero, seven, sieben
        _ => 1,
    }
}

/// Syllables of a run of digits: a cardinal number, a year ("1961"), or
/// digit by digit when it starts with 0 or has 7 or more digits written
/// without thousands separators (phone and account numbers). `grouped`:
/// the token had thousands separators ("1,500": a number, never a year).
fn integer_syllables(digits: &str, grouped: bool, german: bool) -> usize {
    let by_digit = || {
        digits
            .chars()
            .filter_map(|d| d.to_digit(10))
            .map(|d| digit_syllables(d as usize, german))
            .sum()
    };
    if (digits.len() > 1 && digits.starts_with('0')) || (digits.len() >= 7 && !grouped) {
        return by_digit();
    }
    let Ok(n) = digits.parse::<u64>() else {
        return by_digit();
    };
    let year = (1100..=1999).contains(&n) || (!german && (2010..=2099).contains(&n));
    if digits.len() == 4 && year && !grouped && n % 100 != 0 {
        // "nineteen sixty-one", "neunzehnhunderteinundsechzig".
        let hi = cardinal(n / 100, german);
        let lo = n % 100;
        return if german {
            hi + 2 + cardinal(lo, true)
        } else if lo < 10 {
            hi + 1 + cardinal(lo, false) // "nineteen oh five"
        } else {
            hi + cardinal(lo, false)
        };
    }
    cardinal(n, german)
}

/// Syllables of a cardinal number below a billion, as spoken.
fn cardinal(n: u64, german: bool) -> usize {
    // 0-19 and the tens, in syllables.
    const EN_SMALL: [usize; 20] = [2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 3, 1, 2, 2, 2, 2, 3, 2, 2];
    const DE_SMALL: [usize; 20] = [1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2];
    const EN_TENS: [usize; 10] = [0, 0, 2, 2, 2, 2, 2, 3, 2, 2];
    const DE_TENS: [usize; 10] = [0, 0, 2, 2, 2, 2, 2, 2, 2, 2];
    let (small, tens) = if german {
        (&DE_SMALL, &DE_TENS)
    } else {
        (&EN_SMALL, &EN_TENS)
    };
    // Below 100; 0 only where it is said on its own.
    let below_100 = |n: u64| -> usize {
        let n = n as usize;
        match n {
            0..=19 => small[n],
            _ if n.is_multiple_of(10) => tens[n / 10],
            // "twenty-one"; "einundzwanzig" (ein, und, zwanzig).
            _ => small[n % 10] + tens[n / 10] + usize::from(german),
        }
    };
    let rest = |r: u64, f: &dyn Fn(u64) -> usize| if r == 0 { 0 } else { f(r) };
    let below_1000 = |n: u64| -> usize {
        if n < 100 {
            below_100(n)
        } else {
            below_100(n / 100) + 2 + rest(n % 100, &below_100) // hundred, hundert
        }
    };
    match n {
        0..=999 => below_1000(n),
        1_000..=999_999 => below_1000(n / 1000) + 2 + rest(n % 1000, &below_1000), // thousand, tausend
        _ => {
            // million (two), Million (three)
            below_1000(n / 1_000_000 % 1000)
                + if german { 3 } else { 2 }
                + rest(n % 1_000_000, &|r| cardinal(r, german))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(text: &str, language: &str) -> usize {
        text.split_whitespace()
            .map(|w| word_syllables(w, language))
            .sum()
    }

    #[test]
    fn words_of_the_fixture_transcripts_count_as_spoken() {
        // Hand counts (as in docs/voice-features.md, "Syllable truth"):
        // all six English transcripts and a German one come out exact.
        // jfk.txt: 22 words, 28 syllables ("Americans" 4, "country" 2).
        let jfk = "And so my fellow Americans, ask not what your country can do \
                   for you, ask what you can do for your country.";
        assert_eq!(sentence(jfk, "en"), 28);
        // librivox-0890.txt: 14 words, 20 syllables.
        let l0890 = "unless to be rather cold hearted and rather selfish is to be ill disposed";
        assert_eq!(sentence(l0890, "en"), 20);
        // librivox-0870.txt: 23 words, 30 syllables.
        let l0870 = "and mister john dashwood had then leisure to consider how much \
                     there might be prudently in his power to do for them";
        assert_eq!(sentence(l0870, "en"), 30);
        // librivox-0880.txt and -0920.txt: 9 and 27.
        assert_eq!(sentence("he was not an ill disposed young man", "en"), 9);
        let l0920 = "had he married a more a amiable woman he might have been made \
                     still more respectable than he was";
        assert_eq!(sentence(l0920, "en"), 27);
        // librivox-0930.txt: "amiable" is four.
        assert_eq!(
            sentence("he might even have been made amiable himself", "en"),
            13
        );
    }

    #[test]
    fn german_words_count_as_spoken() {
        // de-fleurs-000.txt: 18 words, 35 syllables.
        let de = "für die besten aussichten auf hongkong sollten sie die insel \
                  verlassen und zum gegenüberliegenden ufer von kowloon fahren";
        assert_eq!(sentence(de, "de"), 35);
        for (w, n) in [
            ("Unabhängigkeitserklärung", 8),
            ("Dinosaurier", 5),
            ("Museum", 3),
            ("Kündigung", 3),
            ("Feuer", 2),
            ("gleichermaßen", 4),
        ] {
            assert_eq!(word_syllables(w, "de"), n, "{w}");
        }
    }

    #[test]
    fn the_rules_cover_what_the_patterns_leave_whole() {
        for (w, n) in [
            ("every", 3),
            ("evening", 3),
            ("fire", 1),
            ("table", 2),
            ("names", 1),
            ("boxes", 2),
            ("disposed", 2),
            ("wanted", 2),
            ("didn't", 2),
            ("don't", 1),
            ("you're", 1),
            ("beyond", 2),
            ("period", 3),
            ("quiet", 2),
            ("appreciate", 4),
            ("unfortunately", 5),
            ("ill-disposed", 3),
            ("TV", 2),
            ("WWW", 9),
            ("...", 0),
            ("-", 0),
        ] {
            assert_eq!(word_syllables(w, "en"), n, "{w}");
        }
    }

    #[test]
    fn numbers_written_as_digits_count_as_spoken() {
        for (w, lang, n) in [
            ("1961", "en", 5),      // nine-teen six-ty-one
            ("2024", "en", 5),      // twen-ty twen-ty-four
            ("1905", "en", 4),      // nine-teen oh five
            ("21", "en", 3),        // twen-ty-one
            ("21", "de", 4),        // ein-und-zwan-zig
            ("100", "en", 3),       // one hun-dred
            ("1,500", "en", 6),     // one thou-sand five hun-dred
            ("1.500", "de", 6),     // ein-tau-send-fünf-hun-dert
            ("$20", "en", 4),       // twen-ty dol-lars
            ("50%", "de", 4),       // fünf-zig Pro-zent
            ("3.5", "en", 3),       // three point five
            ("10:30", "en", 3),     // ten thir-ty
            ("10:00", "en", 1),     // ten
            ("0176", "de", 5),      // null eins sie-ben sechs (digit by digit)
            ("5551234", "en", 7),   // a phone number, digit by digit
            ("3rd", "en", 1),       // three (as a cardinal)
            ("2,000,000", "en", 3), // two mil-lion
            ("300000", "en", 5),    // three hun-dred thou-sand
        ] {
            assert_eq!(word_syllables(w, lang), n, "{w} ({lang})");
        }
    }

    fn word(text: &str, start_ms: u64, end_ms: u64) -> Word {
        Word {
            text: text.into(),
            start_ms,
            end_ms,
            probability: 0.9,
        }
    }

    #[test]
    fn the_rate_is_syllables_over_the_speech_that_holds_words() {
        let words = [word("appreciate", 100, 900), word("table", 2100, 2600)];
        let speech = [
            Interval {
                start_ms: 0,
                end_ms: 1000,
            },
            // A cough: no word, no articulation time.
            Interval {
                start_ms: 1300,
                end_ms: 1700,
            },
            Interval {
                start_ms: 2000,
                end_ms: 3000,
            },
        ];
        let r = transcript_rate(&words, &speech, &[], "en").unwrap();
        assert_eq!(r.syllables, 6);
        assert!((r.articulation_s - 2.0).abs() < 1e-9);
        assert!((r.syl_per_s - 3.0).abs() < 1e-9);
        // A dropped stretch takes its time out.
        let dropped = [DroppedSpan {
            start_ms: 2500,
            end_ms: 3000,
            reason: crate::transcript::DropReason::RepetitionLoop,
        }];
        let r = transcript_rate(&words, &speech, &dropped, "en").unwrap();
        assert!((r.articulation_s - 1.5).abs() < 1e-9);
        // Too little speech: no rate.
        let short = [Interval {
            start_ms: 50,
            end_ms: 950,
        }];
        assert_eq!(transcript_rate(&words[..1], &short, &[], "en"), None);
    }
}
