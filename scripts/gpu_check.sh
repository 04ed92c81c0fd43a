#!/usr/bin/env bash
# The whole GPU check in one go, for an H100/H200 machine: build with every core, read the
# ptxas report and SASS, run the GPU test suite, run a subset under compute-sanitizer memcheck
# and racecheck, and a quick benchmark. Logs go to the folder given as $1 (default: gpu-logs).
# Exits non-zero if any step fails; the summary is printed last.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=${1:-gpu-logs}
mkdir -p "$LOG"
BUILD=${BUILD_DIR:-build-gpu}
JOBS=$(nproc)
status=0
summary=()
STEP_TIMEOUT=${STEP_TIMEOUT:-400}
step() {  # step NAME CMD...: runs CMD (at most STEP_TIMEOUT s) with output to $LOG/NAME.log
  local name=$1; shift
  local t0=$SECONDS
  if timeout "$STEP_TIMEOUT" "$@" >"$LOG/$name.log" 2>&1; then r=PASS; else r="FAIL (exit $?)"; status=1; fi
  summary+=("$(printf '%-12s %s (%ds)' "$name" "$r" $((SECONDS - t0)))")
  echo "== $name: $r"
}

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv > "$LOG/device.txt" 2>&1
# A build folder from an earlier run recompiles only what changed: its ptxas report may then
# hold no kernel, which passes (the kernels it did not rebuild were checked when they were built).
incremental=()
[ -f "$BUILD/build.ninja" ] && incremental=(--allow-empty)
step configure cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMIXGEMM_BUILD_TESTS=ON ${CMAKE_ARGS:-}
step build cmake --build "$BUILD" -j "$JOBS"
step ptxas python3 scripts/check_ptxas.py "$LOG/build.log" "${incremental[@]}"
if command -v cuobjdump >/dev/null; then
  cuobjdump -sass "$BUILD/libmixgemm.a" > "$LOG/sass.txt" 2>&1
  step sass python3 scripts/check_sass.py "$LOG/sass.txt"
fi
step cpu_tests "$BUILD/tests/mixgemm_cpu_tests"
step gpu_tests "$BUILD/tests/mixgemm_gpu_tests" --gtest_brief=1
if command -v compute-sanitizer >/dev/null; then
  step memcheck compute-sanitizer --tool memcheck --error-exitcode 3 "$BUILD/tests/mixgemm_gpu_tests" --gtest_filter='SanitizerSubset.*:GpuGraph.*'
  step racecheck compute-sanitizer --tool racecheck --error-exitcode 3 "$BUILD/tests/mixgemm_gpu_tests" --gtest_filter='SanitizerSubset.*'
fi
if [ -x "$BUILD/tools/bench/mixgemm-bench" ]; then
  step bench_quick "$BUILD/tools/bench/mixgemm-bench" --quick --csv "$LOG/bench_quick.csv"
fi
grep -hE "^\[  (PASSED|FAILED|SKIPPED) |tests? ran" "$LOG/gpu_tests.log" | tail -4 > "$LOG/gpu_summary.txt" 2>/dev/null
echo "==== summary ($(head -2 "$LOG/device.txt" | tail -1))"
printf '%s\n' "${summary[@]}"
cat "$LOG/gpu_summary.txt" 2>/dev/null
# One archive of all logs (the device tool returns few files).
tar czf "$LOG.tgz" -C "$(dirname "$LOG")" "$(basename "$LOG")" 2>/dev/null
exit $status
