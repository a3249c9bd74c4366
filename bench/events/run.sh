#!/usr/bin/env bash
# Webhooks per second through the durable outbox (bench/events/events_bench.cpp), against
# the test receiver (tests/integration/events/receiver.mjs: node, every signature verified
# with the standardwebhooks npm package) on a free loopback port.
#
#   bench/events/run.sh [BUILD_DIR] [events_bench flags...]
# BUILD_DIR defaults to build-release; scripts/setup.sh installs the receiver's packages.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build-release}"
shift || true
bench="$build/bench/events/events_bench"
[ -x "$bench" ] || { echo "no $bench: build it first (cmake --build $build --target events_bench)" >&2; exit 2; }

work="$(mktemp -d)"
receiver_pid=""
cleanup() {
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null && wait "$receiver_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

node "$root/tests/integration/events/receiver.mjs" --port 0 \
  --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw > "$work/receiver.out" &
receiver_pid=$!
for _ in $(seq 100); do
  grep -q '^listening ' "$work/receiver.out" 2>/dev/null && break
  sleep 0.1
done
port="$(sed -n 's/^listening //p' "$work/receiver.out")"
[ -n "$port" ] || { echo "the receiver did not start" >&2; exit 1; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" --url "http://127.0.0.1:$port/hooks" --dir "$work" "$@"
