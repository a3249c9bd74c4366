"""Rate limits, quotas and open-upload caps on the upload API, against real `upgate serve`
processes: in memory on one copy, and shared by two copies through one real redis-server
(started here on a free loopback port, stopped by PID). Refusals are 429 with Retry-After
and the IETF RateLimit-Policy / RateLimit fields; X-Forwarded-For counts only from a
trusted proxy; a Redis that is down gives the configured answer."""
import re
import time
import unittest

from api_harness import ApiServer, SECRET
from redis_process import RedisServer

PATH = "/v1/uploads"


def upload(server, size=1000, headers=None, profile="avatars"):
    return server.post(PATH, {"profile": profile, "fileName": "me.png", "contentType": "image/png",
                              "size": size}, headers=headers)


def profile(limits, extra=""):
    return f"""
{extra}
[profiles.avatars]
folder = "avatars"
max_size = "1 MiB"
url_lifetime = "10m"
{limits}
"""


class Refusals(unittest.TestCase):
    def assertRefused(self, r, code, status=429, limit_text=None):
        self.assertEqual(r.status_code, status, r.text)
        body = r.json()
        self.assertIs(body["ok"], False)
        self.assertEqual(body["error"]["code"], code, body)
        if limit_text:
            self.assertIn(limit_text, body["error"]["message"])
        self.assertNotIn(SECRET, r.text)
        return body


class InMemory(Refusals):
    def test_rate_limit_429_with_headers(self):
        with ApiServer(profile('rate = "3/min"')) as s:
            for i in range(3):
                r = upload(s)
                self.assertEqual(r.status_code, 200, r.text)
                self.assertEqual(r.headers["RateLimit-Policy"], '"avatars";q=3;w=60')
                self.assertRegex(r.headers["RateLimit"], rf'^"avatars";r={2 - i};t=\d+$')
                self.assertNotIn("Retry-After", r.headers)
            r = upload(s)
            self.assertRefused(r, "rate_limited", limit_text="3 requests per minute")
            retry = int(r.headers["Retry-After"])
            self.assertGreaterEqual(retry, 19)
            self.assertLessEqual(retry, 20)
            self.assertRegex(r.headers["RateLimit"], r'^"avatars";r=0;t=(19|20)$')
            self.assertEqual(r.headers["Cache-Control"], "no-store")
            # The seed route counts against the same profile's limit with its own error style.
            seed = s.post("/api/s3/getPresignedUrl", {"fileName": "a.png", "fileType": "image/png",
                                                      "fileSize": 10, "folderName": "avatars"})
            self.assertEqual(seed.status_code, 429, seed.text)
            self.assertEqual(seed.json()["code"], "rate_limited")
            self.assertIsInstance(seed.json()["error"], str)
            metrics = s.get("/metrics").text
            self.assertRegex(metrics, r'upgate_limit_decisions_total\{profile="avatars",'
                                      r'reason="rate_limited"\} 2')
            self.assertRegex(metrics, r'upgate_limit_decisions_total\{profile="avatars",'
                                      r'reason="within_limits"\} 3')

    def test_quota_counts_declared_sizes(self):
        with ApiServer(profile('quota = "10 KiB/day"')) as s:
            self.assertEqual(upload(s, size=6000).status_code, 200)
            r = upload(s, size=6000)
            self.assertRefused(r, "quota_exceeded", limit_text="10 KB per day")
            self.assertIn('"avatars-quota";q=10240;qu="content-bytes";w=86400',
                          r.headers["RateLimit-Policy"])
            self.assertIn('"avatars-quota";r=4240;', r.headers["RateLimit"])
            # What remains may still be used.
            self.assertEqual(upload(s, size=4000).status_code, 200)

    def test_uppy_forms_count_the_most_their_policy_lets_through(self):
        # Uppy declares no size for a form upload (GET /s3/params): the form's
        # content-length-range goes up to the profile's max_size (1 MiB), so that is what
        # the quota counts, in the same counter as /v1/uploads, and each form takes an
        # open-upload slot as a URL does.
        limits = 'quota = "2500 KiB/day"\nmax_open_uploads = 4'
        with ApiServer(profile(limits)) as s:
            def form():
                return s.get("/s3/params", params={"filename": "clip.bin",
                                                   "type": "application/octet-stream",
                                                   "metadata[profile]": "avatars"})
            for _ in range(2):
                r = form()
                self.assertEqual(r.status_code, 200, r.text)
                self.assertIn('"avatars-quota";q=2560000;', r.headers["RateLimit-Policy"])
            self.assertIn('"avatars-quota";r=462848;', r.headers["RateLimit"])
            r = form()
            self.assertEqual(r.status_code, 429, r.text)
            self.assertEqual(r.json()["error"], "quota_exceeded", r.text)
            self.assertIn("2500 KB per day", r.json()["message"])
            self.assertNotIn(SECRET, r.text)
            # What the forms left is the same quota /v1/uploads draws on.
            self.assertEqual(upload(s, size=462848).status_code, 200)
            self.assertRefused(upload(s, size=1), "quota_exceeded")
        with ApiServer(profile("max_open_uploads = 1")) as s:
            self.assertEqual(s.get("/s3/params", params={
                "filename": "a.bin", "metadata[profile]": "avatars"}).status_code, 200)
            self.assertRefused(upload(s), "too_many_open_uploads")

    def test_open_uploads(self):
        with ApiServer(profile("max_open_uploads = 2")) as s:
            self.assertEqual(upload(s).status_code, 200)
            self.assertEqual(upload(s).status_code, 200)
            r = upload(s)
            self.assertRefused(r, "too_many_open_uploads", limit_text="at most 2 at once")
            # The oldest URL lives 10 minutes.
            self.assertGreater(int(r.headers["Retry-After"]), 590)

    def test_no_limits_no_headers(self):
        with ApiServer(profile("")) as s:
            for _ in range(5):
                r = upload(s)
                self.assertEqual(r.status_code, 200)
                self.assertNotIn("RateLimit", r.headers)


