#!/usr/bin/env bash
# Speed of callcoach's voice analysis against Praat, on one core.
#
# Usage: scripts/bench_features.sh [FILE.wav] [SECONDS]
# Tiles FILE (default tests/fixtures/jfk.wav) to SECONDS (default 60), times
# callcoach's whole analysis (examples/bench_features, release build) and
# Praat's To Pitch (ac) + To Intensity on the same audio through parselmouth
# (.venv, set up by scripts/praat_compare.py), both pinned to CPU 0, and
# prints the ratio. Also runs the 8 kHz mu-law copy when FILE is the default.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
secs="${2:-60}"
files=("${1:-tests/fixtures/jfk.wav}")
[ -z "${1:-}" ] && files+=(tests/fixtures/jfk-8k-ulaw.wav)
[ -x .venv/bin/python ] || { python3 -m venv .venv && .venv/bin/pip install -q praat-parselmouth==0.4.7; }
cargo build --release -q --example bench_features
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for f in "${files[@]}"; do
  echo "== $f, tiled to $secs s"
  out="$(taskset -c 0 "$CARGO_TARGET_DIR/release/examples/bench_features" "$f" "$secs" "$tmp/tiled.wav")"
  echo "$out" | grep -v '^FULL_S_PER_MIN='
  ours="$(echo "$out" | sed -n 's/^FULL_S_PER_MIN=//p')"
  taskset -c 0 .venv/bin/python - "$tmp/tiled.wav" "$secs" "$ours" <<'PY'
import sys, time, parselmouth
path, secs, ours = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
snd = parselmouth.Sound(path)
def best(f, n=3):
    t = []
    for _ in range(n):
        s = time.perf_counter(); f(); t.append(time.perf_counter() - s)
    return min(t)
p = best(lambda: snd.to_pitch_ac(0.01, 75, 15, False, 0.03, 0.45, 0.01, 0.35, 0.14, 600))
i = best(lambda: snd.to_intensity(50, 0.01, True))
pm = 60 / secs
print(f"Praat To Pitch (ac): {p * pm * 1000:.1f} ms per minute; + To Intensity: {(p + i) * pm * 1000:.1f} ms per minute")
print(f"ratio: callcoach full analysis is {p * pm / ours:.2f}x as fast as Praat's pitch alone, "
      f"{(p + i) * pm / ours:.2f}x as fast as Praat's pitch + intensity")
PY
done
