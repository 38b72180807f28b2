#!/usr/bin/env bash
# Installs the system packages the project and its tests need, idempotently (only what is missing).
#   libjpeg-turbo-progs : djpeg, the independent JPEG decoder the image tests compare against
#   ffmpeg              : video decoding/encoding
set -euo pipefail
need=()
command -v djpeg >/dev/null 2>&1 || need+=(libjpeg-turbo-progs)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null 2>&1
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1
fi
