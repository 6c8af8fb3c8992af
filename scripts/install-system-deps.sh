#!/usr/bin/env bash
# Installs the system tools the tests use, from Debian's packages:
#   chromium       headless browser for the graph.html tests (driven by playwright)
#   raptor2-utils  `rapper`, an independent RDF parser to check our exports
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v rapper >/dev/null 2>&1 || need+=(raptor2-utils)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing system packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: need root (or sudo) to apt-get install ${need[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
