#!/usr/bin/env bash
# What the GE2E speaker model costs on a mono call (target: at most +15 %
# wall time for `turns`, `score` and `batch` on a 5-minute mono call).
#
# The call: the two real stereo calls of tests/fixtures/realcalls/ joined,
# mixed to mono and cut to 300 s (8 kHz). Each command runs alternately with
# the speaker model (models/ as fetched: GE2E diarization, the default) and
# without it (the whisper model linked from a folder that has no
# ge2e-resemblyzer.safetensors: the MFCC fallback, which is what callcoach
# did before the speaker model), RUNS times each; the script prints the
# medians and the ratio with/without.
#
# usage: scripts/bench_mono.sh [RUNS]   (default 2)
# Results: docs/call-structure.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
out=target/mono-bench
mkdir -p "$out"
call=$out/autorepair-40-49-300s-mono.wav
[[ -f $call ]] || sox tests/fixtures/realcalls/autorepair-40-stereo-ulaw.wav \
  tests/fixtures/realcalls/autorepair-49-stereo-ulaw.wav -c 1 "$call" trim 0 300

cargo build --release --quiet
bin=target/release/callcoach
$bin model fetch base-q8_0 >/dev/null
$bin model fetch ge2e >/dev/null
bare=$out/no-speaker-model
mkdir -p "$bare"
ln -sf "$PWD/models/ggml-base-q8_0.bin" "$bare/ggml-base-q8_0.bin"

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
run() { # COMMAND MODEL TAG -> seconds
  local cmd=$1 model=$2 tag=$3 s
  rm -rf "$out/batch"
  s=$(date +%s.%N)
  case $cmd in
    turns | score) $bin "$cmd" "$call" --language en --json --model "$model" >"$out/$cmd-$tag.json" 2>/dev/null ;;
    batch) $bin batch "$call" --out "$out/batch" --language en --model "$model" >/dev/null 2>&1 ;;
  esac
  echo "$(date +%s.%N) - $s" | bc
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $runs runs each, alternating"
printf '%-7s %14s %14s %8s\n' command "with GE2E s" "without s" ratio
for cmd in turns score batch; do
  with=() without=()
  for ((i = 0; i < runs; i++)); do
    with+=("$(run "$cmd" models/ggml-base-q8_0.bin ge2e)")
    without+=("$(run "$cmd" "$bare/ggml-base-q8_0.bin" mfcc)")
  done
  w=$(median "${with[@]}")
  wo=$(median "${without[@]}")
  printf '%-7s %14.1f %14.1f %8.2f\n' "$cmd" "$w" "$wo" "$(echo "$w / $wo" | bc -l)"
done
for tag in ge2e mfcc; do
  echo "$tag: $(grep -o '"method":"[^"]*"' "$out/score-$tag.json" | head -1)"
done
