"""[auth.jwt] in a real `upgate serve`: tokens made by python3-jwt (an independent
implementation) with RSA, EC, Ed25519 and HMAC keys, the keys served as a JWKS by a real
local HTTP server that the test rotates and takes down. Accepted with the right key;
refused with 401 for every way a token can be wrong; an unknown kid triggers at most one
JWKS fetch per 30 s; audit lines and metrics say who got what, and no token appears in a
response or a log line.

The classes' tests run in order (test_1..., test_2...) against one server each.
"""
import json
import os
import sys
import time
import unittest

import requests

from api_harness import SECRET, SEED_BODY, ApiServer, ServerTestCase
from auth_servers import (AUDIENCE, ISSUER, JwksServer, SigningKey, b64url, claims,
                          hand_made_token, hs256, make_token)

HMAC_SECRET = b"an HS256 secret of thirty-two+ bytes, for tests only"
UPLOAD = {"profile": "docs", "fileName": "report.pdf", "contentType": "application/pdf",
          "size": 1000}


def jwt_config(jwks_url, extra=""):
    return f'''
[auth.jwt]
issuer = "{ISSUER}"
audience = ["{AUDIENCE}", "another-app"]
jwks_url = "{jwks_url}"
secret_env = "UPGATE_TEST_JWT_SECRET"
algorithms = ["RS256", "ES256", "EdDSA", "HS256"]
cookie = "session"
leeway = 5
{extra}
[profiles.docs]
shared = true  # this suite is about who may sign, not whose keys (the OwnershipTest unit suite covers that)
folder = "docs"
allowed_types = ["application/pdf"]

[profiles.inbox]
shared = true  # this suite is about who may sign, not whose keys (the OwnershipTest unit suite covers that)
folder = "inbox"
auth = "optional"
'''


def bearer(token):
    return {"Authorization": "Bearer " + token}


class JwtModeTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.rsa = SigningKey("RS256", "rsa-1")
        cls.ec = SigningKey("ES256", "ec-1")
        cls.ed = SigningKey("EdDSA", "ed-1")
        cls.jwks = JwksServer([cls.rsa, cls.ec, cls.ed]).start()
        cls.config_text = jwt_config(cls.jwks.jwks_url)
        cls.extra_env = {"UPGATE_TEST_JWT_SECRET": HMAC_SECRET.decode()}
        cls.tokens = []
        super().setUpClass()
        cls.started = time.time()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.jwks.stop()

    def upload(self, headers=None, body=UPLOAD, token=None):
        if token:
            self.tokens.append(token)
        return self.server.post("/v1/uploads", body, headers=headers)

    def assertRefused(self, response, reason, status=401, code="invalid_credentials"):
        body = self.assertError(response, status, code)
        self.assertEqual(body["error"].get("reason"), reason, body)
        if status == 401:
            challenge = response.headers.get("WWW-Authenticate", "")
            self.assertTrue(challenge.startswith("Bearer"), challenge)
            if code == "invalid_credentials":
                self.assertIn('error="invalid_token"', challenge)
        for token in self.tokens:
            self.assertNotIn(token, response.text)
            self.assertNotIn(token, json.dumps(dict(response.headers)))
        return body

    def test_1_jwks_fetched_once_at_start(self):
        self.assertEqual(self.jwks.fetch_count(), 1)

    def test_2_each_algorithm_with_its_key(self):
        for key in (self.rsa, self.ec, self.ed):
            token = key.token(sub="alice-" + key.alg)
            r = self.upload(bearer(token), token=token)
            self.assertEqual(r.status_code, 200, (key.alg, r.text))
            self.assertTrue(r.json()["key"].startswith("docs/"), r.text)
        token = make_token(HMAC_SECRET, "HS256", sub="hmac-user")
        r = self.upload(bearer(token), token=token)
        self.assertEqual(r.status_code, 200, r.text)

    def test_3_token_in_the_named_cookie(self):
        token = self.ec.token(sub="cookie-user")
        r = self.upload({"Cookie": "theme=dark; session=" + token}, token=token)
        self.assertEqual(r.status_code, 200, r.text)
        r = self.upload({"Cookie": "other=" + token}, token=token)
        self.assertRefused(r, "missing_credentials", code="authentication_required")

    def test_4_missing_and_malformed(self):
        r = self.upload()
        self.assertRefused(r, "missing_credentials", code="authentication_required")
        # The seed route is guarded the same way.
        r = self.server.post("/api/s3/getPresignedUrl", SEED_BODY)
        self.assertEqual(r.status_code, 401, r.text)
        self.assertTrue(r.headers["WWW-Authenticate"].startswith("Bearer"))
        r = self.upload(bearer("not-a-jwt"), token="not-a-jwt")
        self.assertRefused(r, "malformed_token")
        r = self.upload({"Authorization": "Basic YWxpY2U6cGFzcw=="})
        self.assertEqual(r.status_code, 401, r.text)

    def test_5_every_wrong_token_is_401(self):
        now = int(time.time())
        cases = {
            "expired": self.rsa.token(exp=now - 120),
            "not_yet_valid": self.rsa.token(nbf=now + 600),
            "wrong_issuer": self.rsa.token(iss="https://evil.example/"),
            "wrong_audience": self.rsa.token(aud="someone-else"),
            "missing_claim": self.rsa.token(exp=None),
        }
        for reason, token in cases.items():
            with self.subTest(reason=reason):
                self.assertRefused(self.upload(bearer(token), token=token), reason)

        # alg none: unsigned, whatever the header says.
        none = hand_made_token({"alg": "none", "typ": "JWT"}, claims(), lambda _: b"")
        self.assertRefused(self.upload(bearer(none), token=none), "algorithm_not_allowed")

        # HS256 "signed" with the RSA public key (the classic confusion attack).
        from cryptography.hazmat.primitives import serialization
        pem = self.rsa.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        confused = hand_made_token({"alg": "HS256", "kid": "rsa-1"}, claims(), hs256(pem))
        r = self.upload(bearer(confused), token=confused)
        self.assertEqual(r.status_code, 401, r.text)
        self.assertIn(r.json()["error"]["reason"], ("key_algorithm_mismatch", "bad_signature"))

        # A tampered payload: alice's signature on bob's claims.
        good = self.rsa.token(sub="alice")
        header, _, signature = good.split(".")
        forged = ".".join([header, b64url(json.dumps(claims(sub="bob")).encode()), signature])
        self.assertRefused(self.upload(bearer(forged), token=forged), "bad_signature")

        # An algorithm outside the allow-list, with a key that would verify it.
        rs512 = make_token(self.rsa.private, "RS512", "rsa-1")
        r = self.upload(bearer(rs512), token=rs512)
        self.assertRefused(r, "algorithm_not_allowed")

    def test_6_bad_token_on_optional_profile_is_still_refused(self):
        body = dict(UPLOAD, profile="inbox", contentType="text/plain", fileName="a.txt")
        r = self.server.post("/v1/uploads", body)
        self.assertEqual(r.status_code, 200, r.text)  # anonymous is fine here
        expired = self.rsa.token(exp=int(time.time()) - 3600)
        self.assertRefused(self.server.post("/v1/uploads", body, headers=bearer(expired)),
                           "expired")

    def test_7_unknown_kid_refreshes_at_most_once_per_30s(self):
        # Rotation at the provider: rsa-2 arrives, rsa-1 goes.
        rsa2 = SigningKey("RS256", "rsa-2")
        self.jwks.set_keys([rsa2, self.ec, self.ed])
        # Within 30 s of the start-up fetch, an unknown kid fetches nothing.
        if time.time() - self.started < 25:
            before = self.jwks.fetch_count()
            token = rsa2.token()
            self.assertRefused(self.upload(bearer(token), token=token), "unknown_key")
            self.assertEqual(self.jwks.fetch_count(), before)
        time.sleep(max(0.0, self.started + 31 - time.time()))
        before = self.jwks.fetch_count()
        token = rsa2.token(sub="rotated")
        r = self.upload(bearer(token), token=token)
        self.assertEqual(r.status_code, 200, r.text)  # one refresh, new kid picked up
        self.assertEqual(self.jwks.fetch_count(), before + 1)
        # The old kid is gone, and made-up kids cost the provider nothing more.
        old = self.rsa.token()
        self.assertRefused(self.upload(bearer(old), token=old), "unknown_key")
        for i in range(5):
            made_up = make_token(rsa2.private, "RS256", f"made-up-{i}")
            self.assertRefused(self.upload(bearer(made_up), token=made_up), "unknown_key")
        self.assertEqual(self.jwks.fetch_count(), before + 1)

    def test_8_jwks_down_later_keeps_the_last_good_set(self):
        self.jwks.stop()
        token = self.ec.token(sub="still-fine")
        r = self.upload(bearer(token), token=token)
        self.assertEqual(r.status_code, 200, r.text)

    def test_9_audit_lines_and_metrics_hold_no_secret(self):
        lines = self.server.log_lines(wait_for=None)
        time.sleep(1.2)  # the log is flushed every second
        text = self.server.log_text()
        for token in self.tokens:
            self.assertNotIn(token, text)
            parts = token.split(".")
            if len(parts) == 3 and parts[2]:
                self.assertNotIn(parts[2], text)  # nor a signature alone
        self.assertNotIn(HMAC_SECRET.decode(), text)
        self.assertNotIn(SECRET, text)
        audits = [l for l in (json.loads(x) for x in text.splitlines() if x.strip())
                  if l.get("msg") == "audit"]
        issued = [a for a in audits if a["decision"] == "issued"]
        refused = [a for a in audits if a["decision"] == "refused"]
        self.assertTrue(any(a["principal"] == "alice-ES256" and a["auth"] == "jwt"
                            and a["profile"] == "docs" and a["key"].startswith("docs/")
                            and a["size"] == 1000 and a["type"] == "application/pdf"
                            and a.get("expires") for a in issued), issued)
        self.assertTrue(any(a.get("reason") == "expired" and a["principal"] is None
                            for a in refused), refused)
        self.assertTrue(all(a.get("client", "").startswith("127.0.0.1") for a in audits))
        metrics = self.server.get("/metrics").text
        self.assertRegex(metrics, r'upgate_auth_decisions_total\{mode="jwt",decision="accepted"\} [1-9]')
        self.assertRegex(metrics, r'upgate_auth_decisions_total\{mode="jwt",decision="refused"\} [1-9]')
        self.assertRegex(metrics, r'upgate_auth_refusals_total\{reason="expired"\} [1-9]')
        del lines


