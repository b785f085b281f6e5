#!/usr/bin/env bash
# Benchmark of `callcoach score` on a 5-minute stereo call (speed target): builds
# the call from the stereo samples (16 kHz, agent left), then reports the
# time per pipeline stage as a real-time factor, and the peak memory of the
# whole run (/usr/bin/time -v). Results: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${TMPDIR:-/tmp}/callcoach-bench
mkdir -p "$out"
call=$out/five-minutes-stereo.wav
if [[ ! -f $call ]]; then
  parts=()
  for s in samples/01-en-good.wav samples/03-en-apathetic.wav; do
    sox "$s" -r 16000 -c 2 -e signed -b 16 "$out/$(basename "$s")"
    parts+=("$out/$(basename "$s")")
  done
  # The two English stereo calls (1.8 minutes) three times, cut at 5 minutes.
  sox "${parts[@]}" "${parts[@]}" "${parts[@]}" "$call" trim 0 300
fi
cargo build --release --example bench_score >/dev/null
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
/usr/bin/time -f "peak memory %M KB, wall %e s" target/release/examples/bench_score "$call" en
