#!/usr/bin/env bash
# Builds tests/fixtures/realcalls/autorepair-49-opening-late.wav: the first
# 60 s of the real call autorepair-49 with its opening moved 2.5 s later,
# and in front of it what real calls often have before the agent's first
# words: a short noise on the agent's channel (a click or breath, 0.25 s of
# pink noise at -30 dBFS, the one synthetic part) and the customer talking
# first (the customer's own "Yeah, hi, Terry." from 2.6-3.6 s of the call).
# The opening is still the agent's first words ("…, Cheri speaking, how
# can I help you?"); a blip of noise with no words is not an opening
# (tests/greeting.rs).
#
# 8 kHz stereo G.711 mu-law like the original (agent left). Deterministic:
# sox runs with -R (fixed noise seed) and -D (no dither).
# Usage: scripts/make_opening_variant.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/tests/fixtures/realcalls"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SOX=(sox -R -D -V1)
command -v sox >/dev/null || { echo "make_opening_variant: sox not found (scripts/install-deps.sh --scripts)" >&2; exit 1; }

SRC="$DIR/autorepair-49-stereo-ulaw.wav"
"${SOX[@]}" "$SRC" -e signed -b 16 "$W/agent.wav" remix 1 trim 0 60
"${SOX[@]}" "$SRC" -e signed -b 16 "$W/customer.wav" remix 2 trim 0 60
# Agent: 0.2 s silence, 0.25 s noise, silence to 2.5 s, then the call.
"${SOX[@]}" -n -r 8000 -c 1 -e signed -b 16 "$W/blip.wav" synth 0.25 pinknoise gain -n -30 fade t 0.02 0.25 0.05 pad 0.2 2.05
"${SOX[@]}" "$W/blip.wav" "$W/agent.wav" "$W/a.wav"
# Customer: 0.6 s silence, "Yeah, hi, Terry." (1.0 s), silence to 2.5 s, then the call.
"${SOX[@]}" "$W/customer.wav" "$W/hello.wav" trim 2.6 1.0 pad 0.6 0.9
"${SOX[@]}" "$W/hello.wav" "$W/customer.wav" "$W/c.wav"
"${SOX[@]}" -M "$W/a.wav" "$W/c.wav" -r 8000 -e u-law -b 8 "$DIR/autorepair-49-opening-late.wav"
(cd "$DIR" && sha256sum autorepair-49-opening-late.wav) >&2
