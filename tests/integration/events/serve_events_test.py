"""Events through the real program (label integration): `upgate serve` with its embedded
store and [[webhooks]] in upgate.toml delivers Standard Webhooks to a real receiver
(receiver.mjs, which verifies every request with the `standardwebhooks` npm package);
objects written with boto3 become upload.completed / object.deleted; upgate killed with
SIGKILL mid-delivery and with events queued delivers them after a restart (at least once,
same webhook-id); `upgate webhooks list|replay` read the outbox beside it; and the standalone
`upgate store --notify-url` pushes S3 event records; GET /metrics shows the outbox per
endpoint (delivered, failed, queued, dead, the oldest queued event's age).
"""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

os.environ.setdefault("BOTO_DISABLE_CRT", "true")
import boto3  # noqa: E402
import requests  # noqa: E402
from botocore.config import Config  # noqa: E402

from child_process import die_with_parent, json_log_lines, stop, upgate_binary  # noqa: E402
from completion_profiles import PROFILES, magic_file  # noqa: E402
from ports import free_port  # noqa: E402
from store_process import start_store  # noqa: E402
from waiting import wait_until  # noqa: E402
from webhook_receiver import WebhookReceiver  # noqa: E402

BINARY = upgate_binary()

# The receiver knows only OLD; upgate signs with NEW and OLD (a rotation in progress).
OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEW = "whsec_b3qFkJumsbzH0t3o8/4JFB8qNUBLVmFsd4KNmKOuucQ="
ACCESS_KEY_ID = "AKIAEVENTSINTEGRATION"
SECRET_KEY = "events/integration/secret+key/only0000"
BUCKET = "uploads"
ROUTE_SECRET = "route-secret-for-the-events-test-0001"
RGW_RECORDS = json.dumps({"Records": [{
    "eventVersion": "2.2", "eventSource": "ceph:s3", "awsRegion": "default",
    "eventTime": "2030-05-31T12:00:00.000000Z", "eventName": "ObjectCreated:Put",
    "s3": {"bucket": {"name": "rgw-bucket"},
           "object": {"key": "from rgw.png", "size": 12, "eTag": "abc123", "sequencer": "0A"}}}]})


def Receiver():
    """The receiver knows only OLD (upgate signs with NEW and OLD)."""
    return WebhookReceiver(OLD)


class Serve:
    """`upgate serve` with the embedded store in one data dir, restartable; with `store` (a
    StoreProcess) serve runs with --no-store against that store instead."""

    def __init__(self, directory, receiver, profiles="", store=None, events_extra=""):
        self.dir = directory
        self.port = free_port()
        self.store_port = free_port()
        self.config = os.path.join(directory, "upgate.toml")
        with open(self.config, "w") as f:
            f.write(f"""
[s3]
bucket = "{BUCKET}"

[events]
retry_window = "1h"
secret_env = "EVENTS_ROUTE_SECRET"
""" + events_extra + f"""
[[webhooks]]
name = "app"
url = "{receiver.base}/hooks"
secret_env = "APP_WEBHOOK_SECRET"
timeout_seconds = 2
""" + profiles)
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": directory,
                    "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                    "AWS_REGION": "us-east-1", "APP_WEBHOOK_SECRET": NEW + " " + OLD,
                    "EVENTS_ROUTE_SECRET": ROUTE_SECRET}
        self.store_args = ["--store-listen", f"127.0.0.1:{self.store_port}"]
        if store is not None:
            self.store_args = ["--no-store"]
            self.env.update({"AWS_ENDPOINT_URL": store.endpoint,
                             "AWS_ACCESS_KEY_ID": store.access_key_id,
                             "AWS_SECRET_ACCESS_KEY": store.secret_access_key,
                             "AWS_REGION": store.region})
        self.process = None
        self.log = open(os.path.join(directory, "serve.log"), "ab")

    def start(self):
        self.process = subprocess.Popen(
            [BINARY, "serve", "--listen", f"127.0.0.1:{self.port}", "--threads", "2",
             *self.store_args, "--data-dir", os.path.join(self.dir, "data"),
             "--config", self.config],
            env=self.env, stdout=self.log, stderr=self.log, preexec_fn=die_with_parent)

        def ready():
            if self.process.poll() is not None:
                raise RuntimeError("upgate serve exited: " + self.log_text())
            try:
                return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).ok
            except requests.ConnectionError:
                return False
        if not wait_until(ready, timeout=30):
            raise RuntimeError("upgate serve did not start: " + self.log_text())

    def api(self, path, body):
        return requests.post(f"http://127.0.0.1:{self.port}{path}", json=body, timeout=30)

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def close(self):
        if self.process:
            stop(self.process)
        self.log.close()

    def log_text(self):
        with open(os.path.join(self.dir, "serve.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def s3(self):
        return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.store_port}",
                            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_KEY,
                            region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))

    def webhooks(self, *args):
        return subprocess.run(
            [BINARY, "webhooks", *args, "--config", self.config, "--data-dir",
             os.path.join(self.dir, "data")],
            env=self.env, capture_output=True, text=True, timeout=30)


class ServeEventsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="upgate-events-")
        self.addCleanup(self.tmp.cleanup)
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.serve = Serve(self.tmp.name, self.receiver)
        self.addCleanup(self.serve.close)
        self.serve.start()

    def accepted(self):
        return self.receiver.received()["accepted"]

    def test_store_writes_become_signed_webhooks_in_order(self):
        s3 = self.serve.s3()
        s3.put_object(Bucket=BUCKET, Key="photos/cat one.png", Body=b"\x89PNG\r\n\x1a\n" + b"0" * 64,
                      ContentType="image/png", Metadata={"album": "cats"})
        s3.copy_object(Bucket=BUCKET, Key="photos/copy.png",
                       CopySource={"Bucket": BUCKET, "Key": "photos/cat one.png"})
        s3.delete_object(Bucket=BUCKET, Key="photos/cat one.png")
        s3.delete_object(Bucket=BUCKET, Key="never-there")  # changes nothing: no event
        self.assertTrue(wait_until(lambda: len(self.accepted()) >= 3, timeout=60),
                        self.receiver.received())
        time.sleep(1)
        got = self.accepted()
        # The order is promised per object (docs/EVENTS.md): the copy's event, verified by its
        # own worker, may come before or after the other key's deletion (seen once in a
        # loaded run), but the first key's creation always comes before its deletion.
        pairs = [(a["type"], a["key"]) for a in got]
        self.assertCountEqual(pairs, [("upload.completed", "photos/cat one.png"),
                                      ("upload.completed", "photos/copy.png"),
                                      ("object.deleted", "photos/cat one.png")])
        self.assertEqual([t for t, k in pairs if k == "photos/cat one.png"],
                         ["upload.completed", "object.deleted"])
        self.assertEqual(self.receiver.received()["rejected"], 0)
        for a in got:
            self.assertEqual(a["id"], a["bodyId"])
            self.assertRegex(a["id"], r"^evt_[0-9a-f]{32}$")
        # The secrets appear nowhere in upgate's output.
        for secret in (OLD, NEW, SECRET_KEY):
            self.assertNotIn(secret, self.serve.log_text())

        listed = self.serve.webhooks("list", "--json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        rows = json.loads(listed.stdout)
        self.assertEqual(len(rows), 3)
        self.assertTrue(all(r["state"] == "delivered" and r["endpoint"] == "app" for r in rows))
        replayed = self.serve.webhooks("replay", got[0]["id"])
        self.assertEqual(replayed.returncode, 0, replayed.stderr)
        self.assertTrue(wait_until(lambda: len(self.accepted()) == 4, timeout=30))
        self.assertEqual(self.accepted()[3]["id"], got[0]["id"])
        missing = self.serve.webhooks("replay", "evt_" + "0" * 32)
        self.assertNotEqual(missing.returncode, 0)

    def test_kill_9_mid_delivery_redelivers_with_the_same_id(self):
        # The receiver records the request, then holds its answer: upgate dies waiting.
        self.receiver.mode(status=204, delay_ms=20000)
        self.serve.s3().put_object(Bucket=BUCKET, Key="held.txt", Body=b"hello",
                                   ContentType="text/plain")
        self.assertTrue(wait_until(lambda: len(self.accepted()) == 1, timeout=60))
        first = self.accepted()[0]["id"]
        self.serve.kill9()
        self.receiver.mode(status=204, delay_ms=0)
        self.serve.start()
        self.assertTrue(wait_until(lambda: len(self.accepted()) >= 2, timeout=60),
                        self.receiver.received())
        ids = [a["id"] for a in self.accepted()]
        self.assertEqual(set(ids), {first})  # at least once, never another id

    def test_kill_9_with_events_queued_delivers_them_after_restart(self):
        self.receiver.mode(status=503)
        s3 = self.serve.s3()
        for i in range(5):
            s3.put_object(Bucket=BUCKET, Key=f"queued/{i}.txt", Body=b"x" * (i + 1),
                          ContentType="text/plain")
        queued = self.serve.webhooks("list", "--undelivered", "--json")
        self.assertEqual(queued.returncode, 0, queued.stderr)
        self.assertEqual(len(json.loads(queued.stdout)), 5)
        self.serve.kill9()
        self.receiver.mode(status=204)
        self.serve.start()
        self.assertTrue(wait_until(lambda: len({a["id"] for a in self.accepted()}) == 5,
                                   timeout=90), self.receiver.received())
        self.assertEqual(sorted(a["key"] for a in self.accepted()),
                         [f"queued/{i}.txt" for i in range(5)])


    def webhook_metrics(self):
        """GET /metrics's upgate_webhook_* samples: {(name, state or None): value} for the
        endpoint "app"."""
        page = requests.get(f"http://127.0.0.1:{self.serve.port}/metrics", timeout=10)
        page.raise_for_status()
        samples = {}
        for line in page.text.splitlines():
            match = re.fullmatch(r'(upgate_webhook_\w+)\{endpoint="app"(?:,state="(\w+)")?\} (\S+)',
                                 line)
            if match:
                samples[(match.group(1), match.group(2))] = float(match.group(3))
        return samples

    def deliveries(self, state):
        return self.webhook_metrics()[("upgate_webhook_deliveries", state)]

    def oldest_age(self):
        return self.webhook_metrics()[("upgate_webhook_oldest_queued_seconds", None)]

    def test_metrics_show_delivered_then_queued_and_aging_while_the_receiver_fails(self):
        s3 = self.serve.s3()
        for i in range(3):
            s3.put_object(Bucket=BUCKET, Key=f"metrics/{i}.txt", Body=b"m" * (i + 1),
                          ContentType="text/plain")
        self.assertTrue(wait_until(lambda: self.deliveries("delivered") == 3, timeout=60),
                        self.webhook_metrics())
        self.assertTrue(wait_until(lambda: self.deliveries("queued") == 0, timeout=30),
                        self.webhook_metrics())
        self.assertEqual(self.oldest_age(), 0)
        self.assertEqual(self.deliveries("failed"), 0)
        self.assertEqual(self.deliveries("retrying"), 0)
        self.assertEqual(self.deliveries("dead"), 0)

        # The receiver answers 500: the event stays queued and grows old.
        self.receiver.mode(status=500)
        s3.put_object(Bucket=BUCKET, Key="metrics/stuck.txt", Body=b"stuck",
                      ContentType="text/plain")
        self.assertTrue(wait_until(lambda: self.deliveries("failed") >= 1
                                   and self.deliveries("queued") == 1
                                   and self.deliveries("retrying") == 1, timeout=60),
                        self.webhook_metrics())
        first_age = self.oldest_age()
        self.assertGreater(first_age, 0)
        self.assertTrue(wait_until(lambda: self.oldest_age() >= first_age + 1.5, timeout=30),
                        self.webhook_metrics())
        self.assertEqual(self.deliveries("queued"), 1)
        self.assertEqual(self.deliveries("delivered"), 3)

        # Back to 204; a replay makes the retry due now instead of after its backoff.
        self.receiver.mode(status=204)
        undelivered = self.serve.webhooks("list", "--undelivered", "--json")
        self.assertEqual(undelivered.returncode, 0, undelivered.stderr)
        stuck = json.loads(undelivered.stdout)
        self.assertEqual([d["key"] for d in stuck], ["metrics/stuck.txt"])
        replayed = self.serve.webhooks("replay", stuck[0]["event_id"])
        self.assertEqual(replayed.returncode, 0, replayed.stderr)
        self.assertTrue(wait_until(lambda: self.deliveries("queued") == 0
                                   and self.deliveries("retrying") == 0
                                   and self.deliveries("delivered") == 4, timeout=60),
                        self.webhook_metrics())
        self.assertEqual(self.oldest_age(), 0)
        self.assertEqual(self.deliveries("dead"), 0)

    def post(self, path, body, headers=None):
        return requests.post(f"http://127.0.0.1:{self.serve.port}{path}", data=body,
                             headers=headers or {}, timeout=30)

    def test_rgw_records_with_the_secret_become_one_webhook_per_object_version(self):
        refused = self.post("/v1/events/s3", RGW_RECORDS, {"X-Upgate-Events-Secret": "wrong"})
        self.assertEqual(refused.status_code, 401, refused.text)
        self.assertEqual(self.post("/v1/events/s3", RGW_RECORDS).status_code, 401)
        ok = self.post("/v1/events/s3", RGW_RECORDS, {"X-Upgate-Events-Secret": ROUTE_SECRET})
        self.assertEqual(ok.status_code, 200, ok.text)
        self.assertEqual(ok.json()["events"], 1)
        again = self.post("/v1/events/s3/" + ROUTE_SECRET, RGW_RECORDS)  # RGW retried: deduped
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["duplicates"], 1)
        self.assertEqual(self.post("/v1/events/s3", "{\"Records\":[{}]}",
                                   {"X-Upgate-Events-Secret": ROUTE_SECRET}).status_code, 400)
        self.assertTrue(wait_until(lambda: len(self.accepted()) == 1, timeout=60))
        time.sleep(1)
        got = self.accepted()
        self.assertEqual(len(got), 1)
        self.assertEqual((got[0]["type"], got[0]["key"]), ("upload.completed", "from rgw.png"))
        self.assertNotIn(ROUTE_SECRET, self.serve.log_text())


    def raw_head(self, connection):
        """Reads one response head from a raw socket: (status, the head's text)."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(4096)
            if not chunk:
                break
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        return int(head.split(" ", 2)[1]), head

    def test_a_sender_without_the_secret_is_refused_before_it_sends_its_body(self):
        # 900 KiB announced, under the 1 MiB bound, so only the secret can refuse it; the
        # client sends the head only and waits: the 401 must come with no body byte sent (the
        # old route read the body first and would still be waiting for it).
        size = 900 * 1024
        for target, extra in (
                ("/v1/events/s3", ""),
                ("/v1/events/s3", "X-Upgate-Events-Secret: wrong-secret-0123456789\r\n"),
                ("/v1/events/s3/" + "w" * 40, "Expect: 100-continue\r\n")):
            with socket.create_connection(("127.0.0.1", self.serve.port), timeout=20) as c:
                c.sendall((f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           f"Content-Type: application/json\r\nContent-Length: {size}\r\n"
                           f"{extra}\r\n").encode())
                status, head = self.raw_head(c)
                self.assertEqual(status, 401, (target, head))  # not 100 Continue: no invitation
                self.assertIn("connection: close", head.lower(), head)
        # With the secret, 100-continue invites the body and the records are taken.
        body = RGW_RECORDS.encode()
        with socket.create_connection(("127.0.0.1", self.serve.port), timeout=20) as c:
            c.sendall((f"POST /v1/events/s3/{ROUTE_SECRET} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                       "Expect: 100-continue\r\n\r\n").encode())
            status, head = self.raw_head(c)
            self.assertEqual(status, 100, head)
            c.sendall(body)
            status, head = self.raw_head(c)
            self.assertEqual(status, 200, head)
        self.assertNotIn(ROUTE_SECRET, self.serve.log_text())


class StoreNotifyUrlTest(unittest.TestCase):
    def test_standalone_store_pushes_s3_event_records(self):
        receiver = Receiver()
        self.addCleanup(receiver.close)
        store = start_store(extra_args=["--notify-url", receiver.base + "/records",
                                        "--bucket", BUCKET])
        self.addCleanup(store.close)
        s3 = boto3.client("s3", endpoint_url=store.endpoint,
                          aws_access_key_id=store.access_key_id,
                          aws_secret_access_key=store.secret_access_key, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
        s3.put_object(Bucket=BUCKET, Key="a b.txt", Body=b"hello")
        s3.delete_object(Bucket=BUCKET, Key="a b.txt")
        self.assertTrue(wait_until(lambda: len(receiver.received()["records"]) == 2, timeout=30))
        records = receiver.received()["records"]
        self.assertEqual([r["eventName"] for r in records],
                         ["ObjectCreated:Put", "ObjectRemoved:Delete"])
        self.assertEqual(records[0]["key"], "a+b.txt")
        self.assertEqual(records[0]["size"], 5)


class StorageReportsAreVerifiedTest(unittest.TestCase):
    """A client that PUTs through a presigned URL and never calls complete (a closed tab, a
    hostile client): the store's own report is verified before the app hears of it, with the
    same outcome and event id a completion call gets."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="upgate-reports-")
        self.addCleanup(self.tmp.cleanup)
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.serve = Serve(self.tmp.name, self.receiver, PROFILES)
        self.addCleanup(self.serve.close)
        self.serve.start()

    def put(self, profile, name, content_type, data):
        r = self.serve.api("/v1/uploads", {"profile": profile, "fileName": name,
                                           "contentType": content_type, "size": len(data)})
        self.assertEqual(r.status_code, 200, r.text)
        answer = r.json()
        put = requests.put(answer["uploadUrl"], data=data, headers=answer["headers"], timeout=30)
        self.assertEqual(put.status_code, 200, put.text)
        return answer

    def events_for(self, key, count=1):
        def got():
            return [a for a in self.receiver.received()["accepted"] if a["key"] == key]
        self.assertTrue(wait_until(lambda: len(got()) >= count, timeout=60),
                        (key, self.receiver.received(), self.serve.log_text()[-3000:]))
        return got()

    def stored(self, key):
        try:
            self.serve.s3().head_object(Bucket=BUCKET, Key=key)
            return True
        except self.serve.s3().exceptions.ClientError:
            return False

    def test_an_html_page_put_as_png_is_rejected_and_deleted_without_a_completion(self):
        answer = self.put("photos", "cat.png", "image/png", magic_file("page.html"))
        event = self.events_for(answer["key"])[0]
        self.assertEqual((event["type"], event["source"], event["reason"]),
                         ("upload.rejected", "storage", "content_mismatch"), event)
        self.assertEqual(event["detectedType"], "text/html")
        self.assertTrue(wait_until(lambda: not self.stored(answer["key"]), timeout=30))
        # The completion call that comes late gets the same verdict and the same event.
        late = self.serve.api("/v1/uploads/complete", {"uploadToken": answer["uploadToken"]})
        self.assertEqual(late.status_code, 422, late.text)
        self.assertEqual(late.json()["eventId"], event["id"])
        time.sleep(1)
        kinds = [(a["type"], a["key"]) for a in self.receiver.received()["accepted"]]
        self.assertEqual(kinds, [("upload.rejected", answer["key"]),
                                 ("object.deleted", answer["key"])])

    def test_a_png_put_as_pdf_is_quarantined_and_the_copy_is_no_upload(self):
        answer = self.put("docs", "report.pdf", "application/pdf", magic_file("pixel.png"))
        event = self.events_for(answer["key"])[0]
        self.assertEqual((event["type"], event["source"], event["detectedType"]),
                         ("upload.rejected", "storage", "image/png"), event)
        quarantined = "quarantine/" + answer["key"]
        self.assertTrue(wait_until(lambda: self.stored(quarantined), timeout=30))
        # upgate's own move reports a deletion of the key and nothing for the copy.
        self.events_for(answer["key"], count=2)
        time.sleep(1)
        kinds = [(a["type"], a["key"]) for a in self.receiver.received()["accepted"]]
        self.assertEqual(kinds, [("upload.rejected", answer["key"]),
                                 ("object.deleted", answer["key"])])

    def test_a_real_pdf_is_completed_once_whichever_path_reports_first(self):
        answer = self.put("docs", "paper.pdf", "application/pdf", magic_file("page.pdf"))
        [event] = self.events_for(answer["key"])
        self.assertEqual((event["type"], event["source"], event["detectedType"]),
                         ("upload.completed", "storage", "application/pdf"), event)
        done = self.serve.api("/v1/uploads/complete", {"uploadToken": answer["uploadToken"]})
        self.assertEqual(done.status_code, 200, done.text)
        self.assertEqual(done.json()["eventId"], event["id"])
        time.sleep(1)
        self.assertEqual(len(self.events_for(answer["key"])), 1)

    def test_verify_content_off_is_published_as_the_store_reports_it(self):
        answer = self.put("raw", "blob.png", "image/png", magic_file("page.html"))
        [event] = self.events_for(answer["key"])
        self.assertEqual((event["type"], event["source"], event["detectedType"]),
                         ("upload.completed", "storage", None), event)
        self.assertTrue(self.stored(answer["key"]))


