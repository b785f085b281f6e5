# Customer-reaction test calls: agent turns each followed by a customer
# turn, on the time line of scripts/lib/timeline.sh, for the scripts that
# build them (scripts/make_reaction_fixtures.sh, scripts/make_emodb_calls.sh).
# Source it after scripts/lib/timeline.sh, with W (work directory), FIX
# (tests/fixtures), ME (the script's name, for errors) set. Before
# build_call set AGENT (agent clips, one per turn), CLIPS (customer clips per
# turn), SWITCH_TURN (first angry turn, 1-based) and SLOTS (set_slots);
# finish_call writes into DIR and appends to $W/truth.tsv.

# --- clips -------------------------------------------------------------------
# Silence at a clip's ends: below 0.5 % of full scale.
TRIM=(silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse)

# A piece of an agent recording, START to END seconds (cut inside pauses),
# at 8 kHz, peak-normalised to -4 dBFS.
agent_piece() { # src start end -> path
  local out; out="$W/agent-$(basename "$1" .wav)-$2-$3.wav"
  [[ -f $out ]] || "${SOX[@]}" "$1" "${PCM[@]}" "$out" trim "$2" "=$3" rate -v "$RATE" norm -4
  echo "$out"
}

# The German agent: FLEURS read speech (tests/fixtures/de-fleurs-*.wav,
# CC BY 4.0), nine pieces of 2.3-3.8 s, each cut in the middle of a pause of
# the recording. Sets AGENT.
fleurs_agent() {
  AGENT=(
    "$(agent_piece "$FIX/de-fleurs-000.wav" 4.20 6.92)"
    "$(agent_piece "$FIX/de-fleurs-002.wav" 3.06 5.85)"
    "$(agent_piece "$FIX/de-fleurs-004.wav" 1.45 3.90)"
    "$(agent_piece "$FIX/de-fleurs-001.wav" 2.00 4.95)"
    "$(agent_piece "$FIX/de-fleurs-002.wav" 5.85 9.05)"
    "$(agent_piece "$FIX/de-fleurs-000.wav" 6.92 9.45)"
    "$(agent_piece "$FIX/de-fleurs-003.wav" 6.60 9.03)"
    "$(agent_piece "$FIX/de-fleurs-001.wav" 5.20 8.95)"
    "$(agent_piece "$FIX/de-fleurs-004.wav" 6.10 8.45)"
  )
}

# A customer clip: SRC (optionally START to END seconds of it) with the
# clip's fixed change (cents, gain dB, tempo) and GAIN dB more, trimmed of
# silence at its ends, at 8 kHz. Source levels are kept (no normalising), so
# the neutral and angry takes keep their own levels.
customer_clip() { # src start end cents gain tempo extra_gain -> path
  local src=$1 start=$2 end=$3 cents=$4 gain=$5 tempo=$6 extra=$7 cut=()
  local out; out="$W/cust-$(basename "$src" .wav)-$start-$end-$cents-$gain-$tempo-$extra.wav"
  [[ $end == - ]] || cut=(trim "$start" "=$end")
  [[ -f $out ]] || "${SOX[@]}" "$src" "${PCM[@]}" "$out" "${cut[@]}" "${TRIM[@]}" \
    pitch "$cents" tempo -s "$tempo" gain "$(awk -v a="$gain" -v b="$extra" 'BEGIN { printf "%.2f", a + b }')" \
    rate -v "$RATE"
  echo "$out"
}

# --- per-clip changes ----------------------------------------------------------
# Clip k of a call (counted over all customer turns) gets CENTS[k], GAIN[k]
# dB and TEMPO[k], so that no two calm turns are copies; the clip in the same
# place gets the same change in every call.
CENTS=(0 25 -15 -30 15 -20 35 10 -25 30 40 -35 5)
GAIN=(0 -0.8 -0.3 1.0 0.5 -1.2 0.7 0.4 -0.6 1.2 -1.0 1.4 -0.4)
TEMPO=(1.00 0.97 1.02 1.03 0.98 1.04 0.99 1.01 0.97 1.03 0.96 1.02 0.98)

# Pauses: agent end -> customer start, and customer slot end -> next agent turn.
REPLY_GAP=(0.42 0.36 0.50 0.40 0.46 0.34 0.44 0.38 0.47)
NEXT_GAP=(0.52 0.60 0.47 0.64 0.55 0.50 0.58 0.45 0.56)

# --- turns (on the time line of scripts/lib/timeline.sh) ----------------------
CUST_TURNS=()
AGENT_TURNS=()
SWITCH=""

