#!/usr/bin/env bash
# The main job, on an H100/H200: installs what is missing, builds mixgemm-bench and runs the
# default sweep (Llama-3.1-8B/70B layers and 8192x8192 over M = 1..8192, plus the decode
# layer-stack mode), writing the console log, CSV, JSON and plots to bench/results/ under a
# name with the device and date. Extra arguments go to mixgemm-bench (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
scripts/setup.sh
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S . -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target mixgemm-bench >"$BUILD/bench-build.log" 2>&1 ||
  { tail -30 "$BUILD/bench-build.log"; exit 1; }
device=$(scripts/gpu_name.sh)
stem=${RESULTS_STEM:-bench/results/${device}_$(date +%Y-%m-%d)}
mkdir -p "$(dirname "$stem")"
"$BUILD/tools/bench/mixgemm-bench" --csv "$stem.csv" --json "$stem.json" "$@" 2>&1 | tee "$stem.log"
"$BUILD/tools/bench/mixgemm-bench" --stack --csv "$stem.stack.csv" "$@" 2>&1 | tee -a "$stem.log"
if python3 -c "import matplotlib" 2>/dev/null; then
  python3 tools/plot_bench.py "$stem.csv" --out "$(dirname "$stem")"
fi
echo "results: $stem.*"
