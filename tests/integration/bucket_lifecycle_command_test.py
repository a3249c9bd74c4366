"""`upgate bucket lifecycle put|get|delete` against a real `upgate store`, read back by an
independent client (boto3); and the rule it sets put to work: with a one-second lifecycle day
(--lifecycle-day-seconds 1), the store's sweeper aborts an upload left incomplete. Also the
error contract: a bad file is exit 2 naming the problem, a bucket without a configuration is
exit 1, and no secret is ever printed. And against a canned S3 whose bucket has rules beyond
upgate's subset (AWS's transitions, a tag filter): get shows them in the AWS CLI's shape,
put refuses to delete them (exit 1, nothing put) unless --replace.

Environment: UPGATE_BIN (ctest passes $<TARGET_FILE:upgate>), else build/upgate.
"""
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
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


# What AWS answers GetBucketLifecycleConfiguration for a bucket that archives its logs (the
# S3 User Guide's example, with a tag filter beside it) and has upgate's rule too.
FOREIGN_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    '<Rule><ID>archive</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>'
    '<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>'
    '<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>'
    '<Expiration><Days>365</Days></Expiration></Rule>'
    '<Rule><ID>upgate-abort-incomplete-uploads</ID><Filter><Prefix></Prefix></Filter>'
    '<Status>Enabled</Status><AbortIncompleteMultipartUpload>'
    '<DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>'
    '<Rule><ID>tagged</ID><Filter><And><Prefix>tmp/</Prefix><Tag><Key>kind</Key>'
    '<Value>scratch</Value></Tag></And></Filter><Status>Disabled</Status>'
    '<NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays>'
    '</NoncurrentVersionExpiration><Expiration><ExpiredObjectDeleteMarker>true'
    '</ExpiredObjectDeleteMarker></Expiration></Rule>'
    '</LifecycleConfiguration>')


class CannedS3(http.server.BaseHTTPRequestHandler):
    """Answers ?lifecycle as a server with FOREIGN_XML would (signatures are not checked:
    what is tested is what the command does with the answer); records every request."""
    requests = []

    def log_message(self, *args):
        pass

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/xml")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        CannedS3.requests.append(("GET", self.path))
        self.answer(200, FOREIGN_XML.encode())

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "0"))
        CannedS3.requests.append(("PUT", self.path, self.rfile.read(length).decode()))
        self.answer(200)


class ForeignRulesTest(unittest.TestCase):
    """A bucket on AWS or RGW with rules beyond upgate's subset (transitions, tag filters):
    get shows them as sent, put refuses to delete them unless --replace."""

    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CannedS3)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.endpoint = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        CannedS3.requests = []

    def upgate(self, *args, expect=0):
        env = dict(store_env(), AWS_ENDPOINT_URL_S3=self.endpoint)
        result = subprocess.run([store.binary, "bucket", "lifecycle", *args], env=env,
                                capture_output=True, text=True, timeout=60)
        self.assertNotIn(SECRET, result.stdout + result.stderr, "a secret was printed")
        self.assertEqual(result.returncode, expect, result.stdout + result.stderr)
        return result

    def test_get_shows_every_rule_as_the_aws_cli_prints_it(self):
        got = self.upgate("get", "archive-bucket")
        self.assertEqual(json.loads(got.stdout), {"Rules": [
            {"ID": "archive", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
             "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"},
                             {"Days": 90, "StorageClass": "GLACIER"}],
             "Expiration": {"Days": 365}},
            {"ID": "upgate-abort-incomplete-uploads", "Filter": {"Prefix": ""},
             "Status": "Enabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
            {"ID": "tagged", "Filter": {"And": {"Prefix": "tmp/", "Tags": [
                {"Key": "kind", "Value": "scratch"}]}}, "Status": "Disabled",
             "NoncurrentVersionExpiration": {"NoncurrentDays": 5},
             "Expiration": {"ExpiredObjectDeleteMarker": True}}]})
        self.assertEqual(got.stderr, 'upgate bucket lifecycle get: "archive" (Transition), '
                                     '"tagged" (Filter/And): rules upgate does not manage, '
                                     'shown as the server sent them\n')

    def test_put_refuses_to_delete_them_unless_replace(self):
        refused = self.upgate("put", "archive-bucket", "--abort-after-days", "1", expect=1)
        self.assertEqual(len(refused.stderr.strip().splitlines()), 1, refused.stderr)
        self.assertIn('bucket archive-bucket has lifecycle rules upgate does not manage: '
                      '"archive" (Transition), "tagged" (Filter/And); put replaces the whole '
                      'configuration and would delete them', refused.stderr)
        self.assertEqual([r[0] for r in CannedS3.requests], ["GET"], "nothing was put")

        CannedS3.requests = []
        self.upgate("put", "archive-bucket", "--abort-after-days", "1", "--replace")
        [(method, path, body)] = CannedS3.requests
        self.assertEqual((method, path), ("PUT", "/archive-bucket?lifecycle"))
        self.assertIn("<DaysAfterInitiation>1</DaysAfterInitiation>", body)
        self.assertNotIn("Transition", body)


if __name__ == "__main__":
    unittest.main()
