#!/usr/bin/env bash
# Soak benchmark: locusta runs a Python locustfile for a long time (1 hour by
# default) at 1,000 users against the demo target, with request names that
# change over time (a bounded set) and some failures, while this script
# records the locusta process's RSS, open file descriptors and threads every
# minute into a CSV. At the end it prints a summary: RSS after the ramp-up
# against RSS at the end. See bench/README.md ("Soak").
#
# Usage: bench/soak.sh [DURATION]        DURATION: 1h (default), 90m, 2m, 600s
#   SOAK_USERS=1000 SOAK_SPAWN_RATE=50 SOAK_INTERVAL=60 (seconds between samples)
#   SOAK_OUT=folder (default bench/out/<timestamp>-soak)
set -euo pipefail

# The whole script is one function, read before it runs: editing this file
# during a long run does not change the run.
main() {

  cd "$(dirname "$0")/.."

  duration="${1:-1h}"
  users="${SOAK_USERS:-1000}"
  spawn_rate="${SOAK_SPAWN_RATE:-50}"
  interval="${SOAK_INTERVAL:-60}"

  # The duration in seconds, from Locust's forms (s, m, h; no unit: seconds).
  case "$duration" in
    *h) seconds=$((${duration%h} * 3600)) ;;
    *m) seconds=$((${duration%m} * 60)) ;;
    *s) seconds=${duration%s} ;;
    *) seconds=$duration ;;
  esac
  if ! [[ "$seconds" =~ ^[1-9][0-9]*$ && "$users" =~ ^[1-9][0-9]*$ && "$interval" =~ ^[1-9][0-9]*$ ]]; then
    echo "soak: DURATION ('$duration'), SOAK_USERS and SOAK_INTERVAL must be positive whole numbers (DURATION with s, m or h)" >&2
    exit 2
  fi
  ramp_seconds=$(((users + spawn_rate - 1) / spawn_rate))

  out="${SOAK_OUT:-bench/out/$(date +%Y%m%d-%H%M%S)-soak}"
  mkdir -p "$out"
  csv="$out/samples.csv"

  scripts/setup.sh bench
  # 1000 connections need more descriptors than the usual soft limit of 1024.
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  echo "soak: building release binaries..." >&2
  cargo build --release --quiet -p locusta -p locusta-demo-target
  locusta=target/release/locusta
  target_bin=target/release/locusta-demo-target

  # The locustfile: names rotate through 8 windows of 42 names (a window lasts
  # 15 s, so all 336 names exist after 2 minutes and the set stays bounded);
  # the target answers 2 % of the shop requests with a 500, one task in 20
  # asks for /status/503, and 2 % of the item requests fail their validation
  # (one of 4 messages).
  cat >"$out/soak_locustfile.py" <<'EOF'
import random
import time

from locust import FastHttpUser, between, task


