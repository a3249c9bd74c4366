"""The upload scenarios of issue 6, run against one S3 server: the embedded store or Ceph RGW.

The same assertions run against both (UPGATE_SCENARIO_TARGET=store|rgw, see targets.py), so
any place where upgate's store answers unlike a real S3 fails here. Expectations are AWS S3's
documented behaviour; where RGW is known to answer otherwise, the difference is named in
RGW_DEVIATIONS below (the test still asserts RGW's exact answer, so a change either way shows).

1. The seed's flow through a real `upgate serve --no-store` pointed at the target by
   AWS_ENDPOINT_URL_S3: the presigned PUT with exactly the returned headers stores the bytes;
   another type, another size, a tampered signature, an expired URL and a second PUT to an
   overwrite-protected key are refused with S3's status and error code.
2. A presigned GET through the API's downloads route: Content-Disposition as signed (and
   `response-*` overrides signed by `upgate presign`; an unsigned one is refused).
3. A POST policy form from `upgate presign-post` (signed by the sigv4 library): accepted, and
   a file outside `content-length-range`, a field the policy does not allow, a forged policy
   and an expired one refused.
4. Bucket CORS put by `upgate bucket cors put` (the seed's JSON): preflights from an allowed
   and a disallowed origin (and for a method or header no rule allows, or no method at all),
   actual PUTs from both, and no CORS after `upgate bucket cors delete`.
5. `upgate upload` through `upgate serve`'s /v1/multipart, killed with SIGKILL mid-way and
   resumed with --resume: the parts the target holds are not sent again, and the object's
   bytes are the file's (SHA-256). On RGW a 1 GiB file (64 parts of 16 MiB, 4 at a time,
   killed after 16), issue 12's proof; on the store 96 MiB (6 parts, killed after 2), whose
   1 GiB case is tests/cli/upload_command_test.py.
Every response, CLI output and log line the suite captures is searched for the secret key.

Run: UPGATE_SCENARIO_TARGET=store PYTHONPATH=tests/support /usr/bin/python3 -B THIS_FILE
(or `ctest --test-dir build -R scenarios.store`)
"""
import base64
import datetime
import hashlib
import json
import os
import subprocess
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import requests
from botocore.exceptions import ClientError

from api_harness import BINARY as UPGATE, ApiServer
from targets import target_from_environment
from upload_cli import (MiB, kill_when_parts_done, object_sha256, upload, upload_env,
                        write_test_file)

HERE = os.path.dirname(os.path.abspath(__file__))
# The seed's CORS document (section 4), as its readers paste it.
SEED_CORS_FILE = os.path.join(HERE, "..", "data", "seed_cors.json")
ALLOWED_ORIGIN = "http://localhost:3000"
# The start of AWS's message for a preflight no rule allows.
CORS_NOT_ALLOWED = "CORSResponse: This CORS request is not allowed."
DISALLOWED_ORIGIN = "http://evil.example"

SERVE_CONFIG = """
[server]
demo_page = false

[profiles.services]
folder = "services"
max_size = "5 MiB"
overwrite_protection = true

[profiles.documents]
folder = "docs"
max_size = "1 MiB"
allowed_types = ["application/pdf", "text/*"]
content_disposition = "attachment"

[profiles.big]
folder = "big"
max_size = "1 GiB"
"""

