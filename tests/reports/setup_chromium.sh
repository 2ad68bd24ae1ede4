#!/usr/bin/env bash
# Find headless Chromium for the report tests and print its path (last line of stdout).
# $CHROMIUM names the browser; else /usr/bin/chromium, else `chromium` on PATH. It installs nothing:
# `make system-packages` (run by `make reports` and `make test`) installs the Debian package `chromium`
# with --no-install-recommends when it is missing, after saying so.
set -euo pipefail
browser=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$browser" ] && [ -z "${CHROMIUM:-}" ]; then
  browser=$(command -v chromium || true)
fi
if [ -z "$browser" ] || [ ! -x "$browser" ]; then
  echo "setup_chromium: no Chromium found (${CHROMIUM:-/usr/bin/chromium}); install the Debian package with" \
       "'make system-packages' or 'apt-get install --no-install-recommends chromium', or set CHROMIUM" >&2
  exit 1
fi
"$browser" --version >&2
echo "$browser"
