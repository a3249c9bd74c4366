"""Who may do what: the root key generated on first start (kept 0600, never printed),
restricted keys from a keys file (least privilege), buckets and CORS set up by flags,
and virtual-hosted-style addressing with --domain."""
import json
import os
import stat
import tempfile
import unittest
import urllib.parse

from botocore.exceptions import ClientError

import store_harness as h

UPLOADER_ID = "AKIDUPLOADERONLY0001"
UPLOADER_SECRET = "uploader/secret+only9"
CLEANER_ID = "AKIDCLEANERONLY00001"
CLEANER_SECRET = "cleaner/secret+only9"


def error_code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


class GeneratedRootKeyTest(unittest.TestCase):
    def test_first_start_generates_a_private_key_and_never_prints_it(self):
        store = h.Store(with_root_key=False)
        self.addCleanup(store.close)
        store.start()
        path = os.path.join(store.data_dir, "credentials")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            lines = dict(l.split(" = ", 1) for l in f.read().splitlines() if " = " in l)
        key_id = lines["aws_access_key_id"]
        secret = lines["aws_secret_access_key"]
        self.assertEqual(store.ready["access_key_id"], key_id)
        self.assertEqual(store.ready["credentials"], "generated")
        s3 = store.client(key_id, secret)
        s3.create_bucket(Bucket="generated")
        s3.put_object(Bucket="generated", Key="k", Body=b"v")
        store.stop()
        store.start()  # the same key again, from the file
        self.assertEqual(store.ready["access_key_id"], key_id)
        self.assertNotEqual(store.ready["credentials"], "generated")
        self.assertEqual(store.client(key_id, secret).get_object(
            Bucket="generated", Key="k")["Body"].read(), b"v")
        for text in (store.log(), store.stderr()):
            self.assertNotIn(secret, text)


class RestrictedKeyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory()
        keys = os.path.join(cls.temp.name, "keys.ini")
        with open(keys, "w") as f:
            f.write(f"[uploader]\naws_access_key_id = {UPLOADER_ID}\n"
                    f"aws_secret_access_key = {UPLOADER_SECRET}\n"
                    "actions = s3:PutObject, s3:GetObject\n"
                    "resources = arn:aws:s3:::uploads/services/*\n"
                    f"[cleaner]\naws_access_key_id = {CLEANER_ID}\n"
                    f"aws_secret_access_key = {CLEANER_SECRET}\n"
                    "actions = s3:DeleteObject\n"
                    "resources = uploads/services/*\n")
        cors = os.path.join(cls.temp.name, "cors.json")
        with open(cors, "w") as f:
            json.dump([{"AllowedHeaders": ["*"], "AllowedMethods": ["PUT", "GET"],
                        "AllowedOrigins": ["http://localhost:8080"],
                        "ExposeHeaders": ["ETag"]}], f)
        cls.store = h.Store(extra_args=["--keys-file", keys, "--bucket", "uploads",
                                        "--bucket", "other", "--cors", cors,
                                        "--domain", "s3.example.test"]).start()
        cls.root = cls.store.client()
        cls.uploader = cls.store.client(UPLOADER_ID, UPLOADER_SECRET)

    @classmethod
    def tearDownClass(cls):
        cls.store.close()
        cls.temp.cleanup()

    def test_buckets_and_cors_from_flags(self):
        names = [b["Name"] for b in self.root.list_buckets()["Buckets"]]
        self.assertEqual(sorted(names), ["other", "uploads"])
        rules = self.root.get_bucket_cors(Bucket="uploads")["CORSRules"]
        self.assertEqual(rules[0]["AllowedOrigins"], ["http://localhost:8080"])
        self.assertEqual(self.store.ready["restricted_keys"], 2)

    def test_uploader_may_only_put_and_get_under_its_prefix(self):
        self.uploader.put_object(Bucket="uploads", Key="services/a.png", Body=b"png")
        self.assertEqual(self.uploader.get_object(Bucket="uploads", Key="services/a.png")[
            "Body"].read(), b"png")
        self.assertEqual(error_code(self.uploader.put_object, Bucket="uploads",
                                    Key="admin/a.png", Body=b"x"), "AccessDenied")
        self.assertEqual(error_code(self.uploader.put_object, Bucket="other",
                                    Key="services/a.png", Body=b"x"), "AccessDenied")
        self.assertEqual(error_code(self.uploader.delete_object, Bucket="uploads",
                                    Key="services/a.png"), "AccessDenied")
        self.assertEqual(error_code(self.uploader.list_objects_v2, Bucket="uploads"),
                         "AccessDenied")
        self.assertEqual(error_code(self.uploader.create_bucket, Bucket="mine"), "AccessDenied")
        self.assertEqual(error_code(self.uploader.copy_object, Bucket="uploads",
                                    Key="services/copy", CopySource="other/x"), "AccessDenied")
        # Its presigned URLs carry the same limits.
        url = h.presign("PUT", f"{self.store.endpoint}/uploads/admin/x", {},
                        access_key_id=UPLOADER_ID, secret=UPLOADER_SECRET)
        self.assertEqual(h.send_url(url, "PUT", {}, b"x").code, "AccessDenied")
        url = h.presign("PUT", f"{self.store.endpoint}/uploads/services/ok", {},
                        access_key_id=UPLOADER_ID, secret=UPLOADER_SECRET)
        self.assertEqual(h.send_url(url, "PUT", {}, b"x").status, 200)
        # Multipart to the allowed prefix works end to end.
        upload = self.uploader.create_multipart_upload(Bucket="uploads", Key="services/m")
        part = self.uploader.upload_part(Bucket="uploads", Key="services/m", PartNumber=1,
                                         UploadId=upload["UploadId"], Body=b"m")
        self.uploader.complete_multipart_upload(
            Bucket="uploads", Key="services/m", UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        self.assertEqual(self.root.get_object(Bucket="uploads", Key="services/m")["Body"].read(),
                         b"m")
        # ListBuckets needs s3:ListAllMyBuckets, which this key was not given.
        self.assertEqual(error_code(self.uploader.list_buckets), "AccessDenied")

    def test_delete_objects_denies_per_key(self):
        for k in ("services/d1", "admin/d2"):
            self.root.put_object(Bucket="uploads", Key=k, Body=b"x")
        cleaner = self.store.client(CLEANER_ID, CLEANER_SECRET)
        result = cleaner.delete_objects(Bucket="uploads", Delete={"Objects": [
            {"Key": "services/d1"}, {"Key": "admin/d2"}]})
        self.assertEqual([d["Key"] for d in result["Deleted"]], ["services/d1"])
        self.assertEqual([(e["Key"], e["Code"]) for e in result["Errors"]],
                         [("admin/d2", "AccessDenied")])
        self.root.head_object(Bucket="uploads", Key="admin/d2")  # still there
        self.assertEqual(error_code(cleaner.delete_object, Bucket="uploads", Key="admin/d2"),
                         "AccessDenied")

    def test_virtual_hosted_style(self):
        port = urllib.parse.urlsplit(self.store.endpoint).port
        host = f"uploads.s3.example.test:{port}"
        self.root.put_object(Bucket="uploads", Key="vh/key.txt", Body=b"virtual")
        url = f"http://{host}/vh/key.txt"
        headers = dict(h.sign("GET", url), Host=host)
        r = h.send(self.store.endpoint, "GET", "/vh/key.txt", headers)
        self.assertEqual((r.status, r.body), (200, b"virtual"))
        presigned = h.presign("GET", url)
        target = presigned[len(f"http://{host}"):]
        r = h.send(self.store.endpoint, "GET", target, {"Host": host})
        self.assertEqual((r.status, r.body), (200, b"virtual"))
        # Path style keeps working beside it.
        r = h.send_url(f"{self.store.endpoint}/uploads/vh/key.txt", "GET",
                       h.sign("GET", f"{self.store.endpoint}/uploads/vh/key.txt"))
        self.assertEqual(r.status, 200)


if __name__ == "__main__":
    unittest.main()
