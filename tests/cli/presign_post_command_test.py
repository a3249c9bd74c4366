"""`upgate presign-post` against botocore's generate_presigned_post, then against a real store.

For fixed credentials, inputs and signing time, upgate and Debian's botocore (pure-Python
signer, clock frozen) must hand out the same form: the same URL, the same fields, a policy
with the same expiration and the same conditions (each signer lists them in its own order,
so the policies are compared as sets), and a signature that botocore's own POST signer
computes over upgate's policy. Then the fields are posted with a file to a real `upgate
store`: accepted, and refused when the file is outside content-length-range. Also the
command's error contract (one line on stderr, exit code 2) and that the secret never shows.
"""
import base64
import datetime
import json
import os
import subprocess
import tempfile
import unittest
import unittest.mock
import xml.etree.ElementTree as ET

from signing_reference import (  # noqa: E402  (before botocore: selects its Python signer)
    ACCESS_KEY, AMZ_DATE, SECRET_KEY, SIGNING_TIME, FrozenDateTime as _FrozenDateTime)
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.session  # noqa: E402
import requests  # noqa: E402
from botocore.config import Config  # noqa: E402

from store_process import start_store  # noqa: E402
from usage_errors import UsageErrorAssertions  # noqa: E402

UPGATE = os.environ.get("UPGATE_BIN", "build/upgate")


def hermetic_env(home, **variables):
    """The test's environment without any AWS_* variable or shared file of this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=home, AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, "no-credentials"),
               AWS_CONFIG_FILE=os.path.join(home, "no-config"))
    env.update(variables)
    return env


def run_upgate(command, *args, home, token=None, key=ACCESS_KEY, secret=SECRET_KEY, **variables):
    env = hermetic_env(home, **variables)
    if key:
        env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
    if token:
        env["AWS_SESSION_TOKEN"] = token
    return subprocess.run([UPGATE, command, *args], env=env, capture_output=True, text=True,
                          timeout=30)


def botocore_client(region, endpoint, path_style, token=None, key=ACCESS_KEY, secret=SECRET_KEY):
    session = botocore.session.get_session()
    return session.create_client(
        "s3", region_name=region, aws_access_key_id=key, aws_secret_access_key=secret,
        aws_session_token=token, endpoint_url=endpoint,
        config=Config(signature_version="s3v4",
                      s3={"addressing_style": "path" if path_style else "virtual"}))


def botocore_post(bucket, key, fields, conditions, region, endpoint, path_style, token=None,
                  expires=300):
    client = botocore_client(region, endpoint, path_style, token)
    with unittest.mock.patch("botocore.auth.datetime.datetime", _FrozenDateTime):
        return client.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions,
                                              ExpiresIn=expires)


def botocore_policy_signature(policy_base64, region):
    """botocore's POST signature over a given base64 policy, at the frozen signing time."""
    signer = botocore.auth.S3SigV4PostAuth(
        botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "s3", region)
    request = botocore.awsrequest.AWSRequest(method="POST", url="https://example.invalid/")
    request.context["timestamp"] = AMZ_DATE
    return signer.signature(policy_base64, request)


def normalized_conditions(policy):
    """A policy's conditions as a set of (operator, $field lower-cased, value) tuples."""
    out = set()
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            ((name, value),) = condition.items()
            out.add(("eq", "$" + name.lower(), value))
        elif condition[0] == "content-length-range":
            out.add(("content-length-range", int(condition[1]), int(condition[2])))
        else:
            out.add((condition[0], condition[1].lower(), condition[2]))
    return out


def decoded_policy(fields):
    return json.loads(base64.b64decode(fields["policy"]))


def expiration(policy):
    text = policy["expiration"].replace(".000Z", "Z")
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


class TempHome(unittest.TestCase):
    def setUp(self):
        self._home = tempfile.TemporaryDirectory(prefix="upgate-presign-post-")
        self.home = self._home.name

    def tearDown(self):
        self._home.cleanup()

    def presign_post(self, *args, **kwargs):
        return run_upgate("presign-post", *args, home=self.home, **kwargs)


