#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian/Ubuntu machine:
#   - the Python package, editable, with the site and test tools (pip);
#   - KaTeX, which renders the site's math at build time (npm, from package-lock.json);
#   - Chromium, which the browser tests drive (apt, needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")"

python3 -m pip install -e ".[dev]"
npm ci --no-audit --no-fund

if ! command -v chromium >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" != "0" ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
echo "installed: kb $(python3 -c 'import kb; print(kb.__version__)'), KaTeX $(node -p 'require("katex/package.json").version'), $(chromium --version 2>/dev/null)"
