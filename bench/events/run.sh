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

. "$root/bench/lib.sh"
start_receiver whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
echo "load average: $(load)"
"$bench" --url "http://127.0.0.1:$receiver_port/hooks" --dir "$work" "$@"
