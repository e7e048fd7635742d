#!/usr/bin/env python3
"""Derive data/regions/seed-regions.csv.gz from the national division table: the subtrees of the
regions of the five sample plans (娄底市, 深圳市, 新余市, 重庆市, 黄山市屯溪区) and their ancestors, as
`code,name` rows (the format `kesu regions import FILE --edition 2023` and `kesu demo` read).

    python3 scripts/make-seed-regions.py /work/shared/data/divisions data/regions/seed-regions.csv.gz
"""
import csv, gzip, os, sys

src, out = sys.argv[1], sys.argv[2]
roots = ["4313", "4403", "3605", "50", "341002"]
keep = {}
for f in ["provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv"]:
    with open(os.path.join(src, f), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["code"]
            if any(code.startswith(r) for r in roots) or any(r.startswith(code) for r in roots):
                keep[code] = row["name"]
os.makedirs(os.path.dirname(out), exist_ok=True)
with gzip.open(out, "wt", encoding="utf-8", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["code", "name"])
    for code in sorted(keep, key=lambda c: (len(c), c)):
        w.writerow([code, keep[code]])
print(f"{len(keep)} regions -> {out}", file=sys.stderr)
