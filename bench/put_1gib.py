#!/usr/bin/python3
"""The same 1 GiB PUT to Ceph RGW and to the embedded store, MB/s side by side.

  bench/put_1gib.py [--binary build-release/upgate] [--dir /tmp] [--runs 3]
                    [--rgw-objectstore bluestore|memstore] [--size-mib 1024]

One client for both: curl -T with a SigV4 presigned URL (UNSIGNED-PAYLOAD, so no client-side
hashing; the signer is store_harness.presign), streaming one file of random bytes from the page
cache over loopback, timed by curl's own time_total. Each target gets --runs PUTs to fresh keys
(every object deleted before the next run) and the best run counts.

- store: `upgate store` (store_harness.Store) with fsync on, the default: answered once durable.
- rgw:   a single-node Ceph cluster from tests/support/ceph_cluster.py: radosgw (beast) over one
         OSD, by default bluestore on a sparse file (answered once durable, like the store);
         memstore keeps objects in RAM and durably nowhere, so it is a ceiling, not a peer.
Everything, the source file included, lives in one temp dir under --dir, so both write to the
same disk. Prints a table, then one JSON object, with the load average before and after: run it
on an otherwise idle machine, figures taken while builds run are worth little.
"""
import argparse
import json
import os
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def best_put(curl, presign_url, source, size, runs, delete):
    """Best MB/s over `runs` PUTs of `source` to fresh keys, and every run's figure."""
    figures = []
    for run in range(runs):
        key = f"put-1gib-{run}"
        out = curl("-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-T", source,
                   presign_url(key))
        status, seconds = out.split()
        if status != "200":
            raise RuntimeError(f"PUT {key} answered {status}")
        figures.append(round(size / float(seconds) / 1e6))
        delete(key)
    return max(figures), figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "build-release", "upgate"))
    parser.add_argument("--dir", default=None, help="parent of the temp dir (default: $TMPDIR)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rgw-objectstore", choices=("bluestore", "memstore"),
                        default="bluestore")
    args = parser.parse_args()
    os.environ["UPGATE_BIN"] = os.path.abspath(args.binary)
    import store_bench  # noqa: E402  (puts tests/support and the store's harness on sys.path)
    import store_harness as h  # noqa: E402
    import ceph_cluster  # noqa: E402

    size = args.size_mib << 20
    load_before = os.getloadavg()
    results = {"size_bytes": size, "runs": args.runs,
               "client": "curl -T, presigned URL (UNSIGNED-PAYLOAD)"}
    with tempfile.TemporaryDirectory(prefix="upgate-put-bench-", dir=args.dir) as tmp:
        source = os.path.join(tmp, "source.bin")
        store_bench.random_file(source, size)

        with h.Store(data_dir=os.path.join(tmp, "store-data")) as store:
            s3 = store.client()
            s3.create_bucket(Bucket="bench")
            results["store_mb_per_s"], results["store_runs_mb_per_s"] = best_put(
                store_bench.curl,
                lambda key: h.presign("PUT", f"{store.endpoint}/bench/{key}", expires=3600),
                source, size, args.runs, lambda key: s3.delete_object(Bucket="bench", Key=key))

        # RGW frees deleted objects' space later (its garbage collector), so the device must
        # hold every run's object at once.
        room = size * (args.runs + 1) + (1 << 30)
        with ceph_cluster.CephRgw(objectstore=args.rgw_objectstore, base_dir=tmp,
                                  memstore_device_bytes=room,
                                  bluestore_block_bytes=max(room, 20 << 30)) as rgw:
            rgw.create_bucket("bench")
            s3 = rgw.client()
            results["rgw_objectstore"] = args.rgw_objectstore
            results["rgw_start_seconds"] = round(rgw.start_seconds, 2)
            results["rgw_mb_per_s"], results["rgw_runs_mb_per_s"] = best_put(
                store_bench.curl,
                lambda key: h.presign("PUT", f"{rgw.endpoint}/bench/{key}", expires=3600,
                                      access_key_id=rgw.access_key_id,
                                      secret=rgw.secret_access_key),
                source, size, args.runs, lambda key: s3.delete_object(Bucket="bench", Key=key))
    results["load_average_before"] = [round(x, 2) for x in load_before]
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    label = f"{args.size_mib} MiB PUT, best of {args.runs}"
    print(f"{label:<34} {'MB/s':>6}   runs")
    print(f"{'upgate store (fsync)':<34} {results['store_mb_per_s']:>6}   "
          f"{results['store_runs_mb_per_s']}")
    print(f"{'Ceph RGW, 1 OSD, ' + args.rgw_objectstore:<34} {results['rgw_mb_per_s']:>6}   "
          f"{results['rgw_runs_mb_per_s']}")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
