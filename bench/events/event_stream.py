#!/usr/bin/python3
"""A steady stream of storage events into `upgate serve`: POST /v1/events/s3 with S3 event
records (as Ceph RGW pushes them), each record a new object, so each becomes one webhook
that serve's deliverer signs and sends. For bench/events/api_while_webhooks.sh.

    event_stream.py URL SECRET --rate 2000 --seconds 20 [--batch 10] [--threads 8]

URL is serve's base (http://127.0.0.1:PORT). The records name the bucket "bench-events",
which is not serve's target bucket, so serve publishes them as they arrive (no
verification). `--threads` connections each POST `--batch` records on a fixed schedule that
adds up to `--rate` records a second; a thread that falls behind sends at once and does
not catch up twice. Prints one line: records sent, seconds, the rate reached, non-200s.
"""
import argparse
import http.client
import json
import threading
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("secret")
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    target = urllib.parse.urlsplit(args.url)
    interval = args.threads * args.batch / args.rate
    stop_at = time.monotonic() + args.seconds
    sent = [0] * args.threads
    failed = [0] * args.threads
    run = f"{time.time_ns():x}"

    def body(thread, n):
        records = []
        for i in range(args.batch):
            key = f"stream/{run}/{thread}/{n}/{i}.bin"
            records.append({
                "eventVersion": "2.2", "eventSource": "ceph:s3", "awsRegion": "default",
                "eventTime": "2030-05-31T12:00:00.000000Z", "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "bench-events"},
                       "object": {"key": key, "size": 1024, "eTag": "0" * 31 + "1",
                                  "sequencer": "%016X" % n}}})
        return json.dumps({"Records": records})

    def worker(thread):
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        next_at = time.monotonic() + interval * thread / args.threads
        n = 0
        while True:
            now = time.monotonic()
            if now >= stop_at:
                break
            if next_at > now:
                time.sleep(next_at - now)
            next_at = max(next_at + interval, time.monotonic() - interval)
            payload = body(thread, n)
            n += 1
            try:
                connection.request("POST", f"/v1/events/s3/{args.secret}", payload,
                                   {"Content-Type": "application/json"})
                answer = connection.getresponse()
                answer.read()
                if answer.status == 200:
                    sent[thread] += args.batch
                else:
                    failed[thread] += 1
            except (OSError, http.client.HTTPException):
                failed[thread] += 1
                connection.close()
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    print(f"STREAM records={sum(sent)} seconds={elapsed:.1f} "
          f"records/s={sum(sent) / elapsed:.0f} failed_posts={sum(failed)}", flush=True)


if __name__ == "__main__":
    main()