# Where Ceph RGW (16.2, Debian 12) answers unlike AWS S3. Each entry is one named difference,
# RGW's exact answer; `expect(name, aws_answer)` returns it on the rgw target and AWS's answer
# everywhere else. All but one (cors_unknown_request_method) differ in code or message only.
RGW_DEVIATIONS = {
    # AWS: <Message>Request has expired</Message> (with X-Amz-Expires, Expires, ServerTime).
    # RGW leaves the message of its AccessDenied empty.
    "expired_url_message": "",
    # AWS refuses a preflight with 403 AccessForbidden and a "CORSResponse: ..." message (the
    # User Guide's "Troubleshooting CORS"); RGW says 403 AccessDenied with an empty message.
    "cors_refusal_code": "AccessDenied",
    "cors_not_allowed_message": "",
    "cors_not_enabled_message": "",
    # An allowed preflight (S3's answers as LocalStack recorded them against AWS): AWS adds
    # Access-Control-Allow-Credentials: true for a rule without "*" and varies on all three
    # request headers; RGW sends no Allow-Credentials and `Vary: Origin`.
    "cors_allow_credentials": None,
    "cors_vary": "Origin",
    # A preflight without Access-Control-Request-Method, to a bucket with CORS: AWS says 400
    # BadRequest "Invalid Access-Control-Request-Method: null"; RGW 400 InvalidArgument.
    # With a method S3 has no rules for (OPTIONS), AWS says the same 400 ("...: OPTIONS");
    # RGW evaluates the rules and refuses with its 403 AccessDenied.
    "cors_missing_request_method": (400, "InvalidArgument", ""),
    "cors_unknown_request_method": (403, "AccessDenied", ""),
    # AWS answers a POST form whose policy signature does not verify with 403
    # SignatureDoesNotMatch, as it does for every SigV4 request; RGW says AccessDenied.
    "post_signature_mismatch_code": "AccessDenied",
    # A form without a file: AWS says 400 IncorrectNumberOfFilesInPostRequest (its error code
    # list) and stores nothing; RGW answers 204 and stores an object of two bytes, the CRLF
    # that ends the form's last part.
    "post_without_file": (204, None, b"\r\n"),
    # AWS: "Invalid according to Policy: Policy expired."; RGW: "Policy expired".
    "post_policy_expired_message": "Policy expired",
}

target = None
home = None  # an empty HOME for upgate commands: no ~/.aws of the machine leaks in


def setUpModule():
    global target, home
    target = target_from_environment()
    target.start()  # stops what it started when it fails
    home = tempfile.TemporaryDirectory(prefix="upgate-scenario-home-")


def tearDownModule():
    home.cleanup()
    if target is None:
        return
    try:
        leaked = target.secret_access_key in target.log_text()
    finally:
        target.close()
    if leaked:
        raise AssertionError(f"the {target.name} target's log contains its secret access key")


def expect(name, aws_answer):
    if name not in RGW_DEVIATIONS:
        raise KeyError(f"no RGW deviation named {name!r}")  # a typo must not pass silently
    return RGW_DEVIATIONS[name] if target.name == "rgw" else aws_answer


def error_code(response):
    """The <Code> of S3's XML error document, or None when the body is not one."""
    try:
        return ET.fromstring(response.content).findtext("Code")
    except ET.ParseError:
        return None


def error_field(response, field):
    try:
        return ET.fromstring(response.content).findtext(field)
    except ET.ParseError:
        return None


def payload(size, seed):
    """`size` deterministic, seed-dependent bytes (not all zeros: a lost byte would show)."""
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        out += block
        block = hashlib.sha256(block).digest()
    return bytes(out[:size])


def amz_date(when):
    return when.strftime("%Y%m%dT%H%M%SZ")