def window():
    return int(time.time() // 15) % 8


class Soaker(FastHttpUser):
    wait_time = between(0.5, 1.5)

    @task(15)
    def item(self):
        w = window()
        product = random.randint(1, 20)
        with self.client.get(
            f"/products/{product}", name=f"/w{w}/item{random.randrange(40)}", catch_response=True
        ) as response:
            if response.status_code == 200 and random.random() < 0.02:
                response.failure(f"rejected in window {w % 4}")

    @task(4)
    def listing(self):
        self.client.get("/products", name=f"/w{window()}/products")

    @task(1)
    def unavailable(self):
        self.client.get("/status/503", name=f"/w{window()}/unavailable")
EOF

  target_pid=""
  locusta_pid=""
  # shellcheck disable=SC2317 # the EXIT trap
  cleanup() {
    for pid in $locusta_pid $target_pid; do
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    done
  }
  trap cleanup EXIT

  : >"$out/target.out"
  "$target_bin" --threads 1 --port 0 --error-rate 0.02 >"$out/target.out" 2>"$out/target.err" &
  target_pid=$!
  url=""
  for _ in $(seq 100); do
    line="$(head -n 1 "$out/target.out" 2>/dev/null || true)"
    if [[ "$line" == "listening on "* ]]; then
      url="${line#listening on }"
      break
    fi
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    echo "soak: the demo target did not start:" >&2
    cat "$out/target.err" >&2
    exit 1
  fi

  served() {
    curl -sf "$url/stats" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p'
  }

  echo "soak: $users users for ${seconds}s against $url; samples every ${interval}s in $csv" >&2
  # Bounded: SIGINT 60 s past the run time, SIGKILL 30 s after that.
  timeout --signal=INT --kill-after=30 $((seconds + 60)) \
    "$locusta" -f "$out/soak_locustfile.py" --headless -u "$users" -r "$spawn_rate" \
    -t "${seconds}s" -H "$url" --only-summary --csv "$out/soak" \
    >"$out/locusta.stdout" 2>"$out/locusta.stderr" &
  timeout_pid=$!
  locusta_pid=""
  for _ in $(seq 100); do
    locusta_pid="$(pgrep -P "$timeout_pid" -x locusta || true)"
    [[ -n "$locusta_pid" ]] && break
    sleep 0.1
  done
  if [[ -z "$locusta_pid" ]]; then
    echo "soak: locusta did not start:" >&2
    cat "$out/locusta.stderr" >&2
    exit 1
  fi

  echo "elapsed_s,rss_kib,fds,threads,requests_served" >"$csv"
  sample() {
    local elapsed=$1 rss threads fds
    rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$locusta_pid/status" 2>/dev/null)" || return 1
    threads="$(awk '/^Threads:/ { print $2 }' "/proc/$locusta_pid/status" 2>/dev/null)" || return 1
    fds="$(find "/proc/$locusta_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
    [[ -n "$rss" ]] || return 1
    echo "$elapsed,$rss,$fds,$threads,$(served)" >>"$csv"
  }

  started=$(date +%s)
  sample 0 || true
  next=$interval
  while kill -0 "$locusta_pid" 2>/dev/null; do
    now=$(($(date +%s) - started))
    if ((now >= next)); then
      sample "$now" || break
      next=$((next + interval))
    fi
    sleep 1
  done
  rc=0
  wait "$timeout_pid" || rc=$?
  locusta_pid=""
  total="$(served)"

  # Summary: the first sample past the ramp-up, the one at 5 minutes (all names
  # exist by then), the last one, and the largest.
  awk -F, -v ramp="$ramp_seconds" -v rc="$rc" -v total="$total" -v users="$users" '
    NR == 1 { next }
    { n++; t[n] = $1; rss[n] = $2; fd[n] = $3; th[n] = $4
      if (!after && $1 >= ramp + 10) after = n
      if (!five && $1 >= 300) five = n
      if ($2 > max) { max = $2; maxt = $1 } }
    function row(label, i) {
      if (i) printf "%-22s %7d s  RSS %8.1f MiB  fds %5d  threads %3d\n", label, t[i], rss[i] / 1024, fd[i], th[i]
    }
    END {
      printf "soak: %d users, locusta exit code %d, %d requests served\n", users, rc, total
      row("start", 1); row("after ramp-up", after); row("at 5 min", five); row("end", n)
      printf "%-22s %7d s  RSS %8.1f MiB\n", "largest RSS", maxt, max / 1024
      if (after && n > after)
        printf "RSS end - after ramp-up: %+.1f MiB (%+.1f %%)\n", (rss[n] - rss[after]) / 1024, (rss[n] - rss[after]) * 100 / rss[after]
      if (five && n > five)
        printf "RSS end - at 5 min:      %+.1f MiB (%+.1f %%)\n", (rss[n] - rss[five]) / 1024, (rss[n] - rss[five]) * 100 / rss[five]
    }' "$csv" | tee "$out/summary.txt"
  # The run's own totals, from its CSV: requests and failures.
  awk -F, '$2 == "Aggregated" { printf "locusta counted %d requests, %d failures\n", $3, $4 }' \
    "$out/soak_stats.csv" | tee -a "$out/summary.txt"
  echo "soak: samples in $csv, summary in $out/summary.txt, locusta's log in $out/locusta.stderr" >&2
}

main "$@"
