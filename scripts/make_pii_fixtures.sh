#!/usr/bin/env bash
# Builds the personal-data test call in tests/fixtures/pii/, which the
# redaction tests scan for card numbers, phone numbers, names and dates:
#
#   en-pii-call.wav       English call, stereo, agent left, customer right.
#                         The agent is espeak-ng (en-us); every customer
#                         answer is made only of Allison Smith's recorded
#                         Asterisk prompts (digits, letters, months,
#                         ordinals), joined with short pauses like a caller
#                         reading a number out: a spelled name, a card number,
#                         its CVV, a phone number, a spelled e-mail address,
#                         a date of birth and a ZIP code. The agent then reads
#                         the card and phone numbers back.
#   values.tsv            every personal value in the call: file, label,
#                         kind, the value, start and end (s), channel
#
# The customer voice comes from the Debian package
# asterisk-core-sounds-en-wav (CC-BY-SA-3.0, Allison Smith / Digium), fetched
# with `apt-get download` unless ALLISON_DEB names a copy of the .deb.
# The call is a derived work under CC-BY-SA-3.0 (tests/fixtures/pii/README.md).
#
# The call is 8 kHz G.711 mu-law. Every clip is trimmed of its own
# leading and trailing silence, then placed on a sample-exact time line, so
# values.tsv holds the true times. Deterministic: sox runs with -R and -D,
# and espeak-ng 1.51 renders the same samples for the same text.
# Needs apt-get and dpkg-deb (or ALLISON_DEB), espeak-ng and sox.
#
# Usage: scripts/make_pii_fixtures.sh     (writes into tests/fixtures/pii/)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/tests/fixtures/pii"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# shellcheck source=scripts/lib/timeline.sh
source "$ROOT/scripts/lib/timeline.sh"

for tool in sox espeak-ng dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "make_pii_fixtures: $tool not found" >&2; exit 1; }
done
mkdir -p "$DIR"

# --- Allison Smith's prompts -------------------------------------------------
fetch_allison make_pii_fixtures

# Strips a clip's leading and trailing silence (below 0.5 % of full scale).
trim_silence() { # in out
  "${SOX[@]}" "$1" "${PCM[@]}" "$2" silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse
}

new_call() {
  timeline_reset
}

# Writes the call as stereo mu-law (agent left) and appends its values to
# values.tsv; KIND_AND_VALUE maps a label to "kind<TAB>value".
finish_call() { # name
  local name=$1
  write_stereo "$DIR/$name.wav"
  local label side
  for label in "${LABELS[@]}"; do
    side=${SPAN_SIDE[$label]}
    [[ $side == L ]] && side=left || side=right
    awk -v f="$name.wav" -v l="$label" -v kv="${KIND_AND_VALUE[$label]}" \
      -v a="${SPAN_START[$label]}" -v b="${SPAN_END[$label]}" -v c="$side" -v r="$RATE" \
      'BEGIN { printf "%s\t%s\t%s\t%.2f\t%.2f\t%s\n", f, l, kv, a / r, b / r, c }' >>"$W/values.tsv"
  done
}

# --- clips -----------------------------------------------------------------------
# Renders TEXT with espeak-ng (VOICE: espeak-ng options) to an 8 kHz clip,
# named by a hash of both (it runs in a subshell, so no counter survives).
tts() { # "voice options" text -> path
  local key; key=$(printf '%s|%s' "$1" "$2" | sha1sum | cut -c1-12)
  local out="$W/tts-$key.wav"
  if [[ ! -f $out ]]; then
    # shellcheck disable=SC2086
    espeak-ng $1 -w "$W/tts-$key-raw.wav" "$2"
    "${SOX[@]}" "$W/tts-$key-raw.wav" "${PCM[@]}" "$W/tts-$key-8k.wav" rate -v "$RATE" norm -3
    trim_silence "$W/tts-$key-8k.wav" "$out"
  fi
  echo "$out"
}

# One of Allison's prompts, trimmed (NAME: path under en_US_f_Allison/).
allison() { # name -> path
  local out="$W/allison-${1//\//-}.wav"
  [[ -f $out ]] || trim_silence "$ALLISON/$1.wav" "$out"
  echo "$out"
}

# Pauses between the items a caller reads out, in turn, so that no two
# neighbours are the same length.
ITEM_PAUSES=(0.18 0.24 0.15 0.28 0.21 0.3 0.17 0.25)
ITEM=0