class JwksDownAtStartTest(unittest.TestCase):
    """The JWKS endpoint is down when serve starts: it starts anyway (the keys file and
    the secret could still judge tokens), tokens that need the JWKS get 503
    auth_unavailable, and the keys are picked up once the endpoint answers."""

    def test_down_then_up(self):
        key = SigningKey("ES256", "late-1")
        jwks = JwksServer([key])  # not started yet: its port refuses connections
        config = jwt_config(jwks.jwks_url).replace('secret_env = "UPGATE_TEST_JWT_SECRET"\n', "")
        with ApiServer(config) as server:
            started = time.time()
            token = key.token()
            r = server.post("/v1/uploads", UPLOAD, headers=bearer(token))
            self.assertEqual(r.status_code, 503, r.text)
            self.assertEqual(r.json()["error"]["code"], "auth_unavailable")
            self.assertNotIn(token, r.text)
            jwks.start()
            try:
                # A retry is due 30 s after each failed fetch, and under load a fetch can miss its
                # deadline and push the next one 30 s on: allow four retries.
                deadline = started + 135
                while time.time() < deadline:
                    r = server.post("/v1/uploads", UPLOAD, headers=bearer(token))
                    if r.status_code == 200:
                        break
                    time.sleep(1)
                self.assertEqual(r.status_code, 200, r.text)
                self.assertGreaterEqual(jwks.fetch_count(), 1)
                time.sleep(1.2)
                log = server.log_text()
                self.assertIn("jwks refresh failed", log)
                self.assertNotIn(token, log)
            finally:
                jwks.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
