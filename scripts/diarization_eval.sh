#!/usr/bin/env bash
# Mono diarization against truth (issue 16): DER (0.25 s collar, overlap
# scored), missed speech, false alarm, speaker confusion and the agent's
# talk share, for the real stereo calls mixed to mono (truth: their stereo
# analysis), the two-speaker call (truth: its RTTM) and the real mono call
# (no truth), with the energy VAD and with Silero VAD + energy.
# Results: docs/call-structure.md. RTTM files go to $1 (default: none).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example diarization_eval >/dev/null
if [[ $# -ge 1 ]]; then
  target/release/examples/diarization_eval --rttm-dir "$1"
else
  target/release/examples/diarization_eval
fi
