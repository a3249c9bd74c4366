"""/v1/multipart end to end: the real `upgate serve` with its embedded store, parts PUT
on the URLs it signs, the object read back with boto3; the upload token refused when
altered, from another server's secret, or for a size the parts do not make; two copies
sharing the token secret serve one upload alternately."""
import base64
import os
import unittest

import requests

from api_harness import ACCESS_KEY_ID, REGION, SECRET, start_api
from s3_client import s3_client

MiB = 1024 * 1024
TOKEN_SECRET = "multipart-integration-secret-0123456789abcdef"
PROFILES = """
[profiles.big]
folder = "big"
max_size = "1 GiB"
"""


def serve(store_of=None, token_secret=TOKEN_SECRET):
    """One `upgate serve` for these tests; with `store_of`, no store of its own: it signs for
    that one's."""
    env = {"UPGATE_UPLOAD_TOKEN_SECRETS": token_secret} if token_secret else {}
    return start_api(PROFILES, env, store_of)


def put_part(part, data):
    return requests.put(part["url"], data=data, headers=part["headers"], timeout=60)


class MultipartRoutesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.serve = serve()
        cls.s3 = s3_client(cls.serve.s3_url, ACCESS_KEY_ID, SECRET, region=REGION)

    @classmethod
    def tearDownClass(cls):
        cls.serve.close()

    def assertError(self, response, status, code, reason=None):
        self.assertEqual(response.status_code, status, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], code, response.text)
        if reason is not None:
            self.assertEqual(error.get("reason"), reason, response.text)

    def create(self, size, name="big file.bin", serve=None):
        r = (serve or self.serve).post("/v1/multipart", {
            "profile": "big", "fileName": name, "contentType": "application/octet-stream",
            "size": size, "metadata": {"origin": "integration"}})
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()

    def test_a_file_in_three_parts_lands_whole_after_the_size_check(self):
        data = os.urandom(33 * MiB + 7)
        upload = self.create(len(data))
        self.assertTrue(upload["key"].startswith("big/"), upload)
        self.assertEqual((upload["partSize"], upload["partCount"]), (16 * MiB, 3))
        token = upload["uploadToken"]

        signed = self.serve.post("/v1/multipart/sign", {"uploadToken": token,
                                                        "partNumbers": [1, 2, 3]})
        self.assertEqual(signed.status_code, 200, signed.text)
        parts = signed.json()["parts"]
        self.assertEqual([p["partNumber"] for p in parts], [1, 2, 3])
        self.assertEqual([p["headers"]["Content-Length"] for p in parts],
                         [str(16 * MiB), str(16 * MiB), str(MiB + 7)])
        chunks = [data[0:16 * MiB], data[16 * MiB:32 * MiB], data[32 * MiB:]]

        # A part of another length than the one signed is refused by the store.
        short = requests.put(parts[0]["url"], data=chunks[0][:-1],
                             headers={"Content-Length": str(len(chunks[0]) - 1)}, timeout=60)
        self.assertEqual(short.status_code, 403, short.text)

        for part, chunk in zip(parts[:2], chunks[:2]):
            r = put_part(part, chunk)
            self.assertEqual(r.status_code, 200, r.text)
        listed = self.serve.post("/v1/multipart/list", {"uploadToken": token})
        self.assertEqual(listed.status_code, 200, listed.text)
        self.assertEqual([(p["partNumber"], p["size"]) for p in listed.json()["parts"]],
                         [(1, 16 * MiB), (2, 16 * MiB)])
        self.assertEqual(listed.json()["storedBytes"], 32 * MiB)

        # Two of three parts do not make the declared size: nothing is completed.
        early = self.serve.post("/v1/multipart/complete", {"uploadToken": token})
        self.assertError(early, 409, "parts_incomplete")

        # Re-signing a part is allowed while the token lives.
        again = self.serve.post("/v1/multipart/sign", {"uploadToken": token, "partNumbers": [3]})
        self.assertEqual(again.status_code, 200, again.text)
        r = put_part(again.json()["parts"][0], chunks[2])
        self.assertEqual(r.status_code, 200, r.text)

        done = self.serve.post("/v1/multipart/complete", {"uploadToken": token})
        self.assertEqual(done.status_code, 200, done.text)
        self.assertEqual(done.json()["key"], upload["key"])
        self.assertTrue(done.json()["etag"].endswith("-3"), done.text)

        got = self.s3.get_object(Bucket="uploads", Key=upload["key"])
        self.assertEqual(got["Body"].read(), data)
        self.assertEqual(got["ContentType"], "application/octet-stream")
        self.assertEqual(got["Metadata"], {"origin": "integration"})

    def test_part_numbers_outside_the_layout_are_refused(self):
        upload = self.create(6 * MiB)
        self.assertEqual(upload["partCount"], 1)
        token = upload["uploadToken"]
        for numbers in ([2], [0], [-1], [10001], [], ["1"], list(range(1, 502))):
            r = self.serve.post("/v1/multipart/sign", {"uploadToken": token,
                                                       "partNumbers": numbers})
            self.assertEqual(r.status_code, 400, (numbers, r.text))
        self.assertError(self.serve.post("/v1/multipart/sign", {"uploadToken": token}),
                         400, "missing_field")

    def test_altered_missing_and_foreign_tokens_are_refused(self):
        upload = self.create(6 * MiB)
        token = upload["uploadToken"]
        payload, mac = token[4:].split(".")
        raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        raw[-1] ^= 1  # the last byte of the declared checksum/type field
        forged = "ut1." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=") + "." + mac
        for bad, reason in ((forged, "bad_signature"), (token[:-3], "bad_signature"),
                            ("ut1.abc", "malformed"), ("x" * 12000, "malformed")):
            r = self.serve.post("/v1/multipart/list", {"uploadToken": bad})
            self.assertError(r, 403, "upload_token_refused", reason)
        self.assertError(self.serve.post("/v1/multipart/complete", {}), 400, "missing_field")
        self.assertError(self.serve.post("/v1/multipart/abort", {"uploadToken": 7}), 400,
                         "wrong_type")
        r = requests.post(self.serve.base + "/v1/multipart/list", data="{}", timeout=10)
        self.assertError(r, 415, "unsupported_media_type")

        # A server with another secret does not accept this one's token.
        other = serve(store_of=self.serve, token_secret=None)
        try:
            r = other.post("/v1/multipart/list", {"uploadToken": token})
            self.assertError(r, 403, "upload_token_refused", "bad_signature")
        finally:
            other.close()
        self.assertNotIn(TOKEN_SECRET, self.serve.log_text())

    def test_an_aborted_upload_is_gone(self):
        upload = self.create(7 * MiB)
        token = upload["uploadToken"]
        parts = self.serve.post("/v1/multipart/sign", {"uploadToken": token,
                                                       "partNumbers": [1]}).json()["parts"]
        self.assertEqual(put_part(parts[0], os.urandom(7 * MiB)).status_code, 200)
        r = self.serve.post("/v1/multipart/abort", {"uploadToken": token})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertTrue(r.json()["aborted"])
        self.assertError(self.serve.post("/v1/multipart/list", {"uploadToken": token}), 404,
                         "no_such_upload")
        self.assertError(self.serve.post("/v1/multipart/complete", {"uploadToken": token}), 404,
                         "no_such_upload")
        uploads = self.s3.list_multipart_uploads(Bucket="uploads").get("Uploads", [])
        self.assertNotIn(upload["uploadId"], [u["UploadId"] for u in uploads])

    def test_two_copies_sharing_the_secret_serve_one_upload_alternately(self):
        other = serve(store_of=self.serve)
        try:
            data = os.urandom(20 * MiB + 1)
            upload = self.create(len(data), name="shared.bin", serve=other)
            token = upload["uploadToken"]
            self.assertEqual(upload["partCount"], 2)
            first = self.serve.post("/v1/multipart/sign", {"uploadToken": token,
                                                           "partNumbers": [1]})
            second = other.post("/v1/multipart/sign", {"uploadToken": token,
                                                       "partNumbers": [2]})
            self.assertEqual(put_part(first.json()["parts"][0], data[:16 * MiB]).status_code, 200)
            self.assertEqual(put_part(second.json()["parts"][0], data[16 * MiB:]).status_code,
                             200)
            listed = other.post("/v1/multipart/list", {"uploadToken": token})
            self.assertEqual(len(listed.json()["parts"]), 2, listed.text)
            done = self.serve.post("/v1/multipart/complete", {"uploadToken": token})
            self.assertEqual(done.status_code, 200, done.text)
            body = self.s3.get_object(Bucket="uploads", Key=upload["key"])["Body"].read()
            self.assertEqual(body, data)
        finally:
            other.close()


if __name__ == "__main__":
    unittest.main()
