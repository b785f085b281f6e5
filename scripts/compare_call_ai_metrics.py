#!/usr/bin/env python3
"""Counts interruptions with the peer call-ai-metrics on callcoach's own
segmentation, beside callcoach's barge-ins (docs/validation.md).

call-ai-metrics (PyPI, 0.1.0) counts an interruption whenever one party
starts while the other is speaking and the two overlap for longer than a
grace window (0.5 s by default). callcoach counts a barge-in only when, in
addition, the incoming run is more than a back-channel and the party that
was talking drops out (src/structure/turns.rs). Both are fed the same
who-speaks-when (the `agent_speech` and `customer_speech` intervals of
callcoach's scorecard), so any difference is the definition, not the VAD.

Usage: scripts/compare_call_ai_metrics.py SCORECARD.json...
(the scorecards of scripts/validate.sh, target/validation/*.json). Installs
call-ai-metrics into target/variants-venv on first use.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "target", "variants-venv")
PY = os.path.join(VENV, "bin", "python")

if sys.executable != PY:
    if not os.path.exists(PY):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    if subprocess.call([PY, "-c", "import call_ai_metrics"], stderr=subprocess.DEVNULL):
        subprocess.check_call([PY, "-m", "pip", "install", "-q", "call-ai-metrics==0.1.0"])
    os.execv(PY, [PY] + sys.argv)

from call_ai_metrics import CallAnalyzer  # noqa: E402

print("| call | call-ai-metrics agent / customer | callcoach barge-ins agent / customer | overtalk s |")
print("|---|---|---|---|")
for path in sys.argv[1:]:
    card = json.load(open(path))
    s = card["structure"]
    if not s["customer_speech"]:
        continue
    rows = [
        {"start": i["start_s"], "end": i["end_s"], "speaker": who}
        for who, key in (("agent", "agent_speech"), ("customer", "customer_speech"))
        for i in s[key]
    ]
    report = CallAnalyzer(grace_s=0.5).analyze(rows).to_dict()
    parties = report["speakers"]
    peer = (parties["agent"]["interruptions"], parties["customer"]["interruptions"])
    fig = s["figures"]
    ours = (fig["agent_interruptions"], fig["customer_interruptions"])
    name = os.path.basename(path)[:-5]
    print(f"| {name} | {peer[0]} / {peer[1]} | {ours[0]} / {ours[1]} | {fig['overtalk_s']:.1f} |")
