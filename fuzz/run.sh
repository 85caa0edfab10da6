#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), starting from the
# committed seeds, and exits non-zero if any target found a crash. The
# crashing input is left in fuzz/artifacts/<target>/, the whole libFuzzer
# output in fuzz/artifacts/<target>.log.
#
#   fuzz/run.sh 60
#
# Needs cargo-fuzz; RUSTC_BOOTSTRAP=1 lets it use the nightly-only
# sanitizer flags on a stable toolchain. The first run builds every
# dependency with the sanitizer (many minutes); later runs reuse fuzz/target.
set -u -o pipefail
seconds="${1:-60}"
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1

targets=(docx spreadsheet rules)
failed=()
for t in "${targets[@]}"; do
    # The corpus grows as the fuzzer learns; the seeds stay as committed.
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    cp -n "fuzz/seeds/$t"/* "fuzz/corpus/$t"/
    log="fuzz/artifacts/$t.log"
    echo "fuzz/run.sh: $t for ${seconds}s"
    if cargo fuzz run "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=60 \
        -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$log"
    else
        failed+=("$t")
        # The progress lines ("#1234 NEW ...") and the input's bytes bury the report.
        grep -v -E '^#[0-9]+' "$log" | cut -c1-300 | tail -n 60
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz/run.sh: crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz/run.sh: no crash in ${targets[*]}"
