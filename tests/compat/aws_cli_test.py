"""The aws CLI (Debian's awscli 2.9, /usr/bin/aws) against a running `upgate store`.

What a user types: mb, cp up (a small file, and a 20 MiB file that the CLI splits into a
multipart upload), ls, cp down and compare the bytes, rm, rb, and `aws s3 presign` fetched
with curl. The CLI runs with a private config and credentials file and the store's keys in
AWS_* variables, so nothing of the developer's own AWS setup leaks in. awscli 2.9 ignores
AWS_ENDPOINT_URL, hence --endpoint-url on every call.
"""
import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

from store_process import start_store

AWS = "/usr/bin/aws"
CURL = "/usr/bin/curl"
MiB = 1024 * 1024
PART_SIZE_MIB = 8
store = None
work_dir = None


def setUpModule():
    global store, work_dir
    store = start_store()
    unittest.addModuleCleanup(store.close)
    work_dir = tempfile.mkdtemp(prefix="upgate-aws-cli-")
    unittest.addModuleCleanup(shutil.rmtree, work_dir, ignore_errors=True)


def cli_env():
    config = os.path.join(work_dir, "config")
    credentials = os.path.join(work_dir, "credentials")
    with open(config, "w") as f:
        # Explicit thresholds so the 20 MiB copy is a multipart upload of 3 parts.
        f.write(f"[default]\nregion = {store.region}\n"
                f"s3 =\n  addressing_style = path\n"
                f"  multipart_threshold = {PART_SIZE_MIB}MB\n"
                f"  multipart_chunksize = {PART_SIZE_MIB}MB\n"
                f"  max_concurrent_requests = 4\n")
    with open(credentials, "w") as f:
        f.write("[default]\n")  # the keys come from AWS_* below, as the brief asks
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=store.access_key_id,
               AWS_SECRET_ACCESS_KEY=store.secret_access_key,
               AWS_DEFAULT_REGION=store.region, AWS_CONFIG_FILE=config,
               AWS_SHARED_CREDENTIALS_FILE=credentials, AWS_PAGER="",
               AWS_EC2_METADATA_DISABLED="true", AWS_MAX_ATTEMPTS="1",
               HOME=work_dir)
    return env


def aws(*args, check=True):
    result = subprocess.run([AWS, "--endpoint-url", store.endpoint, *args], env=cli_env(),
                            capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} exited {result.returncode}\n"
                             f"stdout: {result.stdout}\nstderr: {result.stderr}\n{store.log_tail()}")
    return result


def write_random_file(name, size):
    path = os.path.join(work_dir, name)
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, MiB))
            f.write(chunk)
            remaining -= len(chunk)
    return path


def md5_of_file(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MiB), b""):
            digest.update(block)
    return digest.hexdigest()


