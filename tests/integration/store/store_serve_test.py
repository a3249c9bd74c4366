"""The seed's whole flow on one machine: `upgate serve` with no S3 endpoint starts the
embedded store, signs with the store's own key, and the browser's PUT lands in it."""
import os
import signal
import subprocess
import tempfile
import time
import unittest

import requests
from botocore.exceptions import ClientError

import store_harness as h
from child_process import die_with_parent, json_log_lines
from s3_client import s3_client


class ServeWithEmbeddedStoreTest(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory(prefix="upgate-serve-store-")
        self.addCleanup(self.temp.cleanup)
        self.data_dir = os.path.join(self.temp.name, "data")
        self.process = None

    def tearDown(self):
        self.stop()

    def start(self, config_text=None):
        self.log_path = os.path.join(self.temp.name, f"serve.{time.monotonic_ns()}.log")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.temp.name}
        args = [h.BINARY, "serve", "--listen", "127.0.0.1:0", "--store-listen", "127.0.0.1:0",
                "--data-dir", self.data_dir, "--threads", "2"]
        if config_text is not None:
            config_path = os.path.join(self.temp.name, "upgate.toml")
            with open(config_path, "w") as f:
                f.write(config_text)
            args += ["--config", config_path]
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, env=env, preexec_fn=die_with_parent)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            events = self.events()
            started = [e for e in events if e.get("msg") == "upgate serve started"]
            if started:
                store = [e for e in events if e.get("msg") == "embedded store started"]
                self.assertEqual(len(store), 1, events)
                self.api = "http://" + started[0]["listen"]
                self.s3 = store[0]["s3"]
                self.key_id = store[0]["access_key_id"]
                self.store_started = store[0]
                return
            self.assertIsNone(self.process.poll(), self.log())
            time.sleep(0.05)
        self.fail("serve did not start: " + self.log())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def events(self):
        return json_log_lines(self.log())

    def root_client(self):
        with open(os.path.join(self.data_dir, "credentials")) as f:
            values = dict(l.split(" = ", 1) for l in f.read().splitlines() if " = " in l)
        self.assertEqual(values["aws_access_key_id"], self.key_id)
        return values

    def test_presigned_put_from_the_api_lands_in_the_embedded_store(self):
        self.start()
        origin = self.api
        r = requests.post(self.api + "/api/s3/getPresignedUrl", headers={"Origin": origin},
                          json={"fileName": "holiday photo.jpg", "fileType": "image/jpeg",
                                "fileSize": 11, "folderName": "services"})
        self.assertEqual(r.status_code, 200, r.text)
        plan = r.json()
        self.assertTrue(plan["uploadUrl"].startswith(self.s3 + "/uploads/"), plan["uploadUrl"])
        # The browser's preflight, then its PUT with exactly the returned headers.
        preflight = requests.options(plan["uploadUrl"], headers={
            "Origin": origin, "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(preflight.status_code, 200, preflight.text)
        self.assertEqual(preflight.headers["Access-Control-Allow-Origin"], origin)
        put = requests.put(plan["uploadUrl"], data=b"jpeg bytes!",
                           headers=dict(plan["headers"], Origin=origin))
        self.assertEqual(put.status_code, 200, put.text)
        self.assertEqual(put.headers["Access-Control-Allow-Origin"], origin)
        self.assertIn("ETag", put.headers["Access-Control-Expose-Headers"])
        # Another type than the one signed is refused, and nothing is stored.
        r = requests.post(self.api + "/api/s3/getPresignedUrl",
                          json={"fileName": "b.jpg", "fileType": "image/jpeg", "fileSize": 3,
                                "folderName": "services"})
        other = r.json()
        refused = requests.put(other["uploadUrl"], data=b"<h>",
                               headers=dict(other["headers"], **{"Content-Type": "text/html"}))
        self.assertEqual(refused.status_code, 403)
        self.assertIn("<Code>SignatureDoesNotMatch</Code>", refused.text)

        creds = self.root_client()
        s3 = s3_client(self.s3, creds["aws_access_key_id"], creds["aws_secret_access_key"])
        got = s3.get_object(Bucket="uploads", Key=plan["key"])
        self.assertEqual(got["Body"].read(), b"jpeg bytes!")
        self.assertEqual(got["ContentType"], "image/jpeg")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="uploads")["Contents"]]
        self.assertEqual(keys, [plan["key"]])
        self.assertNotIn(creds["aws_secret_access_key"], self.log())

        # A restart keeps the data and the key.
        self.stop()
        self.start()
        self.assertEqual(self.key_id, creds["aws_access_key_id"])
        s3 = s3_client(self.s3, creds["aws_access_key_id"], creds["aws_secret_access_key"])
        self.assertEqual(s3.get_object(Bucket="uploads", Key=plan["key"])["Body"].read(),
                         b"jpeg bytes!")

    def lifecycle_rules(self):
        """The bucket's rules through the store serve runs now (its port changes at every
        start), or None when it has no lifecycle configuration."""
        creds = self.root_client()
        s3 = s3_client(self.s3, creds["aws_access_key_id"], creds["aws_secret_access_key"])
        try:
            return s3.get_bucket_lifecycle_configuration(Bucket="uploads")["Rules"]
        except ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "NoSuchLifecycleConfiguration")
            return None

    def test_the_bucket_gets_an_abort_rule_unless_it_has_a_lifecycle_of_its_own(self):
        # Uppy never aborts a failed multipart upload: without a rule the disk only grows.
        self.start()
        creds = self.root_client()
        s3 = s3_client(self.s3, creds["aws_access_key_id"], creds["aws_secret_access_key"])
        default_rule = {"ID": "upgate-abort-incomplete-uploads", "Filter": {"Prefix": ""},
                        "Status": "Enabled",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}
        self.assertEqual(self.lifecycle_rules(), [default_rule])
        self.assertIn("aborted 1 day after they started", self.store_started["lifecycle"])
        # It is applied: a new upload is told when the rule will abort it.
        upload = s3.create_multipart_upload(Bucket="uploads", Key="big.bin")
        self.assertEqual(upload["AbortRuleId"], "upgate-abort-incomplete-uploads")
        self.assertIn("AbortDate", upload)

        # An operator's configuration is never replaced, at any start.
        own = [{"ID": "mine", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled",
                "Expiration": {"Days": 30}}]
        s3.put_bucket_lifecycle_configuration(Bucket="uploads",
                                              LifecycleConfiguration={"Rules": own})
        self.stop()
        self.start()
        self.assertEqual(self.lifecycle_rules(), own)
        self.assertIn("the bucket's own", self.store_started["lifecycle"])

        # 0: no default rule; another number: that many days.
        s3 = s3_client(self.s3, creds["aws_access_key_id"], creds["aws_secret_access_key"])
        s3.delete_bucket_lifecycle(Bucket="uploads")
        self.stop()
        self.start("[store]\nabort_incomplete_days = 0\n")
        self.assertIsNone(self.lifecycle_rules())
        self.stop()
        self.start("[store]\nabort_incomplete_days = 3\n")
        self.assertEqual(self.lifecycle_rules(), [dict(
            default_rule, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 3})])


if __name__ == "__main__":
    unittest.main()
