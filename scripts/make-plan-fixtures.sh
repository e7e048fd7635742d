#!/usr/bin/env bash
# Make the Word and Excel layout fixtures of kesu-plan (crates/kesu-plan/tests/layouts/*.docx,
# *.xlsx) from their sources in tests/layouts/src/ (HTML with merged table cells, flat ODS) with
# LibreOffice, so that the reader is tested on files a real office suite wrote (w:vMerge, merged
# ranges, shared strings). The results are committed: tests need no LibreOffice. Run once after
# editing a source.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=crates/kesu-plan/tests/layouts
if ! command -v soffice >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "make-plan-fixtures: installing LibreOffice (libreoffice-writer-nogui, libreoffice-calc-nogui) with apt" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk >/dev/null
  else
    echo "make-plan-fixtures: LibreOffice (soffice) is missing: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui" >&2
    exit 2
  fi
fi
for src in "$dir"/src/*.html; do
  soffice --headless --convert-to 'docx:MS Word 2007 XML' --outdir "$dir" "$src" >/dev/null
done
for src in "$dir"/src/*.fods; do
  soffice --headless --convert-to xlsx --outdir "$dir" "$src" >/dev/null
done
ls -l "$dir"/*.docx "$dir"/*.xlsx
