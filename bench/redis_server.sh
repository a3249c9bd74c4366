# Sourced by the benchmarks that need a Redis (bench/api.sh, bench/limits_redis.sh).
#
#   start_redis DIR    Debian's redis-server on a free loopback port, without persistence,
#                      its files in DIR; sets redis_port and redis_pid (stop it by PID).
#
# A free port can be taken between the probe and Redis' bind: it tries a few.
start_redis() {
  local dir="$1"
  mkdir -p "$dir"
  redis_pid=""
  for _ in 1 2 3 4 5; do
    redis_port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
      --logfile "$dir/redis.log" --daemonize no &
    redis_pid=$!
    for _ in $(seq 100); do
      redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0
      kill -0 "$redis_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
  done
  echo "redis-server did not start:"
  cat "$dir/redis.log"
  return 1
}
