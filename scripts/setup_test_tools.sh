#!/usr/bin/env bash
# What the tests need beyond .venv, from Debian's packages where apt-get can be run as root:
# Chromium for the browser tests, a CJK font so Chinese renders in their screenshots, and
# pdftoppm (poppler-utils) to draw report PDFs. Elsewhere the tests that need them skip and
# say why. Idempotent: nothing is installed that is already there.
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }
missing=()
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi -e "wenquanyi" -e "noto sans cjk" || missing+=(fonts-wqy-microhei)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]}"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1; then
        say "could not install ${missing[*]}: the tests that need them will skip"
    fi
else
    say "no apt-get as root: the tests that need ${missing[*]} will skip"
fi