class ScenarioCase(unittest.TestCase):
    """Gives each test class a fresh bucket, and checks all it captures for the secret."""
    bucket_purpose = "scenario"

    @classmethod
    def setUpClass(cls):
        cls.bucket = target.create_bucket(cls.bucket_purpose)

    def assertNoSecret(self, text, where):
        self.assertNotIn(target.secret_access_key, text, f"secret access key leaked in {where}")

    def http(self, method, url, **kwargs):
        """One request to the target (or the API); its whole answer is checked for the secret."""
        kwargs.setdefault("timeout", 30)
        response = requests.request(method, url, **kwargs)
        self.assertNoSecret(response.text, f"the body of {method} {url}")
        self.assertNoSecret(json.dumps(dict(response.headers)), f"the headers of {method} {url}")
        return response

    def upgate(self, *args, expect_exit=0):
        """Runs an upgate command pointed at the target by AWS_* variables only."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "UPGATE_S3"))}
        env.update(target.aws_environment())
        env["HOME"] = home.name
        process = subprocess.run([UPGATE, *args], env=env, capture_output=True, text=True,
                                 timeout=60)
        self.assertNoSecret(process.stdout + process.stderr, f"the output of upgate {args[0]}")
        self.assertEqual(process.returncode, expect_exit,
                         f"upgate {' '.join(args)}\nstdout: {process.stdout}\n"
                         f"stderr: {process.stderr}\n{target.log_tail()}")
        return process

    def assertS3Error(self, response, status, code):
        self.assertEqual((response.status_code, error_code(response)), (status, code),
                         f"{response.request.method} {response.url}\n{response.text}\n"
                         f"{target.log_tail()}")

    def object_bytes(self, key):
        try:
            return target.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise


class ServeCase(ScenarioCase):
    """A real `upgate serve --no-store`, configured only by environment, signing for the target."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = target.aws_environment()
        env["AWS_S3_BUCKET_NAME"] = cls.bucket
        cls.server = ApiServer(SERVE_CONFIG, extra_env=env)
        try:
            cls.server.start()
        except BaseException:
            cls.server.stop()
            cls.server.dir.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        try:
            logs = cls.server.log_text() + cls.server.stderr_text()
        finally:
            cls.server.dir.cleanup()
        if target.secret_access_key in logs:
            raise AssertionError("upgate serve's logs contain the secret access key")

    def api(self, path, body):
        response = self.http("POST", self.server.base + path, json=body)
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertIs(answer["ok"], True, answer)
        return answer

    def seed_upload(self, name, content_type, size):
        return self.api("/api/s3/getPresignedUrl", {
            "fileName": name, "fileType": content_type, "fileSize": size,
            "folderName": "services"})

    def v1_upload(self, profile, name, content_type, size):
        return self.api("/v1/uploads", {
            "profile": profile, "fileName": name, "contentType": content_type, "size": size})


