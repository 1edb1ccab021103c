#!/usr/bin/env bash
# Installs what Hub needs on a Debian/Ubuntu machine with Node 20, then builds it. Safe to re-run.
#   - redis-server (Debian package) for the embedded Redis and the tests
#   - pnpm 12.4.2 (npm -g; corepack is not used)
#   - the workspace dependencies (frozen lockfile) and the build
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "Hub needs Node.js 20 or newer (https://nodejs.org or your distribution's nodejs package)." >&2
  exit 1
fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "setup: installing redis-server (apt-get)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >/dev/null
fi
if [ "$(pnpm --version 2>/dev/null || true)" != "12.4.2" ]; then
  echo "setup: installing pnpm 12.4.2"
  as_root npm i -g pnpm@12.4.2 >/dev/null 2>&1
fi
pnpm install --frozen-lockfile
pnpm build
