#!/usr/bin/env bash
# Benchmarks locusta against wrk, side by side, on the demo target.
# See bench/README.md for what is measured and how.
#
# Usage: bench/run.sh            (BENCH_SECONDS=15 by default)
set -euo pipefail

cd "$(dirname "$0")/.."

# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_init rust

echo "bench: building release binaries..." >&2

# Builds a locusta example if its source exists; prints its path, or nothing.
build_example() {
  local name=$1
  if [[ ! -e crates/locusta/examples/$name.rs && ! -e crates/locusta/examples/$name/main.rs ]]; then
    echo "bench: SKIPPING locusta in this scenario: crates/locusta/examples/$name.rs does not exist yet" >&2
    return 0
  fi
  if ! cargo build --release --quiet -p locusta --example "$name" 2>"$out/build-$name.log"; then
    echo "bench: SKIPPING locusta in this scenario: example $name does not build (see $out/build-$name.log)" >&2
    return 0
  fi
  echo "target/release/examples/$name"
}
bench_fast="$(build_example bench_fast)"
bench_sleep="$(build_example bench_sleep)"

# --- Scenario A: fast path ----------------------------------------------------
start_target
run wrk_fast wrk -t1 -c50 -d"${seconds}s" --latency "$url/"
echo "wrk_fast.p50=$(wrk_p50 "$out/wrk_fast.stdout")" >>"$results"
if [[ -n "$bench_fast" ]]; then
  run locusta_fast "$bench_fast" --headless -u 50 -r 50 -t "${seconds}s" -H "$url" --only-summary
  read -r p50 reported <<<"$(locusta_p50 "$out/locusta_fast.stderr")"
  echo "locusta_fast.p50=$p50" >>"$results"
  echo "locusta_fast.reported=$reported" >>"$results"
fi
stop_target

# --- Scenario B: 1000 users x 50 ms -------------------------------------------
start_target
run wrk_sleep_1 wrk -t1 -c1 -d"${base_seconds}s" "$url/sleep?ms=50"
run wrk_sleep wrk -t1 -c1000 -d"${seconds}s" --latency "$url/sleep?ms=50"
echo "wrk_sleep.p50=$(wrk_p50 "$out/wrk_sleep.stdout")" >>"$results"
if [[ -n "$bench_sleep" ]]; then
  run locusta_sleep_1 "$bench_sleep" --headless -u 1 -r 1 -t "${base_seconds}s" -H "$url" --only-summary
  run locusta_sleep "$bench_sleep" --headless -u 1000 -r 1000 -t "${seconds}s" -H "$url" --only-summary
  read -r p50 reported <<<"$(locusta_p50 "$out/locusta_sleep.stderr")"
  echo "locusta_sleep.p50=$p50" >>"$results"
  echo "locusta_sleep.reported=$reported" >>"$results"
fi
stop_target

# --- Report -------------------------------------------------------------------

report="$out/results.md"
{
  echo "# locusta vs wrk, $(date -u +%Y-%m-%dT%H:%M:%SZ), ${seconds} s per run"
  echo
  echo "Target: locusta-demo-target --threads 1 on CPU 0; each generator on CPU 1."
  echo "Requests = the target's /stats counter after minus before each run."
  echo
  echo "## A. Fast path: GET /, 50 connections / users, no wait"
  echo
  echo "| generator | requests | wall s | requests/s | CPU s | req per CPU-s | peak RSS MiB | p50 ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for g in wrk_fast locusta_fast; do
    has "$g" || continue
    echo "| ${g%_fast} | $(get "$g.requests") | $(get "$g.wall") | $(rps "$g") | $(get "$g.cpu") | $(per_cpu "$g") | $(mib "$g") | $(p50 "$g") |"
  done
  if has locusta_fast; then
    echo "| locusta / wrk | | | $(ratio "$(rps locusta_fast)" "$(rps wrk_fast)") | | $(ratio "$(per_cpu locusta_fast)" "$(per_cpu wrk_fast)") | $(ratio "$(mib locusta_fast)" "$(mib wrk_fast)") | |"
  else
    echo "| locusta | skipped: examples/bench_fast not available | | | | | | |"
  fi
  echo
  echo "## B. 1000 users x GET /sleep?ms=50, no wait (ideal ~19,200 requests/s)"
  echo
  echo "RSS per user = (peak RSS at 1000 users - peak RSS of a 1-user run) / 999."
  echo "p50: the generator's own figure; the server's true latency is 50 ms + loopback."
  echo
  echo "| generator | requests/s | CPU % of one core | req per CPU-s | peak RSS MiB | RSS per user KiB | p50 ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for g in wrk_sleep locusta_sleep; do
    has "$g" || continue
    echo "| ${g%_sleep} | $(rps "$g") | $(cpu_pct "$g") | $(per_cpu "$g") | $(mib "$g") | $(per_user_kib "$g") | $(p50 "$g") |"
  done
  if has locusta_sleep; then
    echo "| locusta / wrk | $(ratio "$(rps locusta_sleep)" "$(rps wrk_sleep)") | $(ratio "$(cpu_pct locusta_sleep)" "$(cpu_pct wrk_sleep)") | $(ratio "$(per_cpu locusta_sleep)" "$(per_cpu wrk_sleep)") | $(ratio "$(mib locusta_sleep)" "$(mib wrk_sleep)") | | |"
  else
    echo "| locusta | skipped: examples/bench_sleep not available | | | | | |"
  fi
  for g in locusta_fast locusta_sleep; do
    if has "$g"; then
      echo
      echo "$g: locusta counted $(get "$g.reported") requests itself, the target $(get "$g.requests"); exit status $(get "$g.rc")."
    fi
  done
  echo
  echo "## Targets (DESIGN.md)"
  echo
  if has locusta_fast; then
    echo "- A: locusta req per CPU-s >= 0.70 x wrk: $(ratio "$(per_cpu locusta_fast)" "$(per_cpu wrk_fast)") x"
  fi
  if has locusta_sleep; then
    echo "- B: full rate (locusta / wrk requests/s ~ 1): $(ratio "$(rps locusta_sleep)" "$(rps wrk_sleep)")"
    echo "- B: CPU <= 25 % of one core: $(cpu_pct locusta_sleep) %"
    echo "- B: <= 32 KiB per user: $(per_user_kib locusta_sleep) KiB"
    echo "- B: p50 within 2 ms of the true latency: locusta $(p50 locusta_sleep) ms vs wrk $(p50 wrk_sleep) ms (server sleeps 50 ms)"
  fi
  if ! has locusta_fast && ! has locusta_sleep; then
    echo "- locusta was not measured (its bench examples are not available yet)."
  fi
} >"$report"

cat "$report"
echo
echo "bench: raw outputs in $PWD/$out/" >&2