new_call() {
  timeline_reset
  CUST_TURNS=()
  AGENT_TURNS=()
  SWITCH=""
}

agent_turn() { # path
  local start=$NOW
  segment L "$1"
  AGENT_TURNS+=("$(secs "$start")-$(secs "$NOW")")
}

# A customer turn: clips with PAUSE_IN_TURN between them, then silence up to
# SLOT samples from the turn's start. EMOTION is recorded in truth.tsv; the
# first turn that is not neutral is the switch.
PAUSE_IN_TURN=0.35
customer_turn() { # slot emotion clip...
  local slot=$1 emotion=$2 start=$NOW first=1 clip end
  shift 2
  for clip in "$@"; do
    ((first)) || pause "$PAUSE_IN_TURN"
    segment R "$clip"
    first=0
  done
  end=$NOW
  ((NOW - start <= slot)) || { echo "$ME: turn longer than its slot" >&2; exit 1; }
  ((NOW - start == slot)) || segment - "$(silence_file $((slot - (NOW - start))))"
  CUST_TURNS+=("$(secs "$start")-$(secs "$end"):$emotion")
  [[ -n $SWITCH || $emotion == neutral ]] || SWITCH=$(secs "$start")
}

# Samples a turn of these clips takes.
turn_len() { # clip...
  local total=0 first=1 clip
  for clip in "$@"; do
    ((first)) || total=$((total + $(samples "$PAUSE_IN_TURN")))
    total=$((total + $(soxi -s "$clip")))
    first=0
  done
  echo "$total"
}

# Writes the call as stereo mu-law (agent left) into DIR, and its mono mix
# when a second name is given; appends the call's rows to $W/truth.tsv
# (file, language, kind, channel, switch_s, customer turns as
# start-end:emotion, agent turns as start-end).
finish_call() { # name language kind [mono-name]
  local name=$1 lang=$2 kind=$3 mono=${4:-}
  write_stereo "$DIR/$name.wav"
  local cust agent
  cust=$(IFS=,; echo "${CUST_TURNS[*]}")
  agent=$(IFS=,; echo "${AGENT_TURNS[*]}")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name.wav" "$lang" "$kind" stereo "$SWITCH" "$cust" "$agent" >>"$W/truth.tsv"
  if [[ -n $mono ]]; then
    "${SOX[@]}" -m -v 1 "$W/left.wav" -v 1 "$W/right.wav" "${ULAW[@]}" -c 1 "$DIR/$mono.wav"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mono.wav" "$lang" "$kind" mono "$SWITCH" "$cust" "$agent" >>"$W/truth.tsv"
  fi
}

# The header row of truth.tsv.
truth_header() {
  printf 'file\tlanguage\tkind\tchannel\tswitch_s\tcustomer_turns\tagent_turns\n'
}

# Builds one call of ${#AGENT[@]} turns: AGENT[i] and the clip lists for
# the customer turns, chosen by the function named PICK (clip index,
# emotion of the turn -> path); turns from SWITCH_TURN on have emotion
# OTHER. SLOTS[i] must be set.
build_call() { # pick-function emotion-from-switch
  local pick=$1 other=$2 t k=0 c emotion clips
  new_call
  pause 0.4
  for ((t = 0; t < ${#AGENT[@]}; t++)); do
    agent_turn "${AGENT[$t]}"
    pause "${REPLY_GAP[$t]}"
    emotion=neutral
    ((t + 1 < SWITCH_TURN)) || emotion=$other
    clips=()
    for ((c = 0; c < CLIPS[t]; c++)); do
      clips+=("$($pick "$k" "$emotion")")
      k=$((k + 1))
    done
    customer_turn "${SLOTS[$t]}" "$emotion" "${clips[@]}"
    pause "${NEXT_GAP[$t]}"
  done
}

# Sets SLOTS[i] to the longest of turn i's versions under the PICK functions.
set_slots() { # pick-function emotion ...
  local t k=0 c p e len best clips pairs=("$@")
  SLOTS=()
  for ((t = 0; t < ${#AGENT[@]}; t++)); do
    best=0
    for ((p = 0; p < ${#pairs[@]}; p += 2)); do
      e=${pairs[$((p + 1))]}
      ((t + 1 < SWITCH_TURN)) && e=neutral
      clips=()
      for ((c = 0; c < CLIPS[t]; c++)); do
        clips+=("$(${pairs[$p]} $((k + c)) "$e")")
      done
      len=$(turn_len "${clips[@]}")
      ((len > best)) && best=$len
    done
    SLOTS+=("$best")
    k=$((k + CLIPS[t]))
  done
}
