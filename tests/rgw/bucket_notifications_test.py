"""Ceph RGW's own bucket notifications reach upgate (label rgw), issue 13's proof for RGW:
`upgate bucket notifications put` makes an RGW topic pushing to a real `upgate serve
--no-store` (pointed at RGW) and sets the bucket's notifications; an object PUT through a
presigned URL from that serve, with nobody calling complete, makes RGW POST its S3 event
records to /v1/events/s3/<secret>; serve verifies the upload (HEAD and the first bytes, from
RGW) and sends a Standard Webhook that the test receiver verifies with the `standardwebhooks`
npm package. A PNG declared as image/png becomes upload.completed; an HTML page PUT through an
image/png URL becomes upload.rejected, and its deletion by upgate comes back from RGW as
object.deleted. `get` shows the endpoint without the secret; `delete` removes both. The
events secret appears in no output of upgate's.

RGW pushes synchronously (within the PUT that caused the event), so each event arrives in a
second or two; the waits below are bounds for a loaded machine, not expectations.
"""
import json
import os
import subprocess
import unittest

import requests

from api_harness import BINARY as UPGATE, ApiServer
from ceph_cluster import CephRgw
from waiting import wait_until
from webhook_receiver import WebhookReceiver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAGIC = os.path.join(ROOT, "tests", "data", "events", "magic")
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
# Distinctive, so a leak anywhere is found by a plain substring search.
EVENTS_SECRET = "rgw-events-route-secret-NeverShown-7f3a9c"
EVENT_WAIT = 90


def magic_file(name):
    with open(os.path.join(MAGIC, name), "rb") as f:
        return f.read()


class RgwBucketNotificationsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rgw = CephRgw()
        cls.addClassCleanup(cls.rgw.close)
        cls.rgw.start()
        cls.bucket = "notified-uploads"
        cls.rgw.create_bucket(cls.bucket)
        cls.receiver = WebhookReceiver(WEBHOOK_SECRET)
        cls.addClassCleanup(cls.receiver.close)
        cls.outbox_dir = os.path.join(cls.rgw.temp_dir, "upgate")
        os.makedirs(cls.outbox_dir, exist_ok=True)
        config = f"""
[server]
demo_page = false

[events]
secret_env = "UPGATE_EVENTS_SECRET"
outbox = "{cls.outbox_dir}/events.db"

[[webhooks]]
name = "app"
url = "{cls.receiver.base}/hooks"
secret_env = "APP_WEBHOOK_SECRET"
timeout_seconds = 5

[profiles.photos]
folder = "photos"
allowed_types = ["image/*"]
on_mismatch = "delete"
"""
        cls.target_env = {
            "AWS_ENDPOINT_URL_S3": cls.rgw.endpoint,
            "AWS_ACCESS_KEY_ID": cls.rgw.access_key_id,
            "AWS_SECRET_ACCESS_KEY": cls.rgw.secret_access_key,
            "AWS_REGION": cls.rgw.region,
        }
        env = dict(cls.target_env)
        env.update({"AWS_S3_BUCKET_NAME": cls.bucket, "UPGATE_EVENTS_SECRET": EVENTS_SECRET,
                    "APP_WEBHOOK_SECRET": WEBHOOK_SECRET})
        cls.server = ApiServer(config, extra_env=env)
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.outputs = []

    def upgate(self, *args):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.rgw.temp_dir,
               "UPGATE_EVENTS_SECRET": EVENTS_SECRET}
        env.update(self.target_env)
        done = subprocess.run([UPGATE, "bucket", "notifications", *args], env=env,
                              capture_output=True, text=True, timeout=60)
        self.outputs += [done.stdout, done.stderr]
        return done

    def put(self, name, content_type, data):
        r = self.server.post("/v1/uploads", {"profile": "photos", "fileName": name,
                                             "contentType": content_type, "size": len(data)})
        self.assertEqual(r.status_code, 200, r.text)
        answer = r.json()
        self.assertIn(self.rgw.endpoint, answer["uploadUrl"])
        put = requests.put(answer["uploadUrl"], data=data, headers=answer["headers"], timeout=60)
        self.assertEqual(put.status_code, 200, put.text)
        return answer["key"]

    def events_for(self, key, count=1):
        def got():
            return [a for a in self.receiver.received()["accepted"] if a["key"] == key]
        self.assertTrue(wait_until(lambda: len(got()) >= count, timeout=EVENT_WAIT),
                        (key, self.receiver.received(), self.server.log_text()[-3000:],
                         self.server.stderr_text()[-2000:]))
        return got()

    def test_rgw_notifications_become_verified_webhooks(self):
        put = self.upgate("put", self.bucket, "--endpoint", self.server.base)
        self.assertEqual(put.returncode, 0, put.stderr)
        self.assertIn(f"pushes to {self.server.base}/v1/events/s3/<secret>", put.stdout)
        self.assertIn("aws sns create-topic", put.stdout)  # the AWS equivalent
        self.assertIn("$UPGATE_EVENTS_SECRET", put.stdout)

        got = self.upgate("get", self.bucket)
        self.assertEqual(got.returncode, 0, got.stderr)
        [configuration] = json.loads(got.stdout)["TopicConfigurations"]
        self.assertEqual(configuration["Id"], "upgate")
        self.assertEqual(sorted(configuration["Events"]),
                         ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"])
        self.assertEqual(configuration["PushEndpoint"],
                         f"{self.server.base}/v1/events/s3/<secret>")

        # Nobody calls complete: RGW's report alone makes the app hear of each upload.
        good = self.put("cat.png", "image/png", magic_file("pixel.png"))
        [event] = self.events_for(good)
        self.assertEqual((event["type"], event["source"], event["detectedType"]),
                         ("upload.completed", "storage", "image/png"), event)
        self.assertRegex(event["id"], r"^evt_[0-9a-f]{32}$")

        bad = self.put("page.png", "image/png", magic_file("page.html"))
        rejected, deleted = self.events_for(bad, count=2)
        self.assertEqual((rejected["type"], rejected["source"], rejected["reason"]),
                         ("upload.rejected", "storage", "content_mismatch"), rejected)
        self.assertEqual(deleted["type"], "object.deleted")  # upgate's delete, reported by RGW
        self.assertEqual(self.receiver.received()["rejected"], 0)  # every signature verified

        removed = self.upgate("delete", self.bucket)
        self.assertEqual(removed.returncode, 0, removed.stderr)
        gone = self.upgate("get", self.bucket)
        self.assertEqual(gone.returncode, 1, gone.stdout)
        self.assertIn("has no notifications", gone.stderr)

        for text in self.outputs + [self.server.log_text(), self.server.stderr_text()]:
            self.assertNotIn(EVENTS_SECRET, text)
            self.assertNotIn(self.rgw.secret_access_key, text)

    def test_usage_errors_are_refused_before_anything_is_sent(self):
        for args, needle in (
                (["--endpoint", "ftp://upgate.example"], "--endpoint"),
                (["--endpoint", "https://upgate.example/somewhere"], "--endpoint"),
                (["--endpoint", "https://u:p@upgate.example"], "user info"),
                (["--endpoint", "https://upgate.example", "--secret-env", "NOT_SET_ANYWHERE"],
                 "NOT_SET_ANYWHERE")):
            done = self.upgate("put", self.bucket, *args)
            self.assertEqual(done.returncode, 2, (args, done.stdout, done.stderr))
            self.assertIn(needle, done.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
