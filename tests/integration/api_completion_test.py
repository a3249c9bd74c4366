"""POST /v1/uploads/complete against the real `upgate serve` and its embedded store: the
upload token in every upload answer, the object HEADed and its first bytes read and
judged by libmagic, refused objects quarantined or deleted, every way a token can be
wrong refused, and a second completion answering as the first. Files are the real small
files of tests/data/events/magic (made by make_files.py)."""
import base64
import hashlib
import re
import time
import unittest

import requests

from api_harness import ACCESS_KEY_ID, REGION, SECRET, ServerTestCase
from auth_servers import AUDIENCE, ISSUER, JwksServer, SigningKey
from completion_profiles import PROFILES, magic_file
from forged_tokens import forge_upload_token
from s3_client import s3_client

TOKEN_SECRET = "completion-integration-secret-0123456789abcdef"
COMPLETE = "/v1/uploads/complete"


class CompletionBase(ServerTestCase):
    embedded_store = True
    extra_env = {"UPGATE_UPLOAD_TOKEN_SECRETS": TOKEN_SECRET}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = s3_client(cls.server.s3_url, ACCESS_KEY_ID, SECRET, REGION)

    def upload(self, profile, name, content_type, data, headers=None, with_sha=False, put=True):
        body = {"profile": profile, "fileName": name, "contentType": content_type,
                "size": len(data)}
        if with_sha:
            body["sha256"] = base64.b64encode(hashlib.sha256(data).digest()).decode()
        r = self.server.post("/v1/uploads", body, headers=headers)
        self.assertEqual(r.status_code, 200, r.text)
        answer = r.json()
        self.assertTrue(answer["uploadToken"].startswith("ut1."), answer)
        if put:
            put_r = requests.put(answer["uploadUrl"], data=data, headers=answer["headers"],
                                 timeout=30)
            self.assertEqual(put_r.status_code, 200, put_r.text)
        return answer

    def complete(self, token, headers=None):
        return self.server.post(COMPLETE, {"uploadToken": token}, headers=headers)

    def exists(self, key):
        try:
            self.s3.head_object(Bucket="uploads", Key=key)
            return True
        except self.s3.exceptions.ClientError as e:
            if e.response["Error"]["Code"] in ("404", "NoSuchKey"):
                return False
            raise


