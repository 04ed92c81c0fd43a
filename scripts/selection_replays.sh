#!/usr/bin/env bash
# Replays the selection rules, without a GPU, on every committed check of untuned shapes
# (interleaved all-schedules rows of `mixgemm-bench --schedules ... --interleave`, H200: decode
# shapes, shapes at M >= 128, other types), and on the leave-one-out of the tuning runs: the numbers a selection-rule change is judged by before
# its own fresh check (docs/tuning.md, "Changing a rule"). One line per check file: how many of
# its points the chosen schedule ran within 3 % of the fastest; then the leave-one-out total.
# Rows measured before perf-notes v32f time exact-fit grids (tiles x split = SMs) unpinned with
# packed clusters, so their misses there (2048x5632, 3584x5632, 5120x5632) are not the rules'.
# v30d's sets timed only split grids: since v33a, 3072x11264, 3840x11264 and 4096x11264 (88
# tiles) run unsplit there, counted as not measured (v33a's first check: unsplit the fastest).
# Usage: scripts/selection_replays.sh [TABLE]   (default tuning/H200_132SM.tsv)
# TUNE: the mixgemm-tune binary (default build-ci/tools/tune/mixgemm-tune).
set -euo pipefail
cd "$(dirname "$0")/.."
table=${1:-tuning/H200_132SM.tsv}
tune=${TUNE:-build-ci/tools/tune/mixgemm-tune}
ab=bench/results/ab
checks=(
  "$ab"/H200_v30b_2026-11-30/m{1,16}.csv
  "$ab"/H200_v30c_2026-11-30/v30c_m{1,8,16}.csv
  "$ab"/H200_v30d_2026-11-30/sk3{d,g,h}_{1,2}.csv
  "$ab"/H200_v31_2026-11-30/fresh/fresh_m{1,8,16}.csv
  "$ab"/H200_v31_2026-11-30/models/models_m{1,4,16}.csv
  "$ab"/H200_v31_2026-11-30/held/held_m{1,4,16}.csv
  "$ab"/H200_v32_2026-11-30/exact_fit/exact_nopin_m{1,16}.csv
  "$ab"/H200_v32_2026-11-30/shallow/shallow_m{1,4,16}.csv
  "$ab"/H200_v32_2026-11-30/fresh10/fresh10_m{1,4,16}.csv
  "$ab"/H200_v32_2026-11-30/band/band_m{1,4,8}.csv
  "$ab"/H200_v32_2026-11-30/floor16/floor16_m{12,16}.csv
  "$ab"/H200_v33_2026-11-30/slots/slots_m{1,4,16}.csv
  "$ab"/H200_v33_2026-11-30/slots2/slots2_m{2,8,12}.csv
  "$ab"/H200_v33_2026-11-30/fresh10b/fresh10b_m{1,8,16}.csv
)
# replay LABEL FILE...: one line per file (its points within 3 % of the fastest), then the total.
replay() {
  local label=$1 points=0 within=0 f summary p w worst
  shift
  for f in "$@"; do
    summary=$("$tune" --evaluate "$f" --table "$table" | grep "^points:")
    p=$(sed -E 's/^points: ([0-9]+);.*/\1/' <<< "$summary")
    w=$(sed -E 's/.*within 3 % of the fastest: ([0-9]+),.*/\1/' <<< "$summary")
    worst=$(sed -E 's/.*(worst gap [^(]*).*/\1/' <<< "$summary")
    printf '%-60s %3d of %3d  %s\n' "${f#"$ab"/}" "$w" "$p" "$worst"
    points=$((points + p)) within=$((within + w))
  done
  echo "$label: $within of $points points within 3 %"
}
replay checks "${checks[@]}"
# Large M (64-, 128- and 256-token schedules interleaved): fresh shapes after stream-K's cheaper
# reductions (perf-notes v28c, v33c, v33d) and the release run's untuned rows.
large=(
  "$ab"/H200_v28_2026-11-30/fresh_streamk.csv
  "$ab"/H200_v33_2026-11-30/large/large_m{128,256,512,1024}.csv
  "$ab"/H200_v33_2026-11-30/band/band_m{512,1024,2048}.csv
  bench/results/H200_v31_2026-11-30_untuned.csv
)
replay "large-M checks" "${large[@]}"
# Other weight types, activation and group size (the nine default layers at M = 1-1024; 8-bit
# decode shapes at M = 12 and 16: perf-notes v33e, v33f).
types=(
  "$ab"/H200_v33_2026-11-30/types/{u8b128,u4,fp16,g32,u8,ch}_m{1,16,64,256,1024}.csv
  "$ab"/H200_v33_2026-11-30/eightbit/{u8b128,u8}_m{12,16}.csv
  "$ab"/H200_v33_2026-11-30/eightbit/{ext,wave}_{u8b128,u8}_m16.csv
  "$ab"/H200_v33_2026-11-30/types_fresh/{u4,fp16}_m{1,16,256}.csv
  "$ab"/H200_v33_2026-11-30/u4_tuned/u4_m{4,32,128,512}.csv
)
replay "other-type checks" "${types[@]}"
runs=$(ls bench/results/H200_tune-[a-u]_*.csv | grep -v tune-o | paste -sd,)
TUNE=$tune scripts/selection_loo.sh "$table" "$runs" | tail -1
