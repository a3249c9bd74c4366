# shellcheck shell=bash
# What the bench scripts share (bench/api.sh, bench/events/api_while_webhooks.sh,
# bench/events/run.sh): a work directory and the background processes, both gone when the
# script ends however it ends; a free loopback port; the load average; waiting until a
# server answers; the test webhook receiver. Sourced, not run:
#   . "$(dirname "$0")/lib.sh"            (from bench/)
#   . "$(dirname "$0")/../lib.sh"         (from bench/events/)
# It sets `work` (a new temp directory) and `pids` (append every background PID) and the
# EXIT trap that stops those processes by PID and removes `work`.

work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

# A port that was free a moment ago.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The load average over 1, 5 and 15 minutes.
load() { cut -d' ' -f1-3 /proc/loadavg; }

# wait_ready URL [curl options...]: until URL/healthz answers, 5 s at most (the caller's
# next request says whether it did).
wait_ready() {
  local url="$1"
  shift
  for _ in $(seq 100); do
    curl -fs "$@" "$url/healthz" >/dev/null 2>&1 && return
    sleep 0.05
  done
}

# start_receiver SECRET: the test webhook receiver (tests/integration/events/receiver.mjs:
# node, every signature verified with the standardwebhooks npm package) on a free loopback
# port, in the background; sets `receiver_port` and `receiver_pid`, or fails the script when
# it does not start.
start_receiver() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  node "$root/tests/integration/events/receiver.mjs" --port 0 --secret "$1" \
    >"$work/receiver.out" 2>&1 &
  receiver_pid=$!
  pids+=("$receiver_pid")
  for _ in $(seq 100); do
    grep -q '^listening ' "$work/receiver.out" 2>/dev/null && break
    sleep 0.1
  done
  receiver_port="$(sed -n 's/^listening //p' "$work/receiver.out")"
  [ -n "$receiver_port" ] || { echo "the receiver did not start" >&2; exit 1; }
}
