#!/usr/bin/env bash
# Install the Debian packages the checks need, only those whose command is missing, and say so first.
# Usage: tools/system_packages.sh COMMAND=PACKAGE [COMMAND=PACKAGE ...]
#   e.g. tools/system_packages.sh shellcheck=shellcheck chromium=chromium java=openjdk-17-jre-headless
#
# A machine that has every command installs nothing and prints one line. Otherwise it names the
# packages, then runs `apt-get install --no-install-recommends` on exactly those (no recommended
# packages, no upgrade of anything installed that the new packages do not require), as root or
# through `sudo -n`; `apt-get update` only when the package lists are too old to find them.
# Without apt-get or root it fails, saying what to install.
set -euo pipefail

missing=()
present=()
for pair in "$@"; do
  command=${pair%%=*}
  package=${pair#*=}
  if command -v "$command" >/dev/null 2>&1; then
    present+=("$package")
  else
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system-packages: all present (${present[*]:-none}); nothing to install"
  exit 0
fi

echo "system-packages: missing Debian package(s): ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: there is no apt-get; install ${missing[*]} (or your system's equivalent) and rerun" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "system-packages: installing needs root; run: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

echo "system-packages: running apt-get install -y --no-install-recommends ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  echo "system-packages: apt-get update (the package lists do not know them yet)"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for pair in "$@"; do
  command=${pair%%=*}
  command -v "$command" >/dev/null 2>&1 || { echo "system-packages: $command still missing after the install" >&2; exit 1; }
done
echo "system-packages: installed ${missing[*]}"
