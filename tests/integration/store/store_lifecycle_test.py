"""Bucket lifecycle on the embedded store, with real clients: boto3 and the aws CLI
(/usr/bin/aws s3api) round-trip the configuration; the store's refusals are S3's; and the
rules are applied by the store's background sweeper with a one-second "day"
(--lifecycle-day-seconds 1), so an incomplete upload is aborted (its part blobs gone from the
data directory) and an expired object deleted within seconds, while a key outside the rule's
prefix stays. No test sleeps for a day; the waits poll until the rule has acted."""
import base64
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

import store_harness as h

AWS = "/usr/bin/aws"
POLL_SECONDS = 60  # generous for a loaded machine; a pass normally acts within 2-3 s


def error_of(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("no error")


def wait_for(condition, what):
    deadline = time.monotonic() + POLL_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {POLL_SECONDS} s: {what}")


def lifecycle_xml(rules):
    return ('<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' + rules +
            "</LifecycleConfiguration>").encode()


class LifecycleConfigurationTest(h.StoreTestCase):
    buckets = ("rules",)

    def put_raw(self, body, with_md5=True):
        url = f"{self.store.endpoint}/rules?lifecycle"
        headers = {}
        if with_md5:
            headers["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
        headers = h.sign("PUT", url, headers, body)
        return h.send(self.store.endpoint, "PUT", "/rules?lifecycle", headers, body)

    def test_boto3_round_trips_the_configuration(self):
        s3 = self.s3
        self.assertEqual(error_of(s3.get_bucket_lifecycle_configuration, Bucket="rules"),
                         ("NoSuchLifecycleConfiguration", 404))
        rules = [
            {"ID": "abort-uploads", "Filter": {"Prefix": "uploads/"}, "Status": "Enabled",
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
            {"ID": "expire-tmp", "Filter": {"Prefix": "tmp/"}, "Status": "Disabled",
             "Expiration": {"Days": 30},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
            {"ID": "everything", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 365}},
        ]
        s3.put_bucket_lifecycle_configuration(Bucket="rules",
                                              LifecycleConfiguration={"Rules": rules})
        got = s3.get_bucket_lifecycle_configuration(Bucket="rules")["Rules"]
        self.assertEqual(got, rules)

        # The legacy rule-level Prefix, and a rule without an ID (the store names it).
        s3.put_bucket_lifecycle_configuration(Bucket="rules", LifecycleConfiguration={"Rules": [
            {"Prefix": "logs/", "Status": "Enabled", "Expiration": {"Days": 3}}]})
        got = s3.get_bucket_lifecycle_configuration(Bucket="rules")["Rules"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["Prefix"], "logs/")
        self.assertEqual(got[0]["Expiration"], {"Days": 3})
        self.assertTrue(got[0]["ID"])

        s3.delete_bucket_lifecycle(Bucket="rules")
        self.assertEqual(error_of(s3.get_bucket_lifecycle_configuration, Bucket="rules"),
                         ("NoSuchLifecycleConfiguration", 404))
        s3.delete_bucket_lifecycle(Bucket="rules")  # none to delete: still 204, as S3
        self.assertEqual(error_of(s3.get_bucket_lifecycle_configuration, Bucket="no-such"),
                         ("NoSuchBucket", 404))

    def test_uploads_a_rule_will_abort_carry_the_abort_date_and_rule_id(self):
        # S3's x-amz-abort-date / x-amz-abort-rule-id on CreateMultipartUpload and ListParts:
        # initiation + DaysAfterInitiation, up to the next midnight UTC (24-hour days here).
        s3 = self.s3
        s3.create_bucket(Bucket="abort-dates")
        before = datetime.datetime.now(datetime.timezone.utc)
        unruled = s3.create_multipart_upload(Bucket="abort-dates", Key="uploads/a.bin")
        self.assertNotIn("AbortDate", unruled)
        self.assertNotIn("AbortRuleId", unruled)
        s3.put_bucket_lifecycle_configuration(Bucket="abort-dates", LifecycleConfiguration={
            "Rules": [{"ID": "slow", "Filter": {}, "Status": "Enabled",
                       "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 9}},
                      {"ID": "uploads-in-3-days", "Filter": {"Prefix": "uploads/"},
                       "Status": "Enabled",
                       "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
                      {"ID": "expiry-only", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
                       "Expiration": {"Days": 1}}]})
        created = s3.create_multipart_upload(Bucket="abort-dates", Key="uploads/b.bin")
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertEqual(created["AbortRuleId"], "uploads-in-3-days")
        due = created["AbortDate"]
        self.assertEqual((due.hour, due.minute, due.second), (0, 0, 0), due)
        self.assertGreater(due, before + datetime.timedelta(days=3))
        self.assertLessEqual(due, after + datetime.timedelta(days=4))
        # The rule applies to uploads started before it, too.
        listed = s3.list_parts(Bucket="abort-dates", Key="uploads/a.bin",
                               UploadId=unruled["UploadId"])
        self.assertEqual(listed["AbortRuleId"], "uploads-in-3-days")
        self.assertLessEqual(listed["AbortDate"], due)
        other = s3.create_multipart_upload(Bucket="abort-dates", Key="logs/c.bin")
        self.assertEqual(other["AbortRuleId"], "slow")
        self.assertGreater(other["AbortDate"], due)
        s3.delete_bucket_lifecycle(Bucket="abort-dates")
        listed = s3.list_parts(Bucket="abort-dates", Key="uploads/b.bin",
                               UploadId=created["UploadId"])
        self.assertNotIn("AbortDate", listed)

    def test_aws_cli_round_trips_the_configuration(self):
        work = tempfile.mkdtemp(prefix="upgate-lifecycle-cli-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        for name in ("config", "credentials"):
            with open(os.path.join(work, name), "w"):
                pass
        env = {"PATH": "/usr/bin:/bin", "HOME": work,
               "AWS_CONFIG_FILE": os.path.join(work, "config"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(work, "credentials"),
               "AWS_ACCESS_KEY_ID": h.ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": h.SECRET,
               "AWS_DEFAULT_REGION": h.REGION, "AWS_PAGER": ""}
        self.s3.create_bucket(Bucket="cli-rules")
        config = {"Rules": [
            {"ID": "abort", "Filter": {"Prefix": "uploads/"}, "Status": "Enabled",
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
            {"ID": "expire", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled",
             "Expiration": {"Days": 1}}]}
        path = os.path.join(work, "lifecycle.json")
        with open(path, "w") as f:
            json.dump(config, f)

        def aws(*args):
            return subprocess.run([AWS, "--endpoint-url", self.store.endpoint, "s3api", *args],
                                  env=env, capture_output=True, text=True, timeout=60)

        put = aws("put-bucket-lifecycle-configuration", "--bucket", "cli-rules",
                  "--lifecycle-configuration", f"file://{path}")
        self.assertEqual(put.returncode, 0, put.stderr)
        got = aws("get-bucket-lifecycle-configuration", "--bucket", "cli-rules")
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertEqual(json.loads(got.stdout)["Rules"], config["Rules"])
        deleted = aws("delete-bucket-lifecycle", "--bucket", "cli-rules")
        self.assertEqual(deleted.returncode, 0, deleted.stderr)
        gone = aws("get-bucket-lifecycle-configuration", "--bucket", "cli-rules")
        self.assertNotEqual(gone.returncode, 0)
        self.assertIn("NoSuchLifecycleConfiguration", gone.stderr)
        self.assertNotIn(h.SECRET, got.stdout + got.stderr + gone.stderr)

    def test_refusals_are_s3s(self):
        rule = "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"
        cases = [
            # What S3 has and the store does not: NotImplemented, never accepted and ignored.
            ("<Rule><ID>t</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status>"
             "<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>"
             "</Rule>", 501, "NotImplemented"),
            ("<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>" + rule + "</Rule>",
             501, "NotImplemented"),
            ("<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration>"
             "<NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>",
             501, "NotImplemented"),
            ("<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z"
             "</Date></Expiration></Rule>", 501, "NotImplemented"),
            # Outside S3's schema.
            ("<Rule><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>",
             400, "MalformedXML"),
            ("<Rule><Prefix>a</Prefix><Filter><Prefix>a</Prefix></Filter>" + rule + "</Rule>",
             400, "MalformedXML"),
            ("<Rule><Filter/>" + rule + "<Color>red</Color></Rule>", 400, "MalformedXML"),
            # S3's rule checks.
            ("<Rule><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration>"
             "</Rule>", 400, "InvalidArgument"),
            ("<Rule><ID>x</ID><Filter/><Status>Enabled</Status></Rule>", 400, "InvalidRequest"),
            ("<Rule><ID>x</ID><Filter/>" + rule + "</Rule><Rule><ID>x</ID><Filter/>" + rule +
             "</Rule>", 400, "InvalidArgument"),
        ]
        for rules, status, code in cases:
            with self.subTest(rules=rules[:80]):
                r = self.put_raw(lifecycle_xml(rules))
                self.assertEqual((r.status, r.code), (status, code), r)
        many = "".join(f"<Rule><ID>r{i}</ID><Filter/>{rule}</Rule>" for i in range(1001))
        r = self.put_raw(lifecycle_xml(many))
        self.assertEqual((r.status, r.code), (400, "MalformedXML"), r)
        # Content-MD5 (or an x-amz-checksum-*) is required, as S3 requires it.
        r = self.put_raw(lifecycle_xml("<Rule><Filter/>" + rule + "</Rule>"), with_md5=False)
        self.assertEqual((r.status, r.code), (400, "InvalidRequest"), r)
        # Hostile shapes: deep nesting and an oversized body.
        deep = "<a>" * 50000 + "</a>" * 50000
        r = self.put_raw(lifecycle_xml("<Rule>" + deep + "</Rule>"))
        self.assertEqual((r.status, r.code), (400, "MalformedXML"), r)
        r = self.put_raw(lifecycle_xml(" " * (2 * 1024 * 1024 + 1)))
        self.assertEqual(r.status, 400, r)
        self.assertEqual(error_of(self.s3.get_bucket_lifecycle_configuration, Bucket="rules"),
                         ("NoSuchLifecycleConfiguration", 404))


class LifecycleSweeperTest(h.StoreTestCase):
    buckets = ("swept",)
    store_args = ("--lifecycle-day-seconds", "1", "--lifecycle-interval", "0.2")

    def test_an_incomplete_upload_is_aborted_and_its_parts_removed(self):
        s3 = self.s3
        before = set(self.store.blob_files())
        stale = s3.create_multipart_upload(Bucket="swept", Key="uploads/abandoned.bin")
        s3.upload_part(Bucket="swept", Key="uploads/abandoned.bin", PartNumber=1,
                       UploadId=stale["UploadId"], Body=os.urandom(256 * 1024))
        s3.upload_part(Bucket="swept", Key="uploads/abandoned.bin", PartNumber=2,
                       UploadId=stale["UploadId"], Body=os.urandom(1024))
        kept = s3.create_multipart_upload(Bucket="swept", Key="elsewhere/kept.bin")
        s3.upload_part(Bucket="swept", Key="elsewhere/kept.bin", PartNumber=1,
                       UploadId=kept["UploadId"], Body=b"kept part")
        part_blobs = set(self.store.blob_files()) - before
        self.assertEqual(len(part_blobs), 3)

        s3.put_bucket_lifecycle_configuration(Bucket="swept", LifecycleConfiguration={"Rules": [
            {"ID": "abort", "Filter": {"Prefix": "uploads/"}, "Status": "Enabled",
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]})

        def uploads():
            return {u["Key"] for u in s3.list_multipart_uploads(Bucket="swept").get("Uploads", [])}

        wait_for(lambda: "uploads/abandoned.bin" not in uploads(), "the upload aborted")
        self.assertEqual(error_of(s3.list_parts, Bucket="swept", Key="uploads/abandoned.bin",
                                  UploadId=stale["UploadId"]), ("NoSuchUpload", 404))
        remaining = set(self.store.blob_files()) & part_blobs
        self.assertEqual(len(remaining), 1, "only the kept upload's part is left on disk")
        self.assertIn("elsewhere/kept.bin", uploads())
        self.assertIn("lifecycle pass", self.store.log())

    def test_an_expired_object_is_deleted_and_another_prefix_kept(self):
        s3 = self.s3
        s3.put_object(Bucket="swept", Key="tmp/expiring.txt", Body=b"short-lived")
        s3.put_object(Bucket="swept", Key="keep/staying.txt", Body=b"long-lived")
        s3.put_bucket_lifecycle_configuration(Bucket="swept", LifecycleConfiguration={"Rules": [
            {"ID": "expire-tmp", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled",
             "Expiration": {"Days": 1}}]})

        def gone():
            try:
                s3.head_object(Bucket="swept", Key="tmp/expiring.txt")
                return False
            except ClientError as e:
                return e.response["ResponseMetadata"]["HTTPStatusCode"] == 404

        wait_for(gone, "the object expired")
        time.sleep(1)  # a few more passes: the other prefix is still never touched
        self.assertEqual(s3.get_object(Bucket="swept", Key="keep/staying.txt")["Body"].read(),
                         b"long-lived")


if __name__ == "__main__":
    unittest.main()
