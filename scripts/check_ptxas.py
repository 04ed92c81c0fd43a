#!/usr/bin/env python3
"""Fails if the ptxas report in a build log shows a problem in any mixgemm kernel.

Usage: check_ptxas.py BUILD_LOG [--allow-empty]

--allow-empty: an incremental build that recompiled no kernel passes (nothing new to check).

The library compiles with -Xptxas=-v, so the log holds one report per kernel. A kernel fails if
it spills (spill stores/loads), has a stack frame (local memory), or ptxas warns that wgmma
instructions were serialized (C7510): each costs the pipeline its overlap.
"""
import re
import sys


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--allow-empty"]
    allow_empty = "--allow-empty" in sys.argv
    if len(args) != 1:
        print(__doc__)
        return 2
    text = open(args[0], errors="replace").read()
    problems = []
    kernels = 0
    current = None
    for line in text.splitlines():
        m = re.search(r"Compiling entry function '([^']+)'", line)
        if m:
            current = m.group(1)
            kernels += 1
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and any(int(v) for v in m.groups()):
            problems.append(f"{current}: {line.strip()}")
        if "C7510" in line or re.search(r"wgmma.*serializ", line, re.I):
            problems.append(line.strip())
        if re.search(r"ptxas (warning|error)", line):
            problems.append(line.strip())
    print(f"ptxas report: {kernels} kernels checked, {len(problems)} problems")
    for p in problems:
        print("  " + p)
    if kernels == 0:
        if allow_empty:
            print("no kernel was recompiled: nothing new to check")
            return 0
        print("no ptxas report found (was the library rebuilt with -Xptxas=-v?)")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
