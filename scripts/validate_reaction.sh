#!/usr/bin/env bash
# Reproduces the EmoDB rows of the validation table of
# docs/customer-reaction.md: builds an escalating and a calm call for each of
# EmoDB's ten speakers (scripts/make_emodb_calls.sh), scores them, and
# prints each call's largest rises, escalations against the switch, and end
# against start as Markdown (scripts/reaction_table.py). The rows of the
# committed test calls come from `cargo test --release --test reaction`
# (target/tmp/reaction), those of the real calls from `cargo test --release
# --test realcalls` (target/tmp/validation); pass those folders to
# scripts/reaction_table.py as well.
#
# Usage: scripts/validate_reaction.sh [OUTDIR]   (default target/reaction-validation)
# Needs a release build and the base model (scripts/quickstart.sh), and sox.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${1:-target/reaction-validation}
BIN=${CALLCOACH:-target/release/callcoach}
mkdir -p "$OUT"
scripts/make_emodb_calls.sh "$OUT" >/dev/null
for call in "$OUT"/emodb-*.wav; do
  json="${call%.wav}.json"
  [[ -s $json && $json -nt $call ]] && continue
  "$BIN" score --json --language de "$call" >"$json.tmp"
  mv "$json.tmp" "$json"
done
python3 scripts/reaction_table.py "$OUT"
