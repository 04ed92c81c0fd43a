#!/usr/bin/env bash
# Everything a release needs from one device call (about 4 minutes on an H100 or H200): the whole GPU
# check (scripts/gpu_check.sh), the README's main job (scripts/bench.sh: default sweep and decode
# stacks, "auto" from the built-in selection table), and --all-schedules on layer shapes the
# table was not tuned on. Everything lands in OUTDIR.
# Usage: scripts/full_device_run.sh OUTDIR [STEM]   (STEM: default the GPU's name, e.g. NVIDIA_H200)
set -uo pipefail
cd "$(dirname "$0")/.."
O=$1
STEM=${2:-$(scripts/gpu_name.sh)}
mkdir -p "$O"
export MIXGEMM_NO_INSTALL=1 BUILD_DIR=build-gpu
STEP_TIMEOUT=200 scripts/gpu_check.sh "$O/check" > "$O/check.log" 2>&1
tail -13 "$O/check.log"
RESULTS_STEM=$O/${STEM} timeout 240 scripts/bench.sh > "$O/bench_console.log" 2>&1
echo "bench exit $?"
grep -E "^stack:|per layer" "$O/${STEM}.log" | head -16
# Without pinning, as mixgemm-tune times (docs/tuning.md): in a one-layer chain a pinned launch
# waits for the previous launch's CTAs to leave, which between a model's other kernels it does not.
# Interleaved: at power-bound M a schedule timed after the others may run at a lower clock; timed
# one after the other, the plain and persistent 256-token kernels traded places by 5-10 % from run
# to run at M = 4096 (perf-notes v15j, v18b).
timeout 150 build-gpu/tools/bench/mixgemm-bench --all-schedules --interleave --no-pinning --graph-us 1500 --repeats 5 \
  --shape 5120x27648,13824x5120,3584x18944 --m 1,4,16,64,256,1024,4096 --csv "$O/${STEM}_untuned.csv" \
  > "$O/untuned.log" 2>&1
echo "untuned exit $?"
