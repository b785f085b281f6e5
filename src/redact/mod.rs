//! Personal data in a call: found in the words, replaced by typed tokens in
//! every output, and silenced in the audio (docs/privacy.md).
//!
//! Callers say card numbers, phone numbers, birth dates, addresses and
//! names, and agents read them back. PCI DSS forbids storing a card number
//! or its CVV after authorisation; GDPR asks for data minimisation. So the
//! words are redacted right after speech recognition, before any later
//! stage sees them: the call structure, the findings' evidence, every
//! renderer and exporter only ever get the tokens.
//!
//! Each redacted word keeps its times and confidence and gets its kind's
//! token (`[card]`, `[phone]`, …) as text, so word counts, speaking rates
//! and every verdict are the same as without redaction;
//! [`crate::transcript::join_words`] shows a run of one token once.
//!
//! The pipeline: [`rules`] (the phrase lists and limits of
//! `src/data/pii.{en,de}.toml`) → [`numbers`] (spoken numbers, English and
//! German, to digits) → [`detect`] (the spans and their kinds, using the
//! conversation: a number that answers "can I have your phone number" is a
//! phone number) → [`Redactor`] (tokens in, [`Redaction`] list out) →
//! [`audio`] (the spans silenced, or covered by a tone, in the WAV file).

pub mod audio;
pub mod detect;
pub mod numbers;
pub mod rules;

use serde::{Deserialize, Serialize};

use crate::transcript::{closing_punctuation, join_words, Transcript};

/// What kind of personal data a span holds; its token replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A payment card number (13–19 digits passing the Luhn check).
    Card,
    /// A card's security code, asked for after the card number.
    Cvv,
    /// An IBAN (ISO 13616, mod-97 check).
    Iban,
    /// A telephone number.
    Phone,
    /// An e-mail address, typed or spoken ("john dot smith at …").
    Email,
    /// A date of birth.
    BirthDate,
    /// A post or ZIP code.
    Zip,
    /// A street address.
    Address,
    /// A person's name, said or spelled.
    Name,
    /// Any other long number: account, customer, booking or order number.
    Number,
}

impl Kind {
    /// Every kind, in the order of the docs.
    pub const ALL: [Kind; 10] = [
        Kind::Card,
        Kind::Cvv,
        Kind::Iban,
        Kind::Phone,
        Kind::Email,
        Kind::BirthDate,
        Kind::Zip,
        Kind::Address,
        Kind::Name,
        Kind::Number,
    ];

    /// The stable key (`card`, `birth_date`, …), as in the JSON.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Card => "card",
            Kind::Cvv => "cvv",
            Kind::Iban => "iban",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::BirthDate => "birth_date",
            Kind::Zip => "zip",
            Kind::Address => "address",
            Kind::Name => "name",
            Kind::Number => "number",
        }
    }

    /// The token that replaces the span's words: `[card]`, `[birth_date]`, ….
    pub fn token(self) -> &'static str {
        match self {
            Kind::Card => "[card]",
            Kind::Cvv => "[cvv]",
            Kind::Iban => "[iban]",
            Kind::Phone => "[phone]",
            Kind::Email => "[email]",
            Kind::BirthDate => "[birth_date]",
            Kind::Zip => "[zip]",
            Kind::Address => "[address]",
            Kind::Name => "[name]",
            Kind::Number => "[number]",
        }
    }
}

/// Who said a word, as far as it is known when the words are redacted:
/// in stereo each channel is one party; in a mono mix the parties are
/// told apart only later, by the call structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The agent.
    Agent,
    /// The customer.
    Customer,
    /// Not known (yet): a mono mix before diarization.
    Unknown,
}

/// One word as [`detect`] reads it: its text, times and party. The words
/// of a call are handed over merged in time order, both parties together,
/// so that a question and its answer are neighbours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpokenWord<'a> {
    /// The word as whisper wrote it (may hold digits, punctuation, `@`).
    pub text: &'a str,
    /// Start in ms.
    pub start_ms: u64,
    /// End in ms.
    pub end_ms: u64,
    /// Who said it.
    pub party: Party,
}

/// One span of personal data found by [`detect::find`]: the indices (into
/// the slice handed to it, ascending) of the words to replace, all of one
/// party, and their kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Indices of the words, ascending; never empty.
    pub words: Vec<usize>,
    /// What the span holds.
    pub kind: Kind,
}

