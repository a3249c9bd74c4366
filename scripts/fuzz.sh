#!/usr/bin/env bash
# Runs the fuzz targets of fuzz/ (built by `make fuzz` into BUILD) one after another, each
# for SECONDS, at the lowest CPU priority, and prints what each reached: executions,
# executions per second, crashes (crash-, leak-, timeout-, oom- files), corpus size.
#
#   scripts/fuzz.sh BUILD SECONDS [TARGET...]     (no TARGET: every folder of fuzz/corpus)
#
# FUZZ_RUNS=N also stops a target after N executions (the campaign: 10000000).
#
# Each target starts from its seed corpus (fuzz/corpus/TARGET, never written) and the
# corpus earlier runs grew (BUILD/fuzz-corpus/TARGET). Its log and any reproducer go to
# BUILD/fuzz-logs/TARGET.log and BUILD/fuzz-artifacts/TARGET/. Exit status 1 when a target
# crashed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$1"
seconds="$2"
shift 2
targets=("$@")
if ((${#targets[@]} == 0)); then
  for dir in "$root"/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=0
rows=()
for t in "${targets[@]}"; do
  program="$build/fuzz/fuzz_$t"
  [ -x "$program" ] || { echo "fuzz: no $program (make fuzz builds it)" >&2; exit 2; }
  work="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  echo "fuzz: $t for ${seconds}s (log: $log)"
  status=0
  nice -n 19 "$program" -max_total_time="$seconds" -runs="${FUZZ_RUNS:--1}" \
    -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "$work" "$root/fuzz/corpus/$t" \
    >"$log" 2>&1 || status=$?
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)
  crashes=$(find "$artifacts" -maxdepth 1 -type f \
    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  corpus=$(find "$work" -maxdepth 1 -type f | wc -l)
  if ((status != 0 || crashes > 0)); then
    failed=1
    echo "fuzz: $t FAILED (exit $status); the report:" >&2
    grep -m1 -A25 -E '^==[0-9]+==ERROR|runtime error|deadly signal|Test unit written' "$log" >&2 || tail -30 "$log" >&2
  fi
  rows+=("$(printf '%-16s %12s %10s %8s %8s' "$t" "${execs:-?}" "${rate:-?}" "$crashes" "$corpus")")
done

echo
printf '%-16s %12s %10s %8s %8s\n' target executions exec/s crashes corpus
printf '%s\n' "${rows[@]}"
exit "$failed"
