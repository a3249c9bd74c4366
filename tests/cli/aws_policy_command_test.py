"""`upgate aws-policy`: the IAM policy, bucket policy and bucket CORS for the configured profiles.

Checked as a reviewer of an AWS set-up would: every document parses; nothing allows s3:* or
any wildcard action; no statement allows Principal "*"; the identity policy touches only
objects under the prefixes the profiles' key templates produce (or --prefix), never the bucket
itself; the bucket policy only denies. Then the documents are put to work against a real
`upgate store`: the CORS document is applied with `upgate bucket cors put` and a preflight for
an upload the API signs passes while another origin's fails; and `upgate serve`, signing with a
store key limited to exactly the identity policy's actions and resources, hands out URLs that
upload and download, while the same key cannot write outside the prefixes.
"""
import json
import os
import subprocess
import tempfile
import unittest

import requests

import api_harness
from store_process import start_store
from usage_errors import UsageErrorAssertions

UPGATE = api_harness.BINARY

BUCKET = "app-uploads"
CONFIG = """
[cors]
allowed_origins = ["https://app.example.com"]
max_age = "5m"

[profiles.avatars]
folder = "users/avatars"

[profiles.documents]
folder = "docs"
key_template = "{folder}/in/{yyyy}/{mm}/{id}-{name}"
downloads = false
overwrite_protection = false

[profiles.thumbnails]
folder = "users/avatars/thumbs"   # inside avatars' prefix: covered by it
"""


def run(*args, env=None, config_text=None, stdin=None):
    with tempfile.TemporaryDirectory(prefix="upgate-aws-policy-") as home:
        variables = {k: v for k, v in os.environ.items()
                     if not k.startswith(("AWS_", "UPGATE_"))}
        variables["HOME"] = home
        variables.update(env or {})
        argv = [UPGATE, "aws-policy", *args]
        if config_text is not None:
            path = os.path.join(home, "upgate.toml")
            with open(path, "w") as f:
                f.write(config_text)
            argv += ["--config", path]
        return subprocess.run(argv, env=variables, capture_output=True, text=True, timeout=30,
                              input=stdin)


def statements(policy):
    return policy["Statement"]


def as_list(value):
    return value if isinstance(value, list) else [value]


