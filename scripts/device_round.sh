#!/usr/bin/env bash
# One device call's worth of work (scripts/gpu_check.sh, then mixgemm-tune over the default
# sweep, then the default bench with the fresh table), everything packed into $1.tgz.
# Usage: scripts/device_round.sh OUTDIR [STEM]
set -uo pipefail
cd "$(dirname "$0")/.."
OUTDIR=$1
STEM=${2:-H100}
mkdir -p "$OUTDIR"
export MIXGEMM_NO_INSTALL=1 BUILD_DIR=build-gpu
STEP_TIMEOUT=200 scripts/gpu_check.sh "$OUTDIR/check" > "$OUTDIR/check.log" 2>&1
tail -14 "$OUTDIR/check.log"
tail -5 "$OUTDIR/check/racecheck.log" 2>/dev/null
cmake --build build-gpu -j "$(nproc)" --target mixgemm-tune > "$OUTDIR/tune-build.log" 2>&1 || tail -20 "$OUTDIR/tune-build.log"
timeout "${TUNE_TIMEOUT:-300}" build-gpu/tools/tune/mixgemm-tune --out "$OUTDIR/$STEM.tsv" --csv "$OUTDIR/${STEM}_tune.csv" \
  > "$OUTDIR/tune.log" 2> "$OUTDIR/tune.err"
echo "tune exit $?"; tail -2 "$OUTDIR/tune.log"
if [ -s "$OUTDIR/$STEM.tsv" ]; then export MIXGEMM_TUNING_TABLE=$OUTDIR/$STEM.tsv; fi
RESULTS_STEM=$OUTDIR/${STEM}_bench timeout "${BENCH_TIMEOUT:-200}" scripts/bench.sh > "$OUTDIR/bench_console.log" 2>&1
echo "bench exit $?"; grep -E "stack:|per layer" "$OUTDIR/${STEM}_bench.log" | head -12
