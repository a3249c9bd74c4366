"""[auth.hook] in a real `upgate serve`, asking a real cookie-session app (an HTTP server
of the test): the app sees the original Cookie and Authorization headers and the upload
intent; its 200 lets the call through (narrowed limits applied), its 401/403 reach the
client with the app's message; answers are cached by the credentials' hash; a slow app
times out and a dead one gives 503, never a URL.
"""
import json
import os
import sys
import time
import unittest

from api_harness import SECRET, ServerTestCase
from auth_servers import HookApp

UPLOAD = {"profile": "photos", "fileName": "cat.jpg", "contentType": "image/jpeg", "size": 5000}


class HookModeTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.app = HookApp().start()
        cls.app.login("s-alice", "alice")
        cls.app.login("s-small", "carol", max_size=1000, allowed_types=["image/png"])
        cls.app.login("s-banned", "mallory", banned=True)
        cls.config_text = f'''
[auth.hook]
url = "{cls.app.url}/upgate/auth"
timeout = "500ms"
cache_ttl = 10

[profiles.photos]
shared = true  # this suite is about who may sign, not whose keys (the OwnershipTest unit suite covers that)
folder = "photos"
allowed_types = ["image/*"]
max_size = "10 MiB"
'''
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.app.stop()

    def upload(self, cookie=None, body=UPLOAD, headers=None):
        h = dict(headers or {})
        if cookie:
            h["Cookie"] = cookie
        return self.server.post("/v1/uploads", body, headers=h)

    def test_1_allowed_with_the_session_cookie(self):
        before = self.app.call_count()
        r = self.upload("lang=en; sid=s-alice")
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(self.app.call_count(), before + 1)
        call = self.app.calls[-1]
        self.assertEqual(call["cookie"], "lang=en; sid=s-alice")
        self.assertEqual(call["intent"]["route"], "uploads")
        self.assertEqual(call["intent"]["profile"], "photos")
        self.assertEqual(call["intent"]["fileName"], "cat.jpg")
        self.assertEqual(call["intent"]["contentType"], "image/jpeg")
        self.assertEqual(call["intent"]["size"], 5000)

    def test_2_authorization_header_is_forwarded(self):
        r = self.upload(headers={"Authorization": "Bearer opaque-session-token"})
        self.assertError(r, 401, "invalid_credentials")
        self.assertEqual(self.app.calls[-1]["authorization"], "Bearer opaque-session-token")

    def test_3_the_apps_refusals_pass_through(self):
        r = self.upload("sid=nobody")
        body = self.assertError(r, 401, "invalid_credentials")
        self.assertEqual(body["error"]["message"], "please sign in to the app first")
        self.assertTrue(r.headers["WWW-Authenticate"].startswith("Bearer"))
        r = self.upload("sid=s-banned")
        body = self.assertError(r, 403, "access_denied")
        self.assertEqual(body["error"]["message"], "your account may not upload")

    def test_4_no_credentials_never_reach_the_app(self):
        before = self.app.call_count()
        r = self.upload()
        self.assertError(r, 401, "authentication_required")
        self.assertEqual(self.app.call_count(), before)

    def test_5_narrowed_limits(self):
        r = self.upload("sid=s-small", dict(UPLOAD, size=5000, contentType="image/png",
                                            fileName="a.png"))
        self.assertError(r, 400, "file_too_large")
        r = self.upload("sid=s-small", dict(UPLOAD, size=500))  # image/jpeg: narrowed away
        self.assertError(r, 400, "content_type_not_allowed")
        r = self.upload("sid=s-small", dict(UPLOAD, size=500, contentType="image/png",
                                            fileName="a.png"))
        self.assertEqual(r.status_code, 200, r.text)

    def test_6_cached_by_credentials_and_intent(self):
        body = dict(UPLOAD, fileName="cached.jpg")
        self.assertEqual(self.upload("sid=s-alice", body).status_code, 200)
        before = self.app.call_count()
        for _ in range(3):
            self.assertEqual(self.upload("sid=s-alice", body).status_code, 200)
        self.assertEqual(self.app.call_count(), before)
        # Another file is asked about again.
        self.assertEqual(self.upload("sid=s-alice", dict(body, fileName="other.jpg")).status_code,
                         200)
        self.assertEqual(self.app.call_count(), before + 1)

    def test_7_slow_app_times_out_with_503(self):
        self.app.delay = 1.5
        try:
            r = self.upload("sid=s-alice", dict(UPLOAD, fileName="slow.jpg"))
            self.assertError(r, 503, "auth_unavailable")
        finally:
            self.app.delay = 0

    def test_8_app_down_is_503_and_logged_without_secrets(self):
        self.app.stop()
        try:
            r = self.upload("sid=s-alice", dict(UPLOAD, fileName="down.jpg"))
            self.assertError(r, 503, "auth_unavailable")
            self.assertNotIn("s-alice", r.text)
        finally:
            self.app.start()
        time.sleep(1.2)
        text = self.server.log_text()
        self.assertIn("authentication unavailable", text)
        for secret in ("s-alice", "s-small", "s-banned", "opaque-session-token", SECRET):
            self.assertNotIn(secret, text)
        audits = [json.loads(l) for l in text.splitlines() if '"msg":"audit"' in l]
        self.assertTrue(any(a["principal"] == "alice" and a["auth"] == "hook"
                            and a["decision"] == "issued" for a in audits), audits)
        self.assertTrue(any(a["decision"] == "refused" and a["auth"] == "hook"
                            and a["status"] == 403 for a in audits), audits)
        metrics = self.server.get("/metrics").text
        self.assertRegex(metrics, r'upgate_auth_decisions_total\{mode="hook",decision="accepted"\} [1-9]')
        self.assertRegex(metrics, r'upgate_auth_decisions_total\{mode="hook",decision="unavailable"\} [1-9]')


if __name__ == "__main__":
    unittest.main(verbosity=2)
