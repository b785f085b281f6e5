//! Who is the agent: role cues in what each voice says.
//!
//! The diarization of a mono call separates two voices; it cannot tell who
//! is who. Each voice's words over the whole call are searched for the
//! `[roles]` phrases of `src/data/phrases.{en,de}.toml` ([`find_cues`]):
//!
//! * **agent cues**: the company greeting ("thank you for calling",
//!   "willkommen bei", the deployment's company names of `[greeting]`),
//!   offers of help and options ("how can I help", "would you like",
//!   "möchten Sie"), checking ("let me check", "ich schaue nach"), asking for
//!   the caller's details ("can I get your", "Ihre Kundennummer"), closing
//!   offers ("is there anything else", "kann ich sonst noch etwas");
//! * **caller cues**: requests and problems ("I'd like to", "I was
//!   wondering", "I have a problem", "ich möchte", "ich hätte gern") and the
//!   caller's own things ("my order", "my account", "mein Vertrag").
//!
//! A phrase matches whole words, case and punctuation ignored; where two
//! phrases overlap the longer one counts. A voice's **cue score** is its agent
//! cues minus its caller cues, each phrase counted at most
//! [`StructureParams::roles_cue_cap`] times. The evidence that voice A rather
//! than voice B is the agent, in nats of log-odds, is
//!
//! ```text
//! margin = prior + score(A) − score(B)
//! ```
//!
//! where A is the voice a rule names: the first speaker (or the second with
//! `agent_speaks_first` false) with the weak prior
//! [`StructureParams::roles_prior_first`] (0.5: one net cue the other way
//! overrules it), or the voice the user named (stereo `--agent-channel`,
//! mono `--agent-speaks-first`) with [`StructureParams::roles_prior_user`].
//! A mono call's agent is A when the margin is positive, else B; the user's
//! setting always stands. The **confidence** is `tanh(m / 2)` of the margin
//! `m` in favour of the voice taken for the agent (0 when negative): the
//! probability `1 / (1 + e^−m)` that the choice is right, stretched from
//! 0.5..1 to 0..1. Below [`StructureParams::roles_confident_min`] the roles
//! are flagged uncertain ([`Roles::confident`], [`Roles::uncertain_reason`]).
//! When the voice the user named talks like the caller (its caller cues
//! outnumber its agent cues, the other voice has agent cues, and the
//! confidence is below that minimum), [`Roles::warning`] says so.

use serde::{Deserialize, Serialize};

use super::activity::Interval;
use super::assign::assign_words;
use super::phrases::{find_phrases, normalize, PhraseLists};
use super::{Channel, Speaker, SpeakerWord, StructureParams, TaggedWord};

/// How the roles were decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleMethod {
    /// Mono: the role cues of both voices, the first-speaker rule a weak prior.
    Words,
    /// Mono: `--agent-speaks-first` fixed the roles; the cues only warn.
    Fixed,
    /// Stereo: the agent channel; the cues only warn.
    Channel,
    /// Mono with one speaker: the agent alone.
    Single,
}

/// A voice of the call: by order of first speech (mono) or by channel (stereo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Voice {
    /// Mono: the voice that speaks first.
    First,
    /// Mono: the other voice.
    Second,
    /// Stereo: the left (first) channel.
    Left,
    /// Stereo: the right (second) channel.
    Right,
}

impl Voice {
    /// The voice in words ("the first speaker", "the left channel").
    pub fn describe(self) -> &'static str {
        match self {
            Voice::First => "the first speaker",
            Voice::Second => "the second speaker",
            Voice::Left => "the left channel",
            Voice::Right => "the right channel",
        }
    }
}

/// Which list a cue is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CueSide {
    /// `[roles] agent` (or a company name of `[greeting]`).
    Agent,
    /// `[roles] caller`.
    Caller,
}

/// One role cue found in a voice's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleCue {
    /// The phrase as listed.
    pub phrase: String,
    /// The party of the voice that said it (after the decision).
    pub speaker: Speaker,
    /// The voice that said it.
    pub voice: Voice,
    /// Start of its first word (ms).
    pub start_ms: u64,
    /// End of its last word (ms).
    pub end_ms: u64,
    /// Whether it is an agent or a caller phrase.
    pub side: CueSide,
}

