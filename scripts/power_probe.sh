#!/usr/bin/env bash
# Clock and power of the GPU while the bench runs one large-M point, mixgemm alone and then
# mixgemm with cuBLAS interleaved (nvidia-smi sampled every 50 ms; 0.1 s graphs so the samples
# resolve them). Shows whether a compute-bound point runs at the board's power cap.
# Usage (on a GPU machine, after building build-gpu): scripts/power_probe.sh OUTDIR [SHAPE] [M]
set -uo pipefail
cd "$(dirname "$0")/.."
O=$1 SHAPE=${2:-8192x8192} M=${3:-4096}
mkdir -p "$O"
B=${BUILD_DIR:-build-gpu}/tools/bench/mixgemm-bench
sample() {
  nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,clocks_throttle_reasons.active \
    --format=csv,noheader -lms 50 > "$O/$1.smi" 2>&1 &
  echo $!
}
for mode in mix both; do
  flags=(--shape "$SHAPE" --m "$M" --repeats 15 --graph-us 100000 --csv "$O/$mode.csv")
  [ $mode = mix ] && flags+=(--no-cublas)
  p=$(sample $mode)
  timeout 60 "$B" "${flags[@]}" > "$O/$mode.log" 2>&1
  kill "$p"
  sleep 3
  echo "== $mode: $(grep -E " $M " "$O/$mode.log" | tail -1)"
  python3 - "$O/$mode.smi" <<'PY'
import sys
rows = [l.strip().split(', ') for l in open(sys.argv[1]) if l.count(',') >= 4]
busy = [r for r in rows if float(r[2].split()[0]) > 200]  # samples while the GPU is loaded
if busy:
    clk = sorted(int(r[1].split()[0]) for r in busy)
    pw = sorted(float(r[2].split()[0]) for r in busy)
    print(f"{len(busy)} loaded samples: SM clock median {clk[len(clk) // 2]} MHz (min {clk[0]}), "
          f"power median {pw[len(pw) // 2]:.0f} W (max {pw[-1]:.0f}), "
          f"throttle reasons {sorted(set(r[4] for r in busy))}")
PY
done
