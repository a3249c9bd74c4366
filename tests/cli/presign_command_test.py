"""`upgate presign` against botocore, the reference SigV4 presigner.

For fixed credentials, inputs and signing time, upgate and Debian's botocore
(pure-Python signer, time frozen) must produce the same URL: same scheme, host
and path, the same query parameters, and so the same signature. Also the
command's error contract: one line on stderr and exit code 2.
"""
import json
import os
import subprocess
import tempfile
import unittest
import unittest.mock
import urllib.parse

from signing_reference import (  # noqa: E402  (before botocore: selects its Python signer)
    ACCESS_KEY, AMZ_DATE, SECRET_KEY, FrozenDateTime as _FrozenDateTime)
import botocore.session  # noqa: E402
from botocore.config import Config  # noqa: E402
from usage_errors import UsageErrorAssertions  # noqa: E402

UPGATE = os.environ.get("UPGATE_BIN", "build/upgate")


def botocore_url(operation, params, region, endpoint, path_style, token=None, expires=300):
    session = botocore.session.get_session()
    client = session.create_client(
        "s3", region_name=region, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, aws_session_token=token, endpoint_url=endpoint,
        config=Config(signature_version="s3v4",
                      s3={"addressing_style": "path" if path_style else "virtual"}))
    with unittest.mock.patch("botocore.auth.datetime.datetime", _FrozenDateTime):
        return client.generate_presigned_url(operation, Params=params, ExpiresIn=expires)


