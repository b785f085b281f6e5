#!/usr/bin/env python3
"""Compare callcoach's voice features with Praat (through praat-parselmouth).

For every clip (jfk.wav and the librivox clips of the shared speech data) it
computes with Praat: To Pitch (ac) with the same settings as callcoach
(0.01 s, 75 Hz, 15 candidates, 0.03, 0.45, 0.01, 0.35, 0.14, 600 Hz),
To Intensity (50 Hz, 0.01 s), and de Jong & Wempe's (2009) syllable nuclei;
and the same figures with callcoach (examples/analyze_features), on the
16 kHz original and on an 8 kHz mu-law copy made with sox. The 8 kHz results
are compared with Praat's figures on the 16 kHz original (same voice).

Syllable truth: the reference transcript's syllables counted by rule (vowel
groups a e i o u y, word-initial y a consonant; a silent final e except
consonant+le; a silent final -ed except after t/d; "ia" outside -cia/-tia
counts as two), checked by hand on these transcripts.

The laryngograph clips of ../shared/data/pitch are compared with the
reference F0 (read from there only, never copied).

Usage: scripts/praat_compare.py [--data DIR] [--write-fixtures]
  --write-fixtures  copy the clips (and 8 kHz mu-law copies) into
                    tests/fixtures/ and write Praat's figures and per-frame F0
                    tracks into tests/fixtures/praat/*.json

Sets up .venv (praat-parselmouth) in the repository root on first use.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")


def ensure_venv():
    try:
        import parselmouth  # noqa: F401
        return
    except ImportError:
        pass
    py = os.path.join(VENV, "bin", "python")
    if os.path.abspath(sys.executable) == os.path.abspath(py):
        sys.exit("praat_compare: parselmouth missing from .venv; run .venv/bin/pip install praat-parselmouth")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([py, "-m", "pip", "install", "-q", "praat-parselmouth==0.4.7"])
    os.execv(py, [py] + sys.argv)


ensure_venv()
import parselmouth  # noqa: E402
from parselmouth.praat import call  # noqa: E402

CLIPS = ["jfk", "librivox-0870", "librivox-0880", "librivox-0890", "librivox-0920", "librivox-0930"]
JFK_TEXT = ("And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.")
PITCH_ARGS = (0.01, 75.0, 15, False, 0.03, 0.45, 0.01, 0.35, 0.14, 600.0)


# ---------------------------------------------------------------- syllables by rule

def word_syllables(w):
    w = w.lower()
    if not w:
        return 0
    core = w[1:] if w[0] == "y" else w
    groups = re.findall(r"[aeiouy]+", core)
    n = len(groups)
    if n > 1 and w.endswith("e") and not re.search(r"[^aeiouy]le$", w):
        n -= 1
    elif n > 1 and re.search(r"[^aeiouytd]ed$", w):
        n -= 1
    n += len(re.findall(r"(?<![ct])ia", w))
    return max(n, 1)


def text_syllables(text):
    return sum(word_syllables(w) for w in re.findall(r"[a-zA-Z']+", text.replace("'", "")))


# ---------------------------------------------------------------- statistics

def quantile(sorted_vals, q):
    if not sorted_vals:
        return None
    pos = q * (len(sorted_vals) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (pos - lo) * (sorted_vals[hi] - sorted_vals[lo])


def f0_stats(f0s):
    import math
    v = sorted(f for f in f0s if f)
    if not v:
        return None, None, None
    med = quantile(v, 0.5)
    st = sorted(12 * math.log2(f / med) for f in v)
    mean = sum(st) / len(st)
    sd = (sum((s - mean) ** 2 for s in st) / (len(st) - 1)) ** 0.5 if len(st) > 1 else 0.0
    return med, sd, quantile(st, 0.95) - quantile(st, 0.05)


# ---------------------------------------------------------------- Praat

def praat_pitch(snd, two_pass=True):
    """Praat's To Pitch (ac); with two_pass, run again with the speaker-adapted
    range of De Looze & Hirst (2008): floor 0.75 Q1, ceiling min(1.5 Q3, 600)."""
    p = snd.to_pitch_ac(*PITCH_ARGS)
    if two_pass:
        v = sorted(f for f in p.selected_array["frequency"] if f > 0)
        if len(v) >= 20:
            args = list(PITCH_ARGS)
            args[1] = 0.75 * quantile(v, 0.25)
            args[-1] = min(1.5 * quantile(v, 0.75), PITCH_ARGS[-1])
            p = snd.to_pitch_ac(*args)
    return [(p.get_time_from_frame_number(i + 1), p.get_value_in_frame(i + 1)) for i in range(p.n_frames)]


def praat_intensity(snd):
    it = snd.to_intensity(50.0, 0.01, True)
    return [(it.get_time_from_frame_number(i + 1), it.get_value(it.get_time_from_frame_number(i + 1)))
            for i in range(it.n_frames)]


def praat_dejong(snd, silencedb=-25.0, mindip=2.0, minpause=0.25):
    """de Jong & Wempe (2009) syllable nuclei, following their Praat script."""
    intensity = snd.to_intensity(50.0, None, True)
    mn = call(intensity, "Get minimum", 0, 0, "Parabolic")
    mx = call(intensity, "Get maximum", 0, 0, "Parabolic")
    max99 = call(intensity, "Get quantile", 0, 0, 0.99)
    threshold = max99 + silencedb
    threshold3 = silencedb - (mx - max99)
    if threshold < mn:
        threshold = mn
    tg = call(intensity, "To TextGrid (silences)", threshold3, minpause, 0.1, "silent", "sounding")
    n_int = call(tg, "Get number of intervals", 1)
    speaking = 0.0
    for i in range(1, n_int + 1):
        if call(tg, "Get label of interval", 1, i) == "sounding":
            speaking += call(tg, "Get end time of interval", 1, i) - call(tg, "Get start time of interval", 1, i)
    matrix = call(intensity, "Down to Matrix")
    sound_from_int = call(matrix, "To Sound (slice)", 1)
    pp = call(sound_from_int, "To PointProcess (extrema)", 1, "yes", "no", "Sinc70")
    npk = call(pp, "Get number of points")
    times = [call(pp, "Get time from index", i + 1) for i in range(npk)]
    peaks = []
    for t in times:
        v = call(sound_from_int, "Get value at time", t, "Cubic")
        if v > threshold:
            peaks.append((t, v))
    valid = []
    for p in range(len(peaks) - 1):
        t, v = peaks[p]
        dip = call(intensity, "Get minimum", t, peaks[p + 1][0], "None")
        if abs(v - dip) > mindip:
            valid.append(t)
    pitch = snd.to_pitch_ac(0.02, 30, 4, False, 0.03, 0.25, 0.01, 0.35, 0.25, 450)
    count = 0
    for t in valid:
        iv = call(tg, "Get interval at time", 1, t)
        label = call(tg, "Get label of interval", 1, iv)
        f = pitch.get_value_at_time(t)
        if f == f and label == "sounding":
            count += 1
    return count, speaking


def praat_figures(path, two_pass=True):
    snd = parselmouth.Sound(path)
    pitch = praat_pitch(snd, two_pass)
    inten = praat_intensity(snd)
    med, sd, rng = f0_stats([f for _, f in pitch if f == f])
    syl, speaking = praat_dejong(snd)
    voiced = sum(1 for _, f in pitch if f == f)
    return {
        "f0_median_hz": med,
        "f0_std_semitones": sd,
        "f0_range_semitones": rng,
        "voiced_frames": voiced,
        "frames": len(pitch),
        "syllables_dejong": syl,
        "phonation_time_s": speaking,
        "pitch_track": [[round(t, 6), (round(f, 4) if f == f else None)] for t, f in pitch],
        "intensity_track": [[round(t, 6), round(v, 4)] for t, v in inten],
    }


# ---------------------------------------------------------------- callcoach

def callcoach(paths, params=None):
    exe = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                       "release", "examples", "analyze_features")
    subprocess.check_call(["cargo", "build", "--release", "-q", "--example", "analyze_features"], cwd=ROOT)
    extra = ["--params", json.dumps(params)] if params else []
    out = subprocess.check_output([exe, "--frames"] + extra + paths)
    return json.loads(out)


def compare_tracks(ours, praat):
    """Voicing agreement and gross pitch errors, frames matched by time."""
    if not praat:
        return None, None
    t0 = praat[0][0]
    step = praat[1][0] - t0 if len(praat) > 1 else 0.01
    pidx = {}
    for t, f in praat:
        pidx[round((t - t0) / step)] = f
    agree = total = both = gross = 0
    for fr in ours:
        k = round((fr["time_s"] - t0) / step)
        if k not in pidx or abs(t0 + k * step - fr["time_s"]) > 0.0051:
            continue
        pf = pidx[k]
        pv = pf is not None
        ov = fr["f0_hz"] is not None
        total += 1
        agree += pv == ov
        if pv and ov:
            both += 1
            gross += abs(fr["f0_hz"] / pf - 1) > 0.2
    return agree / total if total else None, gross / both if both else None


# ---------------------------------------------------------------- laryngograph clips

def larynx(data):
    pdir = os.path.join(data, "pitch")
    if not os.path.isdir(pdir):
        return []
    names = sorted(f[:-4] for f in os.listdir(pdir) if f.endswith(".wav"))
    tmp = tempfile.mkdtemp()
    paths, p8 = [], []
    for n in names:
        src = os.path.join(pdir, n + ".wav")
        dst = os.path.join(tmp, n + "-8k-ulaw.wav")
        subprocess.check_call(["sox", src, "-r", "8000", "-e", "u-law", dst])
        paths.append(src)
        p8.append(dst)
    ours = callcoach(paths + p8)
    rows = []
    for n, src, s8 in zip(names, paths, p8):
        ref = [float(x) for x in open(os.path.join(pdir, n + ".f0ref")).read().split()]
        praat = [{"time_s": t, "f0_hz": (f if f == f else None)} for t, f in praat_pitch(parselmouth.Sound(src))]
        row = {"clip": n}
        for label, frames in (("praat", praat), ("ours", ours[src]["channels"][0]["frames"]),
                              ("ours_8k", ours[s8]["channels"][0]["frames"])):
            row[label] = against_ref(frames, ref)
        rows.append(row)
    shutil.rmtree(tmp)
    return rows


def against_ref(frames, ref, hop=0.015):
    """Best alignment (offset 0..60 ms) of a track with the reference; returns
    (voicing agreement, gross error rate, median |error| %)."""
    def f_at(t):
        best = None
        for fr in frames:
            if abs(fr["time_s"] - t) <= 0.0051:
                best = fr["f0_hz"]
                break
        return best
    best = None
    for off_ms in range(0, 61, 1):
        off = off_ms / 1000.0
        agree = total = both = gross = 0
        errs = []
        for k, rf in enumerate(ref):
            t = off + k * hop
            if t < frames[0]["time_s"] or t > frames[-1]["time_s"]:
                continue
            f = f_at(t)
            total += 1
            agree += (rf > 0) == (f is not None)
            if rf > 0 and f is not None:
                both += 1
                gross += abs(f / rf - 1) > 0.2
                errs.append(abs(f / rf - 1) * 100)
        if total == 0:
            continue
        score = (agree / total, -gross / max(both, 1))
        if best is None or score > best[0]:
            errs.sort()
            best = (score, agree / total, gross / max(both, 1), quantile(errs, 0.5) if errs else None)
    return {"voicing_agreement": best[1], "gpe": best[2], "median_err_pct": best[3]} if best else None


# ---------------------------------------------------------------- main

def find_data():
    for d in (os.path.join(ROOT, "..", "shared", "data"), os.path.join(ROOT, "..", "..", "shared", "data"),
              "/work/shared/data"):
        if os.path.isdir(os.path.join(d, "speech")):
            return os.path.abspath(d)
    sys.exit("praat_compare: no shared/data/speech found; pass --data DIR")


def fmt(v, spec):
    return "–" if v is None else format(v, spec)


def main():
    args = sys.argv[1:]
    data = find_data()
    if "--data" in args:
        data = args[args.index("--data") + 1]
    write = "--write-fixtures" in args
    speech = os.path.join(data, "speech")
    work = tempfile.mkdtemp()
    fix = os.path.join(ROOT, "tests", "fixtures")
    originals, ulaws, texts = {}, {}, {}
    for c in CLIPS:
        originals[c] = os.path.join(speech, c + ".wav")
        ulaws[c] = os.path.join(work, c + "-8k-ulaw.wav")
        subprocess.check_call(["sox", originals[c], "-r", "8000", "-e", "u-law", ulaws[c]])
        txt = os.path.join(speech, c + ".txt")
        texts[c] = open(txt).read().strip() if os.path.exists(txt) else JFK_TEXT
    all_paths = [originals[c] for c in CLIPS] + [ulaws[c] for c in CLIPS]
    modes = (("two-pass (default)", True, None),
             ("single pass", False, {"pitch": {"adaptive_range": False}}))
    for title, two_pass, params in modes:
        ours = callcoach(all_paths, params)
        rows = []
        for c in CLIPS:
            pr = praat_figures(originals[c], two_pass)
            # Praat on the 8 kHz copy (decoded to 16-bit PCM, mu-law steps kept), for information.
            pcm8 = os.path.join(work, c + "-8k-pcm.wav")
            subprocess.check_call(["sox", ulaws[c], "-e", "signed", "-b", "16", pcm8])
            pr8 = praat_figures(pcm8, two_pass)
            truth = text_syllables(texts[c])
            for rate, path in (("16k", originals[c]), ("8k μ-law", ulaws[c])):
                o = ours[path]["channels"][0]
                va, gpe = compare_tracks(o["frames"], pr["pitch_track"])
                rows.append({
                    "clip": c, "rate": rate,
                    "praat_med": pr["f0_median_hz"], "med": o["f0_median_hz"],
                    "praat_sd": pr["f0_std_semitones"], "sd": o["f0_std_semitones"],
                    "praat8_sd": pr8["f0_std_semitones"] if rate != "16k" else None,
                    "praat_rng": pr["f0_range_semitones"], "rng": o["f0_range_semitones"],
                    "va": va, "gpe": gpe,
                    "truth_syl": truth, "syl": o["syllable_count"], "praat_syl": pr["syllables_dejong"],
                })
            if write:
                os.makedirs(os.path.join(fix, "praat"), exist_ok=True)
                shutil.copy(originals[c], os.path.join(fix, c + ".wav"))
                shutil.copy(ulaws[c], os.path.join(fix, c + "-8k-ulaw.wav"))
                with open(os.path.join(fix, c + ".txt"), "w") as f:
                    f.write(texts[c] + "\n")
                fpath = os.path.join(fix, "praat", c + ".json")
                fixture = json.load(open(fpath)) if os.path.exists(fpath) else {}
                fixture.update({
                    "clip": c,
                    "praat_version": parselmouth.PRAAT_VERSION,
                    "pitch_settings": "To Pitch (ac): 0.01, 75, 15, no, 0.03, 0.45, 0.01, 0.35, 0.14, 600"
                                      + ("; second pass floor 0.75 Q1, ceiling min(1.5 Q3, 600)" if two_pass else ""),
                    "truth_syllables": truth,
                })
                key = "two_pass" if two_pass else "single_pass"
                fixture[key] = {"praat_16k": pr,
                                "praat_8k_ulaw": {k: v for k, v in pr8.items() if k != "intensity_track"}}
                if two_pass:
                    fixture[key]["praat_16k"] = {k: v for k, v in pr.items() if k != "intensity_track"}
                with open(fpath, "w") as f:
                    json.dump(fixture, f, separators=(",", ":"))

        print(f"\n### Pitch {title}: ours against Praat on the 16 kHz original\n")
        print("| clip | rate | F0 median Hz (Praat / ours, diff) | F0 sd st (Praat / ours) | 5–95 % range st (Praat / ours) "
              "| voicing agreement | gross errors | syllables (truth / ours / Praat dJ&W) |")
        print("|---|---|---|---|---|---|---|---|")
        for r in rows:
            d = (r["med"] / r["praat_med"] - 1) * 100 if r["med"] and r["praat_med"] else None
            sd8 = f" (Praat 8k: {r['praat8_sd']:.2f})" if r["praat8_sd"] is not None else ""
            print(f"| {r['clip']} | {r['rate']} | {fmt(r['praat_med'], '.1f')} / {fmt(r['med'], '.1f')} ({fmt(d, '+.1f')} %) "
                  f"| {fmt(r['praat_sd'], '.2f')} / {fmt(r['sd'], '.2f')}{sd8} | {fmt(r['praat_rng'], '.2f')} / {fmt(r['rng'], '.2f')} "
                  f"| {fmt(r['va'] * 100 if r['va'] is not None else None, '.1f')} % | {fmt(r['gpe'] * 100 if r['gpe'] is not None else None, '.1f')} % "
                  f"| {r['truth_syl']} / {r['syl']} / {r['praat_syl']} |")

    lx = larynx(data)
    if lx:
        print()
        print("| laryngograph clip | Praat: voicing agr. / GPE / median err | ours 20 kHz | ours 8 kHz μ-law |")
        print("|---|---|---|---|")
        for r in lx:
            cells = []
            for k in ("praat", "ours", "ours_8k"):
                v = r[k]
                cells.append(f"{v['voicing_agreement'] * 100:.1f} % / {v['gpe'] * 100:.1f} % / {fmt(v['median_err_pct'], '.2f')} %")
            print(f"| {r['clip']} | " + " | ".join(cells) + " |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