class StoreNotifyUrlSurvivesAKillTest(unittest.TestCase):
    def test_records_queued_at_a_kill_9_with_the_receiver_down_are_sent_after_restart(self):
        receiver = Receiver()
        self.addCleanup(receiver.close)
        receiver.mode(status=503)
        store = start_store(extra_args=["--notify-url", receiver.base + "/records",
                                        "--bucket", BUCKET])
        self.addCleanup(store.close)
        s3 = store.client()
        for i in range(5):
            s3.put_object(Bucket=BUCKET, Key=f"queued/{i}.txt", Body=b"x" * (i + 1))
        # Each PUT was answered after its record was on disk; the receiver refused them so far.
        self.assertTrue(wait_until(lambda: receiver.received()["record_posts"] >= 1, timeout=30))
        self.assertEqual(receiver.received()["records"], [])
        store.kill()
        receiver.mode(status=204)
        store.start()

        def keys():
            return sorted({(r["key"], r["sequencer"]) for r in receiver.received()["records"]})
        self.assertTrue(wait_until(lambda: len(keys()) == 5, timeout=90),
                        (receiver.received(), store.log_tail()))
        self.assertEqual([k for k, _ in keys()], [f"queued/{i}.txt" for i in range(5)])
        self.assertTrue(all(r["eventName"] == "ObjectCreated:Put"
                            for r in receiver.received()["records"]))


