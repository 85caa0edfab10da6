#!/bin/sh
# Runs the baseline on one batch at --jobs 1 and 2, each twice, and checks it
# against hoso's verdicts.
#
#   bench/python/measure.sh BATCH HOSO_VERDICTS_JSON [OUTDIR]
#
# HOSO_VERDICTS_JSON comes from `hoso check BATCH --out DIR --no-cache`.
set -eu
batch=$1
verdicts=$2
out=${3:-/tmp/hoso-pybase}
here=$(dirname "$0")
mkdir -p "$out"
for jobs in 1 2; do
    for run in 1 2; do
        python3 "$here/baseline.py" "$batch" --jobs "$jobs" --out "$out/baseline-j$jobs-$run.json"
    done
    python3 "$here/compare.py" "$verdicts" "$out/baseline-j$jobs-1.json" | tail -n 1
done
