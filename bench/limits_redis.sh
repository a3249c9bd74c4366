#!/usr/bin/env bash
# The limits benchmark with a real Redis: starts redis-server on a free loopback port in a
# temp dir (no persistence), runs bench/limits_bench against it, stops it by PID.
#
#   bench/limits_redis.sh [path/to/limits_bench] [benchmark flags...]
#                                   (default: build/bench/limits_bench --benchmark_min_time=1)
#
# Redis round trips per admission are the `round_trips` counter of the Redis rows.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../build/bench/limits_bench}"
shift || true
[ -x "$binary" ] || { echo "bench/limits_redis.sh: no limits_bench at $binary"; exit 2; }
command -v redis-server >/dev/null || { echo "bench/limits_redis.sh: redis-server is not installed (scripts/setup.sh)"; exit 2; }

work="$(mktemp -d)"
redis_pid=""
trap '[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null; [ -n "$redis_pid" ] && wait "$redis_pid" 2>/dev/null; rm -rf "$work"' EXIT

# A free port can be taken between the probe and Redis' bind: try a few.
for _ in 1 2 3 4 5; do
  port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis.log" --daemonize no &
  redis_pid=$!
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break 2
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
done
[ -n "$redis_pid" ] || { echo "bench/limits_redis.sh: redis-server did not start"; cat "$work/redis.log"; exit 1; }

if [ "$#" -eq 0 ]; then set -- --benchmark_min_time=1; fi
UPGATE_BENCH_REDIS_URL="redis://127.0.0.1:$port/0" "$binary" "$@"
