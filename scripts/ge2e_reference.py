#!/usr/bin/env python3
"""Independent reference for callcoach's GE2E speaker encoder (Resemblyzer).

Two jobs, both written without torch so that they run on any machine:

1. `convert WHEEL OUT`: read `resemblyzer/pretrained.pt` (a legacy, non-zip
   PyTorch pickle) from Resemblyzer's wheel with Python's own unpickler and
   write the model state (LSTM and linear layer, float32) as safetensors:
   tensors sorted by name, compact JSON header padded with spaces to a
   multiple of 8, no metadata. callcoach's Rust converter
   (`src/model/ge2e.rs`) must produce the same bytes.
2. `embed WEIGHTS WAV...`: print one JSON line per WAV with the embedding of
   its whole speech, computed as Resemblyzer's `embed_utterance` does (40-band
   mel *power* spectrogram from librosa at 16 kHz, window 400, hop 160;
   partials of 160 frames at 1.3 per second, min coverage 0.75; 3-layer LSTM,
   linear, ReLU, L2 norm; mean of partials, L2 norm), with the LSTM in numpy.
   Resemblyzer's own volume normalisation and webrtcvad trimming are left
   out: callcoach feeds the encoder speech it has already found.

Needs numpy, librosa and soundfile (scripts/ge2e_reference.sh makes a venv).
"""

import json
import pickle
import struct
import sys
import zipfile

MEMBER = "resemblyzer/pretrained.pt"


def load_state(pt_bytes):
    """The `model_state` dict of a legacy PyTorch file, as name -> (shape, list of f32 bytes)."""
    import io

    f = io.BytesIO(pt_bytes)
    for _ in range(3):  # magic number, protocol version, sys info
        pickle.load(f)

    class OrderedDict(dict):
        pass

    class Unpickler(pickle.Unpickler):
        def find_class(self, mod, name):
            if name == "OrderedDict":
                return OrderedDict
            if name == "_rebuild_tensor_v2":
                return lambda *a: ("tensor", a)
            return mod + "." + name

        def persistent_load(self, pid):
            return pid

    obj = Unpickler(f).load()
    keys = pickle.load(f)
    storages = {}
    for key in keys:
        (n,) = struct.unpack("<q", f.read(8))
        storages[key] = f.read(4 * n)
    out = {}
    for name, value in obj["model_state"].items():
        _, (pid, offset, shape, stride) = value[0], value[1][:4]
        if not (name.startswith("lstm.") or name.startswith("linear.")):
            continue
        numel = 1
        for d in shape:
            numel *= d
        data = storages[pid[2]][4 * offset : 4 * (offset + numel)]
        out[name] = (list(shape), data)
    return out


def write_safetensors(state, path):
    header = {}
    blobs = []
    pos = 0
    for name in sorted(state):
        shape, data = state[name]
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [pos, pos + len(data)]}
        blobs.append(data)
        pos += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    import numpy as np

    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        body = f.read()
    return {
        k: np.frombuffer(body[v["data_offsets"][0] : v["data_offsets"][1]], dtype="<f4").reshape(v["shape"])
        for k, v in header.items()
        if k != "__metadata__"
    }


def lstm_embed(w, mels):
    """GE2E forward for a batch of partials `mels` [B, 160, 40]."""
    import numpy as np

    x = mels.astype(np.float64)
    b = x.shape[0]
    h = None
    for layer in range(3):
        wih = w[f"lstm.weight_ih_l{layer}"].astype(np.float64)
        whh = w[f"lstm.weight_hh_l{layer}"].astype(np.float64)
        bias = (w[f"lstm.bias_ih_l{layer}"] + w[f"lstm.bias_hh_l{layer}"]).astype(np.float64)
        h = np.zeros((b, 256))
        c = np.zeros((b, 256))
        outs = []
        for t in range(x.shape[1]):
            g = x[:, t] @ wih.T + h @ whh.T + bias
            i, f_, gg, o = np.split(g, 4, axis=1)
            sig = lambda z: 1.0 / (1.0 + np.exp(-z))
            c = sig(f_) * c + sig(i) * np.tanh(gg)
            h = sig(o) * np.tanh(c)
            outs.append(h)
        x = np.stack(outs, axis=1)
    e = np.maximum(h @ w["linear.weight"].astype(np.float64).T + w["linear.bias"], 0.0)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def embed_utterance(w, wav, rate=1.3, min_coverage=0.75):
    import librosa
    import numpy as np

    hop, n_frames_partial = 160, 160
    n_frames = int(np.ceil((len(wav) + 1) / hop))
    step = int(np.round((16000 / rate) / hop))
    starts = list(range(0, max(1, n_frames - n_frames_partial + step + 1), step))
    last = starts[-1] * hop
    coverage = (len(wav) - last) / (n_frames_partial * hop)
    if coverage < min_coverage and len(starts) > 1:
        starts = starts[:-1]
    need = (starts[-1] + n_frames_partial) * hop
    if need >= len(wav):
        wav = np.pad(wav, (0, need - len(wav)))
    mel = librosa.feature.melspectrogram(y=wav, sr=16000, n_fft=400, hop_length=160, n_mels=40)
    mel = mel.astype(np.float32).T
    mels = np.array([mel[s : s + n_frames_partial] for s in starts])
    partials = lstm_embed(w, mels)
    e = partials.mean(axis=0)
    return e / np.linalg.norm(e), mel


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "convert":
        with zipfile.ZipFile(sys.argv[2]) as z:
            state = load_state(z.read(MEMBER))
        write_safetensors(state, sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "embed":
        import librosa

        w = read_safetensors(sys.argv[2])
        for path in sys.argv[3:]:
            wav, _ = librosa.load(path, sr=16000)
            e, mel = embed_utterance(w, wav)
            print(json.dumps({"file": path, "mel_frames": int(mel.shape[0]), "mel_sum": float(mel.sum()),
                              "embedding": [round(float(v), 6) for v in e]}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
