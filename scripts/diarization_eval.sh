#!/usr/bin/env bash
# Mono diarization against truth: DER (0.25 s collar, overlap
# scored), missed speech, false alarm, speaker confusion and the agent's
# talk share, for the real stereo calls mixed to mono (truth: their stereo
# analysis), the two-speaker call (truth: its RTTM) and the real mono call
# (no truth), for GE2E embeddings and MFCC clustering, with the energy VAD
# and with Silero VAD + energy; `--sweep` adds the GE2E settings table.
# Results: docs/call-structure.md. RTTM files go to $1 (default: none).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example diarization_eval >/dev/null
args=(--sweep)
[[ $# -ge 1 ]] && args+=(--rttm-dir "$1")
target/release/examples/diarization_eval "${args[@]}"
