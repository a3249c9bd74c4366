#!/usr/bin/python3
"""The embedded store's speed and memory, measured with curl over loopback.

  bench/store_bench.py [--binary build/upgate] [--quick] [--tls-pairs N] [--tls-only]

1. One 1 GiB PUT and GET (presigned URLs, curl -T / -o /dev/null): MB/s.
2. 64 concurrent 1 MiB PUTs (curl --parallel --parallel-max 64, 640 objects):
   objects/s and p50/p99 latency.
3. Peak RSS (VmHWM) of the store during a 5 GiB PUT (a sparse file, so the disk
   is not the client's bottleneck), measured first, in a fresh process.
4. The 1 GiB PUT over TLS beside the same PUT over plain HTTP: two stores (one with
   --tls-cert/--tls-key on a throwaway CA's P-256 pair, tests/support/test_ca.py), N
   alternating plain/TLS pairs (--tls-pairs, default 2; 0: none) so the machine's load
   falls on both alike; curl --cacert with only that CA trusted. --tls-only runs this alone.
The store runs with fsync on (the default): every PUT is durable before it is
answered. Results go to stdout as one JSON object, with the load average before and
after; --quick shrinks the sizes for a smoke run. Run it on an otherwise idle machine:
figures taken while other builds run are worth little.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The tests' store launcher and signer: tests/support and the store's integration harness.
sys.path[:0] = [os.path.join(HERE, "..", "tests", "support"),
                os.path.join(HERE, "..", "tests", "integration", "store")]


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def curl(*args):
    out = subprocess.run(["curl", "-s", "-S", *args], capture_output=True, text=True, check=True)
    return out.stdout


def random_file(path, size):
    with open(path, "wb") as f:
        for _ in range(size // (1 << 24)):
            f.write(os.urandom(1 << 24))
        f.write(os.urandom(size % (1 << 24)))


def tls_pairs(h, tmp, size, pairs):
    """Section 4: `pairs` rounds of one plain and one TLS PUT of the same file, MB/s each by
    curl's time_total; the TLS store's negotiated protocol and cipher."""
    import test_ca

    ca = test_ca.TestCa(os.path.join(tmp, "ca"))
    pair = ca.issue("store")
    env = test_ca.tls_client_env(ca.cert)  # the machine's bundle is not the one to trust
    source = os.path.join(tmp, "tls-source.bin")
    random_file(source, size)

    def put(store, key, *tls):
        url = h.presign("PUT", f"{store.endpoint}/bench/{key}", {}, expires=3600)
        out = subprocess.run(["curl", "-s", "-S", *tls, "-o", "/dev/null", "-w",
                              "%{http_code} %{time_total}", "-T", source, url],
                             capture_output=True, text=True, check=True, env=env).stdout
        status, seconds = out.split()
        assert status == "200", out
        delete = h.presign("DELETE", f"{store.endpoint}/bench/{key}", {}, expires=3600)
        subprocess.run(["curl", "-s", "-S", "-f", *tls, "-X", "DELETE", "-o", "/dev/null", delete],
                       check=True, env=env)
        return round(size / float(seconds) / 1e6)

    out = {"plain_runs_mb_per_s": [], "tls_runs_mb_per_s": []}
    with h.Store(extra_args=["--bucket", "bench"]) as plain, \
         h.Store(extra_args=["--bucket", "bench", "--tls-cert", pair.cert,
                             "--tls-key", pair.key]) as tls:
        cacert = ("--cacert", ca.cert)
        assert tls.endpoint.startswith("https://"), tls.endpoint
        handshake = subprocess.run(["curl", "-s", "-v", *cacert, "-o", "/dev/null",
                                    f"{tls.endpoint}/"], capture_output=True, text=True, env=env)
        out["tls_connection"] = next((line.split("SSL connection using ", 1)[1].strip()
                                      for line in handshake.stderr.splitlines()
                                      if "SSL connection using " in line), "unknown")
        for run in range(pairs):
            out["plain_runs_mb_per_s"].append(put(plain, f"plain-{run}"))
            out["tls_runs_mb_per_s"].append(put(tls, f"tls-{run}", *cacert))
    out["plain_best_mb_per_s"] = max(out["plain_runs_mb_per_s"])
    out["tls_best_mb_per_s"] = max(out["tls_runs_mb_per_s"])
    os.remove(source)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(HERE, "..", "build", "upgate"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tls-pairs", type=int, default=2)
    parser.add_argument("--tls-only", action="store_true")
    args = parser.parse_args()
    os.environ["UPGATE_BIN"] = os.path.abspath(args.binary)
    import store_harness as h

    big = (64 if args.quick else 1024) * 1024 * 1024
    huge = (256 if args.quick else 5 * 1024) * 1024 * 1024
    objects = 64 if args.quick else 640
    results = {"load_average_before": [round(x, 2) for x in os.getloadavg()]}
    if args.tls_only:
        with tempfile.TemporaryDirectory(prefix="upgate-bench-") as tmp:
            results[f"put_{big >> 20}mib_over_tls"] = tls_pairs(h, tmp, big, max(args.tls_pairs, 1))
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(results, indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="upgate-bench-") as tmp, h.Store() as store:
        store.client().create_bucket(Bucket="bench")
        # First, in a fresh process: VmHWM is then this upload's peak alone.
        sparse = os.path.join(tmp, "sparse.bin")
        with open(sparse, "wb") as f:
            f.truncate(huge)
        put = h.presign("PUT", f"{store.endpoint}/bench/huge.bin", {}, expires=3600)
        before = vm_hwm(store.process.pid)
        status = curl("-o", "/dev/null", "-w", "%{http_code}", "-T", sparse, put)
        assert status == "200", status
        results["rss_before_mib"] = round(before / (1 << 20), 1)
        results[f"peak_rss_{huge >> 30 or huge >> 20}{'gib' if huge >> 30 else 'mib'}_put_mib"] = \
            round(vm_hwm(store.process.pid) / (1 << 20), 1)
        source = os.path.join(tmp, "big.bin")
        random_file(source, big)

        put = h.presign("PUT", f"{store.endpoint}/bench/big.bin", {}, expires=3600)
        started = time.monotonic()
        status = curl("-o", "/dev/null", "-w", "%{http_code}", "-T", source, put)
        seconds = time.monotonic() - started
        assert status == "200", status
        results["put_1gib_mb_per_s"] = round(big / seconds / 1e6)
        get = h.presign("GET", f"{store.endpoint}/bench/big.bin", {}, expires=3600)
        best = None
        for _ in range(3):
            started = time.monotonic()
            curl("-o", "/dev/null", get)
            elapsed = time.monotonic() - started
            best = elapsed if best is None else min(best, elapsed)
        results["get_1gib_mb_per_s"] = round(big / best / 1e6)

        small = os.path.join(tmp, "1mib.bin")
        with open(small, "wb") as f:
            f.write(os.urandom(1 << 20))
        config = os.path.join(tmp, "parallel.cfg")
        with open(config, "w") as f:
            for i in range(objects):
                url = h.presign("PUT", f"{store.endpoint}/bench/small/{i}", {}, expires=3600)
                f.write(f'url = "{url}"\nupload-file = "{small}"\noutput = "/dev/null"\n')
        started = time.monotonic()
        out = curl("--parallel", "--parallel-max", "64", "-K", config, "-w",
                   "%{http_code} %{time_total}\n")
        seconds = time.monotonic() - started
        lines = [l.split() for l in out.splitlines() if l.strip()]
        assert len(lines) == objects and all(c == "200" for c, _ in lines), out[:500]
        latencies = sorted(float(t) for _, t in lines)
        results["parallel_1mib_puts"] = objects
        results["parallel_objects_per_s"] = round(objects / seconds)
        results["parallel_p50_ms"] = round(statistics.median(latencies) * 1000, 1)
        results["parallel_p99_ms"] = round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1)
        os.remove(source)

    if args.tls_pairs > 0:
        with tempfile.TemporaryDirectory(prefix="upgate-bench-") as tmp:
            results[f"put_{big >> 20}mib_over_tls"] = tls_pairs(h, tmp, big, args.tls_pairs)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
