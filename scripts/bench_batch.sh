#!/usr/bin/env bash
# Batch throughput and peak memory of the release binary at --jobs 1 and 2.
#
#   [BIN=callcoach] [BATCH_ARGS="--model M --language en"] scripts/bench_batch.sh [INPUT...]
#                                                            (default input: samples/)
#
# Prints, per job count: audio minutes, wall minutes, audio minutes per wall
# minute, and peak resident memory (GNU time's "Maximum resident set size").
# Each run scores into a fresh directory (--force is implied by that).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target}
# BIN=path/to/callcoach skips the build. Otherwise build, and run a private
# copy (a shared target directory may be rebuilt by someone else meanwhile).
bin=$(mktemp /tmp/callcoach-bench.XXXXXX)
trap 'rm -f "$bin"' EXIT
if [ -n "${BIN:-}" ]; then
  cp "$BIN" "$bin"
else
  cargo build --release --quiet
  cp "$CARGO_TARGET_DIR/release/callcoach" "$bin"
fi
chmod +x "$bin"
inputs=("$@")
[ ${#inputs[@]} -eq 0 ] && inputs=(samples)
audio_s=0
for f in $(find "${inputs[@]}" -name '*.wav' | sort); do
  audio_s=$(python3 -c "print($audio_s + $(soxi -D "$f"))")
done
echo "machine: $(nproc) cores, $(free -m | awk '/Mem:/{print $2}') MB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "audio: $(python3 -c "print(round($audio_s/60, 2))") min in ${inputs[*]}"
printf '%-6s %-10s %-10s %-22s %-12s %s\n' jobs audio_min wall_min audio_min_per_wall_min peak_rss_MB load_after
for jobs in 1 2; do
  out=$(mktemp -d)
  log=$(mktemp)
  start=$(date +%s.%N)
  rc=0
  /usr/bin/time -v "$bin" batch "${inputs[@]}" --out "$out" --jobs "$jobs" --quiet ${BATCH_ARGS:-} >/dev/null 2>"$log" || rc=$?
  end=$(date +%s.%N)
  if [ "$rc" -ge 2 ]; then echo "batch failed (exit $rc):"; cat "$log"; exit 1; fi
  rss_kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$log")
  python3 - "$audio_s" "$start" "$end" "$rss_kb" "$jobs" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import sys
audio, start, end, rss, jobs, load = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
wall = end - start
print(f"{jobs:<6} {audio/60:<10.2f} {wall/60:<10.2f} {audio/wall:<22.2f} {rss/1024:<12.0f} {load}")
PY
  grep -c '"error"' "$out"/calls/*.error.json 2>/dev/null | sed 's/^/failed: /' || true
  rm -rf "$out" "$log"
done
