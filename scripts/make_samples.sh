#!/usr/bin/env bash
# Builds the synthetic sample calls in samples/ from scratch, reproducibly.
#
# Each call is a scripted customer-service dialogue. Every turn is synthesised
# on its own with espeak-ng (agent and customer use different voices), trimmed
# of leading/trailing silence, and placed on a timeline with sox (pad + mix), so
# the start and end of every turn is known to the sample. Each call shows MAINLY
# ONE of the eight classic telephone-support mistakes (trainer's list "8 häufige
# Fehler im Telefonsupport"), or none (the good calls). Ground truth per call is
# written to samples/<name>.truth.json.
#
# Determinism: espeak-ng is deterministic; every sox call runs with -R
# (repeatable mode: fixed seed for noise and dither) and -D (no dither).
# The real recording (sample 11) is a committed copy; it is only checked
# (sha256) here, or re-copied from $REAL_SRC when that is set.
#
# Usage: scripts/make_samples.sh            (writes into samples/)
#        REAL_SRC=/work/shared/data/speech scripts/make_samples.sh
set -euo pipefail

for tool in espeak-ng sox soxi awk sha256sum; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "make_samples: $tool not found: sudo apt-get install espeak-ng sox" >&2
    exit 1
  fi
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/samples"
mkdir -p "$OUT"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

SR=16000                 # working rate; 8 kHz files are down-converted at the end
SOX=(sox -R -D -V1)      # repeatable, no dither, errors only
HEADROOM_DB=-4           # espeak-ng peaks at ~0.8; keep overlaps in mono mixes unclipped

# ---------------------------------------------------------------- per-call settings
# Set by each call before build():
#   AV AS AP AA AR AFX   agent voice, words/min (-s), pitch (-p), amplitude (-a),
#                        SSML prosody range, extra sox effects on every agent turn
#   CV CS CP CA CR CFX   the same for the customer
#   LAYOUT  stereo|mono  (stereo: agent left, customer right)
#   BLEED_DB            "" or e.g. -30: each party leaks into the other channel
#   ENC     pcm16|ulaw8k
#   NOISE_DB            "" or RMS level (dBFS) of white noise added to the agent line
#   MISTAKES            JSON array of intended mistakes, e.g. '["monotone"]'
#   NOTE                one line: how the mistake is made
reset_settings() {
  AV=en-us+m3; AS=130; AP=50; AA=100; AR=x-high; AFX=""
  CV=en+f2;    CS=170; CP=50; CA=100; CR=medium; CFX=""
  LAYOUT=mono; BLEED_DB=""; ENC=pcm16; NOISE_DB=""; MISTAKES='[]'; NOTE=""
}

# synth SPEAKER TEXT OUT: one turn, 16 kHz mono, silence trimmed at both ends.
synth() {
  local spk=$1 text=$2 out=$3 v s p a r fx
  if [[ $spk == A ]]; then v=$AV s=$AS p=$AP a=$AA r=$AR fx=$AFX
  else v=$CV s=$CS p=$CP a=$CA r=$CR fx=$CFX; fi
  espeak-ng -m -v "$v" -s "$s" -p "$p" -a "$a" -w "$W/raw.wav" \
    "<speak><prosody range=\"$r\">$text</prosody></speak>"
  # shellcheck disable=SC2086
  "${SOX[@]}" "$W/raw.wav" -r $SR -c 1 -b 16 "$out" \
    silence 1 0.01 -50d reverse silence 1 0.01 -50d reverse \
    gain $HEADROOM_DB $fx
}

json_str() { # escape for JSON (texts contain no backslashes)
  printf '"%s"' "$(printf '%s' "$1" | sed 's/"/\\"/g')"
}

