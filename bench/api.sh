#!/usr/bin/env bash
# Benchmark of the upload API (issues 3, 10, 11 and 15): wrk POSTs the seed's body to
# /api/s3/getPresignedUrl with 64 keep-alive connections for 15 s, over plain HTTP with no
# authentication, over plain HTTP with a JWT (ES256, keys from a JWKS file, the same token
# on every request: what a signed-in browser sends), over plain HTTP with the limits on (in
# memory, and shared through Redis) and over HTTPS, in alternating rounds;
# then new connections per second (wrk with Connection: close,
# so every request is a new TCP connection and, over HTTPS, a full TLS handshake: the server
# issues no session tickets and keeps no session cache); then 10,000 idle keep-alive
# connections are opened and the server's RSS read. Everything runs on the same machine.
#
#   bench/api.sh [path/to/upgate]        (default: build/upgate)
#   DURATION=15s CONNECTIONS=64 WRK_THREADS=2 SERVER_THREADS=2 IDLE=10000 ACCESS_LOG=on
#   ROUNDS=2 (rounds of plain, JWT, limits, TLS)  TLS=on|off  JWT=on|off  HANDSHAKE_DURATION=10s
#   LIMITS=on|off  REDIS=on|off (the limits through Redis; off when redis-server is missing)
#
# The JWT server's key pair, JWKS file and token are made by Debian's python3-jwt and
# python3-cryptography (not by upgate); the token is valid for 2 hours. Its figure is
# printed beside the no-auth one of the same rounds as a ratio (the goal: within 25 %).
#
# The limits servers (issue 11) check the API's full set on every request: the profile's
# rate and the global rate, the profile's quota and an open-upload slot, all generous
# enough never to refuse (6,000,000/min, 900 TB/day, 100,000 open uploads; the profile's
# url_lifetime is 1 s, so wrk, one client, holds about one second of requests open).
# One keeps them in memory, the other in a redis-server (Debian's) started here on a free
# loopback port in the temp dir, without persistence, and stopped by PID. Their figures
# are printed beside the no-limits one of the same rounds as ratios (the goal for memory:
# within 10 %), with Redis' commands per request from its /metrics.
#
# The HTTPS server runs on a pair from a throwaway CA (tests/support/test_ca.py, P-256);
# wrk does not verify it, curl's readiness probe does (--cacert). Prints wrk's reports (with
# latency percentiles) and one SUMMARY line per measurement, labelled, with the load average
# when it began. Each keep-alive run also prints the server's CPU per request (SERVER_CPU:
# its utime + stime from /proc/PID/stat around the run, over the requests wrk completed),
# and the comparisons give it over all rounds beside the req/s ratio: wrk and the servers
# share the machine, so under load that is the steadier figure of what a feature costs.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../build/upgate}"
duration="${DURATION:-15s}"
connections="${CONNECTIONS:-64}"
wrk_threads="${WRK_THREADS:-2}"
server_threads="${SERVER_THREADS:-2}"
idle="${IDLE:-10000}"
access_log="${ACCESS_LOG:-on}"
rounds="${ROUNDS:-2}"
tls="${TLS:-on}"
jwt="${JWT:-on}"
handshake_duration="${HANDSHAKE_DURATION:-10s}"
limits="${LIMITS:-on}"
redis="${REDIS:-on}"
if [ "$redis" = on ] && ! command -v redis-server >/dev/null; then
  echo "bench/api.sh: redis-server is not installed (scripts/setup.sh): no Redis limits run"
  redis=off
fi

command -v wrk >/dev/null || { echo "bench/api.sh: wrk is not installed (scripts/setup.sh)"; exit 2; }
[ -x "$binary" ] || { echo "bench/api.sh: no upgate binary at $binary"; exit 2; }

source "$here/redis_server.sh"

