#!/usr/bin/env bash
# Latency of `callcoach live`: from the arrival of an audio block to its
# line on stdout, replaying real speech in real time.
#
# Usage: scripts/bench_live.sh [FILE.wav]
# Default: the librivox fixtures 0870, 0920 and 0930 joined (17 s). Prints
# the percentiles of the per-update latency and the resulting sound-to-
# screen time (block length 20 ms + latency; a real device adds its own
# buffer, typically 10-40 ms with ALSA's defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
file="${1:-}"
if [ -z "$file" ]; then
  file="$tmp/speech.wav"
  sox tests/fixtures/librivox-0870.wav tests/fixtures/librivox-0920.wav tests/fixtures/librivox-0930.wav "$file"
fi
"$CARGO_TARGET_DIR/release/callcoach" live --replay "$file" --speed 1 --json 2>/dev/null |
python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
lat = sorted(r["latency_ms"] for r in rows if r["type"] == "reading")
ana = sorted(r["analysis_ms"] for r in rows if r["type"] == "reading")
q = lambda v, p: v[min(len(v) - 1, int(p * len(v)))]
print(f"{len(lat)} updates (every 0.25 s of audio, 10 s window)")
print(f"analysis per update: median {q(ana, .5):.1f} ms, p95 {q(ana, .95):.1f} ms, max {ana[-1]:.1f} ms")
print(f"block arrival to line: median {q(lat, .5):.1f} ms, p95 {q(lat, .95):.1f} ms, max {lat[-1]:.1f} ms")
print(f"sound to screen (20 ms block + that): worst {20 + lat[-1]:.0f} ms; target < 500 ms")
'
