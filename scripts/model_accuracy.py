#!/usr/bin/env python3
"""Word error rates of a whisper model on the repo's real speech, to check
that a faster model or setting keeps today's accuracy (model speed-up without accuracy loss).

- jfk, the five librivox clips (English) and the five FLEURS clips
  (German): WER against their reference texts, as tests/transcribe.rs
  computes it (lower case, punctuation dropped, hyphens split);
- the agent (left) channel of the two real stereo calls: WER against the
  f16 base model's beam-5 transcript (no human transcript exists; cached in
  target/accuracy/).

usage: scripts/model_accuracy.py MODEL.bin [MODEL.bin ...]
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/callcoach")
FIX = os.path.join(ROOT, "tests/fixtures")
CACHE = os.path.join(ROOT, "target/accuracy")


def words(text):
    out = []
    for w in re.split(r"[\s\-]+", text):
        w = "".join(c for c in w if c.isalnum() or c == "'").lower()
        if w:
            out.append(w)
    return out


def wer(ref, hyp):
    r, h = words(ref), words(hyp)
    prev = list(range(len(h) + 1))
    for i, rw in enumerate(r):
        cur = [i + 1] * (len(h) + 1)
        for j, hw in enumerate(h):
            cur[j + 1] = min(prev[j] + (rw != hw), prev[j + 1] + 1, cur[j] + 1)
        prev = cur
    return prev[len(h)] / max(1, len(r))


def transcribe(model, wav, lang, extra=()):
    out = subprocess.run(
        [BIN, "transcribe", wav, "--json", "-l", lang, "--model", model, *extra],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    return json.loads(out)["text"]


def reference_call(wav):
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, os.path.basename(wav) + ".beam5-f16.txt")
    if not os.path.exists(path):
        text = transcribe(os.path.join(ROOT, "models/ggml-base.bin"), wav, "en",
                          ("--channel", "left", "--beam-size", "5"))
        with open(path, "w") as f:
            f.write(text)
    return open(path).read()


def main():
    clips = [("jfk", "en")] + [(f"librivox-{n}", "en") for n in ("0870", "0880", "0890", "0920", "0930")]
    german = [(f"de-fleurs-00{i}", "de") for i in range(5)]
    calls = ["autorepair-40-stereo-ulaw.wav", "autorepair-49-stereo-ulaw.wav"]
    for model in sys.argv[1:]:
        rows = {}
        for group, items in (("english", clips), ("german", german)):
            errs = []
            for stem, lang in items:
                ref = open(os.path.join(FIX, stem + ".txt")).read()
                errs.append(wer(ref, transcribe(model, os.path.join(FIX, stem + ".wav"), lang)))
            rows[group] = sum(errs) / len(errs)
        for call in calls:
            wav = os.path.join(FIX, "realcalls", call)
            hyp = transcribe(model, wav, "en", ("--channel", "left"))
            rows[call.split("-stereo")[0] + " agent vs beam-5 f16"] = wer(reference_call(wav), hyp)
        print(json.dumps({"model": os.path.relpath(model, ROOT),
                          **{k: round(v * 100, 1) for k, v in rows.items()}}))


if __name__ == "__main__":
    main()
