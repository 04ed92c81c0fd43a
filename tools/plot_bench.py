#!/usr/bin/env python3
"""Charts from a mixgemm-bench CSV.

Usage:
    python3 tools/plot_bench.py results.csv --out DIR [--prefix NAME]

For each type configuration (act, weight type, group size) in the CSV it writes:
  NAME_time_<act>_<wtype>_g<group>.png      time vs M per layer (log-log), with the memory
                                            roofline and the cuBLAS dense time on the same axes
  NAME_roofline_<act>_<wtype>_g<group>.png  percent of the memory roofline vs M, a line per layer

Layer-stack rows (layer "stack:<model>") are charted like layers, with M = the batch size and
the time per token. With --all-schedules CSVs, the automatic choice ("auto:<name>") is the main
line and every forced schedule a thin line beside it. NAME defaults to the CSV's file name
without its extension; DIR defaults to the CSV's folder. Needs python3 and matplotlib.
"""

import argparse
import csv
import math
import os
import sys
from collections import OrderedDict, defaultdict

COLUMNS = ["device", "act", "wtype", "group", "layer", "M", "N", "K", "schedule", "us", "tflops", "gbps",
           "roofline_us", "pct_roofline", "cublas_us", "speedup_vs_cublas"]


def number(text):
    """A CSV number; empty (no measurement) becomes NaN."""
    return float(text) if text.strip() else math.nan


def read_rows(path):
    if not os.path.isfile(path):
        sys.exit(f"plot_bench: no such file: {path}")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"plot_bench: {path}: not a mixgemm-bench CSV (missing columns: {', '.join(missing)})")
        rows = []
        for r in reader:
            for c in ("M", "N", "K", "group"):
                r[c] = int(r[c])
            for c in ("us", "tflops", "gbps", "roofline_us", "pct_roofline", "cublas_us", "speedup_vs_cublas"):
                r[c] = number(r[c])
            rows.append(r)
    return rows


def group_label(group):
    return "ch" if group < 0 else str(group)


def main_line(rows):
    """The rows of the main mixgemm line: the automatic choice where the CSV has one, else all
    (a run with one forced schedule)."""
    auto = [r for r in rows if r["schedule"].startswith("auto")]
    return auto if auto else rows


def series(rows, key):
    pts = sorted((r["M"], r[key]) for r in rows if not math.isnan(r[key]))
    return [p[0] for p in pts], [p[1] for p in pts]


def per_m(rows, key):
    """One value per M (the roofline and cuBLAS columns repeat on every schedule's row)."""
    seen = OrderedDict()
    for r in sorted(rows, key=lambda r: r["M"]):
        if not math.isnan(r[key]):
            seen.setdefault(r["M"], r[key])
    return list(seen.keys()), list(seen.values())


def m_axis(ax, ticker):
    """log2 M axis labelled 1, 2, 4, ... rather than 2^k."""
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))


def plot_config(plt, ticker, rows, title, out_time, out_roof):
    layers = list(OrderedDict.fromkeys(r["layer"] for r in rows))
    by_layer = {name: [r for r in rows if r["layer"] == name] for name in layers}

    # ---- time vs M, one panel per layer ----
    cols = min(3, len(layers))
    nrows = (len(layers) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(5.2 * cols, 3.9 * nrows), squeeze=False)
    for i, name in enumerate(layers):
        ax = axes[i // cols][i % cols]
        lrows = by_layer[name]
        forced = sorted({r["schedule"] for r in lrows if not r["schedule"].startswith("auto")})
        if any(r["schedule"].startswith("auto") for r in lrows):
            # Every schedule of an --all-schedules run, thin, in colours other than the main
            # line's (C0) and cuBLAS's (C3).
            palette = [f"C{c}" for c in (1, 2, 4, 5, 6, 7, 8, 9)]
            for j, s in enumerate(forced):
                x, y = series([r for r in lrows if r["schedule"] == s], "us")
                ax.plot(x, y, lw=0.8, alpha=0.6, color=palette[j % len(palette)],
                        label=s if len(forced) <= 8 else None)
        x, y = series(main_line(lrows), "us")
        ax.plot(x, y, "o-", color="C0", lw=2, ms=3.5, label="mixgemm")
        x, y = per_m(lrows, "cublas_us")
        if x:
            ax.plot(x, y, "s:", color="C3", lw=1.5, ms=3, label="cuBLAS dense")
        x, y = per_m(lrows, "roofline_us")
        ax.plot(x, y, "--", color="k", lw=1.2, label="memory roofline")
        m_axis(ax, ticker)
        ax.set_yscale("log")
        k, n = lrows[0]["K"], lrows[0]["N"]
        ax.set_title(name if name.startswith("stack:") or "x" in name else f"{name} (K={k}, N={n})", fontsize=10)
        ax.set_xlabel("batch B" if name.startswith("stack:") else "M")
        ax.set_ylabel("us per token (full depth)" if name.startswith("stack:") else "us")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for j in range(len(layers), nrows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle(f"{title}: time vs M", fontsize=12)
    fig.tight_layout()
    fig.savefig(out_time, dpi=110)
    plt.close(fig)

    # ---- percent of roofline vs M, a line per layer ----
    fig, ax = plt.subplots(figsize=(8, 5))
    for name in layers:
        x, y = series(main_line(by_layer[name]), "pct_roofline")
        ax.plot(x, y, "o-", ms=3, label=name)
    ax.axhline(100, color="k", ls="--", lw=1)
    m_axis(ax, ticker)
    ax.set_xlabel("M")
    ax.set_ylabel("% of memory roofline (roofline_us / us)")
    ax.set_ylim(bottom=0)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    ax.set_title(f"{title}: % of roofline vs M")
    fig.tight_layout()
    fig.savefig(out_roof, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description="Charts from a mixgemm-bench CSV.")
    p.add_argument("csv", help="CSV written by mixgemm-bench --csv")
    p.add_argument("--out", help="output folder (default: the CSV's folder)")
    p.add_argument("--prefix", help="file name prefix (default: the CSV's name without extension)")
    args = p.parse_args(argv)

    try:
        import matplotlib
        matplotlib.use("Agg")  # files only, no display needed
        import matplotlib.pyplot as plt
        from matplotlib import ticker
    except ImportError:
        sys.exit("plot_bench: needs matplotlib (apt-get install python3-matplotlib, or pip install matplotlib)")

    rows = read_rows(args.csv)
    if not rows:
        sys.exit(f"plot_bench: {args.csv} has no result rows")
    out = args.out or os.path.dirname(os.path.abspath(args.csv))
    os.makedirs(out, exist_ok=True)
    prefix = args.prefix or os.path.splitext(os.path.basename(args.csv))[0]

    configs = defaultdict(list)
    for r in rows:
        configs[(r["device"], r["act"], r["wtype"], r["group"])].append(r)
    written = []
    for (device, act, wtype, group), crows in configs.items():
        tag = f"{act}_{wtype}_g{group_label(group)}"
        if len({c[0] for c in configs}) > 1:  # several devices in one CSV: keep them apart
            tag += "_" + "".join(ch if ch.isalnum() else "-" for ch in device)
        title = f"{device}, {wtype} g{group_label(group)} {act}"
        t_path = os.path.join(out, f"{prefix}_time_{tag}.png")
        r_path = os.path.join(out, f"{prefix}_roofline_{tag}.png")
        plot_config(plt, ticker, crows, title, t_path, r_path)
        written += [t_path, r_path]
    for w in written:
        print(w)


if __name__ == "__main__":
    main()
