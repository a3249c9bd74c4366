"""Every URL the API issues verifies with the sigv4 verifier for exactly the headers the
response lists, and fails for any other size, type, checksum, metadata or method."""
import base64
import hashlib
import os
import unittest

from api_harness import SEED_BODY, ServerTestCase, Verifier

SHA = base64.b64encode(hashlib.sha256(b"the bytes").digest()).decode()
OTHER_SHA = base64.b64encode(hashlib.sha256(b"other bytes").digest()).decode()


class PresignedUrls(ServerTestCase):
    with_verifier = True

    def assertVerifies(self, method, url, headers):
        result = self.verifier.check(method, url, headers)
        self.assertTrue(result["ok"], result)
        return result

    def assertRefused(self, method, url, headers):
        result = self.verifier.check(method, url, headers)
        self.assertFalse(result["ok"], (headers, result))
        return result

    def check_variations(self, answer):
        url, headers = answer["uploadUrl"], answer["headers"]
        self.assertVerifies("PUT", url, headers)
        size = int(headers["Content-Length"])
        for other in (size - 1, size + 1, 0, size * 2):
            self.assertRefused("PUT", url, dict(headers, **{"Content-Length": str(other)}))
        for other_type in ("image/png", "text/html", "application/octet-stream",
                           headers["Content-Type"] + ";x=1"):
            self.assertRefused("PUT", url, dict(headers, **{"Content-Type": other_type}))
        for name in headers:
            missing = {k: v for k, v in headers.items() if k != name}
            self.assertRefused("PUT", url, missing)
        self.assertRefused("GET", url, headers)
        self.assertRefused("POST", url, headers)
        self.assertRefused("PUT", url.replace("/uploads/", "/uploads/x"), headers)

    def test_seed_route_urls(self):
        for body in (SEED_BODY,
                     dict(SEED_BODY, fileName="résumé 写真.pdf", fileType="application/pdf", fileSize=1),
                     dict(SEED_BODY, fileName="a+b&c=d?.txt", fileType="text/plain; charset=utf-8"),
                     dict(SEED_BODY, folderName="a/b.c/d_e-f", fileSize=5 * 1024 * 1024)):
            with self.subTest(body=body):
                r = self.server.post("/api/s3/getPresignedUrl", body)
                self.assertEqual(r.status_code, 200, r.text)
                answer = r.json()
                result = self.assertVerifies("PUT", answer["uploadUrl"], answer["headers"])
                self.assertEqual(result["signed_headers"], ["content-length", "content-type", "host"])
                self.check_variations(answer)

    def test_v1_urls_with_checksum_and_metadata(self):
        r = self.server.post("/v1/uploads", {"profile": "docs", "fileName": "a.txt", "contentType": "text/plain",
                                             "size": 9, "sha256": SHA,
                                             "metadata": {"owner": "u-42", "tag": "a b  c"}})
        self.assertEqual(r.status_code, 200, r.text)
        answer = r.json()
        self.check_variations(answer)
        h = answer["headers"]
        self.assertRefused("PUT", answer["uploadUrl"], dict(h, **{"x-amz-checksum-sha256": OTHER_SHA}))
        self.assertRefused("PUT", answer["uploadUrl"], dict(h, **{"x-amz-meta-owner": "u-43"}))
        self.assertRefused("PUT", answer["uploadUrl"], dict(h, **{"If-None-Match": "\"etag\""}))

    def test_wrong_secret_is_refused(self):
        answer = self.server.post("/api/s3/getPresignedUrl", SEED_BODY).json()
        os.environ["OTHER_SECRET"] = "not-the-secret"
        other = Verifier()
        try:
            result = other.check("PUT", answer["uploadUrl"], answer["headers"], secret_env="OTHER_SECRET")
            self.assertEqual(result.get("code"), "SignatureDoesNotMatch", result)
        finally:
            other.close()

    def test_many_urls_all_verify(self):
        for i in range(50):
            body = dict(SEED_BODY, fileName=f"file-{i}.bin", fileType="application/octet-stream",
                        fileSize=i + 1)
            answer = self.server.post("/api/s3/getPresignedUrl", body).json()
            self.assertVerifies("PUT", answer["uploadUrl"], answer["headers"])


if __name__ == "__main__":
    unittest.main()
