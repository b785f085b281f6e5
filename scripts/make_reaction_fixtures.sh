#!/usr/bin/env bash
# Builds the customer-reaction test calls in tests/fixtures/reaction/: a
# customer who starts calm and turns angry (or stays calm), with real agent
# speech between the customer's turns. Every call has nine agent turns, each
# followed by a customer turn; the customer's turn 6 is the switch.
#
#   de-escalates.wav            German call. Customer (right) = Thorsten
#                               Müller saying "Mist, wieder nichts geschafft."
#                               (real emotional recordings, Thorsten-21.06):
#                               turns 1-5 the neutral take, turns 6-9 the
#                               angry take. Agent (left) = FLEURS German read
#                               speech cut in pauses into 2.3-3.8 s pieces.
#   de-calm.wav                 the same time line, all nine customer turns
#                               the neutral take.
#   de-escalates-levelled.wav   as de-escalates.wav, but every angry clip is
#                               set to the RMS level (sox stats) of the
#                               neutral clip in the same place of
#                               de-calm.wav, so the clip RMS carries no
#                               difference.
#   de-escalates-mono.wav       de-escalates.wav with both channels summed to
#                               one (mono, 8 kHz mu-law).
#   en-escalates.wav            English call, a CONTROLLED VARIANT, not real
#                               emotion: the customer (right) is one LibriVox
#                               reader (public domain); turns 1-5 are his
#                               reading, turns 6-9 repeat the words of turns
#                               1, 3, 2 and 4 "raised" with sox (pitch +700
#                               cents, gain +6 dB, tempo 1.08). Agent (left)
#                               = Allison Smith's recorded Asterisk prompts
#                               (whole sentences).
#   en-escalates-mono.wav       en-escalates.wav with both channels summed
#                               to one: two voices (agent female, customer
#                               male) that diarization can tell apart, where
#                               the German mono call's agent is five FLEURS
#                               readers and its roles stay uncertain.
#   en-calm.wav                 the same time line, no turn raised.
#   truth.tsv                   one row per call: file, language, kind,
#                               channel, switch_s (start of the customer's
#                               first angry/raised turn; empty for calm
#                               calls), the customer turns as
#                               start-end:emotion and the agent turns as
#                               start-end (seconds, comma-separated).
#
# One neutral and one angry take exist, so every customer clip gets a small
# fixed change of its own (pitch within +-40 cents, gain within +-1.5 dB,
# tempo within +-4 %) so that no two calm turns are copies. The clip in the
# same place gets the same change in every call, so calls differ only where
# the emotion differs. Some turns hold two clips with a short pause between.
# A customer turn takes the same slot in every call of a language (the
# longest of its versions), so the agent turns start at the same sample in
# every call of a language.
#
# The German clips are read from tests/fixtures/reaction/src/ (CC0) and
# tests/fixtures/de-fleurs-*.wav; the English ones from
# tests/fixtures/librivox-*.wav and the Debian package
# asterisk-core-sounds-en-wav (CC-BY-SA-3.0), fetched with `apt-get download`
# unless ALLISON_DEB names a copy of the .deb. The English calls are derived
# works under CC-BY-SA-3.0 (tests/fixtures/reaction/README.md).
#
# Calls are 8 kHz G.711 mu-law, stereo with the agent left and the customer
# right (except the mono one). Clips are placed on a sample-exact time line,
# so truth.tsv holds the true times. Deterministic: sox runs with -R and -D.
# Needs sox, and apt-get and dpkg-deb (or ALLISON_DEB).
#
# Usage: scripts/make_reaction_fixtures.sh     (writes into tests/fixtures/reaction/)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIX="$ROOT/tests/fixtures"
DIR="$FIX/reaction"
SRC="$DIR/src"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# shellcheck source=scripts/lib/timeline.sh
source "$ROOT/scripts/lib/timeline.sh"

for tool in sox soxi dpkg-deb awk; do
  command -v "$tool" >/dev/null || { echo "make_reaction_fixtures: $tool not found" >&2; exit 1; }
done
for f in thorsten-neutral.wav thorsten-angry.wav; do
  [[ -f $SRC/$f ]] || { echo "make_reaction_fixtures: $SRC/$f missing" >&2; exit 1; }
done

# --- Allison Smith's prompts -------------------------------------------------
fetch_allison make_reaction_fixtures

# --- calls: clips, turns, per-clip changes (scripts/lib/reaction_calls.sh) ---
ME=make_reaction_fixtures
# shellcheck source=scripts/lib/reaction_calls.sh
source "$ROOT/scripts/lib/reaction_calls.sh"
SWITCH_TURN=6   # first angry / raised turn (1-based)

