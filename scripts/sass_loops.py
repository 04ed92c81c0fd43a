#!/usr/bin/env python3
"""Counts the SASS of each GEMM kernel's stage loop, without a GPU.

Usage: sass_loops.py OBJECT_OR_LIBRARY [KERNEL_FILTER] [--list]

Disassembles with cuobjdump / nvdisasm (the toolkit's, or the copies scripts/setup.sh puts in
.deps/cudatools) and, for every gemm_sm90_ws_kernel instance whose mangled name contains
KERNEL_FILTER (e.g. "Li128ELi1E": 128-token tiles, one CTA per SM), finds the innermost loop that
issues at least two stages' worth of tensor-core MMAs: the shortest backward branch whose body
holds 8 or more HGMMA / HMMA. Prints its length and opcode histogram (--list: the loop itself).
The count is static: code a branch skips is counted too. Comparing two builds' counts is how a
change to a hot loop is sized before device time is spent on it (docs/perf-notes.md v22i).
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".deps", "cudatools", "nvidia", "cu13", "bin")
INSTR = re.compile(r"\s*/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;")
BRANCH = re.compile(r"\bBRA (?:\S+ )?0x([0-9a-f]+)")


def disassemble(path: str) -> str:
    env = dict(os.environ)
    env["PATH"] = TOOLS + os.pathsep + env.get("PATH", "")
    with tempfile.TemporaryDirectory() as d:
        # Extracting the cubins first also works for single objects, whose fatbin cuobjdump -sass
        # may not read directly.
        subprocess.run(["cuobjdump", "-xelf", "all", os.path.abspath(path)], cwd=d, env=env, check=True,
                       capture_output=True)
        out = []
        for cubin in sorted(f for f in os.listdir(d) if f.endswith(".cubin")):
            out.append(subprocess.run(["cuobjdump", "-sass", cubin], cwd=d, env=env, check=True,
                                      capture_output=True, text=True).stdout)
        return "\n".join(out)


def stage_loop(body: str):
    ins = [(int(m.group(1), 16), m.group(2)) for m in map(INSTR.match, body.split("\n")) if m]
    index = {a: i for i, (a, _) in enumerate(ins)}
    best = None
    for i, (a, text) in enumerate(ins):
        m = BRANCH.search(text)
        if not m:
            continue
        target = int(m.group(1), 16)
        if target < a and target in index:
            loop = ins[index[target]:i + 1]
            mmas = sum(1 for _, t in loop if "GMMA" in t or "HMMA" in t)
            if mmas >= 8 and (best is None or len(loop) < len(best)):
                best = loop
    return best


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--list"]
    if not args:
        print(__doc__)
        return 2
    path, want = args[0], (args[1] if len(args) > 1 else "")
    for func in disassemble(path).split("Function : ")[1:]:
        name = func.split("\n", 1)[0].strip()
        if "gemm_sm90_ws_kernel" not in name or want not in name:
            continue
        tile = re.search(r"ActTypeE(\d+)ELNS_10WeightTypeE(\d+)ELi(\d+)ELi(\d)E", name)
        label = f"act {tile.group(1)} wtype {tile.group(2)} BlkM {tile.group(3)} ctas/SM {tile.group(4)}" if tile else name
        loop = stage_loop(func)
        if loop is None:
            print(f"{label}: no stage loop found")
            continue
        ops = collections.Counter()
        for _, t in loop:
            words = t.split()
            ops[words[1] if words[0].startswith("@") else words[0]] += 1
        mmas = sum(n for op, n in ops.items() if "GMMA" in op or "HMMA" in op)
        print(f"{label}: stage loop {len(loop)} instructions, {mmas} MMA")
        print("   " + ", ".join(f"{op} {n}" for op, n in ops.most_common(12)))
        if "--list" in sys.argv:
            for a, t in loop:
                print(f"   {a:6x}  {t}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
