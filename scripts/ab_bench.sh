#!/usr/bin/env bash
# A/B timing of the working tree against a baseline source tree, on one GPU in one device call.
# Builds mixgemm-bench from the baseline tarball (in the background while the caller builds the
# working tree in build-gpu, e.g. with scripts/gpu_check.sh), then runs each argument set on
# both binaries alternately, ROUNDS times, in alternating order (base, new; new, base; ...), so
# clock drift under sustained load, and the heat one run leaves for the next, affect both alike.
# CSVs: OUTDIR/<label>_{base,new}_<round>.csv.
#
#   mkdir -p .ab && git archive -o .ab/base.tgz <commit>     # on the build machine
#   scripts/ab_bench.sh start                                # starts the baseline build
#   ... build the working tree into build-gpu ...
#   scripts/ab_bench.sh run OUTDIR ROUNDS LABEL -- bench args...
# AB_NEW_ENV="NAME=value ..." sets environment variables for the working tree's runs only.
set -uo pipefail
cd "$(dirname "$0")/.."
BASE_SRC=/tmp/mixgemm-ab-base
case ${1:-} in
  start)
    rm -rf "$BASE_SRC" && mkdir -p "$BASE_SRC" && tar xzf .ab/base.tgz -C "$BASE_SRC" || exit 1
    (cmake -S "$BASE_SRC" -B "$BASE_SRC/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCUTLASS_DIR="$PWD/.deps/python/cutlass_library/source" -DMIXGEMM_BUILD_TESTS=OFF &&
      cmake --build "$BASE_SRC/build" -j 8 --target mixgemm-bench) > /tmp/mixgemm-ab-base.log 2>&1 &
    echo $! > /tmp/mixgemm-ab-base.pid
    ;;
  run)
    out=$2 rounds=$3 label=$4
    shift 4
    [ "${1:-}" = "--" ] && shift
    mkdir -p "$out"
    pid=$(cat /tmp/mixgemm-ab-base.pid 2>/dev/null) && while kill -0 "$pid" 2>/dev/null; do sleep 2; done
    [ -x "$BASE_SRC/build/tools/bench/mixgemm-bench" ] || { tail -20 /tmp/mixgemm-ab-base.log; exit 1; }
    for r in $(seq 1 "$rounds"); do
      order="base new"
      [ $((r % 2)) = 0 ] && order="new base"
      for v in $order; do
        bin=build-gpu/tools/bench/mixgemm-bench
        envs=(${AB_NEW_ENV:-})
        [ $v = base ] && bin=$BASE_SRC/build/tools/bench/mixgemm-bench && envs=()
        env "${envs[@]}" "$bin" "$@" --csv "$out/${label}_${v}_$r.csv" > "$out/${label}_${v}_$r.log" 2>&1 || echo "$label $v $r: exit $?"
      done
    done
    ;;
  *)
    echo "usage: $0 start | run OUTDIR ROUNDS LABEL -- bench args" >&2
    exit 2
    ;;
esac
