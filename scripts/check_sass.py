#!/usr/bin/env python3
"""Checks the SASS of the GEMM kernels (cuobjdump -sass output).

Usage: check_sass.py SASS_TXT

Every gemm_sm90_ws_kernel instance must issue tensor-core MMAs of its form: HGMMA (wgmma) for
token tiles of 32 and more, HMMA (mma.sync, the warp-level decode consumer) for 8 and 16, and no
HGMMA there (no general-consumer fallback compiled in); and must not touch local memory (LDL/STL:
a register array spilled or indexed at run time).
"""
import re
import sys


def main() -> int:
    text = open(sys.argv[1], errors="replace").read()
    funcs = re.split(r"\n\s*Function : ", text)
    checked, problems = 0, []
    for f in funcs[1:]:
        name = f.split("\n", 1)[0].strip()
        if "gemm_sm90_ws_kernel" not in name:
            continue
        checked += 1
        hgmma = len(re.findall(r"\bHGMMA\b", f))
        hmma = len(re.findall(r"\bHMMA\b", f))
        local = len(re.findall(r"\b(LDL|STL)\b", f))
        # GemmConfig<act, wtype, BlkM, CtasPerSm> in the mangled name: ...WeightTypeE<w>ELi<BlkM>ELi<c>E
        tile = re.search(r"WeightTypeE\d+ELi(\d+)ELi\d+E", name)
        warp_mma = tile is not None and int(tile.group(1)) <= 16
        if warp_mma and (hmma == 0 or hgmma):
            problems.append(f"{name}: {hmma} HMMA, {hgmma} HGMMA (expected warp-level MMAs only)")
        if not warp_mma and hgmma == 0:
            problems.append(f"{name}: no HGMMA")
        if local:
            problems.append(f"{name}: {local} local-memory instructions")
    print(f"SASS: {checked} GEMM kernels checked, {len(problems)} problems")
    for p in problems:
        print("  " + p)
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
