#!/usr/bin/env bash
# Benchmarks locusta against wrk, side by side, on the demo target.
# See bench/README.md for what is measured and how.
#
# Usage: bench/run.sh            (BENCH_SECONDS=15 by default)
set -euo pipefail

cd "$(dirname "$0")/.."

seconds="${BENCH_SECONDS:-15}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench: BENCH_SECONDS must be a whole number of seconds, not '$seconds'" >&2
  exit 2
fi
# The 1-user runs that give the baseline RSS for "RSS per user".
base_seconds=$((seconds < 3 ? seconds : 3))
# Safety net: no generator runs longer than this, whatever it is told.
deadline=$((seconds + 60))

out="bench/out/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
results="$out/results.txt"
: >"$results"

scripts/setup.sh bench
read -r load _ </proc/loadavg
if awk "BEGIN { exit !($load > 0.5) }"; then
  echo "bench: WARNING: the machine is busy (load average $load): requests/s will be low;" \
    "requests per CPU-second hold up better" >&2
fi
# 1000 connections need more descriptors than the usual soft limit of 1024.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "bench: building release binaries..." >&2
cargo build --release --quiet -p locusta-demo-target
target_bin=target/release/locusta-demo-target

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

target_pid=""
url=""

# Starts the demo target single-threaded on CPU 0 and sets $url.
start_target() {
  taskset -c 0 "$target_bin" --threads 1 --port 0 >"$out/target.out" 2>>"$out/target.err" &
  target_pid=$!
  url=""
  local line
  for _ in $(seq 100); do
    line="$(head -n 1 "$out/target.out")"
    if [[ "$line" == "listening on "* ]]; then
      url="${line#listening on }"
      return 0
    fi
    sleep 0.1
  done
  echo "bench: the demo target did not start:" >&2
  cat "$out/target.err" >&2
  exit 1
}

# shellcheck disable=SC2317 # also invoked by the EXIT trap
stop_target() {
  if [[ -n "$target_pid" ]]; then
    kill "$target_pid" 2>/dev/null || true
    wait "$target_pid" 2>/dev/null || true
    target_pid=""
  fi
}
trap stop_target EXIT

# Requests the target has served so far.
served() {
  curl -sf "$url/stats" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p'
}

# Prints an awk expression's value with the given number of decimals.
calc() {
  awk "BEGIN { printf \"%.${2:-2}f\", $1 }"
}

# wrk's p50 in ms, from its --latency distribution.
wrk_p50() {
  awk '/Latency Distribution/ { f = 1 }
    f && $1 == "50%" {
      v = $2
      if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
      else if (v ~ /ms$/) { sub(/ms$/, "", v) }
      else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
      print v; exit
    }' "$1"
}

# locusta's p50 and its own request count: the `Aggregated` row of the last
# "Response time percentiles" table (columns 50% 66% ... 100% # reqs).
locusta_p50() {
  awk '/Response time percentiles/ { f = 1 }
    f && /Aggregated/ {
      for (i = 1; i <= NF; i++) if ($i == "Aggregated") { p = $(i + 1); n = $NF; break }
      f = 0
    }
    END { print p " " n }' "$1"
}

# run NAME COMMAND...: runs a generator pinned to CPU 1 under /usr/bin/time -v,
# and appends NAME.key=value lines to $results.
run() {
  local name=$1
  shift
  local before after rc=0
  echo "bench: $name: $*" >&2
  before="$(served)"
  taskset -c 1 /usr/bin/time -v -o "$out/$name.time" \
    timeout --signal=INT --kill-after=10 "$deadline" "$@" \
    >"$out/$name.stdout" 2>"$out/$name.stderr" || rc=$?
  after="$(served)"
  awk -v name="$name" -v requests="$((after - before))" -v rc="$rc" -F': ' '
    /User time \(seconds\)/ { user = $2 }
    /System time \(seconds\)/ { sys = $2 }
    /Maximum resident set size/ { rss = $2 }
    /Elapsed \(wall clock\) time/ {
      n = split($NF, t, ":"); wall = 0
      for (i = 1; i <= n; i++) wall = wall * 60 + t[i]
    }
    END {
      printf "%s.requests=%d\n%s.wall=%.3f\n%s.cpu=%.3f\n%s.rss_kb=%d\n%s.rc=%d\n",
        name, requests, name, wall, name, user + sys, name, rss, name, rc
    }' "$out/$name.time" >>"$results"
  if [[ $rc -ne 0 ]]; then
    echo "bench: $name exited with status $rc (see $out/$name.stderr)" >&2
  fi
  sleep 1
}

# The value of NAME.key in $results, or nothing.
get() {
  sed -n "s/^$1=//p" "$results" | tail -n 1
}
has() {
  [[ -n "$(get "$1.requests")" ]]
}

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
rps() { calc "$(get "$1.requests") / $(get "$1.wall")" 0; }
per_cpu() { calc "$(get "$1.requests") / ($(get "$1.cpu") > 0 ? $(get "$1.cpu") : 1e-9)" 0; }
mib() { calc "$(get "$1.rss_kb") / 1024" 1; }
cpu_pct() { calc "100 * $(get "$1.cpu") / $(get "$1.wall")" 1; }
per_user_kib() { calc "($(get "$1.rss_kb") - $(get "$1_1.rss_kb")) / 999" 1; }
ratio() { calc "$1 / ($2 > 0 ? $2 : 1e-9)" 2; }
p50() { local v; v="$(get "$1.p50")"; echo "${v:-?}"; }

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
