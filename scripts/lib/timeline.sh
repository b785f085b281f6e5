# A call built on a sample-exact time line, for the scripts that make test
# calls (scripts/make_pii_fixtures.sh, scripts/make_reaction_fixtures.sh).
# Source it after setting W (a work directory). The calls are 8 kHz: clips
# are PCM (mono 16-bit), calls G.711 mu-law, and sox runs with -R -D so that
# the same input gives the same bytes.
#
# A call is built segment by segment: each segment goes to the speaker's
# channel and the same number of samples of silence to the other, so the
# two channels stay aligned and every time is known to the sample.
# Segments may carry labels; SPAN_START, SPAN_END and SPAN_SIDE then hold
# each label's first sample, last sample and channel, LABELS the labels in
# order.

SOX=(sox -R -D -V1)
RATE=8000
PCM=(-r "$RATE" -c 1 -e signed -b 16)
ULAW=(-r "$RATE" -e u-law -b 8)

N=0          # segments so far
NOW=0        # samples so far
declare -A SPAN_START SPAN_END SPAN_SIDE
LABELS=()

# Starts a new call.
timeline_reset() {
  rm -rf "$W/call"
  mkdir -p "$W/call"
  N=0
  NOW=0
  SPAN_START=()
  SPAN_END=()
  SPAN_SIDE=()
  LABELS=()
}

samples() { # seconds -> samples
  awk -v s="$1" -v r="$RATE" 'BEGIN { printf "%d", s * r + 0.5 }'
}

secs() { # samples -> seconds, 3 decimals
  awk -v n="$1" -v r="$RATE" 'BEGIN { printf "%.3f", n / r }'
}

silence_file() { # samples -> path of a silent clip of that length
  local f="$W/sil-$1.wav"
  [[ -f $f ]] || "${SOX[@]}" "${PCM[@]}" -n "${PCM[@]}" "$f" trim 0 "$1s"
  echo "$f"
}

# Appends FILE to channel SIDE (L or R, or "-" for a pause on both);
# LABELS is a comma-separated list of values the segment belongs to.
segment() { # side file [labels]
  local side=$1 file=$2 labels=${3:-} len quiet
  len=$(soxi -s "$file")
  quiet=$(silence_file "$len")
  N=$((N + 1))
  local n; n=$(printf %04d "$N")
  case $side in
    L) ln -s "$file" "$W/call/L-$n.wav"; ln -s "$quiet" "$W/call/R-$n.wav" ;;
    R) ln -s "$quiet" "$W/call/L-$n.wav"; ln -s "$file" "$W/call/R-$n.wav" ;;
    -) ln -s "$quiet" "$W/call/L-$n.wav"; ln -s "$quiet" "$W/call/R-$n.wav" ;;
  esac
  local label
  for label in ${labels//,/ }; do
    if [[ -z ${SPAN_START[$label]:-} ]]; then
      SPAN_START[$label]=$NOW
      SPAN_SIDE[$label]=$side
      LABELS+=("$label")
    fi
    SPAN_END[$label]=$((NOW + len))
  done
  NOW=$((NOW + len))
}

pause() { # seconds (a pause that rounds to no samples adds nothing)
  local n; n=$(samples "$1")
  ((n > 0)) && segment - "$(silence_file "$n")"
  return 0
}

# Writes the call's channels to $W/left.wav and $W/right.wav and the call
# as stereo mu-law (agent left) to OUT.
write_stereo() { # out
  "${SOX[@]}" "$W"/call/L-*.wav "$W/left.wav"
  "${SOX[@]}" "$W"/call/R-*.wav "$W/right.wav"
  "${SOX[@]}" -M "$W/left.wav" "$W/right.wav" "${ULAW[@]}" "$1"
}

# Extracts Allison Smith's Asterisk prompts (Debian package
# asterisk-core-sounds-en-wav, CC-BY-SA-3.0), fetched with `apt-get
# download` unless ALLISON_DEB names a copy of the .deb, and sets ALLISON to
# their folder. SCRIPT names the caller in the error.
fetch_allison() { # script
  local deb=${ALLISON_DEB:-}
  if [[ -z $deb ]]; then
    (cd "$W" && apt-get download asterisk-core-sounds-en-wav >/dev/null 2>&1)
    deb=$(ls "$W"/asterisk-core-sounds-en-wav_*.deb)
  fi
  dpkg-deb -x "$deb" "$W/deb"
  ALLISON="$W/deb/usr/share/asterisk/sounds/en_US_f_Allison"
  [[ -f $ALLISON/digits/1.wav ]] || { echo "$1: no prompts in $deb" >&2; exit 1; }
}
