#!/usr/bin/env bash
# Builds tests/fixtures/realcalls/autorepair-40-callerfirst-mono.wav: the real
# call autorepair-40 with its first 7.0 s cut off (the agent's company
# greeting, "Thank you for calling Platinum Motors ... how can I help you
# today?", which ends at 6.9 s on the agent channel), mixed to mono. The
# customer speaks first ("... my name is Jack. I'm calling in today because
# ... I got a car from your dealership"), so the first-speaker rule takes the
# customer for the agent and only what the voices say over the rest of the
# call can find the agent (tests/roles.rs).
#
# 8 kHz G.711 mu-law mono like autorepair-0-mono-ulaw.wav. Deterministic: sox
# runs with -R and -D (no dither).
#
# Usage: scripts/make_caller_first.sh     (writes into tests/fixtures/realcalls/)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/tests/fixtures/realcalls"
command -v sox >/dev/null || { echo "make_caller_first: sox not found (scripts/install-deps.sh --scripts)" >&2; exit 1; }
sox -R -D -V1 "$DIR/autorepair-40-stereo-ulaw.wav" -r 8000 -e u-law -b 8 \
  "$DIR/autorepair-40-callerfirst-mono.wav" trim 7.0 remix -
(cd "$DIR" && sha256sum autorepair-40-callerfirst-mono.wav) >&2