/// The cue counts of one voice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceCues {
    /// The voice.
    pub voice: Voice,
    /// Its party (after the decision).
    pub speaker: Speaker,
    /// Agent cues found (all occurrences).
    pub agent_cues: usize,
    /// Caller cues found (all occurrences).
    pub caller_cues: usize,
    /// Cue score: agent minus caller cues, each phrase at most
    /// [`StructureParams::roles_cue_cap`] times.
    pub score: f64,
}

/// Who is the agent, how it was decided and how sure (`structure.roles`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roles {
    /// How the roles were decided.
    pub method: RoleMethod,
    /// The voice taken for the agent.
    pub agent_voice: Voice,
    /// Prior (nats) of the voice the rule or the user named (module docs).
    pub prior: f64,
    /// Evidence (nats) for the voice taken for the agent: the prior (when
    /// that voice is the one named) plus the difference of the cue scores.
    pub margin: f64,
    /// 0..1: `tanh(max(margin, 0) / 2)`.
    pub confidence: f64,
    /// False when the confidence is below
    /// [`StructureParams::roles_confident_min`] or [`Roles::warning`] is set.
    pub confident: bool,
    /// Why the roles are uncertain (when `confident` is false).
    pub uncertain_reason: Option<String>,
    /// The decision in words (also [`super::Diarization::agent_reason`]).
    pub reason: String,
    /// Cue counts per voice, the agent's voice first.
    pub voices: Vec<VoiceCues>,
    /// The cues found, in time order.
    pub cues: Vec<RoleCue>,
    /// Set when the voice the user named as the agent talks like the caller.
    pub warning: Option<String>,
}

/// A cue in one voice before the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundCue {
    /// The phrase as listed.
    pub phrase: String,
    /// Agent or caller phrase.
    pub side: CueSide,
    /// Start of its first word (ms).
    pub start_ms: u64,
    /// End of its last word (ms).
    pub end_ms: u64,
}

/// The `[roles]` cues (and `[greeting]` company names, as agent cues) in
/// `words` (one voice, time order), in time order. Longer phrases first: a
/// word counts for one cue at most.
pub fn find_cues(words: &[&SpeakerWord], phrases: &PhraseLists) -> Vec<FoundCue> {
    let mut tokens: Vec<(String, usize)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        tokens.extend(normalize(&w.text).into_iter().map(|t| (t, i)));
    }
    let mut lists: Vec<(&String, Vec<String>, CueSide)> = phrases
        .roles
        .agent
        .iter()
        .chain(&phrases.greeting.company_names)
        .map(|p| (p, normalize(p), CueSide::Agent))
        .chain(
            phrases
                .roles
                .caller
                .iter()
                .map(|p| (p, normalize(p), CueSide::Caller)),
        )
        .filter(|(_, pw, _)| !pw.is_empty())
        .collect();
    lists.sort_by_key(|(_, pw, _)| std::cmp::Reverse(pw.len()));
    let mut used = vec![false; tokens.len()];
    let mut found = Vec::new();
    for (phrase, pw, side) in lists {
        let n = pw.len();
        let mut i = 0;
        while i + n <= tokens.len() {
            let hit = (0..n).all(|k| !used[i + k] && tokens[i + k].0 == pw[k]);
            if hit {
                used[i..i + n].iter_mut().for_each(|u| *u = true);
                found.push(FoundCue {
                    phrase: phrase.clone(),
                    side,
                    start_ms: words[tokens[i].1].start_ms,
                    end_ms: words[tokens[i + n - 1].1].end_ms,
                });
                i += n;
            } else {
                i += 1;
            }
        }
    }
    found.sort_by_key(|c| (c.start_ms, c.end_ms));
    found
}

/// The cue score of one voice's cues: agent minus caller cues, each phrase
/// counted at most `cap` times.
pub fn cue_score(cues: &[FoundCue], cap: usize) -> f64 {
    let mut counts: Vec<(&str, CueSide, usize)> = Vec::new();
    for c in cues {
        match counts
            .iter_mut()
            .find(|(p, s, _)| *p == c.phrase && *s == c.side)
        {
            Some(e) => e.2 += 1,
            None => counts.push((&c.phrase, c.side, 1)),
        }
    }
    counts
        .iter()
        .map(|&(_, side, n)| {
            let n = n.min(cap) as f64;
            match side {
                CueSide::Agent => n,
                CueSide::Caller => -n,
            }
        })
        .sum()
}

/// One voice's words and cues.
struct VoiceEvidence {
    voice: Voice,
    cues: Vec<FoundCue>,
    score: f64,
}

