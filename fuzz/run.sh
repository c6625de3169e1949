#!/usr/bin/env bash
# Runs each cargo-fuzz target (or the ones named) for FUZZ_SECONDS seconds
# (10 by default: the CI run; docs/reliability.md gives the longer one).
# Stable toolchain only: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags.
# Exits non-zero when a target finds a crash (saved in fuzz/artifacts/).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
seconds=${FUZZ_SECONDS:-10}
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi
cargo fuzz build -O
mkdir -p logs
status=0
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    seeds=()
    if [ -d "seeds/$target" ]; then
        seeds=("seeds/$target")
    fi
    log="logs/$target.log"
    echo "== $target: $seconds s (log: fuzz/$log)"
    code=0
    cargo fuzz run -O "$target" "corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1 || code=$?
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY|panicked" "$log" || true
    if [ "$code" -ne 0 ]; then
        echo "!! $target failed (exit code $code): see fuzz/$log and fuzz/artifacts/$target"
        status=1
    fi
done
exit $status
