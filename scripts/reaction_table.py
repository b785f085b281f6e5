#!/usr/bin/env python3
"""Prints the validation table of docs/customer-reaction.md from scorecards.

Usage: scripts/reaction_table.py DIR...

DIR holds scorecard JSON files: target/tmp/reaction (written by
`cargo test --release --test reaction`, the calls of tests/fixtures/reaction/)
and target/tmp/validation (written by `cargo test --release --test realcalls`,
the real calls and their variants). For each call: how many stretches of the
caller's speech were judged, the largest rise of each voice figure after the
baseline, the escalations (start, signals) against the switch of
tests/fixtures/reaction/truth.tsv (or a truth.tsv in DIR), and the call's
end against its start.
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TRUTH = ROOT / "tests/fixtures/reaction/truth.tsv"


def switches(dirs):
    """The switch (s) per call from truth.tsv: the fixtures' and any in DIRs."""
    found = {}
    for truth in [TRUTH, *(pathlib.Path(d) / "truth.tsv" for d in dirs)]:
        if truth.is_file():
            for row in truth.read_text().splitlines()[1:]:
                cells = row.split("\t")
                found[cells[0].removesuffix(".wav")] = cells[4]
    return found


def fmt(v, digits=1):
    return "–" if v is None else f"{v:+.{digits}f}"


def main(dirs):
    switch = switches(dirs)
    print("| call | judged stretches | pitch rise (st) | range rise (st) | level rise (dB) | rate rise (%) | switch (s) | escalations: start (s), signals | end against start |")
    print("|---|---|---|---|---|---|---|---|---|")
    for d in dirs:
        for path in sorted(pathlib.Path(d).glob("*.json")):
            card = json.loads(path.read_text())
            r = card.get("customer_reaction")
            if r is None:
                continue
            name = path.stem
            if r["status"] != "measured":
                print(f"| {name} | not measured: {r.get('reason')} | | | | | {switch.get(name, '')} | | |")
                continue
            peak = {m["name"]: m["value"] for m in r["metrics"]}
            judged = sum(1 for s in r["stretches"] if not s["baseline"])
            esc = "; ".join(
                f"{e['start_ms'] / 1000:.1f} {'+'.join(e['signals'])}" for e in r["escalations"]
            ) or "none"
            trend = (r.get("start_vs_end") or {}).get("trend", "–")
            print(
                f"| {name} | {judged} | {fmt(peak.get('f0_rise_semitones'))} | "
                f"{fmt(peak.get('f0_range_rise_semitones'))} | {fmt(peak.get('level_rise_db'))} | "
                f"{fmt(peak.get('rate_rise_percent'), 0)} | {switch.get(name, '') or '–'} | {esc} | {trend} |"
            )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