# One of Allison's prompts, trimmed, peak-normalised to -4 dBFS.
allison() { # name -> path
  local out="$W/allison-$1.wav"
  [[ -f $out ]] || "${SOX[@]}" "$ALLISON/$1.wav" "${PCM[@]}" "$out" "${TRIM[@]}" norm -4
  echo "$out"
}

# RMS level (dB) of a clip (trimmed of its silence at the ends).
rms_level() { # path -> dB
  "${SOX[@]}" "$1" -n stats 2>&1 | awk '/^RMS lev dB/ { print $4 }'
}

mkdir -p "$DIR"
: >"$W/truth.tsv"

# --- German calls ----------------------------------------------------------------
# Agent: FLEURS pieces, each cut in the middle of a pause of the recording.
fleurs_agent
CLIPS=(1 2 1 1 1 1 2 1 1)
NEUTRAL="$SRC/thorsten-neutral.wav"
ANGRY="$SRC/thorsten-angry.wav"

de_plain() { # k emotion
  local src=$NEUTRAL
  [[ $2 == angry ]] && src=$ANGRY
  customer_clip "$src" 0 - "${CENTS[$1]}" "${GAIN[$1]}" "${TEMPO[$1]}" 0
}
# The angry clip k at the RMS level of the neutral clip k.
de_levelled() { # k emotion
  [[ $2 == angry ]] || { de_plain "$1" neutral; return; }
  local n a
  n=$(rms_level "$(de_plain "$1" neutral)")
  a=$(rms_level "$(de_plain "$1" angry)")
  customer_clip "$ANGRY" 0 - "${CENTS[$1]}" "${GAIN[$1]}" "${TEMPO[$1]}" \
    "$(awk -v n="$n" -v a="$a" 'BEGIN { printf "%.2f", n - a }')"
}

set_slots de_plain angry de_plain neutral
build_call de_plain angry
finish_call de-escalates de escalates de-escalates-mono
build_call de_plain neutral
finish_call de-calm de calm
build_call de_levelled angry
finish_call de-escalates-levelled de escalates

# --- English calls ---------------------------------------------------------------
# Agent: Allison's prompts, chosen as sentences an agent might say.
AGENT=(
  "$(allison sorry-youre-having-problems)"
  "$(allison info-about-last-call)"
  "$(allison feature-not-avail-line)"
  "$(allison check-number-dial-again)"
  "$(allison queue-holdtime)"
  "$(allison pls-hold-while-try)"
  "$(allison vm-sorry)"
  "$(allison please-try-call-later)"
  "$(allison cannot-complete-as-dialed)"
)
# Customer: pieces of the LibriVox clips (start end, or "0 -" for the whole
# clip), cut at dips between words; clip k of the call is EN_PIECES[k]. The
# raised turns 6-9 repeat the words of calm turns 1, 3, 2 and 4.
# Calm pieces are 6 dB below the recording and raised ones at its level, so
# a raised clip is 6 dB above its calm version without clipping.
CLIPS=(1 1 1 1 1 1 1 1 1)
EN_PIECES=(
  "librivox-0880 0 -"
  "librivox-0870 4.75 7.10"
  "librivox-0930 0 -"
  "librivox-0890 1.30 5.30"
  "librivox-0890 0 1.30"
  "librivox-0880 0 -"
  "librivox-0930 0 -"
  "librivox-0870 4.75 7.10"
  "librivox-0890 1.30 5.30"
)
en_clip() { # k emotion
  local piece src start end
  read -r piece start end <<<"${EN_PIECES[$1]}"
  src="$FIX/$piece.wav"
  if [[ $2 == raised ]]; then
    customer_clip "$src" "$start" "$end" $((CENTS[$1] + 700)) "${GAIN[$1]}" \
      "$(awk -v t="${TEMPO[$1]}" 'BEGIN { printf "%.4f", t * 1.08 }')" 0
  else
    customer_clip "$src" "$start" "$end" "${CENTS[$1]}" "${GAIN[$1]}" "${TEMPO[$1]}" -6
  fi
}

set_slots en_clip raised en_clip neutral
build_call en_clip raised
finish_call en-escalates en escalates en-escalates-mono
build_call en_clip neutral
finish_call en-calm en calm

{
  truth_header
  cat "$W/truth.tsv"
} >"$DIR/truth.tsv"
(cd "$DIR" && for f in *.wav; do printf '%s %s s\n' "$f" "$(soxi -D "$f")"; done && sha256sum ./*.wav) >&2
