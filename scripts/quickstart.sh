#!/usr/bin/env bash
# Quick start: install what is missing, build, fetch the model on first use,
# and score the bundled sample calls.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --release --locked
bin=target/release/callcoach
"$bin" model fetch base-q8_0
"$bin" model fetch silero-vad
"$bin" model fetch ge2e
# First a real customer-service call (stereo, agent left, 8 kHz mu-law).
"$bin" score samples/00-en-real-service-call.wav
# Then the synthetic calls, each built to show one mistake (samples/README.md
# says why they are kept). Their languages are known; language detection on
# synthetic speech is unreliable, so they are scored per language.
"$bin" score samples/[0-9][1-9]-en-*.wav --language en
"$bin" score samples/*-de-*.wav --language de
