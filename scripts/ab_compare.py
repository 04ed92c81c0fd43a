#!/usr/bin/env python3
"""Compares A/B timing CSVs named <label>_<variant>_<round>.csv (scripts/ab_bench.sh writes the
variants `base` and `new`): for each label and point (act, type, group, layer, M), the best time
over the rounds of each variant, the speedup of every other variant against the baseline
variant, and the geometric mean per label and variant.
Usage: scripts/ab_compare.py OUTDIR [--base NAME]   (NAME: the baseline variant, default base)"""
import argparse
import csv
import glob
import math
import os
import re
from collections import defaultdict


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--base", default="base")
    a = ap.parse_args()
    best = defaultdict(dict)  # (label, key) -> {variant: (us, schedule)}
    labels = set()
    for path in sorted(glob.glob(os.path.join(a.outdir, "*_*_*.csv"))):
        m = re.match(r"([^_]+)_(.+)_(\d+)\.csv$", os.path.basename(path))
        if not m:
            continue
        label, variant = m.group(1), m.group(2)
        labels.add(label)
        with open(path) as f:
            for row in csv.DictReader(f):
                if not row.get("us"):
                    continue
                key = (label, row["act"], row["wtype"], row["group"], row["layer"], int(row["M"]))
                us = float(row["us"])
                prev = best[key].get(variant)
                if prev is None or us < prev[0]:
                    best[key][variant] = (us, row["schedule"])
    others = sorted({v for d in best.values() for v in d if v != a.base})
    ratios = defaultdict(list)
    print(f"{'label':8} {'layer':20} {'M':>5} {a.base + '_us':>10} " +
          " ".join(f"{v[:12]:>12}" for v in others) + "  schedule (baseline)")
    for key in sorted(best):
        v = best[key]
        if a.base not in v:
            continue
        cols = []
        for o in others:
            if o in v:
                r = v[a.base][0] / v[o][0]
                ratios[(key[0], o)].append(r)
                cols.append(f"{r:12.3f}")
            else:
                cols.append(f"{'-':>12}")
        print(f"{key[0]:8} {key[4]:20} {key[5]:5d} {v[a.base][0]:10.2f} " + " ".join(cols) + f"  {v[a.base][1]}")
    for (label, o), rs in sorted(ratios.items()):
        g = math.exp(sum(math.log(x) for x in rs) / len(rs))
        print(f"geomean speedup {label} {o}: {g:.3f} over {len(rs)} points (min {min(rs):.3f}, max {max(rs):.3f})")


if __name__ == "__main__":
    main()
