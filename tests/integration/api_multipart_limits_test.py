"""Open uploads and quotas for multipart uploads (/v1/multipart and Uppy's /s3/multipart),
against the real `upgate serve` with its embedded store: a created upload takes an
open-upload slot (keyed by S3's uploadId, for the upload token's life) and its bytes
against the quota (the declared size; Uppy declares none: the profile's max_size); one
over the limit is aborted in the store and refused with 429; complete and abort free the
slot. In memory on one copy, and through a real redis-server shared by two copies."""
import os
import unittest
from contextlib import closing
import urllib.parse

import requests

from api_harness import ACCESS_KEY_ID, REGION, SECRET, start_api
from redis_process import RedisServer
from s3_client import s3_client

KiB = 1024
MiB = 1024 * KiB
TOKEN_SECRET = "multipart-limits-secret-0123456789abcdef0123"


def config(limits, extra=""):
    return f"""
{extra}
[uppy]
profile = "big"

[profiles.big]
folder = "big"
max_size = "1 MiB"
{limits}
"""


def serve(config_text, store_of=None):
    """`upgate serve` with its embedded store, or (`store_of`) signing for that one's."""
    return start_api(config_text, {"UPGATE_UPLOAD_TOKEN_SECRETS": TOKEN_SECRET}, store_of)


class MultipartLimits(unittest.TestCase):
    def s3(self, server):
        return s3_client(server.s3_url, ACCESS_KEY_ID, SECRET, region=REGION)

    def stored_uploads(self, server):
        listed = self.s3(server).list_multipart_uploads(Bucket="uploads").get("Uploads", [])
        return sorted(u["UploadId"] for u in listed)

    # -- /v1/multipart -------------------------------------------------------------------

    def create(self, server, size=6000):
        return server.post("/v1/multipart", {"profile": "big", "fileName": "clip.bin",
                                             "contentType": "application/octet-stream",
                                             "size": size})

    def created(self, server, size=6000):
        r = self.create(server, size)
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()

    def complete(self, server, upload, data):
        signed = server.post("/v1/multipart/sign", {"uploadToken": upload["uploadToken"],
                                                    "partNumbers": [1]})
        self.assertEqual(signed.status_code, 200, signed.text)
        part = signed.json()["parts"][0]
        put = requests.put(part["url"], data=data, headers=part["headers"], timeout=30)
        self.assertEqual(put.status_code, 200, put.text)
        done = server.post("/v1/multipart/complete", {"uploadToken": upload["uploadToken"]})
        self.assertEqual(done.status_code, 200, done.text)

    def abort(self, server, upload):
        r = server.post("/v1/multipart/abort", {"uploadToken": upload["uploadToken"]})
        self.assertEqual(r.status_code, 200, r.text)

    def assertRefused(self, r, code, limit_text, companion=False):
        self.assertEqual(r.status_code, 429, r.text)
        body = r.json()
        if companion:
            self.assertEqual(body["error"], code, body)
            self.assertIn(limit_text, body["message"])
        else:
            self.assertIs(body["ok"], False)
            self.assertEqual(body["error"]["code"], code, body)
            self.assertIn(limit_text, body["error"]["message"])
        self.assertGreater(int(r.headers["Retry-After"]), 0)
        self.assertIn("RateLimit-Policy", r.headers)
        self.assertIn("RateLimit", r.headers)
        self.assertNotIn(SECRET, r.text)
        return body

    # -- Uppy's /s3/multipart ------------------------------------------------------------

    def uppy_path(self, upload_id, suffix=""):
        return f"/s3/multipart/{urllib.parse.quote(upload_id, safe='')}{suffix}"

    def uppy_create(self, server):
        return requests.post(server.base + "/s3/multipart", timeout=30, json={
            "filename": "clip.bin", "type": "application/octet-stream",
            "metadata": {"name": "clip.bin"}})

    def uppy_created(self, server):
        r = self.uppy_create(server)
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()

    def uppy_abort(self, server, upload):
        r = requests.delete(server.base + self.uppy_path(upload["uploadId"]),
                            params={"key": upload["key"]}, timeout=30)
        self.assertEqual(r.status_code, 200, r.text)

    def uppy_complete(self, server, upload, data):
        signed = requests.get(server.base + self.uppy_path(upload["uploadId"], "/1"),
                              params={"key": upload["key"]}, timeout=30)
        self.assertEqual(signed.status_code, 200, signed.text)
        put = requests.put(signed.json()["url"], data=data, timeout=30)
        self.assertEqual(put.status_code, 200, put.text)
        done = requests.post(server.base + self.uppy_path(upload["uploadId"], "/complete"),
                             params={"key": upload["key"]}, timeout=30,
                             json={"parts": [{"PartNumber": 1, "ETag": put.headers["ETag"]}]})
        self.assertEqual(done.status_code, 200, done.text)