# work, pids and their EXIT trap, free_port, load, wait_ready
source "$here/lib.sh"

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# start_server NAME PORT [serve flags...]: an API with no store, signing with fixed keys.
start_server() {
  local name="$1" port="$2"
  shift 2
  AWS_ACCESS_KEY_ID=AKIDBENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-not-real \
  UPGATE_ACCESS_LOG="$access_log" \
    "$binary" serve --no-store --listen "127.0.0.1:$port" --threads "$server_threads" "$@" \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
}

plain_port="$(free_port)"
start_server plain "$plain_port"
plain_pid="${pids[-1]}"
plain_url="http://127.0.0.1:$plain_port"
wait_ready "$plain_url"

# The body of bench/seed.lua, for the readiness checks.
seed='{"fileName":"holiday-photo.jpg","fileType":"image/jpeg","fileSize":2483712,"folderName":"services"}'

jwt_url=""
if [ "$jwt" = on ]; then
  # An ES256 key pair: the public half as a JWKS file serve reads, a token from the private.
  /usr/bin/python3 - "$work" <<'PY'
import json, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
work = sys.argv[1]
key = ec.generate_private_key(ec.SECP256R1())
jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
jwk.update({"kid": "bench", "alg": "ES256", "use": "sig"})
with open(f"{work}/jwks.json", "w") as f:
    json.dump({"keys": [jwk]}, f)
now = int(time.time())
token = jwt.encode({"iss": "https://bench.upgate.test/", "aud": "upgate-bench", "sub": "bench-user",
                    "iat": now, "exp": now + 7200}, key, algorithm="ES256", headers={"kid": "bench"})
with open(f"{work}/token", "w") as f:
    f.write(token)
PY
  cat >"$work/jwt.toml" <<TOML
[auth.jwt]
issuer = "https://bench.upgate.test/"
audience = "upgate-bench"
jwks_file = "$work/jwks.json"
algorithms = ["ES256"]
TOML
  jwt_port="$(free_port)"
  start_server jwt "$jwt_port" --config "$work/jwt.toml"
  jwt_pid="${pids[-1]}"
  jwt_url="http://127.0.0.1:$jwt_port"
  wait_ready "$jwt_url"
  # The token is accepted (and a request without it is not) before anything is measured.
  curl -fsS -o /dev/null -H "Content-Type: application/json" -H "Authorization: Bearer $(cat "$work/token")" \
    -d "$seed" "$jwt_url/api/s3/getPresignedUrl"
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: application/json" -d "$seed" \
    "$jwt_url/api/s3/getPresignedUrl")"
  [ "$status" = 401 ] || { echo "bench/api.sh: the JWT server answered $status without a token"; exit 1; }
fi

# limits_config FILE [REDIS_URL]: the full set of limits, never refusing during the bench.
limits_config() {
  {
    echo "[limits]"
    echo 'rate = "6000000/min"'
    [ -n "${2:-}" ] && echo "redis_url = \"$2\""
    cat <<'TOML'

[profiles.default]
folder = "*"
url_lifetime = "1s"
rate = "6000000/min"
quota = "900 TB/day"
max_open_uploads = 100000
TOML
  } >"$1"
}

# check_limited URL: the seed route answers 200 with all four policies in its RateLimit fields.
check_limited() {
  local headers
  headers="$(curl -fsS -D - -o /dev/null -H "Content-Type: application/json" -d "$seed" "$1/api/s3/getPresignedUrl")"
  for policy in '"default"' '"global"' '"default-uploads"' '"default-quota"'; do
    grep -qi "^RateLimit-Policy:.*$policy" <<<"$headers" || {
      echo "bench/api.sh: $1 answered without the $policy limit:"; echo "$headers"; exit 1; }
  done
}

# start_limited NAME [REDIS_URL]: a server with the limits (in Redis when given); sets url
# and server_pid.
start_limited() {
  local port
  limits_config "$work/$1.toml" "${2:-}"
  port="$(free_port)"
  start_server "$1" "$port" --config "$work/$1.toml"
  server_pid="${pids[-1]}"
  url="http://127.0.0.1:$port"
  wait_ready "$url"
  check_limited "$url"
}

