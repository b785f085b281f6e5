#!/usr/bin/env bash
# Builds the tempo variants of real read speech in tests/fixtures/tempo/,
# which tests/rate.rs uses to check that the speaking rate scales with tempo:
#
#   jfk-tempoNNN, librivox-0890-tempoNNN   NNN = 120, 140, 160, 180: the clip
#                                          `sox tempo -s` NNN/100 (WSOLA,
#                                          pitch kept), 16 kHz mono 16-bit
#                                          like the originals
#   librivox-0890-tempo145                 the same at 1.45: a read at about
#                                          250 wpm, which too_fast must flag
#
# Deterministic: sox runs with -R (fixed seed) and -D (no dither).
#
# Usage: scripts/make_tempo.sh     (writes into tests/fixtures/tempo/)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC="$ROOT/tests/fixtures"
DIR="$SRC/tempo"
SOX=(sox -R -D -V1)

command -v sox >/dev/null || { echo "make_tempo: sox not found (scripts/install-deps.sh --scripts)" >&2; exit 1; }
mkdir -p "$DIR"

for clip in jfk librivox-0890; do
  for nnn in 120 140 160 180; do
    "${SOX[@]}" "$SRC/$clip.wav" -e signed -b 16 "$DIR/$clip-tempo$nnn.wav" tempo -s "${nnn:0:1}.${nnn:1}"
  done
done
"${SOX[@]}" "$SRC/librivox-0890.wav" -e signed -b 16 "$DIR/librivox-0890-tempo145.wav" tempo -s 1.45

(cd "$DIR" && sha256sum ./*.wav) >&2