class SeedFlowThroughServe(ServeCase):
    bucket_purpose = "seed-flow"

    def test_api_signs_for_the_target_endpoint_and_bucket(self):
        answer = self.seed_upload("photo.jpg", "image/jpeg", 10)
        url = urllib.parse.urlsplit(answer["uploadUrl"])
        self.assertEqual(f"{url.scheme}://{url.netloc}", target.endpoint)
        self.assertEqual(urllib.parse.unquote(url.path), f"/{self.bucket}/{answer['key']}")
        self.assertEqual(answer["headers"], {"Content-Type": "image/jpeg", "Content-Length": "10"})

    def test_put_with_exactly_the_returned_headers_stores_the_bytes(self):
        body = payload(65537, "seed put")
        answer = self.seed_upload("holiday photo.jpg", "image/jpeg", len(body))
        response = self.http("PUT", answer["uploadUrl"], data=body, headers=answer["headers"])
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        self.assertEqual(self.object_bytes(answer["key"]), body)
        head = target.client().head_object(Bucket=self.bucket, Key=answer["key"])
        self.assertEqual(head["ContentType"], "image/jpeg")
        self.assertEqual(head["ContentLength"], len(body))

    def test_another_content_type_is_refused(self):
        body = payload(1000, "other type")
        answer = self.seed_upload("a.jpg", "image/jpeg", len(body))
        headers = dict(answer["headers"], **{"Content-Type": "image/png"})
        response = self.http("PUT", answer["uploadUrl"], data=body, headers=headers)
        self.assertS3Error(response, 403, "SignatureDoesNotMatch")
        self.assertIsNone(self.object_bytes(answer["key"]))

    def test_another_size_is_refused(self):
        answer = self.seed_upload("b.jpg", "image/jpeg", 1000)
        for size in (1001, 999):
            with self.subTest(size=size):
                # requests sends the body's own Content-Length, as a browser would.
                response = self.http("PUT", answer["uploadUrl"], data=payload(size, "size"),
                                     headers={"Content-Type": "image/jpeg"})
                self.assertS3Error(response, 403, "SignatureDoesNotMatch")
        self.assertIsNone(self.object_bytes(answer["key"]))

    def test_tampered_signature_is_refused(self):
        body = payload(100, "tampered")
        answer = self.seed_upload("c.jpg", "image/jpeg", len(body))
        url = answer["uploadUrl"]
        signature = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Signature"][0]
        flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        tampered = url.replace("X-Amz-Signature=" + signature, "X-Amz-Signature=" + flipped)
        self.assertNotEqual(tampered, url)
        response = self.http("PUT", tampered, data=body, headers=answer["headers"])
        self.assertS3Error(response, 403, "SignatureDoesNotMatch")
        self.assertIsNone(self.object_bytes(answer["key"]))

    def test_key_that_needs_encoding(self):
        # What the API's name sanitiser would never produce, but a presigned URL may carry:
        # every byte SigV4's URI encoding treats specially, and non-ASCII.
        key = "odd/a b+c~d=e&f%g(é)!'*;:@$,#?.txt"
        url = self.upgate("presign", "PUT", f"s3://{self.bucket}/{key}", "--expires", "300",
                          "--content-type", "text/plain").stdout.strip()
        response = self.http("PUT", url, data=b"odd", headers={"Content-Type": "text/plain"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.object_bytes(key), b"odd")

    def test_expired_url_is_refused(self):
        # Signed by the same sigv4 library two hours ago for one minute: long expired, and
        # still within the 7-day window a presigned URL may ever have.
        body = payload(100, "expired")
        key = "services/expired.jpg"
        signed_at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)
        url = self.upgate("presign", "PUT", f"s3://{self.bucket}/{key}", "--expires", "60",
                          "--content-type", "image/jpeg", "--content-length", str(len(body)),
                          "--date", amz_date(signed_at)).stdout.strip()
        response = self.http("PUT", url, data=body, headers={"Content-Type": "image/jpeg"})
        self.assertS3Error(response, 403, "AccessDenied")
        self.assertEqual(error_field(response, "Message"),
                         expect("expired_url_message", "Request has expired"))
        self.assertIsNone(self.object_bytes(key))

    def test_overwrite_protected_key_takes_one_put_only(self):
        first, second = payload(2048, "first"), payload(2048, "second")
        answer = self.v1_upload("services", "report.txt", "text/plain", len(first))
        self.assertEqual(answer["headers"], {"Content-Type": "text/plain",
                                             "Content-Length": "2048", "If-None-Match": "*"})
        response = self.http("PUT", answer["uploadUrl"], data=first, headers=answer["headers"])
        self.assertEqual(response.status_code, 200, response.text)
        response = self.http("PUT", answer["uploadUrl"], data=second, headers=answer["headers"])
        self.assertS3Error(response, 412, "PreconditionFailed")
        self.assertEqual(self.object_bytes(answer["key"]), first)

    def test_dropping_the_signed_if_none_match_is_refused(self):
        body = payload(10, "dropped")
        answer = self.v1_upload("services", "d.txt", "text/plain", len(body))
        headers = {k: v for k, v in answer["headers"].items() if k != "If-None-Match"}
        response = self.http("PUT", answer["uploadUrl"], data=body, headers=headers)
        self.assertS3Error(response, 403, "SignatureDoesNotMatch")
        self.assertIsNone(self.object_bytes(answer["key"]))


class PresignedDownload(ServeCase):
    bucket_purpose = "download"

    def test_content_disposition_comes_back_as_signed(self):
        body = b"%PDF-1.4 scenario\n"
        upload = self.v1_upload("documents", "résumé 2024.pdf", "application/pdf", len(body))
        response = self.http("PUT", upload["uploadUrl"], data=body, headers=upload["headers"])
        self.assertEqual(response.status_code, 200, response.text)

        response = self.http("GET", self.server.base + "/v1/downloads",
                             params={"key": upload["key"]})
        self.assertEqual(response.status_code, 200, response.text)
        url = response.json()["downloadUrl"]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        disposition = query["response-content-disposition"][0]
        # The name as the API sanitised it into the key ("résumé_2024.pdf").
        self.assertEqual(disposition, "attachment; filename=\"r_sum__2024.pdf\"; "
                                      "filename*=UTF-8''r%C3%A9sum%C3%A9_2024.pdf")

        response = self.http("GET", url)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.content, body)
        self.assertEqual(response.headers["Content-Disposition"], disposition)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")

    def test_disposition_and_type_overrides_signed_by_presign(self):
        key = "docs/plain.txt"
        target.client().put_object(Bucket=self.bucket, Key=key, Body=b"hello",
                                   ContentType="text/plain")
        url = self.upgate("presign", "GET", f"s3://{self.bucket}/{key}", "--expires", "300",
                          "--query", "response-content-disposition=inline; filename=\"x.txt\"",
                          "--query", "response-content-type=text/markdown").stdout.strip()
        response = self.http("GET", url)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Disposition"], 'inline; filename="x.txt"')
        self.assertEqual(response.headers["Content-Type"], "text/markdown")

    def test_an_unsigned_disposition_is_refused(self):
        key = "docs/unsigned.txt"
        target.client().put_object(Bucket=self.bucket, Key=key, Body=b"hello")
        url = self.upgate("presign", "GET", f"s3://{self.bucket}/{key}").stdout.strip()
        response = self.http("GET", url + "&response-content-disposition=attachment")
        self.assertS3Error(response, 403, "SignatureDoesNotMatch")