limits_url=""
if [ "$limits" = on ]; then
  start_limited limits
  limits_url="$url"
  limits_pid="$server_pid"
fi

redis_url=""
if [ "$redis" = on ]; then
  start_redis "$work/redis"
  pids+=("$redis_pid")
  start_limited redis "redis://127.0.0.1:$redis_port/0"
  redis_url="$url"
  redis_serve_pid="$server_pid"
fi

tls_url=""
if [ "$tls" = on ]; then
  /usr/bin/python3 "$here/../tests/support/test_ca.py" "$work/ca" api >/dev/null
  tls_port="$(free_port)"
  start_server tls "$tls_port" --tls-cert "$work/ca/api.crt" --tls-key "$work/ca/api.key"
  tls_url="https://127.0.0.1:$tls_port"
  wait_ready "$tls_url" --cacert "$work/ca/ca.crt"
  CURL_CA_BUNDLE="$work/ca/ca.crt" curl -fsS --cacert "$work/ca/ca.crt" "$tls_url/healthz" >/dev/null
fi

# The seed request (bench/seed.lua) with the JWT (read from BENCH_TOKEN_FILE) on every request.
sed 's|^wrk.body = |local f = io.open(os.getenv("BENCH_TOKEN_FILE")); wrk.headers["Authorization"] = "Bearer " .. f:read("*a"); f:close()\nwrk.body = |' \
  "$here/seed.lua" >"$work/seed_jwt.lua"
cat >"$work/close.lua" <<'LUA'
wrk.headers["Connection"] = "close"
done = function(summary, latency, requests)
  io.write(string.format("SUMMARY %s new_connections/s=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    os.getenv("BENCH_LABEL") or "", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
LUA


# cpu_ticks PID: the process's CPU time so far, user + system, in clock ticks (fields 14
# and 15 of /proc/PID/stat, counted after the parenthesised name, which may hold spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
ticks_per_second="$(getconf CLK_TCK)"

# run_wrk LABEL SCRIPT URL DURATION [SERVER_PID]: one wrk run; with a server PID, also the
# server's CPU per request over the run (its CPU time around the run, over the requests wrk
# completed), as a line "SERVER_CPU LABEL us_per_request=...". wrk and the server share the
# machine's cores, so this is the steadier figure when req/s moves with the load.
run_wrk() {
  local before="" requests
  echo "== $1: $connections connections, $4, $wrk_threads wrk threads, $server_threads server threads, access log $access_log, load average $(load)"
  [ -n "${5:-}" ] && before="$(cpu_ticks "$5")"
  BENCH_LABEL="$1" BENCH_TOKEN_FILE="$work/token" \
    wrk -t "$wrk_threads" -c "$connections" -d "$4" --latency -s "$2" "$3" >"$work/run.out"
  cat "$work/run.out" >>"$work/wrk.out"
  cat "$work/run.out"
  if [ -n "$before" ]; then
    requests="$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$work/run.out")"
    awk -v label="$1" -v ticks="$(($(cpu_ticks "$5") - before))" -v hz="$ticks_per_second" \
      -v requests="${requests:-0}" 'BEGIN { if (requests > 0)
        printf "SERVER_CPU %s us_per_request=%.2f cpu_s=%.2f requests=%d\n", label,
          1e6 * ticks / hz / requests, ticks / hz, requests }' | tee -a "$work/wrk.out"
  fi
}

