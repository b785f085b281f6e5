#!/usr/bin/env bash
# Builds tests/fixtures/realcalls/autorepair-40-bargein-pause.wav: a barge-in
# during which the interrupted customer pauses, from real speech.
#
# From autorepair-40-stereo-ulaw.wav (agent left, customer right), the 46 s
# from 119.0 s to 165.0 s, around the change of turn where the customer's
# run 134.84-139.41 s ends and the agent answers at 140.14 s:
#
#   customer  0.7 s of silence inserted at 139.01 s, inside the customer's
#             last run: the run is now 0.4 s of speech, a 0.7 s pause and
#             0.4 s of speech, ending at 140.11 s (original time)
#   agent     1.53 s of the agent's own silence cut out at 138.00-139.53 s,
#             so that the agent starts at 138.61 s, 1.5 s before the
#             customer's new end; the agent's earlier speech stays in place
#
# In the output (time 0 = 119.0 s of the original) the agent barges in at
# 19.61 s, the customer pauses 20.01-20.71 s and stops at 21.11 s while the
# agent goes on: 1.5 s of barge-in, 0.8 s of it both speaking, as two pieces
# of 0.4 s. The customer does not speak again before the end (the next
# customer speech of the original is at 166.64 s), so the two channels'
# different shifts are not heard anywhere else. All cut points are whole
# samples at 8 kHz. tests/bargein.rs checks the call.
#
# Output 8 kHz stereo G.711 mu-law like the original (agent left).
# Deterministic: sox runs with -R and -D (no dither).
#
# Usage: scripts/make_bargein_pause.sh   (writes into tests/fixtures/realcalls/)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/tests/fixtures/realcalls"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SOX=(sox -R -D -V1)
ULAW=(-r 8000 -e u-law -b 8)
command -v sox >/dev/null || { echo "make_bargein_pause: sox not found (scripts/install-deps.sh --scripts)" >&2; exit 1; }

SRC="$DIR/autorepair-40-stereo-ulaw.wav"
"${SOX[@]}" "$SRC" -e signed -b 16 "$W/agent.wav" remix 1
"${SOX[@]}" "$SRC" -e signed -b 16 "$W/customer.wav" remix 2

# Customer: 119.00-139.01, 0.7 s of silence, 139.01-164.30 (46.0 s).
"${SOX[@]}" "$W/customer.wav" "$W/c1.wav" trim 119.0 =139.01
"${SOX[@]}" "$W/customer.wav" "$W/c2.wav" trim 139.01 =164.3 pad 0.7 0
"${SOX[@]}" "$W/c1.wav" "$W/c2.wav" "$W/c.wav"

# Agent: 119.00-138.00 and 139.53-166.53 (46.0 s).
"${SOX[@]}" "$W/agent.wav" "$W/a1.wav" trim 119.0 =138.0
"${SOX[@]}" "$W/agent.wav" "$W/a2.wav" trim 139.53 =166.53
"${SOX[@]}" "$W/a1.wav" "$W/a2.wav" "$W/a.wav"

[[ $(soxi -s "$W/a.wav") == $(soxi -s "$W/c.wav") ]] || { echo "make_bargein_pause: channel lengths differ" >&2; exit 1; }
"${SOX[@]}" -M "$W/a.wav" "$W/c.wav" "${ULAW[@]}" "$DIR/autorepair-40-bargein-pause.wav"
(cd "$DIR" && sha256sum autorepair-40-bargein-pause.wav) >&2
