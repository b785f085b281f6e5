#!/usr/bin/env bash
# Builds the controlled variants of the real calls in tests/fixtures/realcalls/.
#
# Each variant changes one thing about a real customer-service call, so that
# one of the eight mistakes appears in real speech, and everything else stays
# as recorded (docs/validation.md lists what each detector gives on them):
#
#   autorepair-40-tempo150  both channels `sox tempo -s 1.5`: the whole call
#                           50 % faster, pitch kept (too fast, rushed)
#   autorepair-49-tempo140  the same at 1.4 on the other call
#   autorepair-40-monotone  the agent channel resynthesised by Praat (PSOLA)
#                           with its pitch flattened to the agent's median F0
#                           (toneless voice); through praat-parselmouth
#   autorepair-40-muffled   the agent channel low-passed at 700 Hz (twice) and
#                           mixed with white line noise at -40 dBFS (unclear)
#   autorepair-40-bargein   the agent channel moved 1.5 s earlier, so that the
#                           agent starts talking before the customer has
#                           finished at nearly every change of turn (impatient)
#   autorepair-49-greeting  agent 40's long company greeting (7 s) spliced
#                           in front of call 49's own opening (greeting)
#
# All outputs are 8 kHz stereo G.711 mu-law like the originals (agent left).
# Deterministic: sox runs with -R (fixed noise seed) and -D (no dither).
# Needs sox and python3 (a private venv in target/variants-venv gets
# praat-parselmouth 0.4.7 from PyPI on first use).
#
# Usage: scripts/make_variants.sh     (writes into tests/fixtures/realcalls/)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/tests/fixtures/realcalls"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SOX=(sox -R -D -V1)
ULAW=(-r 8000 -e u-law -b 8)

for tool in sox python3; do
  command -v "$tool" >/dev/null || { echo "make_variants: $tool not found (scripts/install-deps.sh --scripts)" >&2; exit 1; }
done
VENV="$ROOT/target/variants-venv"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q praat-parselmouth==0.4.7
fi

# split CALL -> $W/CALL-{agent,customer}.wav (16-bit PCM, 8 kHz)
split() {
  "${SOX[@]}" "$DIR/$1.wav" -e signed -b 16 "$W/$1-agent.wav" remix 1
  "${SOX[@]}" "$DIR/$1.wav" -e signed -b 16 "$W/$1-customer.wav" remix 2
}
# join AGENT CUSTOMER OUT: stereo mu-law, agent left, padded to the longer one
join() {
  local la lc
  la=$(soxi -s "$1"); lc=$(soxi -s "$2")
  if ((la < lc)); then "${SOX[@]}" "$1" "$W/pad.wav" pad 0 "$((lc - la))s"; mv "$W/pad.wav" "$1"; fi
  if ((lc < la)); then "${SOX[@]}" "$2" "$W/pad.wav" pad 0 "$((la - lc))s"; mv "$W/pad.wav" "$2"; fi
  "${SOX[@]}" -M "$1" "$2" "${ULAW[@]}" "$DIR/$3.wav"
}

split autorepair-40-stereo-ulaw
split autorepair-49-stereo-ulaw
A40=$W/autorepair-40-stereo-ulaw-agent.wav
C40=$W/autorepair-40-stereo-ulaw-customer.wav
A49=$W/autorepair-49-stereo-ulaw-agent.wav
C49=$W/autorepair-49-stereo-ulaw-customer.wav

# Too fast: the whole call faster (WSOLA, pitch kept).
"${SOX[@]}" "$DIR/autorepair-40-stereo-ulaw.wav" -e signed -b 16 "$W/t.wav" tempo -s 1.5
"${SOX[@]}" "$W/t.wav" "${ULAW[@]}" "$DIR/autorepair-40-tempo150.wav"
"${SOX[@]}" "$DIR/autorepair-49-stereo-ulaw.wav" -e signed -b 16 "$W/t.wav" tempo -s 1.4
"${SOX[@]}" "$W/t.wav" "${ULAW[@]}" "$DIR/autorepair-49-tempo140.wav"

# Toneless: Praat's Manipulation (overlap-add resynthesis) with a flat pitch tier.
"$VENV/bin/python" - "$A40" "$W/mono-agent.wav" <<'PY'
import sys
import parselmouth
from parselmouth.praat import call
snd = parselmouth.Sound(sys.argv[1])
pitch = snd.to_pitch_ac(time_step=0.01, pitch_floor=75, pitch_ceiling=600)
median = call(pitch, "Get quantile", 0, 0, 0.5, "Hertz")
manip = call(snd, "To Manipulation", 0.01, 75, 600)
tier = call(manip, "Extract pitch tier")
call(tier, "Formula", str(median))
call([tier, manip], "Replace pitch tier")
out = call(manip, "Get resynthesis (overlap-add)")
out.save(sys.argv[2], "WAV")
print(f"monotonized at {median:.1f} Hz", file=sys.stderr)
PY
"${SOX[@]}" "$W/mono-agent.wav" -e signed -b 16 "$W/mono-agent16.wav"
cp "$C40" "$W/c.wav"
join "$W/mono-agent16.wav" "$W/c.wav" autorepair-40-monotone

# Unclear: muffled (700 Hz low-pass, twice) with white line noise at -40 dBFS RMS.
len=$(soxi -D "$A40")
"${SOX[@]}" -n -r 8000 -c 1 -e signed -b 16 "$W/noise.wav" synth "$len" whitenoise gain -n -40.5
"${SOX[@]}" "$A40" "$W/lp.wav" lowpass 700 lowpass 700
"${SOX[@]}" -m "$W/lp.wav" "$W/noise.wav" "$W/muffled.wav"
cp "$C40" "$W/c.wav"
join "$W/muffled.wav" "$W/c.wav" autorepair-40-muffled

# Barge-ins: the agent 1.5 s earlier than recorded.
"${SOX[@]}" "$A40" "$W/early.wav" trim 1.5
cp "$C40" "$W/c.wav"
join "$W/early.wav" "$W/c.wav" autorepair-40-bargein

# Greeting: agent 40's company greeting (0-7 s of its channel) in front of call 49.
"${SOX[@]}" "$A40" "$W/greet.wav" trim 0 7
"${SOX[@]}" "$W/greet.wav" "$A49" "$W/g-agent.wav"
"${SOX[@]}" "$C49" "$W/g-customer.wav" pad 7 0
join "$W/g-agent.wav" "$W/g-customer.wav" autorepair-49-greeting

(cd "$DIR" && sha256sum autorepair-4*-{tempo150,tempo140,monotone,muffled,bargein,greeting}.wav 2>/dev/null) >&2
