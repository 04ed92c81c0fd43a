#!/usr/bin/env bash
# Leave-one-out replay of the selection rules, without a GPU: for each shape of a selection
# table, drop that shape's points, and let `mixgemm-tune --evaluate` choose for its measured
# all-schedules rows from the other shapes' points, as for a shape the table was never tuned on.
# Prints the points over 3 % and, per shape and in all, how many were within 3 %.
# Usage: scripts/selection_loo.sh TABLE CSV[,CSV...]   (CSVs oldest first, as --from-csv takes them)
# TUNE: the mixgemm-tune binary (default build-ci/tools/tune/mixgemm-tune).
set -euo pipefail
cd "$(dirname "$0")/.."
table=$1 csvs=$2
tune=${TUNE:-build-ci/tools/tune/mixgemm-tune}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
total=0 within=0
for shape in $(awk -F'\t' 'NF == 8 && $1 !~ /^#/ && $1 != "device" {print $4 "x" $5}' "$table" | sort -u); do
  k=${shape%x*} n=${shape#*x}
  awk -F'\t' -v k="$k" -v n="$n" '!(NF == 8 && $4 == k && $5 == n)' "$table" > "$work/table.tsv"
  held=()
  IFS=, read -ra files <<< "$csvs"
  for i in "${!files[@]}"; do  # the held-out shape's rows only (columns N and K of the bench CSV)
    awk -F, -v k="$k" -v n="$n" 'NR == 1 || ($7 == n && $8 == k)' "${files[$i]}" > "$work/rows_$i.csv"
    held+=("$work/rows_$i.csv")
  done
  list=$(IFS=,; echo "${held[*]}")
  out=$("$tune" --evaluate "$list" --table "$work/table.tsv")
  grep -E "gap" <<< "$out" | grep -v "^points" || true
  summary=$(grep "^points:" <<< "$out")
  p=$(sed -E 's/^points: ([0-9]+);.*/\1/' <<< "$summary")
  w=$(sed -E 's/.*within 3 % of the fastest: ([0-9]+),.*/\1/' <<< "$summary")
  echo "held out $shape: $w of $p within 3 %"
  total=$((total + p)) within=$((within + w))
done
echo "leave-one-out: $within of $total points within 3 %"
