#!/usr/bin/env bash
# Device call 3 of 2026-11-25: finish tuning (70b.down, 8192x8192), build the H100 table from
# both tuning runs, then the --all-schedules bench with that table (the 3 % rule's evidence).
set -uo pipefail
cd "$(dirname "$0")/.."
O=$1
mkdir -p "$O"
export MIXGEMM_NO_INSTALL=1
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release > "$O/configure.log" 2>&1
cmake --build build-gpu -j "$(nproc)" --target mixgemm-bench mixgemm-tune > "$O/build.log" 2>&1 || tail -30 "$O/build.log"
timeout 150 build-gpu/tools/tune/mixgemm-tune --shape 28672x8192,8192x8192 --csv "$O/H100_tune-b.csv" --out "$O/tb.tsv" > "$O/tune-b.log" 2>&1
echo "tune-b exit $?"
build-gpu/tools/tune/mixgemm-tune --from-csv bench/results/H100_tune-a_2026-11-25.csv,"$O/H100_tune-b.csv" --sm-count 132 --out "$O/H100.tsv"
export MIXGEMM_TUNING_TABLE=$O/H100.tsv
timeout 400 build-gpu/tools/bench/mixgemm-bench --all-schedules --graph-us 1500 --repeats 5 --csv "$O/H100_allsched.csv" > "$O/allsched.log" 2> "$O/allsched.err"
echo "allsched exit $?"
tail -3 "$O/allsched.log"
