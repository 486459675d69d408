#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian/Ubuntu machine:
#   - a virtual environment in .venv (Debian's and Ubuntu's python3 refuse pip installs
#     outside one, PEP 668); apt's python3-venv first if this python3 lacks it;
#   - the Python package, editable, with the site and test tools (pip, into .venv);
#   - KaTeX, which renders the site's math at build time (npm, from package-lock.json),
#     and Node.js with npm from apt if they are missing;
#   - Chromium, which the browser tests drive (apt).
# apt needs root or sudo; it runs only for what is missing. Run it again at any time.
# Afterwards, in each new shell: . .venv/bin/activate
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "install.sh: Python 3.11 or newer is needed as python3 (found: $(python3 --version 2>&1))" >&2
  exit 1
fi
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  # Debian and Ubuntu ship venv's pip bootstrap in a separate package.
  apt_install "python3.$(python3 -c 'import sys; print(sys.version_info.minor)')-venv"
fi
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  python3 -m venv --clear .venv
fi
.venv/bin/python -m pip install -q -e ".[dev]"

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  apt_install nodejs npm
fi
npm ci --no-audit --no-fund

if ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium
fi
echo "installed into .venv: kb $(.venv/bin/kb --version | awk '{print $NF}')," \
     "KaTeX $(node -p 'require("katex/package.json").version'), $(chromium --version 2>/dev/null)"
echo "activate it in each new shell: . .venv/bin/activate"
