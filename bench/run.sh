#!/usr/bin/env bash
# Every benchmark behind the README's figures, on a Release build of its own.
#
#   bench/run.sh            (or: make bench)
#
# Run it on an otherwise idle machine: figures taken while builds run are worth little.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUPGATE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target upgate sigv4_bench api_bench limits_bench

echo "== sigv4: presign, verify, signing-key derivation (one core)"
taskset -c 0 "$build/bench/sigv4_bench" --benchmark_min_time=1
echo "== upload API: CPU per answer, no network"
taskset -c 0 "$build/bench/api_bench" --benchmark_min_time=1
echo "== limits: one admission in memory and through a real redis-server (round trips per admission)"
bench/limits_redis.sh "$build/bench/limits_bench" --benchmark_min_time=1
echo "== upload API: wrk, 64 keep-alive connections, 15 s, HTTP (no auth, JWT, limits in memory and"
echo "   through Redis: issue 11, within 10 %) and HTTPS alternating; new"
echo "   connections/s (Connection: close: TLS handshakes); 10,000 idle keep-alive connections"
bench/api.sh "$build/upgate"
echo "== upload API while webhooks flow: the seed route quiet, then with 2,000 storage events/s"
echo "   delivered as webhooks by the same serve, alternating (issue 13: within 10 %)"
bench/events/api_while_webhooks.sh "$build/upgate"
echo "== embedded store: 1 GiB PUT/GET, 64 concurrent 1 MiB PUTs, RSS during a 5 GiB PUT,"
echo "   the 1 GiB PUT over TLS and plain HTTP alternating"
/usr/bin/python3 bench/store_bench.py --binary "$build/upgate"
echo "== the same 1 GiB PUT to Ceph RGW (one bluestore OSD) and to the embedded store"
/usr/bin/python3 bench/put_1gib.py --binary "$build/upgate"
echo "== upgate upload of 1 GiB, multipart, 4 parts at once, beside aws s3 cp, to the embedded store"
/usr/bin/python3 bench/upload_1gib.py --binary "$build/upgate"
