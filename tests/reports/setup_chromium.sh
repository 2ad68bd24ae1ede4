#!/usr/bin/env bash
# Make sure headless Chromium is available for the report tests (Debian package `chromium`).
# Installs it with apt-get when /usr/bin/chromium is absent; needs root (or sudo) for that.
# Prints the browser's path on success.
set -euo pipefail
browser=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$browser" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "setup_chromium: $browser is missing and installing it needs root (apt-get install -y chromium)" >&2
      exit 1
    fi
  fi
  echo "setup_chromium: installing the Debian package chromium (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  # A CJK font too, so that screenshots of reports with Japanese or Chinese names show them.
  $sudo apt-get install -y -qq chromium fonts-wqy-zenhei >&2
fi
"$browser" --version >&2
echo "$browser"