impl VoiceEvidence {
    fn new(voice: Voice, words: &[&SpeakerWord], phrases: &PhraseLists, cap: usize) -> Self {
        let cues = find_cues(words, phrases);
        let score = cue_score(&cues, cap);
        VoiceEvidence { voice, cues, score }
    }

    fn count(&self, side: CueSide) -> usize {
        self.cues.iter().filter(|c| c.side == side).count()
    }

    fn summary(&self) -> String {
        format!(
            "{} agent / {} caller cues",
            self.count(CueSide::Agent),
            self.count(CueSide::Caller)
        )
    }
}

/// Confidence from a margin in nats (module docs).
pub fn confidence(margin: f64) -> f64 {
    (margin.max(0.0) / 2.0).tanh()
}

/// The decision between `named` (the voice the rule or the user names) and
/// `other`: `(swap, roles)`. `user` is true when the user named the voice
/// (the decision stands, the cues only warn).
fn decide(
    method: RoleMethod,
    named: VoiceEvidence,
    other: VoiceEvidence,
    params: &StructureParams,
) -> (bool, Roles) {
    let user = matches!(method, RoleMethod::Fixed | RoleMethod::Channel);
    let prior = if user {
        params.roles_prior_user
    } else {
        params.roles_prior_first
    };
    let m = prior + named.score - other.score;
    let swap = !user && m < 0.0;
    let margin = if swap { -m } else { m };
    let conf = confidence(margin);
    let (agent, customer) = if swap { (other, named) } else { (named, other) };
    let warning = (user && conf < params.roles_confident_min)
        .then(|| user_choice_warning(method, &agent, &customer))
        .flatten();
    let confident = conf >= params.roles_confident_min && warning.is_none();
    let uncertain_reason =
        (!confident).then(|| uncertain_reason(warning.as_deref(), &agent, &customer, margin));
    let reason = format!(
        "role cues: {} {} against {} {} (margin {:.1}, confidence {:.2})",
        agent.voice.describe(),
        agent.summary(),
        customer.voice.describe(),
        customer.summary(),
        margin,
        conf
    );
    let roles = Roles {
        method,
        agent_voice: agent.voice,
        prior,
        margin,
        confidence: conf,
        confident,
        uncertain_reason,
        reason,
        voices: voice_cues(&agent, &customer),
        cues: role_cues(&agent, &customer),
        warning,
    };
    (swap, roles)
}

/// The warning for a user-named agent voice that talks like the caller: the
/// user's choice stands, so the cues can only warn.
fn user_choice_warning(
    method: RoleMethod,
    agent: &VoiceEvidence,
    customer: &VoiceEvidence,
) -> Option<String> {
    (agent.count(CueSide::Caller) > agent.count(CueSide::Agent)
        && customer.count(CueSide::Agent) > 0)
        .then(|| {
            let (what, fix) = match method {
                RoleMethod::Channel => ("the agent channel", "--agent-channel"),
                _ => ("the voice set as the agent", "--agent-speaks-first"),
            };
            format!(
                "{what} ({}) talks like the caller ({}; {} has {}): check {fix}",
                agent.voice.describe().trim_start_matches("the "),
                agent.summary(),
                customer.voice.describe(),
                customer.summary()
            )
        })
}

/// Why a choice that is not confident is not: the warning, no cues at all,
/// or cues too nearly balanced.
fn uncertain_reason(
    warning: Option<&str>,
    agent: &VoiceEvidence,
    customer: &VoiceEvidence,
    margin: f64,
) -> String {
    match warning {
        Some(w) => w.to_string(),
        None if agent.cues.is_empty() && customer.cues.is_empty() => format!(
            "no role cues in either voice: {} taken for the agent",
            agent.voice.describe()
        ),
        None => format!(
            "role cues nearly balanced: {} against {} (margin {:.1})",
            agent.summary(),
            customer.summary(),
            margin
        ),
    }
}

/// Both voices' cues, each tagged with its speaker and voice, in time order
/// (`structure.roles.cues`).
fn role_cues(agent: &VoiceEvidence, customer: &VoiceEvidence) -> Vec<RoleCue> {
    let cues = agent
        .cues
        .iter()
        .map(|c| (c, Speaker::Agent, agent.voice))
        .chain(
            customer
                .cues
                .iter()
                .map(|c| (c, Speaker::Customer, customer.voice)),
        )
        .map(|(c, speaker, voice)| RoleCue {
            phrase: c.phrase.clone(),
            speaker,
            voice,
            start_ms: c.start_ms,
            end_ms: c.end_ms,
            side: c.side,
        });
    let mut cues: Vec<RoleCue> = cues.collect();
    cues.sort_by_key(|c| (c.start_ms, c.end_ms));
    cues
}

