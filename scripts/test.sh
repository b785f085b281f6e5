#!/usr/bin/env bash
# The whole test suite, from a fresh clone: system packages (the build's
# and the tests' own: sox, chromium), every model the tests use (fetched
# once into models/), then cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
cargo build --release --locked
target/release/callcoach model fetch base
target/release/callcoach model fetch base-q8_0
target/release/callcoach model fetch tiny.en
target/release/callcoach model fetch silero-vad
target/release/callcoach model fetch ge2e
cargo test --release --locked
