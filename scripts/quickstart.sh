#!/usr/bin/env bash
# Quick start: install what is missing, build, fetch the model on first use,
# and score the bundled sample calls.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --release --locked
bin=target/release/callcoach
"$bin" model fetch base
"$bin" transcribe samples/