# Reads a list of Allison prompts out on the customer channel: items are
# prompt names, "|" is the longer pause between groups.
read_out() { # labels item...
  local labels=$1 first=1 item
  shift
  for item in "$@"; do
    if [[ $item == "|" ]]; then
      pause 0.45
      first=1
      continue
    fi
    if ((first == 0)); then
      pause "${ITEM_PAUSES[$((ITEM % ${#ITEM_PAUSES[@]}))]}"
      ITEM=$((ITEM + 1))
    fi
    segment R "$(allison "$item")" "$labels"
    first=0
  done
}

# Each answer starts about 0.7 s after its question ends.
TURN_GAP=0.7

# --- the English call --------------------------------------------------------------
# Two speeds of one voice: questions at 135 words a minute, and the
# read-back of the phone number (and the security-code question, which
# whisper misheard at the quicker pace) at 120 with longer word gaps.
AGENT_EN="-v en-us -s 135 -p 50 -g 3"
AGENT_EN_SLOW="-v en-us -s 120 -p 50 -g 4"
agent_en() { segment L "$(tts "$AGENT_EN" "$1")" "${2:-}"; }
agent_en_slow() { segment L "$(tts "$AGENT_EN_SLOW" "$1")" "${2:-}"; }

declare -A KIND_AND_VALUE=(
  [name]=$'name\tCheryl (spelled C H E R Y L)'
  [card]=$'card\t4111111111111111'
  [cvv]=$'cvv\t737'
  [phone]=$'phone\t01614960754'
  [email]=$'email\tjohn@example.com'
  [birth_date]=$'birth_date\t1985-03-12 (March twelfth nineteen eighty five)'
  [zip]=$'zip\t90210'
  [card_readback]=$'card\t4111111111111111'
  [phone_readback]=$'phone\t01614960754'
)
d() { echo "digits/$1"; }
l() { echo "letters/$1"; }

new_call
pause 0.3
agent_en "Thank you for calling. Can I have your name, please?"
pause "$TURN_GAP"
read_out name "$(l c)" "$(l h)" "$(l e)" "$(l r)" "$(l y)" "$(l l)"
pause 0.6
agent_en "Thank you. And your card number?"
pause "$TURN_GAP"
read_out card "$(d 4)" "$(d 1)" "$(d 1)" "$(d 1)" "|" "$(d 1)" "$(d 1)" "$(d 1)" "$(d 1)" "|" \
  "$(d 1)" "$(d 1)" "$(d 1)" "$(d 1)" "|" "$(d 1)" "$(d 1)" "$(d 1)" "$(d 1)"
pause 0.6
agent_en_slow "And the security code on the back of the card?"
pause "$TURN_GAP"
read_out cvv "$(d 7)" "$(d 3)" "$(d 7)"
pause 0.6
agent_en "What is the best phone number to reach you?"
pause "$TURN_GAP"
read_out phone "$(d oh)" "$(d 1)" "$(d 6)" "$(d 1)" "|" "$(d 4)" "$(d 9)" "$(d 6)" "|" \
  "$(d 0)" "$(d 7)" "$(d 5)" "$(d 4)"
pause 0.6
agent_en "And your email address?"
pause "$TURN_GAP"
read_out email "$(l j)" "$(l o)" "$(l h)" "$(l n)" "|" "$(l at)" "|" \
  "$(l e)" "$(l x)" "$(l a)" "$(l m)" "$(l p)" "$(l l)" "$(l e)" "|" "$(l dot)" "|" "$(l c)" "$(l o)" "$(l m)"
pause 0.6
agent_en "And what is your date of birth?"
pause "$TURN_GAP"
read_out birth_date "$(d mon-2)" "$(d h-12)" "|" "$(d 19)" "$(d 80)" "$(d 5)"
pause 0.6
agent_en "And your postal code?"
pause "$TURN_GAP"
read_out zip "$(d 9)" "$(d 0)" "$(d 2)" "$(d 1)" "$(d 0)"
pause 0.6
agent_en "So that is card"
pause 0.15
agent_en "four one one one, one one one one, one one one one, one one one one." card_readback
pause 0.2
agent_en "and phone number"
pause 0.15
agent_en_slow "oh, one, six, one. four, nine, six. oh, seven, five, four." phone_readback
pause 0.4
agent_en "Thank you, goodbye."
pause 0.3
finish_call en-pii-call

{
  printf 'file\tlabel\tkind\tvalue\tstart_s\tend_s\tchannel\n'
  cat "$W/values.tsv"
} >"$DIR/values.tsv"
(cd "$DIR" && for f in *.wav; do printf '%s %s s\n' "$f" "$(soxi -D "$f")"; done && sha256sum ./*.wav) >&2
