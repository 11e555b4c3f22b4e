#!/usr/bin/env bash
# Install the Debian packages the app needs (OCR), and with "test" also what
# the tests need (Chromium for the browser tests), when missing.
set -euo pipefail
purpose="${1:-run}"

missing=()
command -v tesseract >/dev/null || missing+=(tesseract-ocr)
for lang in eng fra nld deu; do
  if ! tesseract --list-langs 2>/dev/null | grep -qx "$lang"; then
    missing+=("tesseract-ocr-$lang")
  fi
done
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
# itsme Sign prints signers' names of every European script on the certificate.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ "$purpose" = "test" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
