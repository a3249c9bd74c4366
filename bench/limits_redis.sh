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

source "$here/redis_server.sh"
start_redis "$work" || exit 1

if [ "$#" -eq 0 ]; then set -- --benchmark_min_time=1; fi
UPGATE_BENCH_REDIS_URL="redis://127.0.0.1:$redis_port/0" "$binary" "$@"