class InMemory(MultipartLimits):
    def test_the_upload_past_max_open_uploads_is_refused_and_left_nowhere(self):
        with closing(serve(config("max_open_uploads = 2"))) as s:
            first = self.created(s)
            r = self.create(s)
            self.assertEqual(r.status_code, 200, r.text)
            second = r.json()
            self.assertEqual(r.headers["RateLimit-Policy"],
                             '"big-uploads";q=2;qu="concurrent-requests"')
            self.assertEqual(r.headers["RateLimit"], '"big-uploads";r=0')
            r = self.create(s)
            self.assertRefused(r, "too_many_open_uploads", "at most 2 at once")
            # The slot lives as long as the upload token (24 h).
            self.assertGreater(int(r.headers["Retry-After"]), 23 * 3600)
            self.assertEqual(self.stored_uploads(s),
                             sorted([first["uploadId"], second["uploadId"]]))
            # An abort frees its slot ...
            self.abort(s, first)
            third = self.created(s)
            self.assertRefused(self.create(s), "too_many_open_uploads", "at most 2 at once")
            # ... and so does a completion.
            self.complete(s, second, os.urandom(6000))
            fourth = self.created(s)
            self.assertRefused(self.create(s), "too_many_open_uploads", "at most 2 at once")
            self.assertEqual(self.stored_uploads(s),
                             sorted([third["uploadId"], fourth["uploadId"]]))
            # Calls about an open upload are not new uploads: they are let through.
            listed = s.post("/v1/multipart/list", {"uploadToken": third["uploadToken"]})
            self.assertEqual(listed.status_code, 200, listed.text)
            metrics = s.get("/metrics").text
            self.assertRegex(metrics, r'upgate_limit_decisions_total\{profile="big",'
                                      r'reason="too_many_open_uploads"\} 3')

    def test_the_quota_counts_the_declared_size(self):
        with closing(serve(config('quota = "10 KiB/day"\nrate = "100/min"'))) as s:
            self.created(s, size=6000)
            r = self.create(s, size=6000)
            body = self.assertRefused(r, "quota_exceeded", "10 KB per day")
            # The create's rate and the upload's quota, in one list.
            self.assertIn('"big";q=100;w=60', r.headers["RateLimit-Policy"])
            self.assertIn('"big-quota";q=10240;qu="content-bytes";w=86400',
                          r.headers["RateLimit-Policy"])
            self.assertIn('"big-quota";r=4240;', r.headers["RateLimit"])
            self.assertEqual(len(self.stored_uploads(s)), 1, body)
            self.created(s, size=4000)
            # Multipart and single uploads draw on one quota.
            single = s.post("/v1/uploads", {"profile": "big", "fileName": "a.bin",
                                            "contentType": "application/octet-stream",
                                            "size": 1000})
            self.assertRefused(single, "quota_exceeded", "10 KB per day")

    def test_uppy_multipart_takes_a_slot_and_the_profiles_max_size(self):
        # Uppy declares no size: each upload counts the profile's max_size (1 MiB).
        with closing(serve(config('quota = "2500 KiB/day"\nmax_open_uploads = 3'))) as s:
            self.uppy_created(s)
            self.uppy_created(s)
            r = self.uppy_create(s)
            self.assertRefused(r, "quota_exceeded", "2500 KB per day", companion=True)
            self.assertIn('"big-quota";r=462848;', r.headers["RateLimit"])
            self.assertEqual(len(self.stored_uploads(s)), 2)
            # What is left of the quota is what /v1/multipart may still declare.
            self.assertRefused(self.create(s, size=462849), "quota_exceeded", "2500 KB per day")
            self.assertEqual(len(self.stored_uploads(s)), 2)
        with closing(serve(config("max_open_uploads = 1"))) as s:
            first = self.uppy_created(s)
            self.assertRefused(self.uppy_create(s), "too_many_open_uploads", "at most 1 at once",
                               companion=True)
            self.assertEqual(len(self.stored_uploads(s)), 1)
            self.uppy_abort(s, first)
            second = self.uppy_created(s)
            self.assertRefused(self.create(s), "too_many_open_uploads", "at most 1 at once")
            self.uppy_complete(s, second, os.urandom(3000))
            self.uppy_created(s)
            self.assertEqual(len(self.stored_uploads(s)), 1)


class SharedThroughRedis(MultipartLimits):
    def test_two_copies_hold_one_set_of_open_uploads_and_one_quota(self):
        with RedisServer() as redis:
            text = config('max_open_uploads = 2\nquota = "1100 KiB/day"',
                          f'[limits]\nredis_url = "{redis.url}"')
            with closing(serve(text)) as a:
                b = serve(text, store_of=a)
                try:
                    first = self.created(a)
                    second = self.created(b)
                    self.assertRefused(self.create(a), "too_many_open_uploads",
                                       "at most 2 at once")
                    self.assertRefused(self.create(b), "too_many_open_uploads",
                                       "at most 2 at once")
                    self.assertEqual(self.stored_uploads(a),
                                     sorted([first["uploadId"], second["uploadId"]]))
                    # Aborted through the other copy: the shared slot is freed.
                    self.abort(b, first)
                    third = self.created(a)
                    self.complete(a, second, os.urandom(6000))
                    # Uppy's upload counts the profile's max_size (1 MiB) in the same quota:
                    # 3 x 6000 + 1 MiB leaves less than another MiB of the 1100 KiB.
                    self.uppy_created(b)
                    self.abort(b, third)
                    self.assertRefused(self.uppy_create(a), "quota_exceeded", "1100 KB per day",
                                       companion=True)
                    self.assertEqual(len(self.stored_uploads(a)), 1)
                finally:
                    b.close()


if __name__ == "__main__":
    unittest.main()