/// Whether the outputs show personal data: redacted (the default) or kept
/// (`--pii keep`). Every output records which.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiMode {
    /// Personal data replaced by tokens, silenced in audio.
    #[default]
    Redacted,
    /// Nothing redacted.
    Kept,
}

/// One redacted stretch of a call, as the scorecard and the transcript
/// JSON report it (after Amazon Contact Lens's redaction offsets): the
/// words' times widened by [`Redactor::margin_ms`] on each side, which is
/// also what the audio silences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    /// Start in ms from the start of the recording.
    pub start_ms: u64,
    /// End in ms.
    pub end_ms: u64,
    /// Who said it.
    pub speaker: Party,
    /// What it held.
    pub kind: Kind,
}

/// The redactions counted by kind, in the order of [`Kind::ALL`]:
/// "card ×2, phone ×1"; empty for none.
pub fn count_by_kind(redactions: &[Redaction]) -> String {
    Kind::ALL
        .iter()
        .filter_map(|k| {
            let n = redactions.iter().filter(|r| r.kind == *k).count();
            (n > 0).then(|| format!("{} ×{n}", k.key()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A word's timing is whisper's (DTW-aligned token times), off by up to
/// about a tenth of a second; the audio silence and the reported span
/// reach this far (ms) beyond the words on each side.
pub const MARGIN_MS: u64 = 200;

/// Finds and replaces the personal data in a call's transcripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redactor {
    /// Redact, or keep everything.
    pub mode: PiiMode,
    /// How far (ms) a redaction reaches beyond its words on each side.
    pub margin_ms: u64,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor {
            mode: PiiMode::Redacted,
            margin_ms: MARGIN_MS,
        }
    }
}

impl Redactor {
    /// A redactor in `mode` with the default margin.
    pub fn new(mode: PiiMode) -> Self {
        Redactor {
            mode,
            ..Redactor::default()
        }
    }

    /// Replaces the personal data in the parties' transcripts by tokens
    /// and returns the redactions in time order; with [`PiiMode::Kept`]
    /// changes nothing and returns none. Both parties are read together,
    /// in time order, so that an answer is read with its question;
    /// `language` picks the rules (`de`, else English).
    pub fn redact(
        &self,
        language: &str,
        parties: &mut [(Party, &mut Transcript)],
    ) -> Vec<Redaction> {
        if self.mode == PiiMode::Kept {
            return Vec::new();
        }
        // Where each word is: (party index, segment, word).
        let mut at: Vec<(usize, usize, usize)> = Vec::new();
        for (p, (_, t)) in parties.iter().enumerate() {
            for (s, seg) in t.segments.iter().enumerate() {
                at.extend((0..seg.words.len()).map(|w| (p, s, w)));
            }
        }
        let word = |&(p, s, w): &(usize, usize, usize)| &parties[p].1.segments[s].words[w];
        at.sort_by_key(|k| (word(k).start_ms, k.0));
        let spoken: Vec<SpokenWord> = at
            .iter()
            .map(|k| {
                let w = word(k);
                SpokenWord {
                    text: &w.text,
                    start_ms: w.start_ms,
                    end_ms: w.end_ms,
                    party: parties[k.0].0,
                }
            })
            .collect();
        let hits = detect::find(&spoken, rules::Rules::builtin(language));
        drop(spoken);
        let mut out = Vec::with_capacity(hits.len());
        let mut touched = std::collections::BTreeSet::new();
        for hit in hits {
            let (mut start, mut end) = (u64::MAX, 0);
            let mut speaker = Party::Unknown;
            for &i in &hit.words {
                let (p, s, w) = at[i];
                let word = &mut parties[p].1.segments[s].words[w];
                word.text = format!("{}{}", hit.kind.token(), closing_punctuation(&word.text));
                start = start.min(word.start_ms);
                end = end.max(word.end_ms);
                speaker = parties[p].0;
                touched.insert((p, s));
            }
            out.push(Redaction {
                start_ms: start.saturating_sub(self.margin_ms),
                end_ms: end + self.margin_ms,
                speaker,
                kind: hit.kind,
            });
        }
        for (p, s) in touched {
            let seg = &mut parties[p].1.segments[s];
            seg.text = join_words(seg.words.iter().map(|w| w.text.as_str()));
        }
        out.sort_by_key(|r| (r.start_ms, r.end_ms));
        out
    }
}