class UploadCommandResumed(ServeCase):
    bucket_purpose = "upload-resume"

    # Issue 12's proof on Ceph RGW is a 1 GiB file (64 parts of 16 MiB, 4 at a time, killed
    # after 16); the embedded store's 1 GiB case is in tests/cli, so here it takes 96 MiB
    # (6 parts, one at a time, killed after 2).
    SIZES = {"rgw": (1024 * MiB, 64, 4, 16), "store": (96 * MiB, 6, 1, 2)}

    def test_a_multipart_upload_killed_mid_way_resumes_and_stores_the_file(self):
        size, parts, parallel, kill_after = self.SIZES[target.name]
        with tempfile.TemporaryDirectory(prefix="upgate-upload-") as temp:
            path = os.path.join(temp, "video.bin")
            digest = write_test_file(path, size)
            env = upload_env(os.path.join(temp, "state"))
            args = [path, "--api", self.server.base, "--folder", "big", "--json", "--resume",
                    "--multipart-threshold", "16MiB", "--parallel", str(parallel)]
            done, status, out, err = kill_when_parts_done(args, env, env["XDG_STATE_HOME"],
                                                          kill_after)
            self.assertEqual(status, -9, f"the upload ended before the kill: {out} {err}")
            resumed = upload(args, env)
            self.assertNoSecret(out + err + resumed.stdout + resumed.stderr, "upgate upload")
            self.assertEqual(resumed.returncode, 0, resumed.stderr + target.log_tail())
            result = json.loads(resumed.stdout)
            self.assertEqual((result["ok"], result["parts"]), (True, parts), result)
            self.assertGreaterEqual(result["partsResumed"], done)
            self.assertEqual(result["partsResumed"] + result["partsSent"], parts)
            self.assertEqual(object_sha256(target.client(), self.bucket, result["key"]), digest)


