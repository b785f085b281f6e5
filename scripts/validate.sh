#!/usr/bin/env bash
# Reproduces the tables of docs/validation.md: scores the real calls, their
# controlled variants (scripts/make_variants.sh) and the real speech clips in
# tests/fixtures/, and prints each call's eight verdicts and key figures as
# Markdown.
#
# Usage: scripts/validate.sh [OUTDIR]     (scorecards go to OUTDIR, default
#        target/validation; the table goes to stdout)
#        scripts/validate.sh --from DIR  (print the tables from the scorecards
#        in DIR, e.g. target/tmp/validation, which `cargo test --release
#        --test realcalls` writes with the same options)
# Needs a release build and the base model (scripts/quickstart.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FROM=0
if [[ ${1:-} == --from ]]; then FROM=1; shift; fi
OUT=${1:-target/validation}
BIN=${CALLCOACH:-target/release/callcoach}
mkdir -p "$OUT"
F=tests/fixtures
R=$F/realcalls

# file | options (the language of the clean clips is known)
calls=(
  "$R/autorepair-40-stereo-ulaw.wav|--language en"
  "$R/autorepair-49-stereo-ulaw.wav|--language en"
  "$R/autorepair-0-mono-ulaw.wav|--language en"
  "$F/jfk.wav|--language en --speakers 1"
  "$F/jfk-8k-ulaw.wav|--language en --speakers 1"
  "$F/librivox-0870.wav|--language en --speakers 1"
  "$F/librivox-0920.wav|--language en --speakers 1"
  "$F/de-fleurs-000.wav|--language de --speakers 1"
  "$F/de-fleurs-002.wav|--language de --speakers 1"
  "$R/autorepair-40-tempo150.wav|--language en"
  "$R/autorepair-49-tempo140.wav|--language en"
  "$R/autorepair-40-monotone.wav|--language en"
  "$R/autorepair-40-muffled.wav|--language en"
  "$R/autorepair-40-bargein.wav|--language en"
  "$R/autorepair-49-greeting.wav|--language en"
  "$R/autorepair-49-opening-late.wav|--language en"
  "$R/autorepair-40-callerfirst-mono.wav|--language en"
)
for entry in "${calls[@]}"; do
  ((FROM)) && break
  file=${entry%%|*}
  opts=${entry#*|}
  name=$(basename "$file" .wav)
  # shellcheck disable=SC2086
  "$BIN" score "$file" $opts --json >"$OUT/$name.json" 2>"$OUT/$name.log" ||
    { echo "validate: $file failed: $(tail -1 "$OUT/$name.log")" >&2; exit 1; }
  echo "validate: scored $name" >&2
done

python3 - "$OUT" "${calls[@]}" <<'PY'
import json, os, sys
out, entries = sys.argv[1], sys.argv[2:]
names = [os.path.basename(e.split("|")[0])[:-4] for e in entries]
cards = {n: json.load(open(os.path.join(out, n + ".json"))) for n in names}
ids = ["monotone", "apathetic", "impatient", "greeting", "rushed", "unclear", "too_fast", "no_empathy"]
short = {"ok": "ok", "watch": "WATCH", "problem": "PROBLEM", "not_measured": "n/m"}
print("| call | " + " | ".join(ids) + " |")
print("|---|" + "---|" * len(ids))
for n in names:
    f = {x["id"]: x for x in cards[n]["findings"]}
    print(f"| {n} | " + " | ".join(f"{short[f[i]['verdict']]} {'–' if f[i]['score'] is None else f[i]['score']}" for i in ids) + " |")
print()
print("Key figures (agent):")
print()
cols = [("monotone", "f0_std_semitones", 2), ("apathetic", "intensity_std_db", 1),
        ("impatient", "agent_interruptions", 0), ("impatient", "customer_interruptions", 0),
        ("impatient", "overtalk_s", 1), ("greeting", "opening_s", 1),
        ("rushed", "pauses_per_min", 1), ("rushed", "longest_stretch_without_pause_s", 1),
        ("unclear", "low_confidence_share", 2), ("unclear", "snr_db", 0),
        ("unclear", "hf_energy_vs_customer_db", 1),
        ("too_fast", "agent_wpm", 0), ("too_fast", "articulation_rate_syl_per_s", 2),
        ("no_empathy", "agent_talk_share", 2)]
print("| call | " + " | ".join(m for _, m, _ in cols) + " |")
print("|---|" + "---|" * len(cols))
for n in names:
    f = {x["id"]: x for x in cards[n]["findings"]}
    row = []
    for fid, metric, nd in cols:
        v = next((m.get("value") for m in f[fid]["metrics"] if m["name"] == metric), None)
        if v is None:
            v = cards[n]["structure"]["figures"].get(metric)
        row.append("-" if v is None else f"{v:.{nd}f}")
    print(f"| {n} | " + " | ".join(row) + " |")
print()
print("Per call: the opening, the roles, the agent's rate:")
print()
print("| call | opening (quote) | greeting | roles: method, agent, confidence | agent wpm | agent syl/s |")
print("|---|---|---|---|---|---|")
for n in names:
    c = cards[n]
    s = c["structure"]
    g = s["greeting"]
    f = {x["id"]: x for x in c["findings"]}
    gr = f["greeting"]
    if gr["verdict"] == "not_measured":
        opening = "not measured: " + next((m.get("reason") or "" for m in gr["metrics"]), "")
    else:
        opening = f"\"{g['text']}\" ({g['word_count']} words, {g['duration_s']:.1f} s)"
    verdict = f"{short[gr['verdict']]} {'–' if gr['score'] is None else gr['score']}"
    r = s.get("roles") or {}
    roles = f"{r.get('method', '-')}, {r.get('agent_voice', '-')}, {r.get('confidence', 0):.2f}" + ("" if r.get("confident", True) else " (uncertain)")
    tf = {m["name"]: m["value"] for m in f["too_fast"]["metrics"]}
    rate = next((v for k, v in tf.items() if "syl" in k and v is not None), None)
    wpm = s["figures"].get("agent_wpm")
    print(f"| {n} | {opening} | {verdict} | {roles} | {'-' if wpm is None else f'{wpm:.0f}'} | {'-' if rate is None else f'{rate:.2f}'} |")
PY
