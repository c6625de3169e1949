# Shared by the benchmark scripts (sourced, not run): the demo target, timed and
# pinned generator runs, and the arithmetic for the reports.
# The sourcing script runs from the repository root and calls bench_init first.

# bench_init NAME: checks BENCH_SECONDS, makes the output folder, installs the
# tools, warns on a busy machine, raises the descriptor limit, builds the target.
bench_init() {
  seconds="${BENCH_SECONDS:-15}"
  if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "bench: BENCH_SECONDS must be a whole number of seconds, not '$seconds'" >&2
    exit 2
  fi
  # The 1-user runs that give the baseline RSS for "RSS per user".
  base_seconds=$((seconds < 3 ? seconds : 3))
  # Safety net: no generator runs longer than this, whatever it is told.
  deadline=$((seconds + 60))

  out="bench/out/$(date +%Y%m%d-%H%M%S)-$1"
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
  cargo build --release --quiet -p locusta-demo-target
  target_bin=target/release/locusta-demo-target
}

target_pid=""
url=""

# Starts the demo target single-threaded on CPU 0 and sets $url.
start_target() {
  # Created first: the background process opens it only once it runs.
  : >"$out/target.out"
  taskset -c 0 "$target_bin" --threads 1 --port 0 >"$out/target.out" 2>>"$out/target.err" &
  target_pid=$!
  url=""
  local line
  for _ in $(seq 100); do
    line="$(head -n 1 "$out/target.out" 2>/dev/null || true)"
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

# Report arithmetic on the recorded NAME.key values.
rps() { calc "$(get "$1.requests") / $(get "$1.wall")" 0; }
per_cpu() { calc "$(get "$1.requests") / ($(get "$1.cpu") > 0 ? $(get "$1.cpu") : 1e-9)" 0; }
mib() { calc "$(get "$1.rss_kb") / 1024" 1; }
cpu_pct() { calc "100 * $(get "$1.cpu") / $(get "$1.wall")" 1; }
per_user_kib() { calc "($(get "$1.rss_kb") - $(get "$1_1.rss_kb")) / 999" 1; }
ratio() { calc "$1 / ($2 > 0 ? $2 : 1e-9)" 2; }
p50() { local v; v="$(get "$1.p50")"; echo "${v:-?}"; }
