#!/usr/bin/env bash
# Builds customer-reaction test calls from EmoDB (Berlin Database of
# Emotional Speech, Burkhardt et al. 2005): for each of its ten speakers a
# caller who starts calm and turns angry, or stays calm, with real German
# agent speech between the caller's turns. Every call has eight agent turns,
# each followed by a customer turn; the customer's turn 5 is the switch.
#
#   emodb-SS-escalates.wav   SS = EmoDB speaker (03 08 09 10 11 12 13 14 15
#                            16). Customer (right) = the speaker's EmoDB
#                            sentences (tests/fixtures/reaction/emodb/src/,
#                            one 2-s clip each): turns 1-4 the neutral takes,
#                            turns 5-8 the angry takes of the same sentences
#                            in the same order. Agent (left) = FLEURS German
#                            read speech cut in pauses into 2.3-3.8 s pieces
#                            (the first eight pieces of
#                            scripts/make_reaction_fixtures.sh).
#   emodb-SS-calm.wav        the same time line, turns 5-8 the neutral takes
#                            again.
#   truth.tsv                one row per call, in the format of
#                            tests/fixtures/reaction/truth.tsv: file,
#                            language, kind, channel, switch_s (start of the
#                            customer's first angry turn; empty for calm
#                            calls), the customer turns as start-end:emotion
#                            and the agent turns as start-end (seconds).
#
# A speaker has one to four sentences with a neutral and an angry take; turn
# t (1-8) says sentence ((t-1) mod 4) of the speaker's list, taken in order
# again from the first when the speaker has fewer than four. Each clip is
# trimmed of silence and gets a small fixed change of its own (pitch within
# +-40 cents, gain within +-1.5 dB, tempo within +-4 %; the table of
# scripts/lib/reaction_calls.sh), so that repeated neutral sentences are not
# copies; the clip in the same place gets the same change in both calls of a
# speaker, so they differ only where the emotion differs. A customer turn
# takes the same slot in both calls (the longer of its two versions).
#
# The EmoDB clips are CC0 1.0 (per audEERING's audb publication of emodb)
# but were resampled, cut to 2 s and peak-normalised before they came here
# (tests/fixtures/reaction/emodb/README.md), so their level is not a cue;
# pitch, pitch range, rate and voice quality are. The agent pieces come from
# tests/fixtures/de-fleurs-*.wav (CC BY 4.0).
#
# Calls are 8 kHz G.711 mu-law, stereo with the agent left and the customer
# right, on the sample-exact time line of scripts/lib/timeline.sh, so
# truth.tsv holds the true times. Deterministic: sox runs with -R and -D.
# Needs sox.
#
# Usage: scripts/make_emodb_calls.sh OUTDIR     (all 20 calls and truth.tsv)
#        scripts/make_emodb_calls.sh --fixtures (the calls of speaker 08 into
#            tests/fixtures/reaction/, their rows into
#            tests/fixtures/reaction/emodb-truth.tsv)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIX="$ROOT/tests/fixtures"
SRC="$FIX/reaction/emodb/src"
SPEAKERS=(03 08 09 10 11 12 13 14 15 16)
FIXTURE_SPEAKER=08   # female; angry F0 median 1.6-2.1x her neutral

case ${1:-} in
  --fixtures) DIR="$FIX/reaction"; TRUTH="$DIR/emodb-truth.tsv"; SPEAKERS=("$FIXTURE_SPEAKER") ;;
  "" | -*) echo "usage: make_emodb_calls.sh OUTDIR | --fixtures" >&2; exit 2 ;;
  *) DIR=$1; TRUTH="$DIR/truth.tsv" ;;
esac

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# shellcheck source=scripts/lib/timeline.sh
source "$ROOT/scripts/lib/timeline.sh"
ME=make_emodb_calls
# shellcheck source=scripts/lib/reaction_calls.sh
source "$ROOT/scripts/lib/reaction_calls.sh"

for tool in sox soxi awk; do
  command -v "$tool" >/dev/null || { echo "$ME: $tool not found" >&2; exit 1; }
done
[[ -d $SRC ]] || { echo "$ME: $SRC missing" >&2; exit 1; }

mkdir -p "$DIR"
: >"$W/truth.tsv"

# Agent: the first eight FLEURS pieces; one customer clip per turn.
fleurs_agent
AGENT=("${AGENT[@]:0:8}")
CLIPS=(1 1 1 1 1 1 1 1)
SWITCH_TURN=5

# The speaker's EmoDB takes, one sentence per entry: "neutral angry".
PAIRS=()
set_pairs() { # speaker
  local n a
  PAIRS=()
  for n in "$SRC/$1"???N?.wav; do
    a=$(ls "$SRC/$(basename "$n" | cut -c1-5)"W?.wav)
    PAIRS+=("$n $a")
  done
  ((${#PAIRS[@]} > 0)) || { echo "$ME: no clips for speaker $1 in $SRC" >&2; exit 1; }
}

emodb_clip() { # k emotion
  local n a src
  read -r n a <<<"${PAIRS[$(($1 % 4 % ${#PAIRS[@]}))]}"
  src=$n
  [[ $2 == angry ]] && src=$a
  customer_clip "$src" 0 - "${CENTS[$1]}" "${GAIN[$1]}" "${TEMPO[$1]}" 0
}

for s in "${SPEAKERS[@]}"; do
  set_pairs "$s"
  set_slots emodb_clip angry emodb_clip neutral
  build_call emodb_clip angry
  finish_call "emodb-$s-escalates" de escalates
  build_call emodb_clip neutral
  finish_call "emodb-$s-calm" de calm
done

{
  truth_header
  cat "$W/truth.tsv"
} >"$TRUTH"
(cd "$DIR" && for s in "${SPEAKERS[@]}"; do for f in "emodb-$s-escalates.wav" "emodb-$s-calm.wav"; do
  printf '%s %s s\n' "$f" "$(soxi -D "$f")"; done; done) >&2