class PresignPostMatchesBotocore(TempHome):
    def check(self, upgate_args, bucket, key, fields, conditions, region="us-east-1",
              endpoint="http://127.0.0.1:9000", path_style=True, token=None, expires=300):
        theirs = botocore_post(bucket, key, fields, conditions, region, endpoint, path_style,
                               token, expires)
        args = [*upgate_args, "--region", region, "--date", AMZ_DATE, "--expires", str(expires)]
        if endpoint:
            args += ["--endpoint", endpoint]
        if not path_style and endpoint:
            args.append("--virtual-hosted")
        result = self.presign_post(*args, token=token)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        ours = json.loads(result.stdout)
        self.assertEqual(set(ours), {"url", "fields", "expiresAt"})

        self.assertEqual(ours["url"].rstrip("/"), theirs["url"].rstrip("/"))
        unsigned = lambda form: {k: v for k, v in form.items()  # noqa: E731
                                 if k not in ("policy", "x-amz-signature")}
        self.assertEqual(unsigned(ours["fields"]), unsigned(theirs["fields"]))

        our_policy = decoded_policy(ours["fields"])
        their_policy = decoded_policy(theirs["fields"])
        self.assertEqual(expiration(our_policy), expiration(their_policy))
        self.assertEqual(expiration(our_policy), SIGNING_TIME + datetime.timedelta(seconds=expires))
        self.assertEqual(normalized_conditions(our_policy), normalized_conditions(their_policy))
        self.assertEqual(ours["fields"]["x-amz-signature"],
                         botocore_policy_signature(ours["fields"]["policy"], region))
        self.assertEqual(ours["expiresAt"],
                         (SIGNING_TIME + datetime.timedelta(seconds=expires))
                         .strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        self.assertNotIn(SECRET_KEY, result.stdout)
        return ours

    def test_fixed_key_with_length_range_and_content_type(self):
        ours = self.check(
            ["s3://uploads/forms/report.pdf", "--content-length-range", "1:5242880",
             "--field", "Content-Type=application/pdf"],
            "uploads", "forms/report.pdf", {"Content-Type": "application/pdf"},
            [{"Content-Type": "application/pdf"}, ["content-length-range", 1, 5242880]])
        # The library's field order: key, the signer's fields, policy, signature, then ours.
        self.assertEqual(list(ours["fields"]),
                         ["key", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "policy",
                          "x-amz-signature", "Content-Type"])

    def test_key_ending_in_filename_with_session_token_virtual_hosted(self):
        ours = self.check(["s3://examplebucket/user/eric/${filename}"], "examplebucket",
                          "user/eric/${filename}", {}, [], region="eu-west-1",
                          endpoint="https://s3.eu-west-1.amazonaws.com", path_style=False,
                          token="session/token+=")
        self.assertEqual(ours["fields"]["x-amz-security-token"], "session/token+=")
        self.assertIn(("starts-with", "$key", "user/eric/"),
                      normalized_conditions(decoded_policy(ours["fields"])))

    def test_key_starts_with_is_a_filename_key_under_the_prefix(self):
        ours = self.check(["s3://uploads/", "--key-starts-with", "incoming/2024/",
                           "--field", "success_action_status=201"],
                          "uploads", "incoming/2024/${filename}",
                          {"success_action_status": "201"}, [{"success_action_status": "201"}],
                          expires=604800)
        self.assertEqual(ours["fields"]["key"], "incoming/2024/${filename}")

    def test_aws_default_endpoint_is_regional_virtual_hosted(self):
        result = self.presign_post("s3://examplebucket/k", "--region", "eu-west-1",
                                   "--date", AMZ_DATE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["url"],
                         "https://examplebucket.s3.eu-west-1.amazonaws.com/")

    def test_credentials_and_region_from_an_aws_profile(self):
        credentials = os.path.join(self.home, "credentials")
        config = os.path.join(self.home, "config")
        with open(credentials, "w") as f:
            f.write(f"[uploader]\naws_access_key_id = {ACCESS_KEY}\n"
                    f"aws_secret_access_key = {SECRET_KEY}\n")
        with open(config, "w") as f:
            f.write("[profile uploader]\nregion = ap-southeast-2\n"
                    "s3 =\n  endpoint_url = http://127.0.0.1:9000\n")
        result = self.presign_post("s3://uploads/a.txt", "--date", AMZ_DATE, key=None,
                                   AWS_PROFILE="uploader", AWS_SHARED_CREDENTIALS_FILE=credentials,
                                   AWS_CONFIG_FILE=config)
        self.assertEqual(result.returncode, 0, result.stderr)
        ours = json.loads(result.stdout)
        theirs = botocore_post("uploads", "a.txt", {}, [], "ap-southeast-2",
                               "http://127.0.0.1:9000", True)
        self.assertEqual(ours["url"], theirs["url"])
        self.assertEqual(ours["fields"]["x-amz-credential"],
                         f"{ACCESS_KEY}/20130524/ap-southeast-2/s3/aws4_request")
        self.assertEqual(ours["fields"]["x-amz-signature"],
                         botocore_policy_signature(ours["fields"]["policy"], "ap-southeast-2"))


def xml_error_code(response):
    try:
        return ET.fromstring(response.content).findtext("Code")
    except ET.ParseError:
        return None


class FormPostToARealStore(unittest.TestCase):
    """The fields posted with a file, as a browser form would, to `upgate store`."""

    @classmethod
    def setUpClass(cls):
        cls.store = start_store(extra_args=["--bucket", "forms"])
        cls._home = tempfile.TemporaryDirectory(prefix="upgate-presign-post-")

    @classmethod
    def tearDownClass(cls):
        cls.store.close()
        cls._home.cleanup()

    def sign(self, *args):
        result = run_upgate("presign-post", *args, "--endpoint", self.store.endpoint,
                            home=self._home.name, key=self.store.access_key_id,
                            secret=self.store.secret_access_key)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(self.store.secret_access_key, result.stdout + result.stderr)
        return json.loads(result.stdout)

    def post(self, form, filename, body):
        # requests sends `data` before `files`: the file is the last part, as S3 requires.
        return requests.post(form["url"], data=list(form["fields"].items()),
                             files={"file": (filename, body, "text/plain")}, timeout=30)

    def get(self, key):
        result = run_upgate("presign", "GET", f"s3://forms/{key}", "--endpoint",
                            self.store.endpoint, home=self._home.name,
                            key=self.store.access_key_id, secret=self.store.secret_access_key)
        self.assertEqual(result.returncode, 0, result.stderr)
        return requests.get(result.stdout.strip(), timeout=30)

    def test_form_upload_is_accepted_and_stored_under_the_file_name(self):
        form = self.sign("s3://forms/inbox/${filename}", "--content-length-range", "1:1024",
                         "--field", "Content-Type=text/plain")
        response = self.post(form, "note.txt", b"hello from a form")
        self.assertEqual(response.status_code, 204, response.text)
        stored = self.get("inbox/note.txt")
        self.assertEqual(stored.status_code, 200, stored.text)
        self.assertEqual(stored.content, b"hello from a form")
        self.assertEqual(stored.headers["Content-Type"], "text/plain")

    def test_success_action_status_201_answers_the_key(self):
        form = self.sign("s3://forms/", "--key-starts-with", "typed/",
                         "--field", "success_action_status=201")
        response = self.post(form, "x.txt", b"x")
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(ET.fromstring(response.content).findtext("Key"), "typed/x.txt")

    def test_file_larger_than_the_range_is_entity_too_large(self):
        form = self.sign("s3://forms/big.bin", "--content-length-range", "1:1024")
        response = self.post(form, "big.bin", b"x" * 1025)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(xml_error_code(response), "EntityTooLarge", response.text)
        self.assertEqual(self.get("big.bin").status_code, 404)

    def test_file_smaller_than_the_range_is_entity_too_small(self):
        form = self.sign("s3://forms/small.bin", "--content-length-range", "10:1024")
        response = self.post(form, "small.bin", b"123456789")
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(xml_error_code(response), "EntityTooSmall", response.text)
        self.assertEqual(self.get("small.bin").status_code, 404)

    def test_a_pinned_field_cannot_be_changed_by_the_form(self):
        form = self.sign("s3://forms/pinned.txt", "--field", "Content-Type=text/plain")
        form["fields"]["Content-Type"] = "text/html"
        response = self.post(form, "pinned.txt", b"<script>")
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(xml_error_code(response), "AccessDenied", response.text)


class PresignPostErrors(UsageErrorAssertions, TempHome):
    never_shown = (SECRET_KEY,)

    def test_missing_credentials(self):
        self.assertUsageError(self.presign_post("s3://b/k", key=None), "credentials")

    def test_bad_url_or_no_key(self):
        self.assertUsageError(self.presign_post("https://b/k"), "s3://")
        self.assertUsageError(self.presign_post("s3:///k"), "bucket")
        self.assertUsageError(self.presign_post("s3://b/"), "--key-starts-with")

    def test_key_outside_its_starts_with(self):
        self.assertUsageError(self.presign_post("s3://b/other/k", "--key-starts-with", "mine/"),
                              "key")

    def test_bad_content_length_range(self):
        for text in ["10", "a:b", "5:1", "-1:5", "1:", ":5", "1:99999999999999999999999"]:
            with self.subTest(range=text):
                self.assertUsageError(
                    self.presign_post("s3://b/k", f"--content-length-range={text}"),
                    "--content-length-range")

    def test_bad_fields(self):
        self.assertUsageError(self.presign_post("s3://b/k", "--field", "no-equals"), "--field")
        self.assertUsageError(self.presign_post("s3://b/k", "--field", "=v"), "--field")
        self.assertUsageError(self.presign_post("s3://b/k", "--field", "key=other"), "key")
        self.assertUsageError(self.presign_post("s3://b/k", "--field", "policy=x"), "policy")
        self.assertUsageError(
            self.presign_post("s3://b/k", "--field", "a=1", "--field", "A=2"), "twice")

    def test_bad_date_and_expiry(self):
        self.assertUsageError(self.presign_post("s3://b/k", "--date", "2013-05-24"), "--date")
        for expires in ["0", "604801"]:
            with self.subTest(expires=expires):
                self.assertUsageError(self.presign_post("s3://b/k", f"--expires={expires}"),
                                      "expires")

    def test_bad_endpoint_and_region(self):
        self.assertUsageError(self.presign_post("s3://b/k", "--endpoint", "ftp://x"), "--endpoint")
        self.assertUsageError(self.presign_post("s3://b/k", "--region", "EU WEST"), "--region")

    def test_unknown_profile(self):
        self.assertUsageError(self.presign_post("s3://b/k", key=None, AWS_PROFILE="nope"), "nope")

    def test_missing_arguments(self):
        self.assertUsageError(self.presign_post(), "url")


if __name__ == "__main__":
    unittest.main(verbosity=2)