def without_aws_settings():
    """The environment minus AWS_* variables and this machine's AWS shared files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    missing = os.path.join(tempfile.gettempdir(), f"upgate-no-such-file-{os.getpid()}")
    env.update(AWS_SHARED_CREDENTIALS_FILE=missing, AWS_CONFIG_FILE=missing)
    return env


def upgate(*args, token=None, extra_env=None):
    env = without_aws_settings()
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    if token:
        env["AWS_SESSION_TOKEN"] = token
    env.update(extra_env or {})
    return subprocess.run([UPGATE, "presign", *args], env=env, capture_output=True, text=True,
                          timeout=30)


def split(url):
    parts = urllib.parse.urlsplit(url)
    query = sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    return parts.scheme, parts.netloc, parts.path, query


class PresignMatchesBotocore(unittest.TestCase):
    def assertSameUrl(self, ours, theirs):
        self.assertEqual(split(ours), split(theirs), f"\n ours:   {ours}\n theirs: {theirs}")

    def check(self, upgate_args, operation, params, region="us-east-1",
              endpoint="http://127.0.0.1:9000", path_style=True, token=None, expires=300):
        theirs = botocore_url(operation, params, region, endpoint, path_style, token, expires)
        args = [*upgate_args, "--region", region, "--date", AMZ_DATE, "--expires", str(expires)]
        if endpoint:
            args += ["--endpoint", endpoint]
        if not path_style:
            args.append("--virtual-hosted")
        result = upgate(*args, token=token)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        self.assertSameUrl(result.stdout.strip(), theirs)

    def test_put_with_content_type_path_style_custom_port(self):
        self.check(["PUT", "s3://uploads/a b/ü.txt", "--content-type", "image/png"],
                   "put_object", {"Bucket": "uploads", "Key": "a b/ü.txt", "ContentType": "image/png"})

    def test_get_with_session_token_and_response_content_disposition(self):
        disposition = 'attachment; filename="a b.txt"'
        self.check(["GET", "s3://examplebucket/x.txt", "--query",
                    f"response-content-disposition={disposition}"],
                   "get_object", {"Bucket": "examplebucket", "Key": "x.txt",
                                  "ResponseContentDisposition": disposition},
                   region="eu-west-1", endpoint="https://s3.eu-west-1.amazonaws.com",
                   path_style=False, token="tok/+=session")

    def test_upload_part_with_query_and_content_length(self):
        self.check(["PUT", "s3://uploads/big.bin", "--query", "partNumber=3", "--query",
                    "uploadId=abc-123", "--content-length", "5242880"],
                   "upload_part", {"Bucket": "uploads", "Key": "big.bin", "PartNumber": 3,
                                   "UploadId": "abc-123", "ContentLength": 5242880})

    def test_special_characters_in_key(self):
        key = "a+b=c&d~e*f%g(1)/日本 語.txt"
        self.check(["GET", f"s3://uploads/{key}"], "get_object", {"Bucket": "uploads", "Key": key},
                   expires=604800)

    def test_aws_default_endpoint_is_regional_virtual_hosted(self):
        theirs = botocore_url("get_object", {"Bucket": "examplebucket", "Key": "test.txt"},
                              "eu-west-1", "https://s3.eu-west-1.amazonaws.com", False)
        result = upgate("GET", "s3://examplebucket/test.txt", "--region", "eu-west-1", "--date",
                        AMZ_DATE, "--expires", "300")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertSameUrl(result.stdout.strip(), theirs)

    def test_endpoint_from_environment(self):
        theirs = botocore_url("get_object", {"Bucket": "b1", "Key": "k"}, "us-east-1",
                              "http://localhost:9000", True)
        result = upgate("GET", "s3://b1/k", "--date", AMZ_DATE, "--expires", "300",
                        extra_env={"AWS_ENDPOINT_URL_S3": "http://localhost:9000",
                                   "AWS_REGION": "us-east-1"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertSameUrl(result.stdout.strip(), theirs)


class PresignWithAnAwsProfile(unittest.TestCase):
    """Credentials, region and endpoint from the AWS shared files, as `upgate serve` reads them."""

    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(prefix="upgate-presign-")
        self.credentials = os.path.join(self._dir.name, "credentials")
        self.config = os.path.join(self._dir.name, "config")
        with open(self.credentials, "w") as f:
            f.write(f"[default]\naws_access_key_id = AKIDDEFAULTPROFILE\n"
                    f"aws_secret_access_key = default-profile-secret\n"
                    f"[uploader]\naws_access_key_id = {ACCESS_KEY}\n"
                    f"aws_secret_access_key = {SECRET_KEY}\n")
        with open(self.config, "w") as f:
            f.write("[profile uploader]\nregion = eu-central-1\n"
                    "s3 =\n  endpoint_url = http://127.0.0.1:9000\n")

    def tearDown(self):
        self._dir.cleanup()

    def presign(self, *args, **variables):
        env = without_aws_settings()
        env.update(AWS_SHARED_CREDENTIALS_FILE=self.credentials, AWS_CONFIG_FILE=self.config)
        env.update(variables)
        return subprocess.run([UPGATE, "presign", *args], env=env, capture_output=True,
                              text=True, timeout=30)

    def test_aws_profile_supplies_credentials_region_and_endpoint(self):
        theirs = botocore_url("get_object", {"Bucket": "uploads", "Key": "a.txt"},
                              "eu-central-1", "http://127.0.0.1:9000", True)
        result = self.presign("GET", "s3://uploads/a.txt", "--date", AMZ_DATE, "--expires", "300",
                              AWS_PROFILE="uploader")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(split(result.stdout.strip()), split(theirs))

    def test_aws_profile_flag_beats_the_variable(self):
        result = self.presign("GET", "s3://uploads/a.txt", "--aws-profile", "uploader",
                              AWS_PROFILE="default")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"X-Amz-Credential={ACCESS_KEY}%2F", result.stdout)

    def test_default_profile_without_aws_profile(self):
        result = self.presign("GET", "s3://uploads/a.txt", "--region", "us-east-1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("X-Amz-Credential=AKIDDEFAULTPROFILE%2F", result.stdout)
        self.assertNotIn("default-profile-secret", result.stdout)

    def test_environment_keys_beat_the_profile(self):
        result = self.presign("GET", "s3://uploads/a.txt", AWS_PROFILE="uploader",
                              AWS_ACCESS_KEY_ID="AKIDFROMENV", AWS_SECRET_ACCESS_KEY="env-secret")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("X-Amz-Credential=AKIDFROMENV%2F", result.stdout)

    def test_unknown_profile_is_a_usage_error(self):
        result = self.presign("GET", "s3://uploads/a.txt", AWS_PROFILE="nope")
        self.assertEqual(result.returncode, 2, result.stdout)
        self.assertEqual(result.stdout, "")
        self.assertIn("nope", result.stderr)


class PresignJsonOutput(unittest.TestCase):
    def test_json_lists_method_headers_and_expiry(self):
        result = upgate("put", "s3://uploads/x.png", "--content-type", "image/png",
                        "--content-length", "42", "--header", "If-None-Match: *",
                        "--endpoint", "http://127.0.0.1:9000", "--date", AMZ_DATE,
                        "--expires", "300", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        out = json.loads(result.stdout)
        self.assertEqual(out["method"], "PUT")
        self.assertEqual(out["headers"], {"Content-Type": "image/png", "Content-Length": "42",
                                          "If-None-Match": "*"})
        self.assertEqual(out["expiresAt"], "2013-05-24T00:05:00.000Z")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(out["url"]).query))
        self.assertEqual(query["X-Amz-SignedHeaders"], "content-length;content-type;host;if-none-match")

    def test_secret_is_never_printed(self):
        result = upgate("PUT", "s3://uploads/x", "--endpoint", "http://127.0.0.1:9000", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(SECRET_KEY, result.stdout + result.stderr)


class PresignErrors(UsageErrorAssertions, unittest.TestCase):
    never_shown = (SECRET_KEY,)

    def test_missing_credentials(self):
        env = without_aws_settings()
        result = subprocess.run([UPGATE, "presign", "GET", "s3://b/k"], env=env,
                                capture_output=True, text=True, timeout=30)
        self.assertUsageError(result, "credentials")

    def test_bad_url(self):
        self.assertUsageError(upgate("GET", "https://b/k"), "s3://")
        self.assertUsageError(upgate("GET", "s3:///k"), "bucket")

    def test_bad_date(self):
        for date in ["2013-05-24", "20130524T000000", "20131324T000000Z", "20130230T000000Z"]:
            with self.subTest(date=date):
                self.assertUsageError(upgate("GET", "s3://b/k", "--date", date), "--date")

    def test_expiry_out_of_range(self):
        for expires in ["0", "-1", "604801"]:
            with self.subTest(expires=expires):
                self.assertUsageError(upgate("GET", "s3://b/k", f"--expires={expires}"), "xpire")

    def test_bad_endpoint(self):
        self.assertUsageError(upgate("GET", "s3://b/k", "--endpoint", "ftp://x"), "endpoint")

    def test_missing_arguments(self):
        self.assertUsageError(upgate("GET"), "url")


if __name__ == "__main__":
    unittest.main(verbosity=2)
