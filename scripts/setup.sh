#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine for Grove, non-interactively and idempotently:
# the Vulkan loader and Mesa's lavapipe driver from bookworm-backports (Dawn needs Mesa >= 24;
# bookworm's own 22.3 fails adapter creation), Debian's chromium for the browser tests, Debian's
# python3-torch for the PyTorch export's tests, then the
# npm packages from the lock file (which also builds dist/ through the `prepare` script).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

# Runs a command with its output kept in a log that is printed only if the command fails.
quietly() {
  local log
  log="$(mktemp)"
  if "$@" >"$log" 2>&1; then
    rm -f "$log"
  else
    local status=$?
    cat "$log" >&2
    rm -f "$log"
    echo "setup: failed ($status): $*" >&2
    return "$status"
  fi
}

# The machine's own Debian mirror: the first URI of a deb822 source, else of a one-line source.
debian_mirror() {
  local uri
  uri="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)"
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm[ /].*/\2/p' /etc/apt/sources.list | head -n 1)"
  fi
  echo "$uri"
}

mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
mesa_major() { mesa_version | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/'; }

if command -v apt-get >/dev/null 2>&1; then
  major="$(mesa_major)"
  if [ -z "$major" ] || [ "$major" -lt 24 ] || ! dpkg-query -W libvulkan1 >/dev/null 2>&1; then
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
      mirror="$(debian_mirror)"
      if [ -z "$mirror" ]; then
        echo "setup: no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list; add one, or install libvulkan1 and mesa-vulkan-drivers (>= 24) yourself" >&2
        exit 1
      fi
      echo "deb $mirror bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
    fi
    export DEBIAN_FRONTEND=noninteractive
    quietly $SUDO apt-get update
    quietly $SUDO apt-get install -y libvulkan1
    quietly $SUDO apt-get install -y -t bookworm-backports mesa-vulkan-drivers
    echo "setup: installed libvulkan1 $(dpkg-query -W -f='${Version}' libvulkan1) and mesa-vulkan-drivers $(mesa_version) from bookworm-backports"
  else
    echo "setup: mesa-vulkan-drivers $(mesa_version) already installed"
  fi
  # Debian's Chromium: the browser tests drive it headless with WebGPU (playwright-core).
  if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    quietly $SUDO apt-get update
    quietly $SUDO apt-get install -y --no-install-recommends chromium
    echo "setup: installed chromium $(dpkg-query -W -f='${Version}' chromium)"
  else
    echo "setup: chromium $(dpkg-query -W -f='${Version}' chromium 2>/dev/null) already installed"
  fi
  # Debian's PyTorch (1.13, CPU, gloo): the tests run the programs `grove export --target pytorch`
  # writes with /usr/bin/python3 (about 220 s to install).
  if ! /usr/bin/python3 -c "import torch, numpy" >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    quietly $SUDO apt-get update
    quietly $SUDO apt-get install -y --no-install-recommends python3-torch
    echo "setup: installed python3-torch $(dpkg-query -W -f='${Version}' python3-torch)"
  else
    echo "setup: python3-torch $(dpkg-query -W -f='${Version}' python3-torch 2>/dev/null) already installed"
  fi
else
  echo "setup: no apt-get; install a Vulkan driver (Mesa >= 24 lavapipe, or a GPU driver) yourself" >&2
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  quietly npm ci --no-audit --no-fund
  echo "setup: installed $(find node_modules -mindepth 1 -maxdepth 2 -name package.json | wc -l) npm packages from package-lock.json and built dist/"
else
  quietly npm run build --silent
  echo "setup: npm packages up to date; built dist/"
fi