class TrustedProxies(Refusals):
    LIMIT = 'rate = "2/min"'

    def test_forwarded_for_from_an_untrusted_peer_is_ignored(self):
        with ApiServer(profile(self.LIMIT)) as s:
            for i in range(2):
                r = upload(s, headers={"X-Forwarded-For": f"198.51.100.{i}"})
                self.assertEqual(r.status_code, 200, r.text)
            # A fresh spoofed address buys nothing: the peer is the client.
            r = upload(s, headers={"X-Forwarded-For": "198.51.100.77"})
            self.assertRefused(r, "rate_limited")

    def test_forwarded_for_from_a_trusted_proxy_names_the_client(self):
        extra = '[server]\ntrusted_proxies = ["127.0.0.1", "::1"]'
        with ApiServer(profile(self.LIMIT, extra)) as s:
            for _ in range(2):
                self.assertEqual(upload(s, headers={"X-Forwarded-For": "198.51.100.1"}).status_code,
                                 200)
            self.assertRefused(upload(s, headers={"X-Forwarded-For": "198.51.100.1"}),
                               "rate_limited")
            # Another client behind the proxy has its own bucket.
            self.assertEqual(upload(s, headers={"X-Forwarded-For": "198.51.100.2"}).status_code,
                             200)
            # What a client writes to the left of what the proxy appended is not believed.
            spoofed = upload(s, headers={"X-Forwarded-For": "203.0.113.50, 198.51.100.1"})
            self.assertRefused(spoofed, "rate_limited")
            # IPv6 clients count per /64.
            self.assertEqual(upload(s, headers={"X-Forwarded-For": "2001:db8:1:2::1"}).status_code, 200)
            self.assertEqual(upload(s, headers={"X-Forwarded-For": "2001:db8:1:2::2"}).status_code, 200)
            self.assertRefused(upload(s, headers={"X-Forwarded-For": "2001:db8:1:2::3"}),
                               "rate_limited")


def redis_config(url, on_error="deny", limits='rate = "4/min"'):
    return profile(limits, f'[limits]\nredis_url = "{url}"\non_store_error = "{on_error}"')


class SharedThroughRedis(Refusals):
    def test_two_copies_enforce_one_limit(self):
        with RedisServer() as redis:
            config = redis_config(redis.url)
            with ApiServer(config) as a, ApiServer(config) as b:
                statuses = [upload(server).status_code for server in (a, b, a, b)]
                self.assertEqual(statuses, [200, 200, 200, 200])
                for server in (a, b):
                    self.assertRefused(upload(server), "rate_limited", limit_text="4 requests per minute")
                self.assertRegex(a.get("/metrics").text, r"upgate_limits_redis_commands_total \d+")

    def test_quota_shared_by_two_copies(self):
        with RedisServer() as redis:
            config = redis_config(redis.url, limits='quota = "10 KiB/day"')
            with ApiServer(config) as a, ApiServer(config) as b:
                self.assertEqual(upload(a, size=6000).status_code, 200)
                self.assertRefused(upload(b, size=6000), "quota_exceeded")
                self.assertEqual(upload(b, size=4000).status_code, 200)
                self.assertRefused(upload(a, size=1000), "quota_exceeded")

    def test_redis_down_deny_answers_503(self):
        with RedisServer() as redis, ApiServer(redis_config(redis.url, "deny")) as s:
            self.assertEqual(upload(s).status_code, 200)
            redis.kill()
            r = upload(s)
            self.assertRefused(r, "limits_unavailable", status=503)
            self.assertNotIn("RateLimit", r.headers)

    def test_redis_down_allow_lets_through_and_says_so(self):
        with RedisServer() as redis, \
                ApiServer(redis_config(redis.url, "allow", 'rate = "1/min"')) as s:
            self.assertEqual(upload(s).status_code, 200)
            self.assertRefused(upload(s), "rate_limited")
            redis.kill()
            for _ in range(3):
                self.assertEqual(upload(s).status_code, 200)
            time.sleep(1.2)  # the log is flushed every second
            warnings = [l for l in s.log_lines() if l.get("level") == "warn" and
                        "WITHOUT limits" in l.get("msg", "")]
            self.assertTrue(warnings, s.log_text())
            self.assertRegex(s.get("/metrics").text,
                             r'upgate_limit_decisions_total\{profile="avatars",'
                             r'reason="store_unavailable"\} 3')

    def test_start_up_says_when_limits_fail_open(self):
        with RedisServer() as redis, ApiServer(redis_config(redis.url, "allow")) as s:
            time.sleep(1.2)  # the log is flushed every second
            self.assertRegex(s.log_text(), r'WITHOUT limits.*on_store_error')
            self.assertNotRegex(s.log_text(), re.escape(SECRET))


if __name__ == "__main__":
    unittest.main()
