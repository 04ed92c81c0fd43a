#!/usr/bin/env python3
"""The 3 % rule of issue 5, from a `mixgemm-bench --all-schedules` CSV: per point (act, type,
group, layer, M), the fastest named schedule, the schedule auto chose (the `auto:<name>` row),
and two gaps: that schedule's own named row against the fastest, and the separately timed
auto row against the fastest. Prints every point over the threshold and a summary.
Usage: scripts/selection_gap.py CSV [--threshold 0.03]"""
import argparse
import csv
from collections import defaultdict


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--threshold", type=float, default=0.03)
    a = ap.parse_args()
    points = defaultdict(dict)  # key -> {schedule: us}
    auto = {}
    with open(a.csv) as f:
        for row in csv.DictReader(f):
            if not row.get("us"):
                continue
            key = (row["act"], row["wtype"], row["group"], row["layer"], int(row["M"]))
            if row["schedule"].startswith("auto:"):
                auto[key] = (row["schedule"][5:], float(row["us"]))
            else:
                points[key][row["schedule"]] = float(row["us"])
    named_ok = row_ok = fastest = 0
    worst_named = worst_row = (-1.0, None)
    for key in sorted(points):
        if key not in auto:
            continue
        rows = points[key]
        best_name = min(rows, key=rows.get)
        best = rows[best_name]
        chosen, auto_us = auto[key]
        named_gap = rows[chosen] / best - 1 if chosen in rows else float("inf")
        row_gap = auto_us / best - 1
        named_ok += named_gap <= a.threshold
        row_ok += row_gap <= a.threshold
        fastest += chosen == best_name
        if named_gap > worst_named[0]:
            worst_named = (named_gap, key)
        if row_gap > worst_row[0]:
            worst_row = (row_gap, key)
        if named_gap > a.threshold or row_gap > a.threshold:
            print(f"{key[3]:14} M={key[4]:<5} chosen {chosen} {rows.get(chosen, float('nan')):.2f} us "
                  f"(gap {100 * named_gap:.1f} %), auto row {auto_us:.2f} us (gap {100 * row_gap:.1f} %), "
                  f"fastest {best_name} {best:.2f} us")
    n = sum(1 for k in points if k in auto)
    t = 100 * a.threshold
    print(f"points: {n}; chosen schedule's row within {t:.0f} % of the fastest: {named_ok}, fastest itself: {fastest}; "
          f"auto row within {t:.0f} %: {row_ok}")
    if n == 0:
        print("no point has an auto:<name> row (a mixgemm-tune CSV has none: use mixgemm-tune --evaluate)")
        return
    print(f"worst chosen-row gap: {100 * worst_named[0]:.1f} % at {worst_named[1][3]} M={worst_named[1][4]}; "
          f"worst auto-row gap: {100 * worst_row[0]:.1f} % at {worst_row[1][3]} M={worst_row[1][4]}")


if __name__ == "__main__":
    main()
