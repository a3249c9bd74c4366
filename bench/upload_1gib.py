#!/usr/bin/python3
"""`upgate upload` of a 1 GiB file, multipart with 4 parallel parts, beside the aws CLI, to the
same embedded store in the same run.

  bench/upload_1gib.py [--binary build-release/upgate] [--runs 3] [--size-mib 1024]
                       [--aws /usr/bin/aws] [--dir /tmp]

- upgate: `upgate upload FILE --api API --folder bench --parallel 4` through `upgate serve`
  (its embedded store, fsync on, the default): POST /v1/multipart, one signed PUT per part
  (the API chooses 16 MiB parts: 64 for 1 GiB), complete (which lists the parts and has the
  API verify the object). Timed end to end by the wall clock around the command.
- aws:    `aws s3 cp FILE s3://uploads/KEY --endpoint-url STORE` with the store's root key,
  once with the CLI's defaults (8 MiB parts, 10 at a time) and once with the same layout
  as upgate's (16 MiB parts, 4 at a time), from a config file of this script's.
Each gets --runs uploads to fresh keys (every object deleted before the next run), the
runs interleaved (upgate, aws, aws 4x16, upgate, ...) so a change of load hits all alike,
and the best run counts. Prints a table, then one JSON object with the load average before
and after: take the figure on an otherwise idle machine.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, "tests", "support")]

CONFIG = """
[server]
demo_page = false

[profiles.bench]
folder = "bench"
max_size = "5 GiB"
"""


def timed(command, env):
    started = time.monotonic()
    process = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {process.stdout}{process.stderr}")
    return seconds, process.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "build-release", "upgate"))
    parser.add_argument("--aws", default="/usr/bin/aws")
    parser.add_argument("--dir", default=None, help="parent of the temp dir (default: $TMPDIR)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    os.environ["UPGATE_BIN"] = os.path.abspath(args.binary)
    from api_harness import ACCESS_KEY_ID, REGION, SECRET, ApiServer  # noqa: E402
    from s3_client import s3_client  # noqa: E402
    from store_bench import random_file  # noqa: E402  (bench/, beside this script)

    size = args.size_mib << 20
    load_before = os.getloadavg()
    figures = {"upgate": [], "aws": [], "aws_4x16": []}
    with tempfile.TemporaryDirectory(prefix="upgate-upload-bench-", dir=args.dir) as tmp:
        source = os.path.join(tmp, "source.bin")
        random_file(source, size)
        aws_config = os.path.join(tmp, "aws-config")
        with open(aws_config, "w") as f:
            f.write("[default]\ns3 =\n  max_concurrent_requests = 4\n"
                    "  multipart_chunksize = 16MB\n  multipart_threshold = 64MB\n")
        missing = os.path.join(tmp, "none")

        with ApiServer(CONFIG, embedded_store=True) as server:
            s3 = s3_client(server.s3_url, ACCESS_KEY_ID, SECRET, REGION)
            base_env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
            aws_env = dict(base_env, AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
                           AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION=REGION,
                           AWS_SHARED_CREDENTIALS_FILE=missing, AWS_CONFIG_FILE=missing)
            for run in range(args.runs):
                seconds, out = timed([args.binary, "upload", source, "--api", server.base,
                                      "--folder", "bench", "--parallel", "4", "--json"],
                                     base_env)
                result = json.loads(out)
                assert result["ok"] and result["parts"] == -(-size // (16 << 20)), result
                s3.delete_object(Bucket="uploads", Key=result["key"])
                figures["upgate"].append(round(size / seconds / 1e6))

                for name, config in (("aws", missing), ("aws_4x16", aws_config)):
                    key = f"bench/aws-{name}-{run}.bin"
                    seconds, _ = timed([args.aws, "s3", "cp", "--only-show-errors", source,
                                        f"s3://uploads/{key}", "--endpoint-url", server.s3_url],
                                       dict(aws_env, AWS_CONFIG_FILE=config))
                    s3.delete_object(Bucket="uploads", Key=key)
                    figures[name].append(round(size / seconds / 1e6))

    results = {"size_bytes": size, "runs": args.runs,
               "upgate_mb_per_s": max(figures["upgate"]), "upgate_runs": figures["upgate"],
               "aws_mb_per_s": max(figures["aws"]), "aws_runs": figures["aws"],
               "aws_4x16_mb_per_s": max(figures["aws_4x16"]), "aws_4x16_runs": figures["aws_4x16"],
               "load_average_before": [round(x, 2) for x in load_before],
               "load_average_after": [round(x, 2) for x in os.getloadavg()]}
    label = f"{args.size_mib} MiB upload, best of {args.runs}"
    print(f"{label:<52} {'MB/s':>6}   runs")
    rows = (("upgate upload --parallel 4 (16 MiB parts)", "upgate"),
            ("aws s3 cp, defaults (8 MiB parts, 10 at once)", "aws"),
            ("aws s3 cp, 16 MiB parts, 4 at once", "aws_4x16"))
    for title, name in rows:
        print(f"{title:<52} {max(figures[name]):>6}   {figures[name]}")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