class LeastPrivilege(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        result = run("--bucket", BUCKET, config_text=CONFIG)
        if result.returncode != 0:
            raise AssertionError(result.stderr)
        cls.stderr = result.stderr
        cls.documents = json.loads(result.stdout)

    def test_three_documents(self):
        self.assertEqual(list(self.documents),
                         ["iamPolicy", "bucketPolicy", "cors", "lifecycle"])
        for name in ("iamPolicy", "bucketPolicy"):
            self.assertEqual(self.documents[name]["Version"], "2012-10-17")
        self.assertEqual(self.stderr, "")

    def test_no_statement_allows_everything_or_everyone(self):
        for name in ("iamPolicy", "bucketPolicy"):
            for statement in statements(self.documents[name]):
                if statement["Effect"] != "Allow":
                    continue
                with self.subTest(document=name, sid=statement.get("Sid")):
                    self.assertNotIn("Principal", statement)
                    self.assertNotIn("NotAction", statement)
                    self.assertNotIn("NotResource", statement)
                    for action in as_list(statement["Action"]):
                        self.assertNotIn("*", action)

    def test_identity_policy_is_put_multipart_and_get_on_the_profiles_prefixes_over_tls(self):
        granted = {}
        for statement in statements(self.documents["iamPolicy"]):
            self.assertEqual(statement["Effect"], "Allow")
            self.assertEqual(statement["Condition"], {"Bool": {"aws:SecureTransport": "true"}})
            for action in as_list(statement["Action"]):
                granted.setdefault(action, set()).update(as_list(statement["Resource"]))
        arn = f"arn:aws:s3:::{BUCKET}/"
        self.assertEqual(granted, {
            # documents' template puts keys under docs/in/; thumbs/ is inside avatars/.
            "s3:PutObject": {arn + "docs/in/*", arn + "users/avatars/*"},
            # /v1/multipart's list (resume) and abort; create, parts, complete are PutObject.
            "s3:AbortMultipartUpload": {arn + "docs/in/*", arn + "users/avatars/*"},
            "s3:ListMultipartUploadParts": {arn + "docs/in/*", arn + "users/avatars/*"},
            # documents has downloads = false.
            "s3:GetObject": {arn + "users/avatars/*"},
        })

    def test_bucket_policy_only_denies_plain_http(self):
        (statement,) = statements(self.documents["bucketPolicy"])
        self.assertEqual(statement["Effect"], "Deny")
        self.assertEqual(statement["Principal"], "*")
        self.assertEqual(statement["Condition"], {"Bool": {"aws:SecureTransport": "false"}})
        self.assertEqual(set(statement["Resource"]),
                         {f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"})

    def test_cors_allows_the_configured_origin_the_methods_and_the_signed_headers(self):
        (rule,) = self.documents["cors"]
        self.assertEqual(rule["AllowedOrigins"], ["https://app.example.com"])
        self.assertEqual(rule["AllowedMethods"], ["PUT", "POST", "GET"])
        # avatars protects against overwrite (the default): If-None-Match is signed.
        self.assertEqual(rule["AllowedHeaders"],
                         ["Content-Type", "If-None-Match", "x-amz-checksum-sha256",
                          "x-amz-meta-*"])
        self.assertEqual(rule["ExposeHeaders"], ["ETag"])
        self.assertEqual(rule["MaxAgeSeconds"], 300)


class Options(unittest.TestCase):
    def test_only_prints_one_document_exactly_as_in_the_whole(self):
        whole = json.loads(run("--bucket", BUCKET, config_text=CONFIG).stdout)
        for only, name in (("iam", "iamPolicy"), ("bucket-policy", "bucketPolicy"),
                           ("cors", "cors"), ("lifecycle", "lifecycle")):
            with self.subTest(only=only):
                result = run("--bucket", BUCKET, "--only", only, config_text=CONFIG)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(json.loads(result.stdout), whole[name])

    def test_the_lifecycle_rule_aborts_incomplete_uploads_over_the_bucket(self):
        result = run("--bucket", BUCKET, "--only", "lifecycle", "--abort-after-days", "3",
                     config_text=CONFIG)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), {"Rules": [{
            "ID": "upgate-abort-incomplete-uploads", "Filter": {"Prefix": ""},
            "Status": "Enabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}}]})

    def test_prefixes_replace_the_profiles_and_partition_changes_the_arns(self):
        result = run("--bucket", BUCKET, "--prefix", "tenant-a/", "--prefix", "tenant-b/",
                     "--partition", "aws-cn", "--only", "iam", config_text=CONFIG)
        self.assertEqual(result.returncode, 0, result.stderr)
        for statement in statements(json.loads(result.stdout)):
            self.assertEqual(statement["Resource"],
                             [f"arn:aws-cn:s3:::{BUCKET}/tenant-a/*",
                              f"arn:aws-cn:s3:::{BUCKET}/tenant-b/*"])

    def test_config_from_upgate_config_and_origins_from_the_flag(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "upgate.toml")
            with open(path, "w") as f:
                f.write('[profiles.p]\nfolder = "media/in"\ndownloads = false\n')
            result = run("--bucket", BUCKET, "--cors-origin", "https://a.example",
                         "--cors-origin", "https://b.example", env={"UPGATE_CONFIG": path})
        self.assertEqual(result.returncode, 0, result.stderr)
        documents = json.loads(result.stdout)
        (statement,) = statements(documents["iamPolicy"])
        self.assertEqual(statement["Action"], ["s3:PutObject", "s3:AbortMultipartUpload",
                                               "s3:ListMultipartUploadParts"])
        self.assertEqual(statement["Resource"], [f"arn:aws:s3:::{BUCKET}/media/in/*"])
        (rule,) = documents["cors"]
        self.assertEqual(rule["AllowedOrigins"], ["https://a.example", "https://b.example"])
        self.assertEqual(rule["AllowedMethods"], ["PUT", "POST"])

    def test_without_profiles_the_seed_like_default_needs_the_whole_bucket_and_says_so(self):
        result = run("--bucket", BUCKET, "--only", "iam")
        self.assertEqual(result.returncode, 0, result.stderr)
        for statement in statements(json.loads(result.stdout)):
            self.assertEqual(statement["Resource"], [f"arn:aws:s3:::{BUCKET}/*"])
        self.assertIn("--prefix", result.stderr)

    def test_reads_no_aws_settings(self):
        # No credentials, an endpoint that would need them, a profile that does not exist:
        # serve would refuse to start; this command signs nothing and does not care.
        result = run("--bucket", BUCKET, config_text=CONFIG,
                     env={"AWS_ENDPOINT_URL_S3": "https://s3.example.com",
                          "AWS_PROFILE": "no-such-profile"})
        self.assertEqual(result.returncode, 0, result.stderr)


class UsageErrors(UsageErrorAssertions, unittest.TestCase):

    def test_bad_bucket(self):
        for bucket in ["Bad_Bucket", "ab", "arn:aws:s3:::x"]:
            with self.subTest(bucket=bucket):
                self.assertUsageError(run("--bucket", bucket), "--bucket")
        self.assertUsageError(run(), "--bucket")

    def test_wildcards_and_variables_in_prefixes(self):
        for prefix in ["uploads/*", "a?b/", "${aws:username}/", "/leading/", ""]:
            with self.subTest(prefix=prefix):
                self.assertUsageError(run("--bucket", BUCKET, "--prefix", prefix), "--prefix")

    def test_abort_after_days_s3_would_refuse(self):
        for days in ["0", "-3", "2147483648", "99999999999"]:
            with self.subTest(days=days):
                self.assertUsageError(run("--bucket", BUCKET, "--only", "lifecycle",
                                          "--abort-after-days", days), "--abort-after-days")

    def test_bad_partition_and_only(self):
        self.assertUsageError(run("--bucket", BUCKET, "--partition", "gcp"), "--partition")
        self.assertUsageError(run("--bucket", BUCKET, "--only", "everything"), "--only")

    def test_bad_config(self):
        self.assertUsageError(run("--bucket", BUCKET, "--config", "/nonexistent/upgate.toml"),
                              "--config")
        self.assertUsageError(run("--bucket", BUCKET, config_text="[profiles.p]\nfolder = 1\n"),
                              "profiles.p.folder")


class DocumentsAtWork(unittest.TestCase):
    """The documents against a real store, through the commands the docs tell users to run."""

    ALL_DOWNLOADS = CONFIG.replace("downloads = false\n", "")

    @classmethod
    def setUpClass(cls):
        result = run("--bucket", BUCKET, "--only", "iam", config_text=cls.ALL_DOWNLOADS)
        if result.returncode != 0:
            raise AssertionError(result.stderr)
        iam = json.loads(result.stdout)
        # The store's restricted keys take one list of actions and one of resources, so the
        # policy must grant every action on every resource to translate exactly.
        actions, resources = set(), set()
        for statement in statements(iam):
            actions.update(as_list(statement["Action"]))
            resources.update(r.removeprefix("arn:aws:s3:::") for r in statement["Resource"])
        assert len({json.dumps(s["Resource"]) for s in statements(iam)}) == 1
        cls.signer_key, cls.signer_secret = "AKIDUPGATESIGNER", "signer/secret+only/for/tests0"
        cls._dir = tempfile.TemporaryDirectory(prefix="upgate-aws-policy-")
        keys_file = os.path.join(cls._dir.name, "keys")
        with open(keys_file, "w") as f:
            f.write(f"[signer]\naws_access_key_id = {cls.signer_key}\n"
                    f"aws_secret_access_key = {cls.signer_secret}\n"
                    f"actions = {', '.join(sorted(actions))}\n"
                    f"resources = {', '.join(sorted(resources))}\n")
        try:
            cls.store = start_store(extra_args=["--bucket", BUCKET, "--keys-file", keys_file])
        except BaseException:
            cls._dir.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.store.close()
        cls._dir.cleanup()

    def root_env(self):
        return {"AWS_ACCESS_KEY_ID": self.store.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.store.secret_access_key,
                "HOME": self._dir.name, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def preflight(self, origin, headers):
        return requests.options(f"{self.store.endpoint}/{BUCKET}/users/avatars/x.png", headers={
            "Origin": origin, "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": headers}, timeout=10)

    def test_cors_piped_into_bucket_cors_put_lets_the_app_origin_upload(self):
        cors = run("--bucket", BUCKET, "--only", "cors", config_text=CONFIG)
        self.assertEqual(cors.returncode, 0, cors.stderr)
        put = subprocess.run([UPGATE, "bucket", "cors", "put", BUCKET, "--file", "-",
                              "--endpoint", self.store.endpoint], input=cors.stdout,
                             env=self.root_env(), capture_output=True, text=True, timeout=30)
        self.assertEqual(put.returncode, 0, put.stderr)

        signed = "content-type,if-none-match,x-amz-checksum-sha256,x-amz-meta-user-id"
        allowed = self.preflight("https://app.example.com", signed)
        self.assertEqual(allowed.status_code, 200, allowed.text)
        self.assertEqual(allowed.headers["Access-Control-Allow-Origin"],
                         "https://app.example.com")
        self.assertEqual(self.preflight("https://evil.example", signed).status_code, 403)
        self.assertEqual(
            self.preflight("https://app.example.com", "content-type,x-amz-acl").status_code, 403)

    def test_urls_signed_with_exactly_the_identity_policy_work_and_go_no_further(self):
        env = {"AWS_ACCESS_KEY_ID": self.signer_key, "AWS_SECRET_ACCESS_KEY": self.signer_secret,
               "AWS_REGION": self.store.region}
        args = ["--endpoint", self.store.endpoint, "--bucket", BUCKET]
        with api_harness.ApiServer(self.ALL_DOWNLOADS, extra_env=env, args=args) as server:
            for profile, name in (("avatars", "me.png"), ("documents", "cv.pdf"),
                                  ("thumbnails", "t.png")):
                with self.subTest(profile=profile):
                    body = b"bytes of " + name.encode()
                    issued = server.post("/v1/uploads", {
                        "profile": profile, "fileName": name, "contentType": "image/png"
                        if name.endswith(".png") else "application/pdf", "size": len(body)})
                    self.assertEqual(issued.status_code, 200, issued.text)
                    upload = issued.json()
                    put = requests.put(upload["uploadUrl"], data=body, headers=upload["headers"],
                                       timeout=10)
                    self.assertEqual(put.status_code, 200, put.text)
                    download = server.get("/v1/downloads", params={"key": upload["key"]})
                    self.assertEqual(download.status_code, 200, download.text)
                    got = requests.get(download.json()["downloadUrl"], timeout=10)
                    self.assertEqual(got.status_code, 200, got.text)
                    self.assertEqual(got.content, body)
            self.assertNotIn(self.signer_secret, server.log_text() + server.stderr_text())

        # The same key, signing for a key outside the prefixes: the store refuses it.
        outside = subprocess.run(
            [UPGATE, "presign", "PUT", f"s3://{BUCKET}/elsewhere/x.txt", *args[:2]],
            env={**env, "HOME": self._dir.name}, capture_output=True, text=True, timeout=30)
        self.assertEqual(outside.returncode, 0, outside.stderr)
        refused = requests.put(outside.stdout.strip(), data=b"x", timeout=10)
        self.assertEqual(refused.status_code, 403, refused.text)
        self.assertIn("AccessDenied", refused.text)

    def test_multipart_through_the_api_with_exactly_the_identity_policy(self):
        # The store enforces the key's actions as IAM would: without s3:ListMultipartUploadParts
        # and s3:AbortMultipartUpload, resuming and cancelling a multipart upload are refused.
        env = {"AWS_ACCESS_KEY_ID": self.signer_key, "AWS_SECRET_ACCESS_KEY": self.signer_secret,
               "AWS_REGION": self.store.region}
        args = ["--endpoint", self.store.endpoint, "--bucket", BUCKET]
        with api_harness.ApiServer(self.ALL_DOWNLOADS, extra_env=env, args=args) as server:
            body = b"the first and only part"
            created = server.post("/v1/multipart", {
                "profile": "avatars", "fileName": "big.png", "contentType": "image/png",
                "size": len(body)})
            self.assertEqual(created.status_code, 200, created.text)
            token = created.json()["uploadToken"]
            signed = server.post("/v1/multipart/sign", {"uploadToken": token, "partNumbers": [1]})
            self.assertEqual(signed.status_code, 200, signed.text)
            (part,) = signed.json()["parts"]
            put = requests.put(part["url"], data=body, headers=part["headers"], timeout=10)
            self.assertEqual(put.status_code, 200, put.text)

            listed = server.post("/v1/multipart/list", {"uploadToken": token})
            self.assertEqual(listed.status_code, 200, listed.text)
            self.assertEqual([(p["partNumber"], p["size"]) for p in listed.json()["parts"]],
                             [(1, len(body))])
            aborted = server.post("/v1/multipart/abort", {"uploadToken": token})
            self.assertEqual(aborted.status_code, 200, aborted.text)
            self.assertTrue(aborted.json()["aborted"])
            gone = server.post("/v1/multipart/list", {"uploadToken": token})
            self.assertEqual(gone.status_code, 404, gone.text)
            self.assertNotIn(self.signer_secret, server.log_text() + server.stderr_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
