#!/usr/bin/env bash
# Installs the peers used by bench/peers/run.sh. Idempotent: does nothing when everything is present.
#   - PyTorch + torchvision for Debian's /usr/bin/python3 (apt packages python3-torch, python3-torchvision)
#   - onnxruntime-node into bench/peers/node_modules (npm, --ignore-scripts; the CPU library ships in the package)
# These peers are for benchmarks only; the test suite never needs them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

apt_pkgs=(python3-torch python3-torchvision)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  # Refresh the package lists only when apt does not know a candidate for a missing package.
  need_update=0
  for p in "${missing[@]}"; do
    cand="$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then need_update=1; fi
  done
  if ((need_update)); then "${sudo_cmd[@]}" apt-get update -q; fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$here/node_modules/onnxruntime-node/package.json" ]; then
  (cd "$here" && npm install --ignore-scripts --no-audit --no-fund)
fi
