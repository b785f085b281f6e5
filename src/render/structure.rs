//! The call structure (turn figures, greeting) as terminal text.

use crate::structure::CallStructure;

/// Plain-text summary of a result for the command line.
pub fn structure_text(s: &CallStructure) -> String {
    use std::fmt::Write;
    let f = &s.figures;
    let mut o = String::new();
    let _ = writeln!(o, "Call structure ({:.1} s)", s.duration_s);
    if let Some(d) = &s.diarization {
        let _ = writeln!(
            o,
            "  speakers separated by {} (confidence {:.2})",
            d.method, d.confidence
        );
        if !d.agent_reason.is_empty() {
            let _ = writeln!(o, "  agent: {}", d.agent_reason);
        }
    }
    let _ = writeln!(
        o,
        "  talk share: agent {:.0} %, customer {:.0} % (agent {:.1} s, customer {:.1} s)",
        f.agent_talk_share * 100.0,
        f.customer_talk_share * 100.0,
        f.agent_talk_s,
        f.customer_talk_s
    );
    let _ = writeln!(
        o,
        "  turns: {}, longest agent monologue {:.1} s",
        f.turns, f.longest_agent_monologue_s
    );
    match f.latency_median_s {
        Some(m) => {
            let _ = writeln!(
                o,
                "  agent response latency: median {:.2} s, {:.0} % under {:.0} ms ({} responses)",
                m,
                f.latency_fast_share.unwrap_or(0.0) * 100.0,
                f.fast_latency_s * 1000.0,
                f.latencies_s.len()
            );
        }
        None => {
            let _ = writeln!(o, "  agent response latency: no agent responses");
        }
    }
    let _ = writeln!(
        o,
        "  barge-ins by the agent: {}, by the customer: {}, total overtalk {:.1} s",
        f.agent_interruptions, f.customer_interruptions, f.overtalk_s
    );
    let _ = writeln!(
        o,
        "  silence/hold: {} ({:.1} s total, longest {:.1} s)",
        f.holds, f.hold_total_s, f.hold_longest_s
    );
    let _ = writeln!(o, "  questions by the agent: {}", f.agent_questions);
    let wpm = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.0}"));
    let _ = writeln!(
        o,
        "  words per minute: agent {}, customer {}",
        wpm(f.agent_wpm),
        wpm(f.customer_wpm)
    );
    let g = &s.greeting;
    if g.present {
        let _ = writeln!(
            o,
            "  opening: {:.1} s, {} words; greeting {}, company {}, name {}, offer of help {}{}",
            g.duration_s,
            g.word_count,
            yes(g.has_salutation),
            yes(g.has_company),
            yes(g.has_agent_name),
            yes(g.has_offer_of_help),
            if g.too_long { "; too long" } else { "" }
        );
        if !g.old_fashioned.is_empty() {
            let _ = writeln!(
                o,
                "  old-fashioned formulas: {}",
                g.old_fashioned.join("; ")
            );
        }
    } else {
        let _ = writeln!(o, "  opening: the agent does not speak");
    }
    o
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
