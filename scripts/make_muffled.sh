#!/usr/bin/env bash
# Builds the muffled variants of real read speech in tests/fixtures/muffled/
# (the clarity tests, tests/clarity.rs; docs/voice-features.md lists what
# the clarity figures give on them).
#
# Each source is a real 16 kHz mono clip of tests/fixtures/; each variant
# removes the consonant band and keeps the recording's 16 kHz line:
#
#   STEM-lp700        low-passed at 700 Hz twice (`sox lowpass 700 lowpass
#                     700`: two 2-pole Butterworth sections, -24 dB/octave)
#   STEM-lp700-noise  the same, mixed with white noise at -40 dBFS RMS over
#                     the whole 0-8 kHz band
#   STEM-lp1k         low-passed at 1 kHz twice
#   STEM-lp1k-noise   the same with the noise
#
# Outputs are 16 kHz mono 16-bit PCM, as the sources.
# Deterministic: sox runs with -R (fixed noise seed) and -D (no dither).
#
# Usage: scripts/make_muffled.sh     (writes into tests/fixtures/muffled/)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC="$ROOT/tests/fixtures"
DIR="$SRC/muffled"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SOX=(sox -R -D -V1)

command -v sox >/dev/null || { echo "make_muffled: sox not found (scripts/install-deps.sh --scripts)" >&2; exit 1; }
mkdir -p "$DIR"

for stem in jfk librivox-0870; do
  in="$SRC/$stem.wav"
  len=$(soxi -D "$in")
  "${SOX[@]}" -n -r 16000 -c 1 -e signed -b 16 "$W/noise.wav" synth "$len" whitenoise gain -n -40.5
  for cut in 700 1k; do
    hz=${cut/1k/1000}
    "${SOX[@]}" "$in" -e signed -b 16 "$DIR/$stem-lp$cut.wav" lowpass "$hz" lowpass "$hz"
    "${SOX[@]}" -m "$DIR/$stem-lp$cut.wav" "$W/noise.wav" -e signed -b 16 "$DIR/$stem-lp$cut-noise.wav"
  done
done

(cd "$DIR" && sha256sum ./*.wav) >&2
