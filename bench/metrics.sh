#!/usr/bin/env bash
# /metrics with many request names: a headless locusta run whose users give
# NAMES distinct request names (10,000 by default), all with series of their
# own (--metrics-max-names NAMES), scraped SCRAPES times with curl while the
# load goes on. Prints the time of a scrape (median, max), the size of the
# answer and its line count. A benchmark: nothing fails on the figures.
#
# Usage: bench/metrics.sh [NAMES]       (default 10000)
#   METRICS_SCRAPES=20 (scrapes timed), METRICS_MAX_NAMES=NAMES (folding
#   limit; fewer than NAMES shows the folded case)
#   LOCUSTA=path (a locusta binary; default: the release build, built here)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

names="${1:-10000}"
scrapes="${METRICS_SCRAPES:-20}"
max_names="${METRICS_MAX_NAMES:-$names}"
for value in "$names" "$scrapes" "$max_names"; do
  if ! [[ "$value" =~ ^[1-9][0-9]*$ ]]; then
    echo "bench: NAMES, METRICS_SCRAPES and METRICS_MAX_NAMES must be positive whole numbers, not '$value'" >&2
    exit 2
  fi
done

bench_init metrics
if [[ -z "${LOCUSTA:-}" ]]; then
  cargo build --release --quiet -p locusta
  LOCUSTA=target/release/locusta
fi
start_target

# 10 users walk through the names (one request each), then go round again.
cat >"$out/locustfile.py" <<PY
import itertools

from locust import HttpUser, constant, task

NAMES = $names
counter = itertools.count()


class Walker(HttpUser):
    wait_time = constant(0)

    @task
    def visit(self):
        self.client.get("/", name=f"/items/{next(counter) % NAMES}")
PY

locusta_pid=""
stop_locusta() {
  if [[ -n "$locusta_pid" ]]; then
    kill -INT "$locusta_pid" 2>/dev/null || true
    wait "$locusta_pid" 2>/dev/null || true
    locusta_pid=""
  fi
  stop_target
}
trap stop_locusta EXIT

timeout --signal=INT --kill-after=10 600 "$LOCUSTA" -f "$out/locustfile.py" --headless \
  -u 10 -r 10 -t 10m --only-summary -H "$url" \
  --metrics-host 127.0.0.1 --metrics-port 0 --metrics-max-names "$max_names" \
  >"$out/locusta.stdout" 2>"$out/locusta.stderr" &
locusta_pid=$!

metrics=""
for _ in $(seq 600); do
  metrics="$(sed -n 's|.*Serving Prometheus metrics at \(http://[^ ]*\).*|\1|p' "$out/locusta.stderr" | head -n 1)"
  [[ -n "$metrics" ]] && break
  sleep 0.1
done
if [[ -z "$metrics" ]]; then
  echo "bench: locusta did not serve metrics:" >&2
  cat "$out/locusta.stderr" >&2
  exit 1
fi

# Every name seen (bounded: 5 minutes).
expected=$((names < max_names ? names : max_names))
seen=0
for _ in $(seq 300); do
  seen="$(curl -sf "$metrics" | grep -c '^locusta_requests_total{' || true)"
  [[ "$seen" -ge "$expected" ]] && break
  sleep 1
done
if [[ "$seen" -lt "$expected" ]]; then
  echo "bench: only $seen of $expected names after 5 minutes" >&2
  exit 1
fi

: >"$out/scrapes.txt"
for _ in $(seq "$scrapes"); do
  curl -sf -o "$out/metrics.txt" -w '%{time_total} %{size_download}\n' "$metrics" >>"$out/scrapes.txt"
  sleep 0.5
done
lines="$(wc -l <"$out/metrics.txt")"
folded="$(sed -n 's/^locusta_metrics_names_folded //p' "$out/metrics.txt")"
sort -n "$out/scrapes.txt" | awk -v names="$names" -v max="$max_names" -v lines="$lines" \
  -v folded="$folded" -v out="$out" '
  { t[NR] = $1; size = $2 }
  END {
    median = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
    printf "/metrics with %d request names (--metrics-max-names %d, %d folded), under load:\n", names, max, folded
    printf "  %d scrapes: median %.1f ms, max %.1f ms; %.1f MiB, %d lines\n", NR, median * 1000, t[NR] * 1000, size / 1048576, lines
    printf "  (raw figures: %s/scrapes.txt)\n", out
  }' | tee "$out/results.txt"
