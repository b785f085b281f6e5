#!/usr/bin/env bash
# Quick start: install the build packages that are missing, build, fetch the
# models scoring uses on first use, and score the bundled sample calls.
# Test-only packages and models come with scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --release --locked
bin=target/release/callcoach
# The whisper model (base, quantized to q8_0) and the speaker encoder that
# tells agent from customer on mono calls.
"$bin" model fetch base-q8_0
"$bin" model fetch ge2e
# First a real customer-service call (stereo, agent left, 8 kHz mu-law).
"$bin" score samples/00-en-real-service-call.wav
# Then the synthetic calls, each built to show one mistake (samples/README.md
# says why they are kept). Their languages are known; language detection on
# synthetic speech is unreliable, so they are scored per language.
"$bin" score samples/[0-9][1-9]-en-*.wav --language en
"$bin" score samples/*-de-*.wav --language de