/// Each voice's cue counts and score, the agent's voice first
/// (`structure.roles.voices`).
fn voice_cues(agent: &VoiceEvidence, customer: &VoiceEvidence) -> Vec<VoiceCues> {
    [(agent, Speaker::Agent), (customer, Speaker::Customer)]
        .iter()
        .map(|(v, speaker)| VoiceCues {
            voice: v.voice,
            speaker: *speaker,
            agent_cues: v.count(CueSide::Agent),
            caller_cues: v.count(CueSide::Caller),
            score: v.score,
        })
        .collect()
}

/// The roles of a mono call's two voices.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleChoice {
    /// True when the voice taken for the agent by the first-speaker rule is
    /// the customer: swap the two.
    pub swap: bool,
    /// Why, in words (recorded in [`super::Diarization::agent_reason`]).
    pub reason: String,
    /// The decision with its cues and confidence.
    pub roles: Roles,
}

/// The agent formulas of `phrases` (`[greeting]` company markers, company
/// names, offers of help) in the opening of `speaker`'s words (from its first
/// word, [`StructureParams::opening_cap_s`] long), for the reason in words.
fn formulas(
    words: &[SpeakerWord],
    speaker: Speaker,
    phrases: &PhraseLists,
    params: &StructureParams,
) -> Vec<String> {
    let own: Vec<&SpeakerWord> = words.iter().filter(|w| w.speaker == speaker).collect();
    let Some(first) = own.iter().map(|w| w.start_ms).min() else {
        return Vec::new();
    };
    let cap_ms = (params.opening_cap_s * 1000.0) as u64;
    let text: Vec<&str> = own
        .iter()
        .filter(|w| w.start_ms < first + cap_ms)
        .map(|w| w.text.trim())
        .collect();
    let norm = normalize(&text.join(" "));
    let g = &phrases.greeting;
    let mut found = find_phrases(&norm, &g.company);
    found.extend(find_phrases(&norm, &g.company_names));
    found.extend(find_phrases(&norm, &g.offer_help));
    found
}

