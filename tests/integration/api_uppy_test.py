"""The Uppy companion routes (/s3/...) and upload sessions (/v1/sessions) of the real
`upgate serve`, signing for a real `upgate store`: a form POST and a multipart upload done
as @uppy/aws-s3 does them (bytes read back with boto3), then the refusals that keep the
binding: another principal's uploadId, a forged key or uploadId, no credentials, a session
token that expired or was altered (made here by an independent implementation of the
token format), a session used for another profile, and a multipart upload whose parts pass
the profile's size limit."""
import base64
from email.header import decode_header, make_header
import os
import time
import unittest
import urllib.parse

import requests

from api_harness import ApiServer
from auth_servers import make_token
from forged_tokens import forge_session_token
from store_process import start_store

MiB = 1024 * 1024
JWT_SECRET = b"an HS256 secret of thirty-two+ bytes, for uppy tests"
TOKEN_SECRET = "uppy-integration-token-secret-0123456789abcdef"
CONFIG = """
[auth.jwt]
issuer = "https://login.example.test/"
audience = "upgate-tests"
secret_env = "UPGATE_TEST_JWT_SECRET"
algorithms = ["HS256"]
cookie = "session"

[uppy]
profile = "media"

[profiles.media]
folder = "media"
key_template = "{folder}/{principal}/{id}-{name}"
max_size = "8 MiB"
allowed_types = ["image/*", "application/octet-stream", "text/plain"]

[profiles.docs]
folder = "docs"
key_template = "{folder}/{principal}/{id}-{name}"
allowed_types = ["application/pdf"]
"""


def cookie(sub):
    return {"Cookie": "session=" + make_token(JWT_SECRET, "HS256", sub=sub)}


class UppyRoutesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = start_store()
        cls.s3 = cls.store.client()
        cls.s3.create_bucket(Bucket="uploads")
        cls.api = ApiServer(CONFIG, extra_env={
            "AWS_ENDPOINT_URL": cls.store.endpoint,
            "AWS_ACCESS_KEY_ID": cls.store.access_key_id,
            "AWS_SECRET_ACCESS_KEY": cls.store.secret_access_key,
            "AWS_REGION": cls.store.region,
            "AWS_S3_BUCKET_NAME": "uploads",
            "UPGATE_UPLOAD_TOKEN_SECRETS": TOKEN_SECRET,
            "UPGATE_TEST_JWT_SECRET": JWT_SECRET.decode(),
        })
        cls.api.start()

    @classmethod
    def tearDownClass(cls):
        cls.api.close()
        cls.store.close()

    # -- as @uppy/aws-s3's S3Companion calls them ------------------------------------

    def get(self, path, headers=None, **params):
        return requests.get(self.api.base + path, params=params, headers=headers, timeout=30)

    def create(self, headers, base="/s3", name="clip.bin", type_="application/octet-stream",
               metadata=None):
        return requests.post(self.api.base + base + "/multipart", headers=headers, timeout=30,
                             json={"filename": name, "type": type_,
                                   "metadata": metadata or {"name": name, "type": type_}})

    def upload_id_path(self, base, upload_id, suffix=""):
        return f"{base}/multipart/{urllib.parse.quote(upload_id, safe='')}{suffix}"

    def assertCompanionError(self, response, status, code, reason=None):
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        self.assertEqual(body["error"], code, body)
        self.assertTrue(body["message"], body)
        if reason is not None:
            self.assertEqual(body.get("reason"), reason, body)

    def multipart_upload(self, headers, data, base="/s3", part_size=5 * MiB,
                         type_="application/octet-stream"):
        created = self.create(headers, base, type_=type_)
        self.assertEqual(created.status_code, 200, created.text)
        key, upload_id = created.json()["key"], created.json()["uploadId"]
        parts = []
        for number, start in enumerate(range(0, len(data), part_size), start=1):
            signed = self.get(self.upload_id_path(base, upload_id, f"/{number}"), headers, key=key)
            self.assertEqual(signed.status_code, 200, signed.text)
            put = requests.put(signed.json()["url"], data=data[start:start + part_size], timeout=60)
            self.assertEqual(put.status_code, 200, put.text)
            parts.append({"PartNumber": number, "ETag": put.headers["ETag"]})
        return key, upload_id, parts

    # -- what works ---------------------------------------------------------------------

    def test_a_form_upload_with_every_field_covered_by_the_policy(self):
        name = "résumé photo.png"
        r = self.get("/s3/params", cookie("alice"), filename=name, type="image/png",
                     **{"metadata[name]": name, "metadata[type]": "image/png"})
        self.assertEqual(r.status_code, 200, r.text)
        form = r.json()
        self.assertTrue(form["url"].endswith("/uploads/"), form)
        fields = form["fields"]
        self.assertTrue(fields["key"].startswith("media/alice/"), fields)
        self.assertEqual(fields["Content-Type"], "image/png")
        self.assertEqual(fields["success_action_status"], "201")
        policy = base64.b64decode(fields["policy"]).decode()
        for field in ("key", "content-type", "success_action_status", "x-amz-meta-name",
                      "content-length-range"):
            self.assertIn(field, policy.lower())
        data = os.urandom(3 * MiB)
        posted = requests.post(form["url"], data=fields, files={"file": ("x", data)}, timeout=60)
        self.assertEqual(posted.status_code, 201, posted.text)
        stored = self.s3.get_object(Bucket="uploads", Key=fields["key"])
        self.assertEqual(stored["Body"].read(), data)
        self.assertEqual(stored["ContentType"], "image/png")
        # Read back as S3 returns a non-ASCII value: one RFC 2047 encoded-word.
        self.assertEqual(str(make_header(decode_header(stored["Metadata"]["name"]))), name)

        # content-length-range comes from the profile (8 MiB): a bigger file is refused.
        r = self.get("/s3/params", cookie("alice"), filename="big.png", type="image/png")
        big = requests.post(r.json()["url"], data=r.json()["fields"],
                            files={"file": ("x", b"\0" * (8 * MiB + 1))}, timeout=60)
        self.assertEqual(big.status_code, 400, big.text)
        self.assertIn("EntityTooLarge", big.text)

    def test_a_multipart_upload_listed_and_completed_with_quoted_or_bare_etags(self):
        data = os.urandom(7 * MiB + 3)
        headers = cookie("alice")
        key, upload_id, parts = self.multipart_upload(headers, data)
        self.assertTrue(key.startswith("media/alice/"), key)
        self.assertTrue(upload_id.startswith("ut1."), upload_id)

        listed = self.get(self.upload_id_path("/s3", upload_id), headers, key=key)
        self.assertEqual(listed.status_code, 200, listed.text)
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in listed.json()],
                         [(1, 5 * MiB), (2, 2 * MiB + 3)])

        batch = self.get(self.upload_id_path("/s3", upload_id, "/batch"), headers, key=key,
                         partNumbers="1,2")
        self.assertEqual(batch.status_code, 200, batch.text)
        self.assertEqual(sorted(batch.json()["presignedUrls"]), ["1", "2"])

        parts[1]["ETag"] = parts[1]["ETag"].strip('"')  # Uppy strips them; others do not
        done = requests.post(self.api.base + self.upload_id_path("/s3", upload_id, "/complete"),
                             params={"key": key}, json={"parts": parts}, headers=headers,
                             timeout=60)
        self.assertEqual(done.status_code, 200, done.text)
        self.assertEqual(done.json()["key"], key)
        self.assertTrue(done.json()["location"], done.json())
        self.assertEqual(self.s3.get_object(Bucket="uploads", Key=key)["Body"].read(), data)

    def test_abort_removes_the_upload(self):
        headers = cookie("alice")
        created = self.create(headers).json()
        path = self.upload_id_path("/s3", created["uploadId"])
        gone = requests.delete(self.api.base + path, params={"key": created["key"]},
                               headers=headers, timeout=30)
        self.assertEqual(gone.status_code, 200, gone.text)
        listed = self.get(path, headers, key=created["key"])
        self.assertCompanionError(listed, 404, "no_such_upload")

    def test_a_session_serves_the_same_routes_without_a_cookie(self):
        minted = requests.post(self.api.base + "/v1/sessions", headers=cookie("carol"),
                               json={"profile": "media"}, timeout=30)
        self.assertEqual(minted.status_code, 200, minted.text)
        session = minted.json()
        self.assertTrue(session["token"].startswith("us1."), session)
        base = session["companionEndpoint"] + "/s3"
        data = os.urandom(6 * MiB)
        key, upload_id, parts = self.multipart_upload({}, data, base=base)
        self.assertTrue(key.startswith("media/carol/"), key)
        done = requests.post(self.api.base + self.upload_id_path(base, upload_id, "/complete"),
                             params={"key": key}, json={"parts": parts}, timeout=60)
        self.assertEqual(done.status_code, 200, done.text)
        self.assertEqual(self.s3.get_object(Bucket="uploads", Key=key)["Body"].read(), data)

        # A session token is a credential: it never reaches a log line.
        self.assertNotIn(session["token"], self.api.log_text() + self.api.stderr_text())
        # The access log is flushed once a second: give the line time to reach the file.
        deadline = time.monotonic() + 10
        while ("/v1/sessions/{token}/s3/multipart" not in self.api.log_text()
               and time.monotonic() < deadline):
            time.sleep(0.1)
        self.assertIn("/v1/sessions/{token}/s3/multipart", self.api.log_text())

        # The session is for its profile only, and for its principal's uploads only.
        other = self.get(base + "/params", filename="a.pdf", type="application/pdf",
                         **{"metadata[profile]": "docs"})
        self.assertCompanionError(other, 403, "access_denied")
        alices = self.create(cookie("alice")).json()
        r = self.get(self.upload_id_path(base, alices["uploadId"], "/1"), key=alices["key"])
        self.assertCompanionError(r, 403, "upload_token_refused", "principal_mismatch")

    # -- what is refused ------------------------------------------------------------------

    def test_another_principals_upload_id_is_refused(self):
        alices = self.create(cookie("alice")).json()
        for suffix in ("/1", "", "/batch"):
            r = self.get(self.upload_id_path("/s3", alices["uploadId"], suffix), cookie("bob"),
                         key=alices["key"], partNumbers="1")
            self.assertCompanionError(r, 403, "upload_token_refused", "principal_mismatch")
        r = requests.delete(self.api.base + self.upload_id_path("/s3", alices["uploadId"]),
                            params={"key": alices["key"]}, headers=cookie("bob"), timeout=30)
        self.assertCompanionError(r, 403, "upload_token_refused", "principal_mismatch")

    def test_a_forged_key_or_upload_id_is_refused(self):
        alices = self.create(cookie("alice")).json()
        r = self.get(self.upload_id_path("/s3", alices["uploadId"], "/1"), cookie("alice"),
                     key="media/alice/someone-elses-object.bin")
        self.assertCompanionError(r, 403, "upload_token_refused", "key_mismatch")
        # S3's own uploadId (what a client could learn from the store) is not one upgate minted.
        s3_ids = [u["UploadId"] for u in
                  self.s3.list_multipart_uploads(Bucket="uploads").get("Uploads", [])
                  if u["Key"] == alices["key"]]
        self.assertEqual(len(s3_ids), 1)
        r = self.get(self.upload_id_path("/s3", s3_ids[0], "/1"), cookie("alice"),
                     key=alices["key"])
        self.assertCompanionError(r, 403, "upload_token_refused", "malformed")
        altered = alices["uploadId"][:-2] + ("AA" if not alices["uploadId"].endswith("AA") else "BB")
        r = self.get(self.upload_id_path("/s3", altered, "/1"), cookie("alice"), key=alices["key"])
        self.assertCompanionError(r, 403, "upload_token_refused", "bad_signature")
        # A session token is not an upload token, nor the other way round.
        session = requests.post(self.api.base + "/v1/sessions", headers=cookie("alice"),
                                json={}, timeout=30).json()["token"]
        r = self.get(self.upload_id_path("/s3", session, "/1"), cookie("alice"), key=alices["key"])
        self.assertCompanionError(r, 403, "upload_token_refused", "malformed")
        r = self.get(f"/v1/sessions/{alices['uploadId']}/s3/params", filename="a.png",
                     type="image/png")
        self.assertCompanionError(r, 401, "invalid_credentials", "session_malformed")

    def test_no_credentials_and_profile_refusals_answer_in_companions_shape(self):
        r = self.get("/s3/params", filename="a.png", type="image/png")
        self.assertCompanionError(r, 401, "authentication_required")
        r = self.create({})
        self.assertCompanionError(r, 401, "authentication_required")
        r = self.get("/s3/params", cookie("alice"), filename="a.exe",
                     type="application/x-msdownload")
        self.assertCompanionError(r, 400, "content_type_not_allowed")
        r = self.get("/s3/params", cookie("alice"), filename="a.png", type="image/png",
                     **{"metadata[profile]": "nope"})
        self.assertCompanionError(r, 400, "unknown_profile")

    def test_an_expired_or_altered_session_is_refused(self):
        now = int(time.time())
        fresh = forge_session_token(TOKEN_SECRET, "dave", "media", now + 600)
        r = self.get(f"/v1/sessions/{fresh}/s3/params", filename="a.png", type="image/png")
        self.assertEqual(r.status_code, 200, r.text)  # the format as described is the format
        self.assertTrue(r.json()["fields"]["key"].startswith("media/dave/"), r.text)

        expired = forge_session_token(TOKEN_SECRET, "dave", "media", now - 1)
        r = self.get(f"/v1/sessions/{expired}/s3/params", filename="a.png", type="image/png")
        self.assertCompanionError(r, 401, "invalid_credentials", "session_expired")
        foreign = forge_session_token("another-servers-secret-0123456789abcdef", "dave", "media",
                                now + 600)
        r = self.get(f"/v1/sessions/{foreign}/s3/params", filename="a.png", type="image/png")
        self.assertCompanionError(r, 401, "invalid_credentials", "session_bad_signature")
        r = requests.post(self.api.base + "/v1/sessions", json={}, timeout=30)
        self.assertEqual(r.status_code, 401, r.text)

    def test_multipart_parts_over_the_profiles_limit_are_refused_and_aborted(self):
        headers = cookie("alice")
        key, upload_id, parts = self.multipart_upload(headers, os.urandom(9 * MiB))
        done = requests.post(self.api.base + self.upload_id_path("/s3", upload_id, "/complete"),
                             params={"key": key}, json={"parts": parts}, headers=headers,
                             timeout=60)
        self.assertCompanionError(done, 400, "file_too_large")
        listed = self.get(self.upload_id_path("/s3", upload_id), headers, key=key)
        self.assertCompanionError(listed, 404, "no_such_upload")
        # A part the store does not hold with that ETag is not completed either.
        key, upload_id, parts = self.multipart_upload(headers, os.urandom(6 * MiB))
        parts[0]["ETag"] = '"' + "0" * 32 + '"'
        done = requests.post(self.api.base + self.upload_id_path("/s3", upload_id, "/complete"),
                             params={"key": key}, json={"parts": parts}, headers=headers,
                             timeout=60)
        self.assertCompanionError(done, 409, "parts_incomplete")

    def test_a_completed_upload_is_verified_like_v1_multipart(self):
        # An HTML page sent as image/png: refused at completion (libmagic on its first
        # bytes), answered in Companion's shape, and moved to the quarantine prefix.
        page = b"<!DOCTYPE html><html><head><script>alert(1)</script></head></html>\n" * 64
        headers = cookie("alice")
        key, upload_id, parts = self.multipart_upload(headers, page, type_="image/png")
        done = requests.post(self.api.base + self.upload_id_path("/s3", upload_id, "/complete"),
                             params={"key": key}, json={"parts": parts}, headers=headers,
                             timeout=60)
        self.assertCompanionError(done, 422, "content_mismatch", reason="content_mismatch")
        self.assertFalse(self.exists(key))
        self.assertEqual(self.s3.get_object(Bucket="uploads", Key="quarantine/" + key)["Body"]
                         .read(), page)

    def exists(self, key):
        try:
            self.s3.head_object(Bucket="uploads", Key=key)
            return True
        except self.s3.exceptions.ClientError:
            return False


if __name__ == "__main__":
    unittest.main(verbosity=2)