def rgw_records(objects):
    """S3 event records as Ceph RGW pushes them, for (key, etag, size) in `objects`."""
    return json.dumps({"Records": [{
        "eventVersion": "2.2", "eventSource": "ceph:s3", "awsRegion": "default",
        "eventTime": "2030-05-31T12:00:00.000000Z", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": BUCKET},
               "object": {"key": key, "size": size, "eTag": etag, "sequencer": "%016X" % n}}}
        for n, (key, etag, size) in enumerate(objects)]})


def start_serve_before_a_store(test, prefix, events_extra=""):
    """For `test`: a receiver, a standalone store (no notifications of its own, so the test
    posts the reports) and `upgate serve --no-store` with PROFILES against it, all closed
    at cleanup; sets test.tmp, test.receiver, test.store and test.serve."""
    test.tmp = tempfile.TemporaryDirectory(prefix=prefix)
    test.addCleanup(test.tmp.cleanup)
    test.receiver = Receiver()
    test.addCleanup(test.receiver.close)
    test.store = start_store(extra_args=["--bucket", BUCKET])
    test.addCleanup(test.store.close)
    test.serve = Serve(test.tmp.name, test.receiver, PROFILES, store=test.store,
                       events_extra=events_extra)
    test.addCleanup(test.serve.close)