class PostPolicyForm(ScenarioCase):
    bucket_purpose = "post-form"

    def presign_post(self, key, *args):
        process = self.upgate("presign-post", f"s3://{self.bucket}/{key}", *args)
        form = json.loads(process.stdout)
        self.assertIn("url", form)
        self.assertIn("fields", form)
        return form

    def post(self, form, body, filename="upload.txt", fields=None):
        data = dict(form["fields"], **(fields or {}))
        # requests writes `data` before `files`, so the file is the form's last part, as S3
        # requires.
        return self.http("POST", form["url"], data=data,
                         files={"file": (filename, body, "text/plain")})

    def test_accepted_inside_the_range(self):
        form = self.presign_post("post/inside.txt", "--content-length-range", "10:100")
        body = payload(50, "inside")
        response = self.post(form, body)
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(response.content, b"")
        self.assertEqual(self.object_bytes("post/inside.txt"), body)

    def test_range_bounds_are_inclusive(self):
        form = self.presign_post("post/bounds.txt", "--content-length-range", "10:100")
        for size in (10, 100):
            with self.subTest(size=size):
                body = payload(size, "bounds")
                self.assertEqual(self.post(form, body).status_code, 204)
                self.assertEqual(self.object_bytes("post/bounds.txt"), body)

    def test_refused_outside_the_range(self):
        form = self.presign_post("post/outside.txt", "--content-length-range", "10:100")
        for size, code in ((101, "EntityTooLarge"), (9, "EntityTooSmall")):
            with self.subTest(size=size):
                self.assertS3Error(self.post(form, payload(size, "outside")), 400, code)
        self.assertIsNone(self.object_bytes("post/outside.txt"))

    def test_key_outside_starts_with_is_refused(self):
        form = self.presign_post("post/${filename}", "--key-starts-with", "post/")
        response = self.post(form, b"hello", fields={"key": "elsewhere/x.txt"})
        self.assertS3Error(response, 403, "AccessDenied")
        self.assertIsNone(self.object_bytes("elsewhere/x.txt"))
        response = self.post(form, b"hello", filename="named.txt")
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(self.object_bytes("post/named.txt"), b"hello")

    def test_a_form_without_a_file_is_refused(self):
        form = self.presign_post("post/nofile.txt")
        # Every field as a form part, and no file part at all.
        response = self.http("POST", form["url"],
                             files={name: (None, value) for name, value in form["fields"].items()})
        status, code, stored = expect("post_without_file",
                                      (400, "IncorrectNumberOfFilesInPostRequest", None))
        self.assertEqual((response.status_code, error_code(response)), (status, code),
                         response.text)
        self.assertEqual(self.object_bytes("post/nofile.txt"), stored)

    def test_tampered_policy_is_refused(self):
        form = self.presign_post("post/tampered.txt", "--content-length-range", "1:10")
        policy = json.loads(base64.b64decode(form["fields"]["policy"]))
        for condition in policy["conditions"]:
            if isinstance(condition, list) and condition[0] == "content-length-range":
                condition[2] = 1000
        forged = base64.b64encode(json.dumps(policy).encode()).decode()
        response = self.post(form, payload(500, "forged"), fields={"policy": forged})
        self.assertS3Error(response, 403,
                           expect("post_signature_mismatch_code", "SignatureDoesNotMatch"))
        self.assertIsNone(self.object_bytes("post/tampered.txt"))

    def test_fields_the_policy_does_not_allow_are_refused(self):
        form = self.presign_post("post/typed.txt", "--field", "Content-Type=text/plain")
        for fields in ({"Content-Type": "image/png"}, {"x-amz-meta-extra": "1"}):
            with self.subTest(fields=fields):
                self.assertS3Error(self.post(form, b"hello", fields=fields), 403, "AccessDenied")
        self.assertIsNone(self.object_bytes("post/typed.txt"))
        self.assertEqual(self.post(form, b"hello").status_code, 204)
        head = target.client().head_object(Bucket=self.bucket, Key="post/typed.txt")
        self.assertEqual(head["ContentType"], "text/plain")

    def test_expired_policy_is_refused(self):
        signed_at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)
        form = self.presign_post("post/late.txt", "--expires", "60",
                                 "--date", amz_date(signed_at))
        response = self.post(form, b"late")
        self.assertS3Error(response, 403, "AccessDenied")
        self.assertEqual(error_field(response, "Message"),
                         expect("post_policy_expired_message",
                                "Invalid according to Policy: Policy expired."))
        self.assertIsNone(self.object_bytes("post/late.txt"))


