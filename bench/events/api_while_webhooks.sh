#!/usr/bin/env bash
# The upload API's own figure while webhooks flow (issue 13: "unchanged within 10 %"). One
# `upgate serve` (no store, signing with fixed keys, [[webhooks]] to the test receiver:
# node, every signature verified with the standardwebhooks npm package) is measured with
# wrk on the seed route (/api/s3/getPresignedUrl, the body and connections of
# bench/api.sh) in alternating rounds:
#   quiet  nothing else happens;
#   flow   bench/events/event_stream.py POSTs storage events (S3 records) to the same
#          serve at RATE a second, each one a webhook its deliverer signs and sends to the
#          receiver (durable outbox, synchronous=FULL appends) while wrk runs.
# Everything runs on this machine, so the receiver and the stream take CPU from wrk and
# serve as well. Prints one SUMMARY line per measurement (wrk) and per stream, the webhooks
# the serve delivered during each flow round (its /metrics), the load average at each
# start, and at the end the medians and their ratio.
#
# And where the CPU went (cpu_split.py): at the start and the end of each measurement the
# CPU time (utime + stime from /proc) of serve (per thread name: upgate-io, upgate-hook,
# upgate-outbox, ...), the node receiver, the stream and, from /usr/bin/time, wrk; the
# machine's busy time from /proc/stat; "other" is what none of them accounts for (the
# kernel's threads, such as the journal writing the fsyncs, and anything else running).
# Printed per round and as CPU-SPLIT lines: CPU-seconds per 1,000 webhooks delivered in
# the flow rounds, per process, and serve's share beyond its API work (its quiet rounds'
# CPU per request times the flow round's requests).
#
#   bench/events/api_while_webhooks.sh [path/to/upgate]     (default: build-release/upgate)
#   RATE=2000 DURATION=10 ROUNDS=3 CONNECTIONS=64 WRK_THREADS=2 SERVER_THREADS=2
#   PERF_OUT=/tmp/serve.perf   also `perf record -g` serve during each flow measurement
#                              (PERF_OUT.1, .2, ...; perf's own CPU then counts as "other")
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
binary="${1:-$root/build-release/upgate}"
rate="${RATE:-2000}"
duration="${DURATION:-10}"
rounds="${ROUNDS:-3}"
connections="${CONNECTIONS:-64}"
wrk_threads="${WRK_THREADS:-2}"
server_threads="${SERVER_THREADS:-2}"
secret="bench-events-route-secret-0123456789"
hook_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

command -v wrk >/dev/null || { echo "no wrk (scripts/setup.sh)" >&2; exit 2; }
[ -x "$binary" ] || { echo "no upgate binary at $binary" >&2; exit 2; }

# work, pids and their EXIT trap, free_port, load, start_receiver
source "$root/bench/lib.sh"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

start_receiver "$hook_secret"

cat >"$work/upgate.toml" <<TOML
[events]
secret_env = "BENCH_EVENTS_SECRET"

[[webhooks]]
name = "receiver"
url = "http://127.0.0.1:$receiver_port/hooks"
secret_env = "BENCH_WEBHOOK_SECRET"
max_in_flight = 16
TOML

port="$(free_port)"
url="http://127.0.0.1:$port"
AWS_ACCESS_KEY_ID=AKIDBENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-not-real \
BENCH_EVENTS_SECRET="$secret" BENCH_WEBHOOK_SECRET="$hook_secret" UPGATE_ACCESS_LOG=on \
  "$binary" serve --no-store --listen "127.0.0.1:$port" --threads "$server_threads" \
  --data-dir "$work/data" --config "$work/upgate.toml" >"$work/serve.log" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do
  curl -fs "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.05
done
curl -fsS "$url/healthz" >/dev/null


delivered() {
  curl -fs "$url/metrics" | sed -n 's/^upgate_webhook_deliveries{endpoint="receiver",state="delivered"} //p'
}

# CPU split (cpu_split.py): /proc samples of serve, the receiver and the stream at the start
# and the end of each measurement; wrk's own CPU from /usr/bin/time.
samples="$work/cpu.jsonl"
cpu_sample() {
  /usr/bin/python3 "$here/cpu_split.py" sample "$samples" "$@"
}

# run_wrk LABEL ROUND [ROLE=PID...]: one measurement, with a CPU sample at each end.
run_wrk() {
  local label="$1" round="$2"
  shift 2
  echo "== $label: $connections connections, ${duration}s, load average $(load)"
  BENCH_LABEL="$label" /usr/bin/time -f "%U %S" -o "$work/wrk.time" \
    wrk -t "$wrk_threads" -c "$connections" -d "${duration}s" --latency \
    -s "$here/../seed.lua" "$url/api/s3/getPresignedUrl" >"$work/wrk.round" &
  local wrk_pid=$!
  cpu_sample round="$round" phase="$label" at=start delivered="$(delivered)" -- \
    serve="$serve_pid" receiver="$receiver_pid" "$@"
  local perf_pid=""
  if [ -n "${PERF_OUT:-}" ] && [ "$label" = flow ]; then
    perf record -q -F 499 -g -p "$serve_pid" -o "$PERF_OUT.$round" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  wait "$wrk_pid"
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" || true
  fi
  cpu_sample round="$round" phase="$label" at=end delivered="$(delivered)" \
    requests="$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/wrk.round")" \
    cpu_wrk="$(awk '{print $1 + $2}' "$work/wrk.time")" -- \
    serve="$serve_pid" receiver="$receiver_pid" "$@"
  tee -a "$work/wrk.out" <"$work/wrk.round"
}

for round in $(seq "$rounds"); do
  run_wrk quiet "$round"
  # The stream starts a second before wrk and ends a second after it.
  /usr/bin/python3 "$here/event_stream.py" "$url" "$secret" --rate "$rate" \
    --seconds "$((duration + 2))" >"$work/stream.out" &
  stream=$!
  sleep 1
  run_wrk flow "$round" stream="$stream"
  wait "$stream"
  cat "$work/stream.out"
  /usr/bin/python3 - "$samples" "$round" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
start, end = [r for r in rows if r["pairs"]["round"] == sys.argv[2] and r["pairs"]["phase"] == "flow"]
n = int(end["pairs"]["delivered"]) - int(start["pairs"]["delivered"])
seconds = end["time"] - start["time"]
print(f"WEBHOOKS delivered during the flow measurement: {n} in {seconds:.1f}s ({n / seconds:.0f}/s)")
PY
done

# Everything the streams sent, delivered?
sleep 3
echo "== delivered in total: $(delivered); serve's outbox queued: $(curl -fs "$url/metrics" | sed -n 's/^upgate_webhook_deliveries{endpoint="receiver",state="queued"} //p')"
/usr/bin/python3 - "$work/wrk.out" <<'PY'
import re, statistics, sys
figures = {"quiet": [], "flow": []}
for line in open(sys.argv[1]):
    m = re.match(r"SUMMARY (\w+) requests/s=(\d+)", line)
    if m:
        figures[m.group(1)].append(int(m.group(2)))
quiet, flow = statistics.median(figures["quiet"]), statistics.median(figures["flow"])
print(f"RESULT quiet={figures['quiet']} flow={figures['flow']} "
      f"median quiet={quiet:.0f} flow={flow:.0f} ratio={flow / quiet:.3f}")
PY
/usr/bin/python3 "$here/cpu_split.py" report "$samples"
echo "load average at the end: $(load)"
