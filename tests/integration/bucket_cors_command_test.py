"""`upgate bucket cors put|get|delete` against a real `upgate store`.

The seed's exact CORS JSON goes in through the command, comes back out of it, and is read
back by an independent client (Debian's aws CLI, /usr/bin/aws); a browser's preflight from an
allowed and a disallowed origin is then answered by the store as the rules say. Also the
command's error contract: bad JSON is exit 2 naming the field, a wrong secret is exit 1 with
S3's SignatureDoesNotMatch, a store that is not running is exit 1 with a clear reason, a bad
configuration is exit 2, and no secret (key or session token) is ever printed.

Environment: UPGATE_BIN (ctest passes $<TARGET_FILE:upgate>), else build/upgate.
"""
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

from ports import free_port
from store_process import start_store

AWS = "/usr/bin/aws"
ACCESS_KEY_ID = "AKIDBUCKETCORSTEST01"
# Distinctive, so any leak into output is found by a substring search.
SECRET = "BucketCorsSecret/NeverPrinted+9f3k"
SESSION_TOKEN = "SessionTokenNeverPrinted/7Qz+x=="

# The seed's section 4, byte for byte as it is laid out there.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                       "seed_cors.json")) as seed_file:
    SEED_CORS_JSON = seed_file.read()
SEED_RULES = json.loads(SEED_CORS_JSON)

store = None
work_dir = None


def setUpModule():
    global store, work_dir
    store = start_store(access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET,
                        extra_args=["--domain", "localhost"])
    unittest.addModuleCleanup(store.close)
    work_dir = tempfile.mkdtemp(prefix="upgate-bucket-cors-")
    unittest.addModuleCleanup(shutil.rmtree, work_dir, ignore_errors=True)