class BucketCorsFromSeed(ScenarioCase):
    bucket_purpose = "cors"

    def setUp(self):
        self.upgate("bucket", "cors", "put", self.bucket, "--file", SEED_CORS_FILE)

    def preflight(self, origin, method="PUT", headers="content-type", key="uploads/a.jpg"):
        request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
        if headers:
            request_headers["Access-Control-Request-Headers"] = headers
        return self.http("OPTIONS", f"{target.endpoint}/{self.bucket}/{key}",
                         headers=request_headers)

    def assertCorsRefusal(self, response, message_name, aws_message):
        self.assertS3Error(response, 403, expect("cors_refusal_code", "AccessForbidden"))
        message = error_field(response, "Message") or ""
        self.assertTrue(message.startswith(expect(message_name, aws_message)), message)
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)

    def test_get_returns_the_rules_put(self):
        got = self.upgate("bucket", "cors", "get", self.bucket).stdout
        self.assertIn(ALLOWED_ORIGIN, got)
        self.assertIn("https://your-domain.com", got)

    def test_preflight_from_an_allowed_origin(self):
        response = self.preflight(ALLOWED_ORIGIN)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers.get("Access-Control-Allow-Origin"), ALLOWED_ORIGIN)
        methods = [m.strip() for m in
                   response.headers.get("Access-Control-Allow-Methods", "").split(",")]
        self.assertIn("PUT", methods)
        self.assertEqual(response.headers.get("Access-Control-Max-Age"), "3000")
        allowed = response.headers.get("Access-Control-Allow-Headers", "").lower()
        self.assertIn("content-type", allowed)
        self.assertEqual(response.headers.get("Access-Control-Allow-Credentials"),
                         expect("cors_allow_credentials", "true"))
        self.assertEqual(response.headers.get("Vary"), expect(
            "cors_vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"))

    def test_preflight_from_a_disallowed_origin(self):
        response = self.preflight(DISALLOWED_ORIGIN)
        self.assertCorsRefusal(response, "cors_not_allowed_message", CORS_NOT_ALLOWED)

    def test_preflight_for_a_method_or_header_not_allowed(self):
        self.assertCorsRefusal(self.preflight(ALLOWED_ORIGIN, method="DELETE"),
                               "cors_not_allowed_message", CORS_NOT_ALLOWED)
        self.assertCorsRefusal(self.preflight(ALLOWED_ORIGIN, headers="content-type,x-amz-meta-a"),
                               "cors_not_allowed_message", CORS_NOT_ALLOWED)

    def test_preflight_without_a_request_method_is_a_bad_request(self):
        # A preflight names the method to come; without it (or with one S3 has no rule for,
        # like OPTIONS) there is nothing to evaluate: 400, not a CORS refusal.
        cases = (("cors_missing_request_method", None), ("cors_unknown_request_method", "OPTIONS"))
        for deviation, method in cases:
            with self.subTest(method=method):
                headers = {"Origin": ALLOWED_ORIGIN}
                if method:
                    headers["Access-Control-Request-Method"] = method
                response = self.http("OPTIONS", f"{target.endpoint}/{self.bucket}/uploads/a.jpg",
                                     headers=headers)
                status, code, message = expect(deviation, (
                    400, "BadRequest", f"Invalid Access-Control-Request-Method: {method or 'null'}"))
                self.assertS3Error(response, status, code)
                self.assertEqual(error_field(response, "Message"), message)

    def test_actual_put_from_the_allowed_origin(self):
        body = payload(300, "cors put")
        key = "uploads/cors.jpg"
        url = self.upgate("presign", "PUT", f"s3://{self.bucket}/{key}", "--expires", "300",
                          "--content-type", "image/jpeg").stdout.strip()
        response = self.http("PUT", url, data=body,
                             headers={"Content-Type": "image/jpeg", "Origin": ALLOWED_ORIGIN})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers.get("Access-Control-Allow-Origin"), ALLOWED_ORIGIN)
        self.assertIn("etag", response.headers.get("Access-Control-Expose-Headers", "").lower())
        self.assertEqual(self.object_bytes(key), body)

    def test_actual_put_from_a_disallowed_origin_gets_no_cors_headers(self):
        key = "uploads/elsewhere.jpg"
        url = self.upgate("presign", "PUT", f"s3://{self.bucket}/{key}", "--expires", "300",
                          "--content-type", "image/jpeg").stdout.strip()
        # CORS is the browser's rule, not S3's: the write happens, the page cannot read it.
        response = self.http("PUT", url, data=b"x",
                             headers={"Content-Type": "image/jpeg", "Origin": DISALLOWED_ORIGIN})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)

    def test_delete_leaves_no_cors(self):
        self.upgate("bucket", "cors", "delete", self.bucket)
        self.assertCorsRefusal(self.preflight(ALLOWED_ORIGIN), "cors_not_enabled_message",
                               "CORSResponse: CORS is not enabled for this bucket.")


if __name__ == "__main__":
    unittest.main(verbosity=2)
