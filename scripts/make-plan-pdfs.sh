#!/usr/bin/env bash
# Print the sample plans (samples/plans/*.txt) and the Word layout fixtures of kesu-plan to PDF
# with LibreOffice, as an office prints its plan: A4, body paragraphs indented two characters,
# the plan's title as a running header and "— N —" page numbers in the footer. Then extract
# their text layer with poppler's `pdftotext -layout`, as Kesu does on upload. Both are
# committed (crates/kesu-plan/tests/pdf/NAME.pdf and NAME.pdf.txt), so the tests need neither
# LibreOffice nor poppler: kesu-plan's tests read the .pdf.txt, kesu-app's test runs pdftotext
# on the .pdf and checks it gives the same text. Run once after changing a sample.
set -euo pipefail
cd "$(dirname "$0")/.."
out=crates/kesu-plan/tests/pdf
gold=crates/kesu-plan/tests/gold
mkdir -p "$out"
need() {
  if ! command -v "$1" >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "make-plan-pdfs: $1 not found; installing $2 with apt" >&2
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $2 >/dev/null
    else
      echo "make-plan-pdfs: $1 is missing: apt-get install $2" >&2
      exit 2
    fi
  fi
}
need soffice "libreoffice-writer-nogui fonts-noto-cjk"
need pdftotext poppler-utils
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Two house styles: "indented" (the first line of each paragraph indented two characters, the
# title as running header, "— N —" page numbers) and "flush" (no indents, wider margins, a
# document number as running header, "第 N 页 共 M 页" footers), so that paragraphs must be found
# from the right edge and the numbering alone in the second.
for style in indented flush; do
for txt in samples/plans/*.txt; do
  stem=$(basename "$txt" .txt)
  name="$stem"
  [ "$style" = flush ] && name="$stem.flush"
  python3 - "$txt" "$gold/$stem.json" "$tmp/$name.fodt" "$style" <<'PY'
import json, sys
from xml.sax.saxutils import escape
src, gold, dst, style = sys.argv[1:5]
title = json.load(open(gold, encoding="utf-8")).get("title", "")
paras = [l.strip() for l in open(src, encoding="utf-8").read().splitlines()]
body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paras if p)
indent, margin, header = "0.98cm", "2.6cm", escape(title)
footer = '— <text:page-number text:select-page="current">1</text:page-number> —'
if style == "flush":
    indent, margin, header = "0cm", "3.2cm", "科素办〔2021〕1号"
    footer = ('第 <text:page-number text:select-page="current">1</text:page-number> 页 共 '
              '<text:page-count>1</text:page-count> 页')
doc = f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties fo:text-indent="{indent}" fo:line-height="130%"/>
  <style:text-properties style:font-name="Noto Serif CJK SC" fo:font-size="12pt"
   style:font-name-asian="Noto Serif CJK SC" style:font-size-asian="12pt"/>
 </style:default-style>
 <style:style style:name="Margin" style:family="paragraph">
  <style:paragraph-properties fo:text-indent="0cm" fo:text-align="center"/>
  <style:text-properties fo:font-size="9pt" style:font-size-asian="9pt"/>
 </style:style>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="A4">
  <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"
   fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2.8cm" fo:margin-right="{margin}"/>
  <style:header-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.4cm"/></style:header-style>
  <style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.4cm"/></style:footer-style>
 </style:page-layout>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="A4">
  <style:header><text:p text:style-name="Margin">{header}</text:p></style:header>
  <style:footer><text:p text:style-name="Margin">{footer}</text:p></style:footer>
 </style:master-page>
</office:master-styles>
<office:body><office:text>{body}</office:text></office:body>
</office:document>'''
open(dst, "w", encoding="utf-8").write(doc)
PY
  soffice --headless --convert-to pdf --outdir "$tmp" "$tmp/$name.fodt" >/dev/null
  cp "$tmp/$name.pdf" "$out/$name.pdf"
done
done
for docx in crates/kesu-plan/tests/layouts/*.docx; do
  # The layout fixtures printed as Word would (tables and all).
  soffice --headless --convert-to pdf --outdir "$out" "$docx" >/dev/null
done
for pdf in "$out"/*.pdf; do
  pdftotext -layout -enc UTF-8 "$pdf" "$pdf.txt"
done
ls -l "$out"