def clean_env():
    """No AWS_* or UPGATE_* settings of the developer's, no ~/.aws files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "UPGATE_"))}
    env["HOME"] = work_dir
    missing = os.path.join(work_dir, "no-such-file")
    env.update(AWS_SHARED_CREDENTIALS_FILE=missing, AWS_CONFIG_FILE=missing)
    return env


def store_env(secret=SECRET):
    env = clean_env()
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=secret,
               AWS_ENDPOINT_URL_S3=store.endpoint, AWS_REGION=store.region)
    return env


def write_file(name, text):
    path = os.path.join(work_dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def preflight(bucket, origin, method="PUT", headers="content-type"):
    connection = http.client.HTTPConnection("127.0.0.1", store.port, timeout=10)
    try:
        request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
        if headers:
            request_headers["Access-Control-Request-Headers"] = headers
        connection.request("OPTIONS", f"/{bucket}/photos/cat.png", headers=request_headers)
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


class BucketCorsCommandTest(unittest.TestCase):
    def setUp(self):
        self.bucket = "cors-" + uuid.uuid4().hex[:12]
        self.aws("s3api", "create-bucket", "--bucket", self.bucket)

    # -- helpers -------------------------------------------------------------------------------
    def upgate(self, *args, env=None, stdin=None, expect=0):
        result = subprocess.run(
            [store.binary, "bucket", "cors", *args], env=store_env() if env is None else env,
            input=stdin, capture_output=True, text=True, timeout=60)
        output = result.stdout + result.stderr
        for secret in (SECRET, SESSION_TOKEN):
            self.assertNotIn(secret, output, "a secret was printed")
        self.assertEqual(result.returncode, expect,
                         f"upgate bucket cors {' '.join(args)}\nstdout: {result.stdout}\n"
                         f"stderr: {result.stderr}\n{store.log_tail(2000)}")
        if expect != 0:
            lines = result.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, f"one line on stderr, got: {result.stderr!r}")
        return result

    def aws(self, *args, check=True):
        config = write_file("aws-config", f"[default]\nregion = {store.region}\n"
                                          "s3 =\n  addressing_style = path\n")
        env = clean_env()
        env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
                   AWS_CONFIG_FILE=config, AWS_PAGER="")
        result = subprocess.run([AWS, *args, "--endpoint-url", store.endpoint, "--output", "json"],
                                env=env, capture_output=True, text=True, timeout=60)
        if check:
            self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def put_seed(self):
        path = write_file(f"{self.bucket}.json", SEED_CORS_JSON)
        return self.upgate("put", self.bucket, "--file", path)

    # -- the seed's CORS, round trip -----------------------------------------------------------
    def test_put_seed_json_then_get_returns_it(self):
        put = self.put_seed()
        self.assertEqual(put.stdout, f"bucket {self.bucket}: CORS configuration set (1 rule)\n")
        got = self.upgate("get", self.bucket)
        self.assertEqual(got.stdout, SEED_CORS_JSON, "get prints the seed's own layout")
        aws_form = self.upgate("get", self.bucket, "--aws-cli-form")
        self.assertEqual(json.loads(aws_form.stdout), {"CORSRules": SEED_RULES})

    def test_aws_cli_reads_what_the_command_put(self):
        self.put_seed()
        result = self.aws("s3api", "get-bucket-cors", "--bucket", self.bucket)
        self.assertEqual(json.loads(result.stdout), {"CORSRules": SEED_RULES})

    def test_get_reads_what_the_aws_cli_put(self):
        rules = {"CORSRules": [{"ID": "from-aws", "AllowedMethods": ["GET", "HEAD"],
                                "AllowedOrigins": ["https://*.example.com"],
                                "AllowedHeaders": ["*"], "MaxAgeSeconds": 60}]}
        self.aws("s3api", "put-bucket-cors", "--bucket", self.bucket,
                 "--cors-configuration", json.dumps(rules))
        got = self.upgate("get", self.bucket)
        self.assertEqual(json.loads(got.stdout), rules["CORSRules"])

    def test_put_from_stdin_in_the_aws_cli_form(self):
        document = {"CORSRules": [{"ID": "uploads", "AllowedMethods": ["PUT", "POST"],
                                   "AllowedOrigins": ["https://app.example.com"],
                                   "AllowedHeaders": ["content-type", "x-amz-*"]},
                                  {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}
        put = self.upgate("put", self.bucket, "--file", "-", stdin=json.dumps(document))
        self.assertIn("(2 rules)", put.stdout)
        got = self.upgate("get", self.bucket, "--aws-cli-form")
        self.assertEqual(json.loads(got.stdout), document)

    # -- what the rules do ---------------------------------------------------------------------
    def test_preflight_from_allowed_and_disallowed_origins(self):
        status, _ = preflight(self.bucket, "http://localhost:3000")
        self.assertEqual(status, 403, "no CORS configuration yet")
        self.put_seed()
        for origin in ("http://localhost:3000", "https://your-domain.com"):
            status, headers = preflight(self.bucket, origin)
            self.assertEqual(status, 200, origin)
            self.assertEqual(headers.get("access-control-allow-origin"), origin)
            self.assertEqual(headers.get("access-control-allow-methods"), "PUT")
            self.assertEqual(headers.get("access-control-expose-headers"), "ETag")
            self.assertEqual(headers.get("access-control-max-age"), "3000")
        status, headers = preflight(self.bucket, "https://evil.example")
        self.assertEqual(status, 403)
        self.assertNotIn("access-control-allow-origin", headers)
        status, _ = preflight(self.bucket, "http://localhost:3000", method="DELETE")
        self.assertEqual(status, 403, "a method the rule does not allow")
        status, _ = preflight(self.bucket, "http://localhost:3000", headers="x-secret-header")
        self.assertEqual(status, 403, "a header the rule does not allow")

    def test_delete_then_get_says_there_is_none(self):
        self.put_seed()
        deleted = self.upgate("delete", self.bucket)
        self.assertEqual(deleted.stdout, f"bucket {self.bucket}: CORS configuration deleted\n")
        got = self.upgate("get", self.bucket, expect=1)
        self.assertEqual(got.stdout, "")
        self.assertEqual(got.stderr,
                         f"upgate bucket cors get: bucket {self.bucket} has no CORS configuration\n")
        result = self.aws("s3api", "get-bucket-cors", "--bucket", self.bucket, check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("NoSuchCORSConfiguration", result.stderr)
        status, _ = preflight(self.bucket, "http://localhost:3000")
        self.assertEqual(status, 403)
        self.upgate("delete", self.bucket)  # nothing to delete is still success, as in S3

    # -- where the target comes from -------------------------------------------------------------
    def test_target_from_a_profile_in_the_aws_shared_files(self):
        config = write_file("profile-config",
                            f"[profile cors-test]\nregion = {store.region}\n"
                            f"endpoint_url = {store.endpoint}\n")
        credentials = write_file("profile-credentials",
                                 f"[cors-test]\naws_access_key_id = {ACCESS_KEY_ID}\n"
                                 f"aws_secret_access_key = {SECRET}\n")
        env = clean_env()
        env.update(AWS_PROFILE="cors-test", AWS_CONFIG_FILE=config,
                   AWS_SHARED_CREDENTIALS_FILE=credentials)
        self.put_seed()
        got = self.upgate("get", self.bucket, env=env)
        self.assertEqual(json.loads(got.stdout), SEED_RULES)

    def test_flags_beat_the_environment(self):
        env = store_env()
        env["AWS_ENDPOINT_URL_S3"] = f"http://127.0.0.1:{free_port()}"  # nothing listens
        env["AWS_REGION"] = "eu-west-3"  # the store answers only for its own region
        self.put_seed()
        got = self.upgate("get", self.bucket, "--endpoint", store.endpoint,
                          "--region", store.region, env=env)
        self.assertEqual(json.loads(got.stdout), SEED_RULES)

    def test_virtual_hosted_addressing(self):
        # curl resolves *.localhost to the loopback address; the store serves BUCKET.localhost.
        endpoint = f"http://localhost:{store.port}"
        path = write_file(f"{self.bucket}-vh.json", SEED_CORS_JSON)
        self.upgate("put", self.bucket, "--file", path, "--endpoint", endpoint,
                    "--virtual-hosted")
        got = self.upgate("get", self.bucket, "--endpoint", endpoint, "--virtual-hosted")
        self.assertEqual(json.loads(got.stdout), SEED_RULES)

    # -- refusals ------------------------------------------------------------------------------------
    def test_bad_json_is_exit_2_naming_the_field(self):
        self.put_seed()
        cases = [
            ('[{"AllowedMethods": "PUT", "AllowedOrigins": ["*"]}]',
             "$[0].AllowedMethods is not an array"),
            ('[{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]},\n'
             ' {"AllowedMethods": ["PUT"], "AllowedOrigin": ["*"]}]',
             "$[1] has an unknown key 'AllowedOrigin'"),
            ('{"CORSRules": [{"AllowedMethods": ["PUT", 3], "AllowedOrigins": ["*"]}]}',
             "$.CORSRules[0].AllowedMethods[1] is not a string"),
            ('[{"AllowedMethods": ["PATCH"], "AllowedOrigins": ["*"]}]',
             "Unsupported method is PATCH"),
            ('[{"AllowedOrigins": ["*"]}]', "CORSRule 1: no AllowedMethod"),
            ('[\n  {"AllowedMethods": ["PUT"],, }\n]', "not valid JSON at line 2, column 30"),
            ("", "the CORS JSON is empty"),
        ]
        for text, reason in cases:
            with self.subTest(reason=reason):
                path = write_file("bad.json", text)
                result = self.upgate("put", self.bucket, "--file", path, expect=2)
                self.assertIn(reason, result.stderr)
                self.assertTrue(result.stderr.startswith(f"upgate bucket cors put: {path}: "),
                                result.stderr)
        too_big = "[" + " " * (64 * 1024) + "]"
        result = self.upgate("put", self.bucket, "--file", "-", stdin=too_big, expect=2)
        self.assertIn("larger than 65536 bytes", result.stderr)
        result = self.upgate("put", self.bucket, "--file", os.path.join(work_dir, "absent.json"),
                             expect=2)
        self.assertIn("cannot open", result.stderr)
        # Nothing was sent: the rules put first are still there.
        got = self.upgate("get", self.bucket)
        self.assertEqual(json.loads(got.stdout), SEED_RULES)

    def test_wrong_secret_is_exit_1_with_signature_does_not_match(self):
        wrong = "WrongSecretAlsoNeverPrinted/42"
        for args in (["get", self.bucket], ["delete", self.bucket],
                     ["put", self.bucket, "--file", write_file("w.json", SEED_CORS_JSON)]):
            with self.subTest(args=args[0]):
                result = self.upgate(*args, env=store_env(secret=wrong), expect=1)
                self.assertIn("SignatureDoesNotMatch", result.stderr)
                self.assertIn("(HTTP 403, request id ", result.stderr)
                self.assertNotIn(wrong, result.stdout + result.stderr)

    def test_session_token_is_sent_and_never_printed(self):
        # The store issues no session tokens, so it refuses any: the refusal proves the
        # token was sent (and signed: an unsigned one would be a signature error).
        env = store_env()
        env["AWS_SESSION_TOKEN"] = SESSION_TOKEN
        result = self.upgate("get", self.bucket, env=env, expect=1)
        self.assertIn("InvalidToken", result.stderr)

    def test_unknown_bucket_is_exit_1_with_no_such_bucket(self):
        result = self.upgate("get", "no-such-bucket-" + uuid.uuid4().hex[:8], expect=1)
        self.assertIn("S3 refused GetBucketCors: NoSuchBucket", result.stderr)

    def test_store_not_running_is_exit_1_with_a_clear_reason(self):
        port = free_port()
        env = store_env()
        env["AWS_ENDPOINT_URL_S3"] = f"http://127.0.0.1:{port}"
        for verb, args in (("get", []), ("delete", []),
                           ("put", ["--file", write_file("n.json", SEED_CORS_JSON)])):
            with self.subTest(verb=verb):
                result = self.upgate(verb, self.bucket, *args, env=env, expect=1)
                self.assertIn(f"could not reach 127.0.0.1:{port}: cannot connect", result.stderr)

    def test_configuration_errors_are_exit_2(self):
        no_credentials = clean_env()
        no_credentials["AWS_ENDPOINT_URL_S3"] = store.endpoint
        result = self.upgate("get", self.bucket, env=no_credentials, expect=2)
        self.assertIn("AWS_ACCESS_KEY_ID", result.stderr)

        result = self.upgate("get", self.bucket, "--endpoint", "ftp://127.0.0.1", expect=2)
        self.assertIn("--endpoint", result.stderr)

        result = self.upgate("get", "Not_A_Bucket", expect=2)
        self.assertIn("BUCKET: 'Not_A_Bucket' is not a valid S3 bucket name", result.stderr)

        env = store_env()
        env["AWS_REGION"] = "Bad Region"
        result = self.upgate("get", self.bucket, env=env, expect=2)
        self.assertIn("AWS_REGION", result.stderr)

        result = self.upgate("put", self.bucket, expect=2)  # no --file
        self.assertIn("--file", result.stderr)
        result = self.upgate("get", self.bucket, "--timeout", "0", expect=2)
        self.assertIn("--timeout", result.stderr)

    def test_help_shows_an_example(self):
        result = subprocess.run([store.binary, "bucket", "cors", "--help"], capture_output=True,
                                text=True, timeout=30)
        self.assertEqual(result.returncode, 0)
        self.assertIn("upgate bucket cors put uploads --file cors.json", result.stdout)


if __name__ == "__main__":
    unittest.main()
