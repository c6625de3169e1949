#!/usr/bin/env bash
# What the generator's self-check costs (docs/health.md): the bench's fast
# scenario (bench_fast, 50 users, on CPU 1 against the demo target on CPU 0)
# with the self-check's own report, which gives the monitor thread's average
# CPU over the run; and the generator's verdict on that run.
#
# Usage: bench/health.sh            (BENCH_SECONDS=15 by default)
set -euo pipefail

cd "$(dirname "$0")/.."

# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_init health

echo "bench: building release binaries..." >&2
cargo build --release --quiet -p locusta --example bench_fast
start_target
run health_fast target/release/examples/bench_fast --headless -u 50 -r 50 -t "${seconds}s" \
  -H "$url" --only-summary --json-file "$out/health_fast"
stop_target

report="$out/health_fast.generator.json"
python3 - "$report" "$(get health_fast.cpu)" "$(get health_fast.wall)" "$(rps health_fast)" <<'PY' | tee "$out/results.md"
import json, sys
report = json.load(open(sys.argv[1]))
cpu, wall, rps = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
cost = report["self_check_cpu_percent"]
print(f"| figure | value |\n|---|---|")
print(f"| requests/s | {rps} |")
print(f"| generator CPU | {100 * cpu / wall:.1f} % of a core |")
print(f"| self-check monitor thread | {cost:.3f} % of a core |")
print(f"| self-check share of the generator's CPU | {100 * cost / (100 * cpu / wall):.3f} % |")
print(f"| verdict | {report['verdict']} |")
peak = report["peak"]
print(f"| peak load-thread CPU | {peak['load_thread_cpu_percent']:.0f} % |")
print(f"| peak timer lag | {peak['timer_lag_ms']:.1f} ms |")
PY
echo "bench: raw outputs in $out" >&2
