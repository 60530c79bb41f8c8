#!/usr/bin/env bash
# Debian packages the tests need: a CJK font, Chromium for the review pages, poppler-utils.
set -euo pipefail
need=()
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v chromium >/dev/null || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
if ((${#need[@]})); then
  if [[ $(id -u) != 0 ]]; then echo "system-deps: missing ${need[*]}; install them as root" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
