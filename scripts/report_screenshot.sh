#!/usr/bin/env bash
# Makes docs/report-screenshot.png, the README's picture of the visual
# report: scores a sample call with --html and screenshots the page's top
# with headless Chromium (scripts/install-deps.sh --test installs it).
#   scripts/report_screenshot.sh [CALL.wav] [HEIGHT_PX]
set -euo pipefail
cd "$(dirname "$0")/.."
call=${1:-samples/03-en-apathetic.wav}
height=${2:-1700}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${CARGO_TARGET_DIR:-target}/release/callcoach
[[ -x $bin ]] || cargo build --release
"$bin" score "$call" --html "$tmp/page.html" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$tmp/profile" --window-size=1280,"$height" \
  --virtual-time-budget=5000 --screenshot="$tmp/shot.png" \
  "file://$tmp/page.html" 2>/dev/null
mv "$tmp/shot.png" docs/report-screenshot.png
echo "docs/report-screenshot.png: $(stat -c %s docs/report-screenshot.png) bytes ($call)"
