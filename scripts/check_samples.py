#!/usr/bin/env python3
"""Measure the intended contrasts of the sample calls in samples/ (agent side only).

Uses Praat (via parselmouth) for F0 and intensity; reads the turn times from
samples/<name>.truth.json. Set up: python3 -m venv /tmp/pv && /tmp/pv/bin/pip
install praat-parselmouth numpy; run: /tmp/pv/bin/python scripts/check_samples.py

Columns (agent turns, parts overlapped by the customer left out):
  f0sd   SD of F0 in semitones around the agent's median F0 (Praat AC pitch, 60-400 Hz)
  intsd  SD of intensity (dB) over the agent's voiced frames
  lvl    agent RMS level in dBFS over agent turns (agent channel for stereo)
  snr    agent speech level minus the agent channel's level where nobody speaks (dB)
  hf     share of agent speech energy above 1 kHz (%)
  wpm    words per minute (truth text / agent turn time), syl/s likewise (vowel groups)
  pau    pauses >= 250 ms inside agent turns per minute of agent speech
  lat    mean agent response latency after a customer turn (ms, negative = interruption)
  ovl    number of overlaps; share = agent share of all talk time; greet = first turn s / words
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import parselmouth

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def load(path):
    """Decode any WAV (incl. mu-law) to 16 kHz float channels via sox."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "x.wav")
        subprocess.run(["sox", "-D", path, "-r", "16000", "-e", "float", "-b", "32", out], check=True)
        s = parselmouth.Sound(out)
    return s.values, 16000


def intervals(turns, who):
    other = [(t["start_ms"], t["end_ms"]) for t in turns if t["speaker"] != who]
    out = []
    for t in turns:
        if t["speaker"] != who:
            continue
        segs = [(t["start_ms"], t["end_ms"])]
        for a, b in other:  # cut out overlapped parts
            nxt = []
            for s, e in segs:
                if b <= s or a >= e:
                    nxt.append((s, e))
                else:
                    if a > s:
                        nxt.append((s, a))
                    if b < e:
                        nxt.append((b, e))
            segs = nxt
        out += [(s, e) for s, e in segs if e - s > 300]
    return out


def syllables(text, lang):
    return len(re.findall(r"[aeiouyäöü]+", text.lower()))


def measure(truth_path):
    tr = json.load(open(truth_path))
    turns = tr["turns"]
    if not any(t["speaker"] == "agent" for t in turns):
        return None
    x, sr = load(os.path.join(ROOT, "samples", tr["file"]))
    sig = x[0] if tr["layout"] == "stereo" else x.mean(axis=0)
    segs = intervals(turns, "agent")
    f0s, ints, pauses, e_all, e_hf, speech = [], [], 0, 0.0, 0.0, []
    agent_s = 0.0
    for s, e in segs:
        y = sig[int(s * sr / 1000): int(e * sr / 1000)]
        agent_s += len(y) / sr
        speech.append(y)
        snd = parselmouth.Sound(y, sampling_frequency=sr)
        p = snd.to_pitch_ac(time_step=0.01, pitch_floor=60, pitch_ceiling=400)
        f0 = p.selected_array["frequency"]
        it = snd.to_intensity(minimum_pitch=75, time_step=0.01)
        iv = np.array([it.get_value(t) for t in p.xs()])
        voiced = (f0 > 0) & np.isfinite(iv)
        f0s += list(f0[f0 > 0])
        ints += list(iv[voiced])
        # pauses: runs of 10 ms frames >= 25 dB below the turn's peak intensity
        ivals = it.values[0]
        quiet = ivals < ivals.max() - 25
        run = 0
        for q in quiet:
            run = run + 1 if q else 0
            if run == 25:
                pauses += 1
        spec = np.abs(np.fft.rfft(y)) ** 2
        fr = np.fft.rfftfreq(len(y), 1 / sr)
        e_all += spec.sum()
        e_hf += spec[fr > 1000].sum()
    f0s = np.array(f0s)
    st = 12 * np.log2(f0s / np.median(f0s))
    sp = np.concatenate(speech)
    lvl = 10 * np.log10(np.mean(sp ** 2) + 1e-12)
    # silence: where no turn is active (margin 150 ms)
    mask = np.ones(len(sig), bool)
    for t in turns:
        mask[max(0, int((t["start_ms"] - 150) * sr / 1000)): int((t["end_ms"] + 150) * sr / 1000)] = False
    mask[: int(0.2 * sr)] = False
    mask[-int(0.2 * sr):] = False
    quiet = sig[mask]
    nlvl = 10 * np.log10(np.mean(quiet ** 2) + 1e-12) if len(quiet) else float("nan")
    a_turns = [t for t in turns if t["speaker"] == "agent"]
    a_time = sum(t["end_ms"] - t["start_ms"] for t in a_turns) / 1000
    c_time = sum(t["end_ms"] - t["start_ms"] for t in turns if t["speaker"] != "agent") / 1000
    words = sum(len(t["text"].split()) for t in a_turns)
    syl = sum(syllables(t["text"], tr["language"]) for t in a_turns)
    lats, ovl = [], 0
    for a, b in zip(turns, turns[1:]):
        if b["start_ms"] < a["end_ms"]:
            ovl += 1
        if a["speaker"] != "agent" and b["speaker"] == "agent":
            lats.append(b["start_ms"] - a["end_ms"])
    g = a_turns[0]
    return {
        "name": os.path.basename(truth_path).replace(".truth.json", ""),
        "mistake": ",".join(tr["intended_mistakes"]) or "none",
        "f0sd": st.std(), "intsd": np.std(ints), "lvl": lvl, "snr": lvl - nlvl,
        "hf": 100 * e_hf / e_all, "wpm": words * 60 / a_time, "syl": syl / a_time,
        "pau": pauses * 60 / agent_s, "lat": np.mean(lats), "ovl": ovl,
        "share": a_time / (a_time + c_time),
        "greet": f"{(g['end_ms'] - g['start_ms']) / 1000:.1f}/{len(g['text'].split())}",
    }


def main():
    files = sorted(glob.glob(os.path.join(ROOT, "samples", "*.truth.json")))
    hdr = "| sample | mistake | f0sd st | intsd dB | lvl dBFS | snr dB | hf % | wpm | syl/s | pau/min | lat ms | ovl | share | greet s/words |"
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for f in files:
        m = measure(f)
        if m is None:
            continue
        print(f"| {m['name']} | {m['mistake']} | {m['f0sd']:.2f} | {m['intsd']:.1f} | {m['lvl']:.1f} | "
              f"{m['snr']:.1f} | {m['hf']:.0f} | {m['wpm']:.0f} | {m['syl']:.2f} | {m['pau']:.1f} | "
              f"{m['lat']:.0f} | {m['ovl']} | {m['share']:.2f} | {m['greet']} |")


if __name__ == "__main__":
    sys.exit(main())
