"""`upgate bucket lifecycle put|get|delete` against a real `upgate store`, read back by an
independent client (boto3); and the rule it sets put to work: with a one-second lifecycle day
(--lifecycle-day-seconds 1), the store's sweeper aborts an upload left incomplete. Also the
error contract: a bad file is exit 2 naming the problem, a bucket without a configuration is
exit 1, and no secret is ever printed.

Environment: UPGATE_BIN (ctest passes $<TARGET_FILE:upgate>), else build/upgate.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid

from store_process import start_store

ACCESS_KEY_ID = "AKIDBUCKETLIFECYCLE1"
SECRET = "BucketLifecycleSecret/NeverPrinted+4q"

store = None
work_dir = None


def setUpModule():
    global store, work_dir
    store = start_store(access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET,
                        extra_args=["--lifecycle-day-seconds", "1",
                                    "--lifecycle-interval", "0.2"])
    unittest.addModuleCleanup(store.close)
    work_dir = tempfile.mkdtemp(prefix="upgate-bucket-lifecycle-")
    unittest.addModuleCleanup(shutil.rmtree, work_dir, ignore_errors=True)


def store_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "UPGATE_"))}
    missing = os.path.join(work_dir, "no-such-file")
    env.update(HOME=work_dir, AWS_SHARED_CREDENTIALS_FILE=missing, AWS_CONFIG_FILE=missing,
               AWS_ACCESS_KEY_ID=ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_ENDPOINT_URL_S3=store.endpoint, AWS_REGION=store.region)
    return env


class BucketLifecycleCommandTest(unittest.TestCase):
    def setUp(self):
        self.s3 = store.client()
        self.bucket = "life-" + uuid.uuid4().hex[:12]
        self.s3.create_bucket(Bucket=self.bucket)

    def upgate(self, *args, stdin=None, expect=0):
        result = subprocess.run([store.binary, "bucket", "lifecycle", *args], env=store_env(),
                                input=stdin, capture_output=True, text=True, timeout=60)
        self.assertNotIn(SECRET, result.stdout + result.stderr, "a secret was printed")
        self.assertEqual(result.returncode, expect,
                         f"upgate bucket lifecycle {' '.join(args)}\nstdout: {result.stdout}\n"
                         f"stderr: {result.stderr}")
        if expect != 0:
            self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        return result

    def test_the_default_rule_aborts_incomplete_uploads(self):
        out = self.upgate("put", self.bucket)
        self.assertEqual(out.stdout, f"bucket {self.bucket}: lifecycle configuration set (1 rule)\n")
        rules = self.s3.get_bucket_lifecycle_configuration(Bucket=self.bucket)["Rules"]
        self.assertEqual(rules, [{"ID": "upgate-abort-incomplete-uploads",
                                  "Filter": {"Prefix": ""}, "Status": "Enabled",
                                  "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}])

    def test_flags_and_get_and_delete(self):
        self.upgate("put", self.bucket, "--prefix", "tmp/", "--abort-after-days", "1",
                    "--expire-after-days", "30")
        got = self.upgate("get", self.bucket)
        self.assertEqual(json.loads(got.stdout), {"Rules": [{
            "ID": "upgate-abort-incomplete-uploads", "Filter": {"Prefix": "tmp/"},
            "Status": "Enabled", "Expiration": {"Days": 30},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]})
        self.assertEqual(self.upgate("delete", self.bucket).stdout,
                         f"bucket {self.bucket}: lifecycle configuration deleted\n")
        missing = self.upgate("get", self.bucket, expect=1)
        self.assertEqual(missing.stderr, f"upgate bucket lifecycle get: bucket {self.bucket} "
                                         "has no lifecycle configuration\n")

    def test_a_file_and_its_refusals(self):
        xml = ('<LifecycleConfiguration><Rule><ID>x</ID><Prefix>logs/</Prefix>'
               '<Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>'
               '</LifecycleConfiguration>')
        self.upgate("put", self.bucket, "--file", "-", stdin=xml)
        rules = self.s3.get_bucket_lifecycle_configuration(Bucket=self.bucket)["Rules"]
        self.assertEqual(rules, [{"ID": "x", "Prefix": "logs/", "Status": "Enabled",
                                  "Expiration": {"Days": 3}}])
        bad = self.upgate("put", self.bucket, "--file", "-", expect=2,
                          stdin=xml.replace("<Expiration>", "<Transition><Days>1</Days>"
                                            "</Transition><Expiration>"))
        self.assertIn("NotImplemented", bad.stderr)
        self.upgate("put", self.bucket, "--abort-after-days", "0", expect=2)

    def test_the_rule_it_sets_is_applied_by_the_store(self):
        upload = self.s3.create_multipart_upload(Bucket=self.bucket, Key="big.bin")
        self.s3.upload_part(Bucket=self.bucket, Key="big.bin", PartNumber=1,
                            UploadId=upload["UploadId"], Body=b"part")
        self.upgate("put", self.bucket, "--abort-after-days", "1")
        deadline = time.monotonic() + 60
        while self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads"):
            self.assertLess(time.monotonic(), deadline, "the upload was not aborted")
            time.sleep(0.2)


if __name__ == "__main__":
    unittest.main()
