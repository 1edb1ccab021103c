#!/usr/bin/env bash
# Installs the interop peers (software we did not write) the interop tests run against, from Debian packages:
#   libnet-smpp-perl (Net::SMPP ESME), kannel (bearerbox/smsbox as an ESME), swaks and python3-aiosmtpd (SMTP),
#   chromium (headless browser for the operator console tests, driven by playwright-core).
# Idempotent: only missing packages are installed (checked with dpkg -s), `apt-get update` runs at most once.
# Never fails the caller: without apt (or root/sudo) it says so and exits 0; the interop tests then skip with a reason.
set -u

PEERS=(libnet-smpp-perl kannel swaks python3-aiosmtpd chromium)

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
  echo "install-peers: apt-get/dpkg not available; interop peers not installed (interop tests will skip)"
  exit 0
fi

missing=()
for pkg in "${PEERS[@]}"; do
  # dpkg -s exits 0 for removed-but-configured packages too: require "install ok installed".
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-peers: all present (${PEERS[*]})"
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root() { sudo -n "$@"; }
else
  echo "install-peers: not root and no passwordless sudo; missing: ${missing[*]} (interop tests will skip)"
  exit 0
fi

echo "install-peers: installing ${missing[*]}"
if ! as_root apt-get update -qq; then
  echo "install-peers: apt-get update failed; trying the install with the current package lists"
fi
if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  echo "install-peers: apt-get install failed for some of: ${missing[*]} (interop tests for those will skip)"
  exit 0
fi
# On a host with an init system the kannel package may start its own bearerbox (/etc/kannel/kannel.conf);
# the tests do not use it: they run their own boxes on free ports.
echo "install-peers: done"
exit 0