def post_reports(serve, body):
    """S3 event records to serve's POST /v1/events/s3, the secret in the path (as RGW)."""
    return requests.post(f"http://127.0.0.1:{serve.port}/v1/events/s3/{ROUTE_SECRET}",
                         data=body, timeout=30)


class StorageReportsSurviveAKillTest(unittest.TestCase):
    """Storage reports waiting for verification are on disk before they are acknowledged:
    with the target store frozen (SIGSTOP) nothing can be verified, serve answers 200 to the
    reports, is killed with SIGKILL, and after a restart (store thawed) each report becomes
    exactly one verified webhook. The bound (max_pending_reports) answers 503 beyond it."""

    def setUp(self):
        start_serve_before_a_store(self, "upgate-durable-reports-",
                                   events_extra="max_pending_reports = 4\n")
        self.addCleanup(self.thaw)
        self.serve.start()

    def thaw(self):
        if self.store.running:
            os.kill(self.store.pid, signal.SIGCONT)

    def post(self, body):
        return post_reports(self.serve, body)

    def put(self, s3, name, data, content_type):
        key = f"docs/2026/12/07/{uuid.uuid4().hex}-{name}"
        answer = s3.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType=content_type)
        return key, answer["ETag"].strip('"'), len(data)

    def reports(self):
        page = requests.get(f"http://127.0.0.1:{self.serve.port}/metrics", timeout=10)
        page.raise_for_status()
        return {m.group(1): float(m.group(2)) for m in
                re.finditer(r'^upgate_storage_reports\{state="(\w+)"\} (\S+)$', page.text,
                            re.MULTILINE)}

    def test_reports_acknowledged_before_a_kill_9_become_one_webhook_each(self):
        s3 = self.store.client()
        pdf = magic_file("page.pdf")
        objects = [self.put(s3, f"paper{i}.pdf", pdf, "application/pdf") for i in range(3)]
        objects.append(self.put(s3, "fake.pdf", magic_file("pixel.png"), "application/pdf"))
        late = self.put(s3, "late.pdf", pdf, "application/pdf")

        os.kill(self.store.pid, signal.SIGSTOP)  # nothing can be verified now
        first = self.post(rgw_records(objects))
        self.assertEqual(first.status_code, 200, first.text)
        self.assertEqual((first.json()["events"], first.json()["duplicates"]), (4, 0))
        again = self.post(rgw_records(objects))  # the sender retried: the same rows
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["duplicates"], 4)
        full = self.post(rgw_records([late]))
        self.assertEqual(full.status_code, 503, full.text)
        self.assertEqual(full.json()["code"], "reports_backlog_full")
        self.assertEqual(full.headers.get("Retry-After"), "5")
        self.assertTrue(wait_until(lambda: self.reports().get("pending") == 4, timeout=30),
                        self.reports())
        self.assertGreaterEqual(self.reports()["refused"], 1)
        self.assertEqual(self.receiver.received()["accepted"], [])

        self.serve.kill9()
        os.kill(self.store.pid, signal.SIGCONT)
        self.serve.start()

        def accepted():
            return self.receiver.received()["accepted"]
        self.assertTrue(wait_until(lambda: len(accepted()) >= 4, timeout=120),
                        (self.receiver.received(), self.serve.log_text()[-3000:]))
        time.sleep(1)
        got = accepted()
        self.assertEqual(len(got), 4, got)
        self.assertEqual(len({a["id"] for a in got}), 4)
        by_key = {a["key"]: a for a in got}
        self.assertEqual(set(by_key), {key for key, _, _ in objects})
        for key, _, _ in objects[:3]:
            self.assertEqual((by_key[key]["type"], by_key[key]["source"],
                              by_key[key]["detectedType"]),
                             ("upload.completed", "storage", "application/pdf"))
        fake = by_key[objects[3][0]]
        self.assertEqual((fake["type"], fake["reason"], fake["detectedType"]),
                         ("upload.rejected", "content_mismatch", "image/png"))
        self.assertTrue(wait_until(lambda: self.reports().get("pending") == 0, timeout=30),
                        self.reports())

        # The refused sender retries once there is room.
        retried = self.post(rgw_records([late]))
        self.assertEqual(retried.status_code, 200, retried.text)
        self.assertTrue(wait_until(lambda: len(accepted()) == 5, timeout=60))
        self.assertEqual(accepted()[4]["key"], late[0])
        self.assertNotIn(ROUTE_SECRET, self.serve.log_text())