/// Decides the roles of the two voices of a mono call, given their speech
/// as the first-speaker rule assigned it (`agent`, `customer`) and the
/// call's untagged words (see the module docs).
pub fn choose(
    agent: &[Interval],
    customer: &[Interval],
    words: &[TaggedWord],
    phrases: &PhraseLists,
    params: &StructureParams,
    agent_speaks_first: bool,
) -> RoleChoice {
    let assigned = assign_words(words, agent, customer);
    let start = |iv: &[Interval]| iv.first().map_or(f64::INFINITY, |i| i.start_s);
    let named_first = start(agent) <= start(customer) || customer.is_empty();
    let (named_voice, other_voice) = if named_first {
        (Voice::First, Voice::Second)
    } else {
        (Voice::Second, Voice::First)
    };
    let of =
        |s: Speaker| -> Vec<&SpeakerWord> { assigned.iter().filter(|w| w.speaker == s).collect() };
    let cap = params.roles_cue_cap;
    let named = VoiceEvidence::new(named_voice, &of(Speaker::Agent), phrases, cap);
    let other = VoiceEvidence::new(other_voice, &of(Speaker::Customer), phrases, cap);
    let method = if params.agent_role_fixed {
        RoleMethod::Fixed
    } else {
        RoleMethod::Words
    };
    let (swap, mut roles) = decide(method, named, other, params);
    let rule = if agent_speaks_first {
        "the first speaker"
    } else {
        "the second speaker (the agent does not speak first)"
    };
    let quote = |f: &[String]| {
        f.iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let agent_side = if swap {
        Speaker::Customer
    } else {
        Speaker::Agent
    };
    let formula = formulas(&assigned, agent_side, phrases, params);
    let whose = if swap {
        format!("the other voice, not {rule}")
    } else {
        rule.to_string()
    };
    let head = if params.agent_role_fixed {
        format!("{rule}, as --agent-speaks-first sets")
    } else if words.is_empty() {
        format!("{rule} (no words to look for role cues)")
    } else if !formula.is_empty() {
        format!(
            "opening formula {} in the opening of {whose}",
            quote(&formula)
        )
    } else if !roles.confident {
        format!("{whose} (no role cues decide)")
    } else {
        format!("role cues of {whose}")
    };
    roles.reason = format!("{head}; {}", roles.reason);
    RoleChoice {
        swap,
        reason: roles.reason.clone(),
        roles,
    }
}

/// The roles of a stereo call: the agent channel's words against the
/// other's (`words` tagged by channel). The channel stands; the cues give
/// the confidence and, when the agent channel talks like the caller, a
/// warning.
pub fn channel_roles(
    words: &[SpeakerWord],
    agent_channel: Channel,
    phrases: &PhraseLists,
    params: &StructureParams,
) -> Roles {
    let (a, c) = match agent_channel {
        Channel::Left => (Voice::Left, Voice::Right),
        Channel::Right => (Voice::Right, Voice::Left),
    };
    let of =
        |s: Speaker| -> Vec<&SpeakerWord> { words.iter().filter(|w| w.speaker == s).collect() };
    let cap = params.roles_cue_cap;
    let named = VoiceEvidence::new(a, &of(Speaker::Agent), phrases, cap);
    let other = VoiceEvidence::new(c, &of(Speaker::Customer), phrases, cap);
    let (_, mut roles) = decide(RoleMethod::Channel, named, other, params);
    roles.reason = format!("{}, as the agent channel; {}", a.describe(), roles.reason);
    roles
}

/// The roles of a mono call with one speaker: the agent alone (confidence 1;
/// the margin is the voice's cue score, as there is no other voice).
pub fn single_roles(
    words: &[SpeakerWord],
    phrases: &PhraseLists,
    params: &StructureParams,
) -> Roles {
    let own: Vec<&SpeakerWord> = words.iter().collect();
    let v = VoiceEvidence::new(Voice::First, &own, phrases, params.roles_cue_cap);
    Roles {
        method: RoleMethod::Single,
        agent_voice: Voice::First,
        prior: 0.0,
        margin: v.score,
        confidence: 1.0,
        confident: true,
        uncertain_reason: None,
        reason: "one speaker: the agent".to_string(),
        voices: vec![VoiceCues {
            voice: Voice::First,
            speaker: Speaker::Agent,
            agent_cues: v.count(CueSide::Agent),
            caller_cues: v.count(CueSide::Caller),
            score: v.score,
        }],
        cues: v
            .cues
            .iter()
            .map(|c| RoleCue {
                phrase: c.phrase.clone(),
                speaker: Speaker::Agent,
                voice: Voice::First,
                start_ms: c.start_ms,
                end_ms: c.end_ms,
                side: c.side,
            })
            .collect(),
        warning: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Word;

    fn words(text: &str, start_s: f64, end_s: f64) -> Vec<TaggedWord> {
        let w: Vec<&str> = text.split_whitespace().collect();
        let step = (end_s - start_s) / w.len() as f64;
        w.iter()
            .enumerate()
            .map(|(i, t)| TaggedWord {
                word: Word {
                    text: t.to_string(),
                    start_ms: ((start_s + i as f64 * step) * 1000.0) as u64,
                    end_ms: ((start_s + (i + 1) as f64 * step) * 1000.0) as u64,
                    probability: 1.0,
                },
                speaker: None,
            })
            .collect()
    }

    fn spoken(text: &str, speaker: Speaker, start_s: f64, end_s: f64) -> Vec<SpeakerWord> {
        words(text, start_s, end_s)
            .into_iter()
            .map(|w| SpeakerWord {
                text: w.word.text,
                start_ms: w.word.start_ms,
                end_ms: w.word.end_ms,
                speaker,
                from_hint: true,
            })
            .collect()
    }

    fn cues(text: &str, lang: &str) -> Vec<FoundCue> {
        let w = spoken(text, Speaker::Agent, 0.0, 10.0);
        let refs: Vec<&SpeakerWord> = w.iter().collect();
        find_cues(&refs, &PhraseLists::builtin(lang))
    }

    fn phrases_of(found: &[FoundCue], side: CueSide) -> Vec<&str> {
        found
            .iter()
            .filter(|c| c.side == side)
            .map(|c| c.phrase.as_str())
            .collect()
    }

    fn iv(start_s: f64, end_s: f64) -> Interval {
        Interval { start_s, end_s }
    }

    #[test]
    fn english_cues_score_each_side() {
        let c = cues(
            "Okay, I'm here. Hi, I'd like to buy a Chromecast and I was wondering whether you could help me",
            "en",
        );
        assert_eq!(
            phrases_of(&c, CueSide::Caller),
            ["i'd like to", "i was wondering"]
        );
        assert!(phrases_of(&c, CueSide::Agent).is_empty(), "{c:?}");
        assert_eq!(cue_score(&c, 3), -2.0);
        // "is there anything else" and "anything else I can" overlap: one cue.
        let c = cues(
            "Let me check that for you. Would you like the black one? Is there anything else I can help you with?",
            "en",
        );
        assert_eq!(
            phrases_of(&c, CueSide::Agent),
            ["let me check", "would you like", "is there anything else"]
        );
        assert_eq!(cue_score(&c, 3), 3.0);
        // Times: the phrase's first and last word (1 s per word here).
        let c = cues("one two three four five let me check six seven", "en");
        assert_eq!((c[0].start_ms, c[0].end_ms), (5000, 8000));
    }

    #[test]
    fn german_cues_score_each_side() {
        let c = cues(
            "Guten Tag, ich möchte meinen Vertrag kündigen, ich hätte gern eine Bestätigung.",
            "de",
        );
        assert_eq!(
            phrases_of(&c, CueSide::Caller),
            ["ich möchte", "meinen vertrag", "ich hätte gern"]
        );
        assert_eq!(cue_score(&c, 3), -3.0);
        let c = cues(
            "Einen Moment bitte, ich schaue nach. Möchten Sie die Bestätigung per Mail? Kann ich sonst noch etwas für Sie tun?",
            "de",
        );
        assert_eq!(phrases_of(&c, CueSide::Agent).len(), 4, "{c:?}");
        assert!(phrases_of(&c, CueSide::Caller).is_empty(), "{c:?}");
        assert_eq!(cue_score(&c, 3), 4.0);
    }

    #[test]
    fn a_repeated_phrase_counts_up_to_the_cap() {
        let c = cues(
            "would you like this would you like that would you like more would you like less",
            "en",
        );
        assert_eq!(c.len(), 4);
        assert_eq!(cue_score(&c, 3), 3.0);
        assert_eq!(cue_score(&c, 1), 1.0);
    }

    /// The staged shop call: the caller speaks first with a request.
    fn shop_call() -> (Vec<Interval>, Vec<Interval>, Vec<TaggedWord>) {
        let caller = vec![iv(0.0, 6.0), iv(14.0, 17.0)];
        let agent = vec![iv(6.5, 13.5), iv(17.5, 21.0)];
        let mut w = words(
            "Okay, I'm here. Hi, I'd like to buy a Chromecast and I was wondering whether you could help me",
            0.0,
            6.0,
        );
        w.extend(words(
            "Sure, let me check what we have. Would you like the one with the remote?",
            6.5,
            13.5,
        ));
        w.extend(words("Yes please, for my account at home", 14.0, 17.0));
        w.extend(words(
            "Is there anything else I can do for you?",
            17.5,
            21.0,
        ));
        (caller, agent, w)
    }

    #[test]
    fn the_caller_speaking_first_is_not_taken_for_the_agent() {
        let p = PhraseLists::builtin("en");
        let params = StructureParams::default();
        let (caller, agent, w) = shop_call();
        // The first-speaker rule names the caller; the words overrule it.
        let r = choose(&caller, &agent, &w, &p, &params, true);
        assert!(r.swap, "{r:?}");
        let roles = &r.roles;
        assert_eq!(roles.method, RoleMethod::Words);
        assert_eq!(roles.agent_voice, Voice::Second);
        // Agent cues 3 against caller cues 3 ("my account"), prior 0.5 the
        // other way: margin 3 + 3 − 0.5 = 5.5.
        assert!((roles.margin - 5.5).abs() < 1e-9, "{roles:?}");
        assert!((roles.confidence - (2.75f64).tanh()).abs() < 1e-9);
        assert!(roles.confident && roles.uncertain_reason.is_none());
        assert!(roles.reason.contains("other voice"), "{}", roles.reason);
        let request = roles
            .cues
            .iter()
            .find(|c| c.phrase == "i'd like to")
            .unwrap();
        assert_eq!(request.speaker, Speaker::Customer);
        assert_eq!(request.voice, Voice::First);
        assert_eq!(request.side, CueSide::Caller);
        assert!(request.start_ms < 6000 && request.end_ms > request.start_ms);
        assert!(roles
            .cues
            .iter()
            .filter(|c| c.side == CueSide::Agent)
            .all(|c| c.speaker == Speaker::Agent && c.voice == Voice::Second));
        // Named the right way round: no swap, the same margin.
        let r2 = choose(&agent, &caller, &w, &p, &params, false);
        assert!(!r2.swap && r2.roles.agent_voice == Voice::Second, "{r2:?}");
    }

    #[test]
    fn the_user_setting_stands_and_warns() {
        let p = PhraseLists::builtin("en");
        let params = StructureParams {
            agent_role_fixed: true,
            ..StructureParams::default()
        };
        let (caller, agent, w) = shop_call();
        let r = choose(&caller, &agent, &w, &p, &params, true);
        assert!(!r.swap, "{r:?}");
        assert_eq!(r.roles.method, RoleMethod::Fixed);
        // margin 3 − 6 = −3: confidence 0, and the warning.
        assert_eq!(r.roles.confidence, 0.0);
        assert!(!r.roles.confident);
        let warning = r.roles.warning.as_deref().unwrap_or_default();
        assert!(warning.contains("--agent-speaks-first"), "{warning}");
        assert!(r
            .reason
            .starts_with("the first speaker, as --agent-speaks-first sets"));
    }

    #[test]
    fn without_cues_the_first_speaker_stays_but_uncertain() {
        let p = PhraseLists::builtin("de");
        let params = StructureParams::default();
        let (first, second) = (vec![iv(0.0, 2.0)], vec![iv(2.5, 5.0)]);
        // "mein Name ist" on both sides: a name is no evidence.
        let mut w = words("Hallo, mein Name ist Meier", 0.0, 2.0);
        w.extend(words("Guten Tag, mein Name ist Schulz", 2.5, 5.0));
        let r = choose(&first, &second, &w, &p, &params, true);
        assert!(!r.swap, "{r:?}");
        assert_eq!(r.roles.margin, params.roles_prior_first);
        assert!(!r.roles.confident);
        let why = r.roles.uncertain_reason.as_deref().unwrap_or_default();
        assert!(why.starts_with("no role cues"), "{why}");
        let r = choose(&first, &second, &[], &p, &params, false);
        assert!(!r.swap && r.reason.contains("no words"), "{r:?}");
        // The German greeting and offer on the second voice decide.
        let w = words("Willkommen bei Grumps, was kann ich für Sie tun?", 2.5, 5.0);
        let r = choose(&first, &second, &w, &p, &params, true);
        assert!(r.swap && r.roles.confident, "{r:?}");
        assert!(r.reason.starts_with("opening formula"), "{}", r.reason);
    }

    #[test]
    fn a_stereo_agent_channel_that_talks_like_the_caller_is_flagged() {
        let p = PhraseLists::builtin("en");
        let params = StructureParams::default();
        let mut w = spoken(
            "Hi, I'd like to ask about my order, I was wondering where it is",
            Speaker::Agent,
            0.0,
            5.0,
        );
        w.extend(spoken(
            "Thank you for calling, let me check, can I get your order number?",
            Speaker::Customer,
            5.5,
            10.0,
        ));
        let r = channel_roles(&w, Channel::Left, &p, &params);
        assert_eq!(
            (r.method, r.agent_voice),
            (RoleMethod::Channel, Voice::Left)
        );
        // Caller cues 3 on the left, agent cues 3 on the right: 3 − 3 − 3 = −3.
        assert!((r.margin + 3.0).abs() < 1e-9, "{r:?}");
        let warning = r.warning.as_deref().unwrap_or_default();
        assert!(
            warning.contains("--agent-channel") && warning.contains("left"),
            "{warning}"
        );
        assert!(!r.confident);
        // The same words with the channels the right way round: no warning.
        let swapped: Vec<SpeakerWord> = w
            .iter()
            .map(|x| SpeakerWord {
                speaker: x.speaker.other(),
                ..x.clone()
            })
            .collect();
        let r = channel_roles(&swapped, Channel::Left, &p, &params);
        assert!(r.warning.is_none() && r.confident, "{r:?}");
        assert!((r.margin - 9.0).abs() < 1e-9, "{r:?}");
    }
}