# build NAME LANG DIALOGUE_FILE
# Dialogue lines: SPEAKER|GAP_MS|TAGS|TEXT
#   SPEAKER A (agent) or C (customer); GAP_MS: start relative to the latest end so
#   far (negative = overlap / interruption); TAGS: comma list (greeting, question,
#   empathy, ack, follow_up, interrupt, impatient_phrase, know_it_all, closing);
#   TEXT may hold SSML <break time="..."/> which is dropped from the truth text.
build() {
  local name=$1 lang=$2 dlg=$3
  local i=0 latest=0 spk gap tags text start dur end
  local -a a_files=() c_files=()
  : >"$W/turns.tsv"
  while IFS='|' read -r spk gap tags text; do
    [[ -z $spk || $spk == \#* ]] && continue
    i=$((i + 1))
    synth "$spk" "$text" "$W/t$i.wav"
    dur=$(( $(soxi -s "$W/t$i.wav") * 1000 / SR ))
    if (( i == 1 )); then start=$gap; else start=$(( latest + gap )); fi
    end=$(( start + dur ))
    (( end > latest )) && latest=$end
    "${SOX[@]}" "$W/t$i.wav" "$W/p$i.wav" pad "$(awk -v m="$start" 'BEGIN{printf "%.4f", m/1000}')"
    if [[ $spk == A ]]; then a_files+=(-v 1 "$W/p$i.wav"); else c_files+=(-v 1 "$W/p$i.wav"); fi
    printf '%s\t%d\t%d\t%s\t%s\n' "$spk" "$start" "$end" "${tags:--}" \
      "$(printf '%s' "$text" | sed -e 's/<[^>]*>//g' -e 's/  */ /g' -e 's/^ //' -e 's/ $//')" >>"$W/turns.tsv"
  done <"$dlg"
  local total=$(( latest + 800 ))
  local total_s
  total_s=$(awk -v m="$total" 'BEGIN{printf "%.4f", m/1000}')
  "${SOX[@]}" -n -r $SR -c 1 -b 16 "$W/base.wav" trim 0 "$total_s"
  "${SOX[@]}" -m -v 1 "$W/base.wav" "${a_files[@]}" "$W/agent.wav"
  "${SOX[@]}" -m -v 1 "$W/base.wav" "${c_files[@]}" "$W/cust.wav"
  if [[ -n $NOISE_DB ]]; then  # line noise on the agent's side only
    local amp
    amp=$(awk -v d="$NOISE_DB" 'BEGIN{printf "%.6f", 10^(d/20)*sqrt(3)}') # uniform noise: rms = amp/sqrt(3)
    "${SOX[@]}" -n -r $SR -c 1 -b 16 "$W/noise.wav" synth "$total_s" whitenoise vol "$amp"
    "${SOX[@]}" -m -v 1 "$W/agent.wav" -v 1 "$W/noise.wav" "$W/agent_n.wav"
    mv "$W/agent_n.wav" "$W/agent.wav"
  fi
  local mixed="$W/mixed.wav"
  if [[ $LAYOUT == stereo ]]; then
    if [[ -n $BLEED_DB ]]; then
      local b
      b=$(awk -v d="$BLEED_DB" 'BEGIN{printf "%.6f", 10^(d/20)}')
      "${SOX[@]}" -m -v 1 "$W/agent.wav" -v "$b" "$W/cust.wav" "$W/L.wav"
      "${SOX[@]}" -m -v 1 "$W/cust.wav" -v "$b" "$W/agent.wav" "$W/R.wav"
    else
      cp "$W/agent.wav" "$W/L.wav"; cp "$W/cust.wav" "$W/R.wav"
    fi
    "${SOX[@]}" -M "$W/L.wav" "$W/R.wav" "$mixed"
  else
    "${SOX[@]}" -m -v 1 "$W/agent.wav" -v 1 "$W/cust.wav" "$mixed"
  fi
  local wav="$OUT/$name.wav" rate enc
  if [[ $ENC == ulaw8k ]]; then
    # telephone band (300-3400 Hz), 8 kHz, G.711 mu-law
    "${SOX[@]}" "$mixed" -r 8000 -e u-law -b 8 "$wav" sinc 300-3400
    rate=8000; enc="G.711 mu-law"
  else
    "${SOX[@]}" "$mixed" -r $SR -e signed -b 16 "$wav"
    rate=$SR; enc="PCM 16-bit"
  fi
  write_truth "$name" "$lang" "$rate" "$enc" "$total"
  echo "built samples/$name.wav ($(soxi -D "$wav" | awk '{printf "%.1f", $1}') s, $LAYOUT, $enc $rate Hz)"
}

write_truth() {
  local name=$1 lang=$2 rate=$3 enc=$4 total=$5
  local f="$OUT/$name.truth.json" n j=0
  n=$(wc -l <"$W/turns.tsv")
  {
    printf '{\n  "file": "%s.wav",\n  "language": "%s",\n' "$name" "$lang"
    if [[ $LAYOUT == stereo ]]; then
      printf '  "layout": "stereo",\n  "channels": {"agent": 0, "customer": 1},\n'
    else
      printf '  "layout": "mono",\n  "channels": null,\n'
    fi
    printf '  "bleed_db": %s,\n' "${BLEED_DB:-null}"
    printf '  "sample_rate": %d,\n  "encoding": "%s",\n  "duration_ms": %d,\n' "$rate" "$enc" "$total"
    printf '  "intended_mistakes": %s,\n' "$MISTAKES"
    printf '  "construction": %s,\n' "$(json_str "$NOTE")"
    printf '  "synthesis": {"agent": {"voice": "%s", "wpm": %d, "pitch": %d, "amplitude": %d, "ssml_range": "%s", "sox_effects": %s}, ' \
      "$AV" "$AS" "$AP" "$AA" "$AR" "$(json_str "$AFX")"
    printf '"customer": {"voice": "%s", "wpm": %d, "pitch": %d, "amplitude": %d, "ssml_range": "%s", "sox_effects": %s}, "agent_line_noise_dbfs": %s},\n' \
      "$CV" "$CS" "$CP" "$CA" "$CR" "$(json_str "$CFX")" "${NOISE_DB:-null}"
    printf '  "design": %s,\n' "$(design_figures "$lang")"
    printf '  "turns": [\n'
    while IFS=$'\t' read -r spk start end tags text; do
      j=$((j + 1))
      local who=agent; [[ $spk == C ]] && who=customer
      local tj="[]"
      [[ $tags != - ]] && tj="[\"${tags//,/\", \"}\"]"
      printf '    {"speaker": "%s", "start_ms": %d, "end_ms": %d, "tags": %s, "text": %s}' \
        "$who" "$start" "$end" "$tj" "$(json_str "$text")"
      (( j < n )) && printf ','
      printf '\n'
    done <"$W/turns.tsv"
    printf '  ]\n}\n'
  } >"$f"
}

# Figures that follow from the design (text + timeline), not from the audio:
# agent words/min and syllables/s over agent turn time, talk share, greeting,
# gaps between consecutive turns (negative = overlap), questions asked.
design_figures() {
  awk -F'\t' -v lang="$1" '
    function syl(s,   t, n) { t = tolower(s); gsub(/[^a-zäöüyéàèß ]/, "", t)
      n = gsub(/[aeiouyäöü]+/, "", t); return n }
    function words(s,   a) { return split(s, a, /[ ]+/) }
    { spk[NR]=$1; st[NR]=$2; en[NR]=$3; tx[NR]=$5; tg[NR]=$4 }
    END {
      for (i = 1; i <= NR; i++) {
        d = en[i] - st[i]
        if (spk[i] == "A") { at += d; aw += words(tx[i]); as += syl(tx[i]); if (d > along) along = d
                             q += gsub(/\?/, "?", tx[i]) }
        else { ct += d }
        if (i > 1) { g = st[i] - en[i-1]; gs = gs sep g; sep = ", "; if (g < 0) { ov++; ovms -= g }
                     if (spk[i] == "A" && spk[i-1] == "C") { al += g; an++ } }
      }
      gw = words(tx[1]); gd = en[1] - st[1]
      printf "{\"agent_wpm\": %.0f, \"agent_syllables_per_s\": %.2f, \"agent_talk_share\": %.2f, ", aw*60000/at, as*1000/at, at/(at+ct)
      printf "\"agent_longest_turn_ms\": %d, \"agent_questions\": %d, ", along, q
      printf "\"greeting_words\": %d, \"greeting_ms\": %d, ", gw, gd
      printf "\"agent_mean_latency_ms\": %.0f, \"overlaps\": %d, \"overlap_ms\": %d, \"gaps_ms\": [%s]}", al/an, ov, ovms, gs
    }' "$W/turns.tsv"
}

# ---------------------------------------------------------------- dialogues
# E1: English, broken router (good / apathetic / too fast share the text so that
# only the voice differs between them).
cat >"$W/e1.txt" <<'EOF'
A|400|greeting|Bright Net, Mark speaking, good morning!
C|700||Hi. My internet router stopped working yesterday evening. I work from home, so this is a real problem for me.
A|600|empathy,question|Oh, I'm sorry to hear that. What do the lights on the router show right now?
C|700||There is only one red light, and it keeps blinking.
A|500|ack,question|I see. Did you already try to switch it off and on again?
C|600||Yes, twice this morning. Nothing changed.
A|700|ack|Okay, thank you. Let me check your line. <break time="800ms"/> Right, the router itself seems to be faulty.
C|600||Oh no. So what happens now?
A|600|follow_up,question|I'll send you a new router today, and I'll call you back tomorrow afternoon to make sure it works. Is that all right?
C|500||Yes, that's great. Thank you so much.
A|500|closing|You're welcome. Have a nice day!
EOF

# E1 without acknowledgements and warmth (apathetic agent).
cat >"$W/e1_apathetic.txt" <<'EOF'
A|400|greeting|Bright Net, Mark speaking, good morning.
C|700||Hi. My internet router stopped working yesterday evening. I work from home, so this is a real problem for me.
A|900|question|What do the lights on the router show?
C|700||There is only one red light, and it keeps blinking.
A|900|question|Did you switch it off and on again?
C|600||Yes, twice this morning. Nothing changed.
A|1000||Let me check your line. <break time="800ms"/> The router itself seems to be faulty.
C|600||Oh no. So what happens now?
A|900|follow_up|I'll send you a new router today, and I'll call you back tomorrow afternoon to check that it works.
C|500||Okay. Thank you.
A|800|closing|Goodbye.
EOF

# D1: German, wrong electricity invoice (good / monotone / unclear share the text).
cat >"$W/d1.txt" <<'EOF'
A|400|greeting|Stadtwerke Nordheim, Keller, guten Tag!
C|700||Guten Tag, hier ist Brandt. Ich habe heute meine Stromrechnung bekommen, und die ist fast doppelt so hoch wie sonst.
A|600|empathy,question|Oh, das ist natürlich ärgerlich. Können Sie mir Ihre Kundennummer sagen?
C|700||Ja, die Nummer ist vier fünf sieben, eins zwei drei.
A|600|ack,question|Danke. Ich schaue nach. <break time="900ms"/> Haben Sie im März einen neuen Zähler bekommen?
C|600||Ja, genau, im März war ein Techniker bei uns.
A|500|ack,empathy|Verstehe. Dann wurde der alte Zählerstand falsch übernommen. Das tut mir leid.
C|600||Und muss ich den Betrag jetzt trotzdem bezahlen?
A|600|follow_up,question|Nein. Ich korrigiere die Rechnung heute, und ich rufe Sie morgen zurück, sobald die Korrektur durch ist. Passt Ihnen das?
C|500||Ja, das passt. Vielen Dank für Ihre Hilfe.
A|500|closing|Sehr gern, Frau Brandt. Einen schönen Tag noch!
EOF

# D2: German, missing parcel, impatient agent (interrupts, very short latencies).
cat >"$W/d2.txt" <<'EOF'
A|400|greeting|Versandhaus Lindner, Schulz, guten Tag!
C|600||Guten Tag, ich habe vor zwei Wochen eine Kaffeemaschine bestellt, und das Paket ist immer noch nicht da, obwohl in der Sendungsverfolgung steht, dass es zugestellt wurde.
A|-1500|interrupt,impatient_phrase,question|Ja ja, Moment. Ihre Bestellnummer?
C|150||Die Bestellnummer ist acht acht zwei, null vier eins. Ich war an dem Tag übrigens den ganzen Tag zu Hause, und es hat niemand geklingelt, auch die Nachbarn haben nichts bekommen.
A|-2000|interrupt,impatient_phrase,question|Ja, ja, kommen Sie bitte zum Punkt. Was wollen Sie genau?
C|120||Ich möchte einfach meine Kaffeemaschine haben.
A|100|impatient_phrase|Wie gesagt, laut System ist das Paket zugestellt. Ich kann einen Nachforschungsauftrag starten.
C|150||Und wie lange dauert das denn ungefähr?
A|-500|interrupt,impatient_phrase,follow_up,question|Ja ja, ein paar Tage. Ich schicke Ihnen heute noch eine E-Mail mit der Bestätigung. Sonst noch was?
C|150||Nein, danke.
A|80|closing|Wiederhören.
EOF

# D3: German, broken washing machine, old-fashioned overlong greeting.
cat >"$W/d3.txt" <<'EOF'
A|400|greeting|Herzlich willkommen bei Grumps und Söhne, Ihrem Fachhändler für Haushaltsgeräte, mein Name ist Sonja Müller-Lüdenscheid, was kann ich für Sie tun?
C|700||Guten Tag, hier ist Werner. Meine Waschmaschine, die ich letzten Monat bei Ihnen gekauft habe, pumpt das Wasser nicht mehr ab.
A|600|empathy,question|Oh, das tut mir leid, das ist ärgerlich. Zeigt die Maschine eine Fehlermeldung an?
C|700||Ja, da steht E zwanzig.
A|500|ack,question|Verstehe. Haben Sie schon das Flusensieb kontrolliert?
C|600||Nein, das wusste ich nicht.
A|600|ack|Kein Problem. <break time="600ms"/> Die Klappe ist unten rechts. Wenn das Sieb sauber ist und der Fehler bleibt, kommt unser Techniker vorbei.
C|600||Gut, ich schaue nachher nach.
A|600|follow_up,question|Ich rufe Sie morgen Vormittag an und frage, ob es geklappt hat. Einverstanden?
C|500||Ja, sehr gerne. Danke!
A|500|closing|Gern geschehen, Herr Werner. Auf Wiederhören!
EOF

# E2: English, parcel not delivered, rushed agent (no pauses, hurried take-overs).
cat >"$W/e2.txt" <<'EOF'
A|300|greeting|QuickShip, Anna here, hello!
C|600||Hello. I ordered a pair of running shoes ten days ago, and the parcel still hasn't arrived. The tracking page hasn't changed since Monday.
A|80|empathy,question|Oh, I'm sorry about that. What's your order number, please?
C|600||It's seven three one, five five two.
A|60|ack,question|Thank you. I see it. The parcel is stuck at our depot in Leeds, because it was labelled with the wrong postcode. Can you confirm your postcode for me?
C|600||Yes, it's L S six, four A B.
A|60|ack|Perfect, thank you. I've corrected the address, and the parcel goes out again tomorrow morning.
C|600||Okay. Will I get a new tracking number?
A|50|follow_up,question|Yes, I'll send you the new tracking number by email tonight. Is there anything else I can help you with?
C|500||No, that's all. Thanks.
A|50|closing|You're welcome, bye!
EOF

# E3: English, wrong phone bill, know-it-all agent without empathy.
cat >"$W/e3.txt" <<'EOF'
A|400|greeting|Telco Plus, Steve, good afternoon.
C|700||Hi, I just got my phone bill, and I was charged forty pounds for roaming, but I haven't left the country all month.
A|600|know_it_all|Actually, that's not a mistake. Roaming charges appear when your phone connects to a foreign network. You did it wrong, you should have switched off data roaming in your settings. It's really quite simple, and it's all explained in your contract.
C|600||But I live in Manchester. There is no border here.
A|500|know_it_all|That doesn't matter. The system doesn't make mistakes like that. If the charge is on the bill, your phone used a foreign network, that's how it works. The charge is correct, and it stays on the bill.
C|600||So you can't do anything?
A|500|follow_up|I'll send you the roaming terms by email today, so you can read them yourself.
C|400||Fine. Goodbye.
A|400|closing|Goodbye.
EOF

# ---------------------------------------------------------------- the calls
reset_settings
LAYOUT=stereo; BLEED_DB=-30
NOTE="Reference good call: short greeting, questions, empathy and acknowledgements, varied intonation (SSML range x-high), 150 wpm, 0.4-1 s between turns, follow-up promise. Stereo with -30 dB crosstalk bleed."
build 01-en-good en "$W/e1.txt"

reset_settings
AV=de+m3; CV=de+f4; AR=x-low; AS=150; ENC=ulaw8k
MISTAKES='["monotone"]'
NOTE="Same text and timing design as 10-de-good; agent prosody range flattened with SSML <prosody range=x-low> (F0 nearly constant)."
build 02-de-monotone de "$W/d1.txt"

reset_settings
AR=medium; AA=45; AS=120
AFX="compand 0.002,0.03 -70,-70,-50,-30,0,-28 -4"
LAYOUT=stereo; ENC=ulaw8k
MISTAKES='["apathetic"]'
NOTE="E1 text without acknowledgements or warmth; agent at espeak amplitude 45 with a hard compander (flat loudness, well below the customer), espeak -s 120, slightly longer latencies (0.9-1 s)."
build 03-en-apathetic en "$W/e1_apathetic.txt"

reset_settings
AV=de+m3; CV=de+f4; AS=150
LAYOUT=stereo; ENC=ulaw8k
MISTAKES='["impatient"]'
NOTE="Agent starts talking 0.5-2 s before the customer has finished (3 interruptions), other take-overs 80-150 ms; phrases ja ja, wie gesagt, kommen Sie bitte zum Punkt, Sonst noch was."
build 04-de-impatient de "$W/d2.txt"

reset_settings
AV=de+f4; CV=de+m2; AS=150
ENC=ulaw8k
MISTAKES='["greeting"]'
NOTE="Otherwise good call that opens with an old-fashioned 23-word greeting (Herzlich willkommen bei Grumps und Söhne ... was kann ich für Sie tun?)."
build 05-de-greeting de "$W/d3.txt"

reset_settings
AV=en-us+f3; CV=en+m2; AS=140
AFX="silence -l 1 0.02 -45d -1 0.04 -45d"
MISTAKES='["rushed"]'
NOTE="Agent pauses inside turns cut to at most 40 ms with sox silence -l (no breathing pauses), agent take-overs 50-80 ms after the customer stops, no overlaps; espeak rate 140 (normal)."
build 06-en-rushed en "$W/e2.txt"

reset_settings
AV=de+m3; CV=de+f4
AS=150
AFX="lowpass 700 lowpass 700 gain -12"
NOISE_DB=-42
LAYOUT=stereo; BLEED_DB=-30; ENC=ulaw8k
MISTAKES='["unclear"]'
NOTE="Same text as 10-de-good; agent channel muffled (two 700 Hz low-pass filters), 12 dB quieter, with white line noise at -42 dBFS RMS (low SNR). Customer clean."
build 07-de-unclear de "$W/d1.txt"

reset_settings
AS=215
ENC=ulaw8k
MISTAKES='["too_fast"]'
NOTE="Same text and gaps as 01-en-good; agent synthesised at espeak -s 215 instead of 130."
build 08-en-too_fast en "$W/e1.txt"

reset_settings
AR=medium
MISTAKES='["no_empathy"]'
NOTE="Agent lectures in long monologues, asks no questions, no empathy or acknowledgement; phrases Actually, You did it wrong, It's really quite simple, The system doesn't make mistakes."
build 09-en-no_empathy en "$W/e3.txt"

reset_settings
AV=de+m3; CV=de+f4; AS=150; ENC=ulaw8k
NOTE="German reference good call (same text as 02 and 07): short greeting, questions, empathy, acknowledgements, varied intonation (SSML range x-high), follow-up promises."
build 10-de-good de "$W/d1.txt"

# ---------------------------------------------------------------- the real call
# 11-en-real-call.wav is a verbatim copy of a real recording (see samples/LICENSES.md);
# its truth is derived from the source's RTTM/STM, committed beside it.
REAL_SHA=$(cat "$OUT/11-en-real-call.sha256" 2>/dev/null || true)
if [[ -n ${REAL_SRC:-} ]]; then
  cp "$REAL_SRC/two-speaker-call.wav" "$OUT/11-en-real-call.wav"
  cp "$REAL_SRC/two-speaker-call.rttm" "$OUT/11-en-real-call.rttm"
  cp "$REAL_SRC/two-speaker-call.stm" "$OUT/11-en-real-call.stm"
  sha256sum "$OUT/11-en-real-call.wav" | cut -d' ' -f1 >"$OUT/11-en-real-call.sha256"
elif [[ -z $REAL_SHA || ! -f $OUT/11-en-real-call.wav ]]; then
  echo "make_samples: samples/11-en-real-call.wav missing; set REAL_SRC to the folder holding two-speaker-call.wav" >&2
  exit 1
elif [[ $(sha256sum "$OUT/11-en-real-call.wav" | cut -d' ' -f1) != "$REAL_SHA" ]]; then
  echo "make_samples: samples/11-en-real-call.wav differs from its recorded sha256" >&2
  exit 1
fi
echo "checked samples/11-en-real-call.wav (real recording, sha256 ok)"
# truth for the real call from its STM (speaker, start s, end s, text); no roles known
awk 'BEGIN { printf "{\n  \"file\": \"11-en-real-call.wav\",\n  \"language\": \"en\",\n  \"layout\": \"mono\",\n  \"channels\": null,\n  \"bleed_db\": null,\n  \"sample_rate\": 16000,\n  \"encoding\": \"PCM 16-bit\",\n  \"duration_ms\": 30000,\n  \"intended_mistakes\": [],\n  \"construction\": \"Real recording (pyannote-audio sample, two women on a phone-style line). Turns from the source STM; speakers have no agent/customer roles; speaker turns from the RTTM are in 11-en-real-call.rttm.\",\n  \"turns\": [\n" }
  { t = ""; for (i = 6; i <= NF; i++) t = t (i > 6 ? " " : "") $i; gsub(/"/, "\\\"", t)
    if (NR > 1) printf ",\n"
    printf "    {\"speaker\": \"%s\", \"start_ms\": %d, \"end_ms\": %d, \"tags\": [], \"text\": \"%s\"}", $3, $4 * 1000 + 0.5, $5 * 1000 + 0.5, t }
  END { printf "\n  ]\n}\n" }' "$OUT/11-en-real-call.stm" >"$OUT/11-en-real-call.truth.json"