class SupersededReportsTest(unittest.TestCase):
    """A report of an object that was replaced before its verification judges nothing: its
    version is gone. The object there now is judged under a report of its own (queued from
    its HEAD, the same row the storage's own report of it becomes), so each version keeps
    its identity, the replacement is judged even when its report never comes, and the app
    hears one event for it. `upgate webhooks list` shows these report rows only with --all."""

    def setUp(self):
        start_serve_before_a_store(self, "upgate-superseded-")
        self.serve.start()

    def post(self, body):
        return post_reports(self.serve, body)

    def log_lines(self, message):
        return [e for e in json_log_lines(self.serve.log_text()) if e.get("msg") == message]

    def test_the_replacement_is_judged_under_its_own_report_once(self):
        s3 = self.store.client()
        key = f"docs/2026/12/07/{uuid.uuid4().hex}-paper.pdf"
        pdf, png = magic_file("page.pdf"), magic_file("pixel.png")
        first = s3.put_object(Bucket=BUCKET, Key=key, Body=pdf, ContentType="application/pdf")
        second = s3.put_object(Bucket=BUCKET, Key=key, Body=png, ContentType="application/pdf")
        old = (key, first["ETag"].strip('"'), len(pdf))
        new = (key, second["ETag"].strip('"'), len(png))
        self.assertNotEqual(old[1], new[1])

        answer = self.post(rgw_records([old]))  # the storage's report of the replaced PDF
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertTrue(wait_until(lambda: len(self.receiver.received()["accepted"]) >= 1,
                                   timeout=60),
                        (self.receiver.received(), self.serve.log_text()[-3000:]))
        [event] = self.receiver.received()["accepted"]
        self.assertEqual((event["key"], event["type"], event["detectedType"]),
                         (key, "upload.rejected", "image/png"))
        # The verdict is the PNG's, under the PNG's own identity, never the PDF report's.
        [replaced] = self.log_lines("reported object was replaced before verification")
        self.assertEqual(replaced["etag"], old[1])
        refused = self.log_lines("reported upload refused by verification")
        self.assertEqual([r["etag"] for r in refused], [new[1]])

        # The storage's own report of the PNG, arriving late, is the row already judged.
        late = self.post(rgw_records([new]))
        self.assertEqual(late.status_code, 200, late.text)
        self.assertEqual((late.json()["events"], late.json()["duplicates"]), (1, 1))
        time.sleep(1)
        self.assertEqual(len(self.receiver.received()["accepted"]), 1)
        # One report row per version.
        reports = json.loads(self.serve.webhooks(
            "list", "--endpoint", "upgate:verify-report", "--json").stdout)
        self.assertEqual(len(reports), 2, reports)
        self.assertTrue(all(r["key"] == key and r["state"] == "delivered" for r in reports))

    def test_webhooks_list_shows_the_report_rows_only_with_all(self):
        s3 = self.store.client()
        key = f"docs/2026/12/07/{uuid.uuid4().hex}-paper.pdf"
        pdf = magic_file("page.pdf")
        put = s3.put_object(Bucket=BUCKET, Key=key, Body=pdf, ContentType="application/pdf")
        answer = self.post(rgw_records([(key, put["ETag"].strip('"'), len(pdf))]))
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertTrue(wait_until(lambda: len(self.receiver.received()["accepted"]) == 1,
                                   timeout=60), self.receiver.received())

        def rows(*flags):
            listed = self.serve.webhooks("list", *flags)
            self.assertEqual(listed.returncode, 0, listed.stderr)
            return listed.stdout
        self.assertTrue(wait_until(lambda: "delivered" in {
            r["state"] for r in json.loads(rows("--all", "--json"))
            if r["endpoint"] == "upgate:verify-report"}, timeout=30))
        self.assertEqual([(r["endpoint"], r["key"]) for r in json.loads(rows("--json"))],
                         [("app", key)])
        self.assertEqual(sorted(r["endpoint"] for r in json.loads(rows("--all", "--json"))),
                         ["app", "upgate:verify-report"])
        self.assertNotIn("upgate:verify-report", rows())
        self.assertIn("upgate:verify-report", rows("--all"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
