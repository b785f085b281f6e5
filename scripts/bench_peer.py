#!/usr/bin/env python3
"""faster-whisper on one stereo call, both channels, as scripts/bench_peer.sh
runs it: 2 threads, greedy (beam 1), word timestamps, Silero VAD on.

Prints one JSON line: the seconds spent loading the model and transcribing
(both channels, segments consumed), and the words per channel.

usage: bench_peer.py MODEL_DIR CALL.wav COMPUTE_TYPE LANGUAGE
"""
import json
import sys
import time

t0 = time.perf_counter()
from faster_whisper import WhisperModel  # noqa: E402
from faster_whisper.audio import decode_audio  # noqa: E402

model_dir, call, compute_type, language = sys.argv[1:5]
model = WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=2)
t1 = time.perf_counter()
left, right = decode_audio(call, sampling_rate=16000, split_stereo=True)
words = []
for channel in (left, right):
    segments, _ = model.transcribe(
        channel, language=language, beam_size=1, word_timestamps=True, vad_filter=True
    )
    words.append(sum(len(s.words or []) for s in segments))
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "transcribe_s": t2 - t1, "words": words}))
