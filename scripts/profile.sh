#!/usr/bin/env bash
# Nsight Compute profile of the mixgemm kernel on one shape: speed of light, memory workload,
# warp stall reasons (cycles a warp spends stalled per issued instruction, by reason), scheduler
# statistics. Usage: scripts/profile.sh KxN M [bench flags...]
# Needs a built tree (BUILD_DIR, default build-gpu) and ncu on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build-gpu}
shape=$1; m=$2; shift 2
ncu --kernel-name regex:gemm_sm90_ws_kernel --launch-skip 2 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section WarpStateStats \
    --section SchedulerStats --section LaunchStats --section Occupancy \
    --metrics "regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio" \
    "$BUILD/tools/bench/mixgemm-bench" --shape "$shape" --m "$m" --no-cublas --no-check --repeats 1 "$@"