class CompletionTest(CompletionBase):
    config_text = PROFILES

    def test_a_png_declared_as_png_completes_with_its_facts(self):
        data = magic_file("pixel.png")
        answer = self.upload("photos", "pixel.png", "image/png", data, with_sha=True)
        r = self.complete(answer["uploadToken"])
        self.assertEqual(r.status_code, 200, r.text)
        body = r.json()
        self.assertIs(body["ok"], True)
        self.assertEqual(body["key"], answer["key"])
        self.assertEqual(body["size"], len(data))
        self.assertEqual(body["contentType"], "image/png")
        self.assertEqual(body["detectedType"], "image/png")
        self.assertEqual(body["etag"], hashlib.md5(data).hexdigest())
        self.assertIn("checksumVerified", body)
        self.assertTrue(self.exists(answer["key"]))
        # Completing twice: the same answer.
        again = self.complete(answer["uploadToken"])
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json(), body)
        self.assertNotIn(SECRET, r.text + again.text)

    def test_a_png_declared_as_pdf_is_quarantined(self):
        answer = self.upload("docs", "report.pdf", "application/pdf", magic_file("pixel.png"))
        r = self.complete(answer["uploadToken"])
        body = self.assertError(r, 422, "content_mismatch")
        self.assertEqual(body["error"]["reason"], "content_mismatch")
        self.assertEqual(body["detectedType"], "image/png")
        self.assertEqual(body["declaredType"], "application/pdf")
        self.assertEqual(body["action"], "quarantined")
        self.assertFalse(self.exists(answer["key"]))
        quarantined = self.s3.get_object(Bucket="uploads", Key="quarantine/" + answer["key"])
        self.assertEqual(quarantined["Body"].read(), magic_file("pixel.png"))
        self.assertEqual(quarantined["ContentType"], "application/pdf")
        # Completing twice: the same answer, the object still where the first put it.
        again = self.complete(answer["uploadToken"])
        self.assertEqual(again.status_code, 422, again.text)
        self.assertEqual(again.json(), body)
        self.assertTrue(self.exists("quarantine/" + answer["key"]))

    def test_an_html_page_declared_as_png_is_refused_and_deleted(self):
        answer = self.upload("photos", "cat.png", "image/png", magic_file("page.html"))
        r = self.complete(answer["uploadToken"])
        body = self.assertError(r, 422, "content_mismatch")
        self.assertEqual(body["detectedType"], "text/html")
        self.assertEqual(body["action"], "deleted")
        self.assertFalse(self.exists(answer["key"]))
        self.assertFalse(self.exists("quarantine/" + answer["key"]))
        again = self.complete(answer["uploadToken"])
        self.assertEqual(again.status_code, 422, again.text)
        self.assertEqual(again.json(), body)

    def test_an_object_of_another_size_is_refused(self):
        # The signed Content-Length makes the store refuse another size on the URL; the
        # object is replaced behind upgate's back (a store that ignored it, an overwrite).
        data = magic_file("page.pdf")
        answer = self.upload("docs", "page.pdf", "application/pdf", data)
        self.s3.put_object(Bucket="uploads", Key=answer["key"], Body=data + b"extra",
                           ContentType="application/pdf")
        body = self.assertError(self.complete(answer["uploadToken"]), 422, "content_mismatch")
        self.assertEqual(body["error"]["reason"], "size_mismatch")
        self.assertIn(str(len(data)), body["error"]["message"])
        self.assertTrue(self.exists("quarantine/" + answer["key"]))

    def test_another_content_type_is_refused_even_unread(self):
        data = magic_file("note.txt")
        answer = self.upload("raw", "note.txt", "text/plain", data)
        self.s3.put_object(Bucket="uploads", Key=answer["key"], Body=data,
                           ContentType="text/html")
        body = self.assertError(self.complete(answer["uploadToken"]), 422, "content_mismatch")
        self.assertEqual(body["error"]["reason"], "type_mismatch")
        self.assertNotIn("detectedType", body)  # verify_content = "off": bytes not read
        self.assertTrue(self.exists("held/raw/" + answer["key"]))

    def test_verify_content_off_accepts_any_bytes(self):
        answer = self.upload("raw", "x.png", "image/png", magic_file("page.html"))
        r = self.complete(answer["uploadToken"])
        self.assertEqual(r.status_code, 200, r.text)
        self.assertNotIn("detectedType", r.json())

    def test_nothing_uploaded_yet_is_404(self):
        answer = self.upload("docs", "later.pdf", "application/pdf", magic_file("page.pdf"),
                             put=False)
        self.assertError(self.complete(answer["uploadToken"]), 404, "object_not_found")

    def test_the_seed_route_answer_carries_a_token_that_completes(self):
        data = magic_file("page.pdf")
        r = self.server.post("/api/s3/getPresignedUrl",
                             {"fileName": "page.pdf", "fileType": "application/pdf",
                              "fileSize": len(data), "folderName": "docs"})
        self.assertEqual(r.status_code, 200, r.text)
        answer = r.json()
        put_r = requests.put(answer["uploadUrl"], data=data, headers=answer["headers"], timeout=30)
        self.assertEqual(put_r.status_code, 200, put_r.text)
        done = self.complete(answer["uploadToken"])
        self.assertEqual(done.status_code, 200, done.text)
        self.assertEqual(done.json()["detectedType"], "application/pdf")

    def test_wrong_tokens_are_refused(self):
        answer = self.upload("docs", "a.pdf", "application/pdf", magic_file("page.pdf"))
        token = answer["uploadToken"]
        altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        self.assertEqual(self.assertError(self.complete(altered), 403, "upload_token_refused")
                         ["error"]["reason"], "bad_signature")
        for bad, reason in (("ut1.abc", "malformed"), ("nonsense", "malformed")):
            body = self.assertError(self.complete(bad), 403, "upload_token_refused")
            self.assertEqual(body["error"]["reason"], reason)
        other_secret = forge_upload_token("another-secret-of-forty-bytes-0123456789", answer["key"], "",
                                   "docs", len(magic_file("page.pdf")), "application/pdf",
                                   int(time.time()) + 3600)
        self.assertEqual(self.assertError(self.complete(other_secret), 403,
                                          "upload_token_refused")["error"]["reason"],
                         "bad_signature")
        self.assertError(self.server.post(COMPLETE, {}), 400, "missing_field")
        self.assertError(self.server.post(COMPLETE, {"uploadToken": 7}), 400, "wrong_type")
        r = requests.post(self.server.base + COMPLETE, data="{}", timeout=10)
        self.assertError(r, 415, "unsupported_media_type")

    def test_an_expired_token_is_refused(self):
        data = magic_file("page.pdf")
        answer = self.upload("docs", "b.pdf", "application/pdf", data)
        # This test's own token maker agrees with upgate's: a live token completes...
        live = forge_upload_token(TOKEN_SECRET, answer["key"], "", "docs", len(data), "application/pdf",
                           int(time.time()) + 3600)
        self.assertEqual(self.complete(live).status_code, 200)
        # ...and the same token one second past its expiry is refused.
        expired = forge_upload_token(TOKEN_SECRET, answer["key"], "", "docs", len(data),
                              "application/pdf", int(time.time()) - 1)
        body = self.assertError(self.complete(expired), 403, "upload_token_refused")
        self.assertEqual(body["error"]["reason"], "expired")

    def test_the_token_secret_never_leaks(self):
        log = self.server.log_text() + self.server.stderr_text()
        self.assertNotIn(TOKEN_SECRET, log)
        self.assertNotIn(SECRET, log)


class CompletionJwtTest(CompletionBase):
    """With [auth.jwt]: the token binds the principal it was issued to."""

    @classmethod
    def setUpClass(cls):
        cls.key = SigningKey("ES256", "ec-1")
        cls.jwks = JwksServer([cls.key]).start()
        cls.config_text = f'''
[auth.jwt]
issuer = "{ISSUER}"
audience = "{AUDIENCE}"
jwks_url = "{cls.jwks.jwks_url}"
algorithms = ["ES256"]
''' + re.sub(r'(folder = "[a-z]+"\n)', r'\1shared = true\n', PROFILES)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.jwks.stop()

    def bearer(self, sub):
        return {"Authorization": "Bearer " + self.key.token(sub=sub)}

    def test_only_the_principal_the_token_was_issued_to_completes(self):
        data = magic_file("page.pdf")
        answer = self.upload("docs", "alice.pdf", "application/pdf", data,
                             headers=self.bearer("alice"))
        token = answer["uploadToken"]
        body = self.assertError(self.complete(token, headers=self.bearer("bob")), 403,
                                "upload_token_refused")
        self.assertEqual(body["error"]["reason"], "principal_mismatch")
        self.assertError(self.complete(token), 401, "authentication_required")
        self.assertTrue(self.exists(answer["key"]))  # refusals touch nothing
        r = self.complete(token, headers=self.bearer("alice"))
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["detectedType"], "application/pdf")


if __name__ == "__main__":
    unittest.main()
