#!/usr/bin/env bash
# Installs every Debian package upgate needs to build, run, test and benchmark.
# Idempotent: it asks dpkg first and only calls apt-get for what is missing, so a
# second run costs a fraction of a second.
set -euo pipefail

packages=(
  # toolchain (ccache: a second build tree and CI reuse objects; clang: the fuzz targets)
  g++ cmake ninja-build make pkg-config clang-format ccache clang libclang-rt-14-dev
  # libraries (see docs/ARCHITECTURE.md for why each one)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev sqlite3 zlib1g-dev libpugixml-dev libtomlplusplus-dev
  libcurl4-openssl-dev libfmt-dev libspdlog-dev libcli11-dev
  libhiredis-dev libmagic-dev libmagic-mgc
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  curl wrk awscli python3 python3-boto3 python3-botocore python3-requests
  python3-jwt python3-cryptography openssl redis-server
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # redis-server's package would start a system-wide server on 6379; the tests start
  # their own on free ports, so no service starts while apt runs (see the Ceph part).
  policy=/usr/sbin/policy-rc.d
  placed_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    placed_policy=1
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ -n "$placed_policy" ]; then
    $SUDO rm -f "$policy"
    trap - EXIT
  fi
fi

# --- rgw tests and bench: a single-node Ceph cluster (tests/support/ceph_cluster.py) --------
# The tests run the daemons themselves, each from a temp dir with its own config file. The
# packages' own services must not start (they would read /etc/ceph), so while apt runs, a
# policy-rc.d that refuses every start stands in, unless the machine already has one.
ceph_packages=()
for p in ceph-mon ceph-mgr ceph-osd radosgw ceph-common; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || ceph_packages+=("$p")
done
if ((${#ceph_packages[@]})); then
  echo "setup: installing ${ceph_packages[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  policy=/usr/sbin/policy-rc.d
  placed_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    placed_policy=1
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${ceph_packages[@]}"
  if [ -n "$placed_policy" ]; then
    $SUDO rm -f "$policy"
    trap - EXIT
  fi
fi

# --- compat tests: the AWS JavaScript SDK v3 from the npm registry (tests/compat/js) ---------
# node/npm are normally on the machine already; Debian's nodejs is the fallback. `npm ci` runs
# only when node_modules is missing or package-lock.json changed since the last install.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs npm"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
compat_js="$(cd "$(dirname "$0")/.." && pwd)/tests/compat/js"
if [ ! -f "$compat_js/node_modules/.package-lock.json" ] ||
   [ "$compat_js/package-lock.json" -nt "$compat_js/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tests/compat/js"
  (cd "$compat_js" && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- events integration tests: the webhook receiver's standardwebhooks package -------------
# (tests/integration/events). `npm ci` runs only when node_modules is missing or
# package-lock.json changed since the last install.
events_js="$(cd "$(dirname "$0")/.." && pwd)/tests/integration/events"
if [ ! -f "$events_js/node_modules/.package-lock.json" ] ||
   [ "$events_js/package-lock.json" -nt "$events_js/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tests/integration/events"
  (cd "$events_js" && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- e2e tests: Debian's chromium driven by playwright-core (tests/e2e) ---------------------
# Playwright's own browser download is never used: the tests launch /usr/bin/chromium. Fonts
# give the screenshots readable text. libnss3-tools brings certutil, with which the HTTPS
# run makes Chromium's NSS database trust the test CA. `npm ci` runs only when node_modules
# is missing or package-lock.json changed since the last install.
e2e_packages=()
for p in chromium fonts-liberation fonts-dejavu-core libnss3-tools; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || e2e_packages+=("$p")
done
if ((${#e2e_packages[@]})); then
  echo "setup: installing ${e2e_packages[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${e2e_packages[@]}"
fi
e2e_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e"
if [ ! -f "$e2e_dir/node_modules/.package-lock.json" ] ||
   [ "$e2e_dir/package-lock.json" -nt "$e2e_dir/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tests/e2e"
  (cd "$e2e_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