# Keep-alive: the seed route, plain, JWT and TLS alternating, so load on the machine falls on
# all of them.
for round in $(seq "$rounds"); do
  run_wrk "seed-http-keepalive" "$here/seed.lua" "$plain_url/api/s3/getPresignedUrl" "$duration" "$plain_pid"
  if [ -n "$jwt_url" ]; then
    run_wrk "seed-http-jwt-keepalive" "$work/seed_jwt.lua" "$jwt_url/api/s3/getPresignedUrl" "$duration" "$jwt_pid"
  fi
  if [ -n "$limits_url" ]; then
    run_wrk "seed-http-limits-keepalive" "$here/seed.lua" "$limits_url/api/s3/getPresignedUrl" "$duration" "$limits_pid"
  fi
  if [ -n "$redis_url" ]; then
    run_wrk "seed-http-limits-redis-keepalive" "$here/seed.lua" "$redis_url/api/s3/getPresignedUrl" "$duration" "$redis_serve_pid"
  fi
  if [ -n "$tls_url" ]; then
    run_wrk "seed-https-keepalive" "$here/seed.lua" "$tls_url/api/s3/getPresignedUrl" "$duration"
  fi
done
# ratio LABEL WHAT: LABEL's mean requests/s against the plain run's, over the rounds.
ratio() {
  awk -v label="$1" -v what="$2" '$1 == "SUMMARY" { split($3, kv, "="); sum[$2] += kv[2]; n[$2]++ }
    END { if (n["seed-http-keepalive"] && n[label]) {
      none = sum["seed-http-keepalive"] / n["seed-http-keepalive"]
      mine = sum[label] / n[label]
      printf "== %s, mean of the rounds: %.0f and %.0f requests/s: %.1f %%\n", what, mine, none, 100 * mine / none } }' \
    "$work/wrk.out"
  # The server's CPU per request over all the rounds (CPU seconds over requests, each side).
  awk -v label="$1" -v what="$2" '$1 == "SERVER_CPU" {
      for (i = 3; i <= NF; i++) { split($i, kv, "="); v[$2, kv[1]] += kv[2] } }
    END { if (v["seed-http-keepalive", "requests"] && v[label, "requests"]) {
      none = 1e6 * v["seed-http-keepalive", "cpu_s"] / v["seed-http-keepalive", "requests"]
      mine = 1e6 * v[label, "cpu_s"] / v[label, "requests"]
      printf "== %s, server CPU per request over the rounds: %.2f and %.2f us: %+.2f us\n", what, mine, none, mine - none } }' \
    "$work/wrk.out"
}
[ -n "$jwt_url" ] && ratio seed-http-jwt-keepalive "JWT (ES256) against no auth"
[ -n "$limits_url" ] && ratio seed-http-limits-keepalive "limits in memory against no limits"
if [ -n "$redis_url" ]; then
  ratio seed-http-limits-redis-keepalive "limits through Redis against no limits"
  curl -fsS "$redis_url/metrics" | awk '
    /^upgate_limit_decisions_total/ { decisions += $NF }
    /^upgate_limits_redis_commands_total/ { commands += $NF }
    END { if (decisions) printf "== Redis: %d commands for %d decisions: %.2f round trips per request\n", commands, decisions, commands / decisions }'
fi

# New connections: every request on its own connection (GET /healthz, so the answer costs
# next to nothing and the figure is the connection's: accept, and for HTTPS the handshake).
if [ -n "$tls_url" ]; then
  for round in $(seq "$rounds"); do
    run_wrk "new-connections-http" "$work/close.lua" "$plain_url/healthz" "$handshake_duration"
    run_wrk "new-connections-https" "$work/close.lua" "$tls_url/healthz" "$handshake_duration"
  done
  echo "== the handshake settled: $(openssl s_client -connect "127.0.0.1:$tls_port" -CAfile "$work/ca/ca.crt" \
    -servername localhost </dev/null 2>/dev/null | grep -E '^New,' | head -1)"
fi

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$plain_pid/status"; }
before="$(rss_kib)"
echo "== $idle idle keep-alive connections"
/usr/bin/python3 "$here/idle_connections.py" 127.0.0.1 "$plain_port" "$idle" "$plain_pid"
echo "RSS before: $((before / 1024)) MiB"