class AwsCliS3Commands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # One bucket for the tests that do not remove it; each aws call costs ~1 s of CLI start.
        cls.bucket = new_bucket_name()
        aws("s3", "mb", f"s3://{cls.bucket}")

    def s3url(self, key="", bucket=None):
        return f"s3://{bucket or self.bucket}/{key}"

    def test_mb_cp_ls_cp_back_rm_rb(self):
        bucket = new_bucket_name()
        self.assertIn(f"make_bucket: {bucket}", aws("s3", "mb", f"s3://{bucket}").stdout)
        self.assertIn(bucket, aws("s3", "ls").stdout)

        small = write_random_file("small.bin", 12_345)
        aws("s3", "cp", small, self.s3url("dir/small.bin", bucket))
        listing = aws("s3", "ls", self.s3url("dir/", bucket)).stdout
        self.assertRegex(listing, r"\b12345 small\.bin\n")
        self.assertIn("PRE dir/", aws("s3", "ls", self.s3url("", bucket)).stdout)

        back = os.path.join(work_dir, "small.back")
        aws("s3", "cp", self.s3url("dir/small.bin", bucket), back)
        self.assertTrue(filecmp.cmp(small, back, shallow=False))

        aws("s3", "rm", self.s3url("dir/small.bin", bucket))
        aws("s3", "rb", f"s3://{bucket}")  # without --force: succeeds only if rm emptied it
        self.assertNotIn(bucket, aws("s3", "ls").stdout)

    def test_20_mib_file_goes_multipart_and_comes_back_identical(self):
        big = write_random_file("big.bin", 20 * MiB)
        aws("s3", "cp", big, self.s3url("big.bin"))

        head = json.loads(aws("s3api", "head-object", "--bucket", self.bucket, "--key",
                              "big.bin", "--output", "json").stdout)
        # 20 MiB in 8 MiB parts: a multipart ETag, md5-of-part-md5s then "-3".
        self.assertRegex(head["ETag"], r'^"[0-9a-f]{32}-3"$')
        self.assertEqual(head["ContentLength"], 20 * MiB)

        back = os.path.join(work_dir, "big.back")
        aws("s3", "cp", self.s3url("big.bin"), back)
        self.assertEqual(os.path.getsize(back), 20 * MiB)
        self.assertEqual(md5_of_file(back), md5_of_file(big))

    def test_sync_up_again_and_down(self):
        tree = os.path.join(work_dir, "tree")
        files = {"a.txt": 10, "sub/b.bin": 3000, "sub/deeper/c.bin": 70_000, "sp ace/ü.txt": 5}
        for name, size in files.items():
            os.makedirs(os.path.dirname(os.path.join(tree, name)), exist_ok=True)
            with open(os.path.join(tree, name), "wb") as f:
                f.write(os.urandom(size))
        up = aws("s3", "sync", tree, self.s3url("tree/")).stdout
        self.assertEqual(up.count("upload:"), len(files), up)
        # A second sync compares sizes and LastModified with the listing: nothing to send.
        self.assertEqual(aws("s3", "sync", tree, self.s3url("tree/")).stdout.strip(), "")
        down = os.path.join(work_dir, "tree.down")
        aws("s3", "sync", self.s3url("tree/"), down)
        for name in files:
            self.assertTrue(filecmp.cmp(os.path.join(tree, name), os.path.join(down, name),
                                        shallow=False), name)

    def test_rb_refuses_a_bucket_that_is_not_empty(self):
        bucket = new_bucket_name()
        aws("s3", "mb", f"s3://{bucket}")
        aws("s3", "cp", write_random_file("keep.bin", 10), self.s3url("keep.bin", bucket))
        refused = aws("s3", "rb", f"s3://{bucket}", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("BucketNotEmpty", refused.stderr)
        aws("s3", "rb", f"s3://{bucket}", "--force")

    def test_s3api_delete_objects_and_put_bucket_cors_send_content_md5(self):
        # S3 refuses both without an integrity header ("Missing required header for this
        # request: Content-MD5"); this CLI computes Content-MD5 for them.
        aws("s3", "cp", write_random_file("d.bin", 10), self.s3url("del/d.bin"))
        deleted = aws("--debug", "s3api", "delete-objects", "--bucket", self.bucket, "--delete",
                      json.dumps({"Objects": [{"Key": "del/d.bin"}]}))
        self.assertEqual([d["Key"] for d in json.loads(deleted.stdout)["Deleted"]],
                         ["del/d.bin"])
        self.assertIn("'Content-MD5': ", deleted.stderr)
        listed = aws("s3api", "list-objects-v2", "--bucket", self.bucket, "--prefix", "del/")
        self.assertNotIn("del/d.bin", listed.stdout)
        rules = {"CORSRules": [{"AllowedOrigins": ["http://localhost:8080"],
                                "AllowedMethods": ["PUT"], "MaxAgeSeconds": 60}]}
        put = aws("--debug", "s3api", "put-bucket-cors", "--bucket", self.bucket,
                  "--cors-configuration", json.dumps(rules))
        self.assertIn("'Content-MD5': ", put.stderr)
        got = json.loads(aws("s3api", "get-bucket-cors", "--bucket", self.bucket).stdout)
        self.assertEqual(got["CORSRules"][0]["AllowedOrigins"], ["http://localhost:8080"])
        aws("s3api", "delete-bucket-cors", "--bucket", self.bucket)

    def test_presign_then_curl_get(self):
        body = write_random_file("shared.bin", 4096)
        aws("s3", "cp", body, self.s3url("shared/file.bin"))
        url = aws("s3", "presign", self.s3url("shared/file.bin"),
                  "--expires-in", "300").stdout.strip()
        self.assertIn("X-Amz-Signature=", url)

        fetched = os.path.join(work_dir, "fetched.bin")
        status, _ = curl(url, fetched)
        self.assertEqual(status, "200")
        self.assertTrue(filecmp.cmp(body, fetched, shallow=False))

        # The same URL with one signature digit changed: 403 SignatureDoesNotMatch.
        signature_end = url.index("X-Amz-Signature=") + len("X-Amz-Signature=") + 64
        flipped = "0" if url[signature_end - 1] != "0" else "1"
        tampered = url[:signature_end - 1] + flipped + url[signature_end:]
        status, body = curl(tampered)
        self.assertEqual(status, "403", body)
        self.assertIn("<Code>SignatureDoesNotMatch</Code>", body)


def new_bucket_name():
    return f"cli-{uuid.uuid4().hex[:12]}"


def curl(url, output=None):
    """(HTTP status, body text) of a GET by curl; with `output`, the body goes to that file."""
    args = [CURL, "-sS", "-w", "\n%{http_code}", url]
    if output:
        args[1:1] = ["-o", output]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    body, _, status = result.stdout.rpartition("\n")
    return status, body


if __name__ == "__main__":
    unittest.main(verbosity=2)
