#!/usr/bin/env python3
"""Compares the CSVs of scripts/ab_bench.sh: for each label and point (act, type, group, layer,
M), the best time over the rounds of the baseline and of the working tree, their ratio, and the
geometric mean per label. Usage: scripts/ab_compare.py OUTDIR"""
import csv
import glob
import math
import os
import re
import sys
from collections import defaultdict


def main():
    out = sys.argv[1]
    best = defaultdict(dict)  # (label, key) -> {variant: (us, schedule)}
    for path in sorted(glob.glob(os.path.join(out, "*_*_*.csv"))):
        m = re.match(r"(.+)_(base|new)_(\d+)\.csv$", os.path.basename(path))
        if not m:
            continue
        label, variant = m.group(1), m.group(2)
        with open(path) as f:
            for row in csv.DictReader(f):
                if not row.get("us"):
                    continue
                key = (label, row["act"], row["wtype"], row["group"], row["layer"], int(row["M"]))
                us = float(row["us"])
                prev = best[key].get(variant)
                if prev is None or us < prev[0]:
                    best[key][variant] = (us, row["schedule"])
    ratios = defaultdict(list)
    print(f"{'label':8} {'layer':14} {'M':>5} {'base_us':>9} {'new_us':>9} {'speedup':>8}  schedule (new)")
    for key in sorted(best):
        v = best[key]
        if "base" not in v or "new" not in v:
            continue
        r = v["base"][0] / v["new"][0]
        ratios[key[0]].append(r)
        print(f"{key[0]:8} {key[4]:14} {key[5]:5d} {v['base'][0]:9.2f} {v['new'][0]:9.2f} {r:8.3f}  {v['new'][1]}")
    for label, rs in ratios.items():
        g = math.exp(sum(math.log(x) for x in rs) / len(rs))
        print(f"geomean speedup {label}: {g:.3f} over {len(rs)} points (min {min(rs):.3f}, max {max(rs):.3f})")


if __name__ == "__main__":
    main()
