#!/usr/bin/env bash
# Instructions per presigned PUT URL (bench/sigv4_bench's BM_PresignPut), counted
# by callgrind: a figure that, unlike the benchmark's nanoseconds, does not move
# with the machine's load, so two builds compare on a busy machine too.
#
#   bench/presign_instructions.sh [path/to/sigv4_bench]   (default: build-release/bench/sigv4_bench)
#
# Valgrind's CPU has no SHA extensions, so OpenSSL hashes in software under it
# (about 1,900 instructions a 64-byte block, where SHA-NI takes some 50 ns): the
# "in libcrypto" column is mostly that, and the rest is upgate's own work.
set -euo pipefail
cd "$(dirname "$0")/.."

bench=${1:-build-release/bench/sigv4_bench}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='upgate::sigv4::presign(*' \
  "$bench" --benchmark_filter='^BM_PresignPut$' --benchmark_min_time=0.3 >/dev/null 2>&1

calls=$(callgrind_annotate --inclusive=yes --tree=caller "$out" |
  sed -n 's/.*< .*BM_PresignPut.*(\([0-9,]*\)x).*/\1/p' | head -1 | tr -d ,)
total=$(callgrind_annotate "$out" | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
crypto=$(callgrind_annotate "$out" | awk '/libcrypto/ { gsub(",", "", $1); sum += $1 } END { print sum + 0 }')
echo "presign calls: $calls"
echo "instructions per presign: $((total / calls)) (in libcrypto: $((crypto / calls)), the rest: $(((total - crypto) / calls)))"
