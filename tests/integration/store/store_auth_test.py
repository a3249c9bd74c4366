"""Authentication of the embedded store, as S3 does it: every signed element tampered with
is refused with S3's code and nothing is stored; every payload mode a current client sends
is accepted when right and refused when wrong."""
import datetime
import hashlib
import os
import unittest
import urllib.parse

import store_harness as h

BUCKET = "tamper"


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def replace_query(url, name, value):
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, value if k == name else v) for k, v in query]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class StoreAuthTest(h.StoreTestCase):
    buckets = (BUCKET, "other-bucket")

    def url(self, key, bucket=BUCKET):
        return f"{self.store.endpoint}/{bucket}/{urllib.parse.quote(key)}"

    def assertRefused(self, response, status, code, key, bucket=BUCKET):
        self.assertEqual(response.status, status, response)
        self.assertEqual(response.code, code, response)
        self.assertTrue(response.header("x-amz-request-id"))
        self.assertNotIn(h.SECRET.encode(), response.body)
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        self.assertNotIn(key, keys, "a refused upload was stored")

    def assertNoTempFiles(self):
        temp_dir = os.path.join(self.store.data_dir, "tmp")
        temp = [f for f in self.store.blob_files() if f.startswith(temp_dir + os.sep)]
        self.assertEqual(temp, [])

    # -- presigned URLs --------------------------------------------------------------------
    def presigned_put(self, key, body=b"hello", content_type="text/plain", **kw):
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        return h.presign("PUT", self.url(key, kw.pop("bucket", BUCKET)), headers, **kw), headers

    def test_presigned_put_with_signed_headers_is_stored(self):
        url, headers = self.presigned_put("ok/presigned.txt")
        r = h.send_url(url, "PUT", headers, b"hello")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("ETag"), '"%s"' % hashlib.md5(b"hello").hexdigest())
        got = self.s3.get_object(Bucket=BUCKET, Key="ok/presigned.txt")
        self.assertEqual(got["Body"].read(), b"hello")
        self.assertEqual(got["ContentType"], "text/plain")

    def test_each_signed_query_element_changed_is_refused(self):
        key = "tampered/query.txt"
        url, headers = self.presigned_put(key)
        amz_date = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Date"][0]
        later = (datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ") +
                 datetime.timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
        signature = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Signature"][0]
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        cases = {
            "X-Amz-Date": replace_query(url, "X-Amz-Date", later),
            "X-Amz-Expires": replace_query(url, "X-Amz-Expires", "301"),
            "X-Amz-SignedHeaders": replace_query(url, "X-Amz-SignedHeaders", "content-type;host"),
            "X-Amz-Signature": replace_query(url, "X-Amz-Signature", flipped),
            "extra parameter": url + "&x-id=PutObject",
            "key": url.replace("/tampered/query.txt", "/tampered/query2.txt"),
        }
        for name, tampered in cases.items():
            with self.subTest(name):
                r = h.send_url(tampered, "PUT", headers, b"hello")
                self.assertRefused(r, 403, "SignatureDoesNotMatch", key)
                self.assertIsNotNone(r.element("CanonicalRequest"))
                self.assertIsNotNone(r.element("StringToSign"))
        r = h.send_url(url.replace(f"/{BUCKET}/", "/other-bucket/"), "PUT", headers, b"hello")
        self.assertRefused(r, 403, "SignatureDoesNotMatch", key, bucket="other-bucket")
        self.assertNoTempFiles()

    def test_wrong_key_id_and_wrong_secret(self):
        key = "tampered/keys.txt"
        url, headers = self.presigned_put(key, access_key_id="AKIDNOBODYHASTHISKEY")
        self.assertRefused(h.send_url(url, "PUT", headers, b"hello"), 403, "InvalidAccessKeyId", key)
        url, headers = self.presigned_put(key, secret="not-the-secret")
        self.assertRefused(h.send_url(url, "PUT", headers, b"hello"), 403, "SignatureDoesNotMatch",
                           key)
        url, headers = self.presigned_put(key)
        credential = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Credential"][0]
        tampered = replace_query(url, "X-Amz-Credential", credential.replace("us-east-1", "eu-west-1"))
        self.assertRefused(h.send_url(tampered, "PUT", headers, b"hello"), 400,
                           "AuthorizationQueryParametersError", key)

    def test_signed_content_type_and_length_must_match(self):
        key = "tampered/headers.txt"
        url, headers = self.presigned_put(key)
        r = h.send_url(url, "PUT", dict(headers, **{"Content-Type": "text/html"}), b"hello")
        self.assertRefused(r, 403, "SignatureDoesNotMatch", key)
        # A body longer or shorter than the signed length, framed honestly.
        for body in (b"hello, world", b"hi"):
            with self.subTest(len(body)):
                r = h.send_url(url, "PUT", dict(headers, **{"Content-Length": str(len(body))}), body)
                self.assertRefused(r, 403, "SignatureDoesNotMatch", key)
        r = h.send_url(url, "GET")
        self.assertRefused(r, 403, "SignatureDoesNotMatch", key)
        self.assertNoTempFiles()

    def test_expired_url_says_request_has_expired(self):
        key = "tampered/expired.txt"
        url, headers = self.presigned_put(key, expires=60,
                                          when=utcnow() - datetime.timedelta(minutes=10))
        r = h.send_url(url, "PUT", headers, b"hello")
        self.assertRefused(r, 403, "AccessDenied", key)
        self.assertEqual(r.element("Message"), "Request has expired")
        self.assertEqual(r.element("X-Amz-Expires"), "60")
        self.assertIsNotNone(r.element("Expires"))
        self.assertIsNotNone(r.element("ServerTime"))

    def test_url_from_the_future_is_not_yet_valid(self):
        key = "tampered/future.txt"
        url, headers = self.presigned_put(key, when=utcnow() + datetime.timedelta(hours=1))
        r = h.send_url(url, "PUT", headers, b"hello")
        self.assertRefused(r, 403, "AccessDenied", key)

    def test_checksum_only_in_the_query_is_ignored(self):
        # What the AWS JavaScript SDK v3 presigner produces: a CRC32 of an empty body,
        # signed into the query. AWS ignores it; so must we.
        key = "ok/js-sdk-presigned.bin"
        target = self.url(key) + "?x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-sdk-checksum-algorithm=CRC32"
        url = h.presign("PUT", target, {"Content-Type": "application/octet-stream"})
        r = h.send_url(url, "PUT", {"Content-Type": "application/octet-stream"}, b"not empty")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read(), b"not empty")

    def test_sigv2_query_auth_is_refused_clearly(self):
        r = h.send(self.store.endpoint, "GET",
                   f"/{BUCKET}/x?AWSAccessKeyId={h.ACCESS_KEY_ID}&Expires=99999999999&Signature=abc")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.code, "InvalidRequest")

    # -- header auth -----------------------------------------------------------------------
    def test_hex_payload_hash_is_checked_while_streaming(self):
        key = "tampered/sha.bin"
        body = os.urandom(300_000)
        headers = h.sign("PUT", self.url(key), {"Content-Type": "application/octet-stream"}, body)
        tampered = bytearray(body)
        tampered[-1] ^= 1
        r = h.send_url(self.url(key), "PUT", headers, bytes(tampered))
        self.assertRefused(r, 400, "XAmzContentSHA256Mismatch", key)
        self.assertEqual(r.element("ClientComputedContentSHA256"), hashlib.sha256(body).hexdigest())
        self.assertNoTempFiles()
        r = h.send_url(self.url(key), "PUT", headers, body)
        self.assertEqual(r.status, 200, r)

    def test_skewed_date_wrong_key_and_unsigned_headers(self):
        key = "tampered/header.txt"
        headers = h.sign("PUT", self.url(key), {}, b"x",
                         when=utcnow() - datetime.timedelta(minutes=20))
        r = h.send_url(self.url(key), "PUT", headers, b"x")
        self.assertRefused(r, 403, "RequestTimeTooSkewed", key)
        self.assertEqual(r.element("MaxAllowedSkewMilliseconds"), "900000")
        headers = h.sign("PUT", self.url(key), {}, b"x", access_key_id="AKIDUNKNOWN0000000")
        self.assertRefused(h.send_url(self.url(key), "PUT", headers, b"x"), 403,
                           "InvalidAccessKeyId", key)
        headers = h.sign("PUT", self.url(key), {"Content-Type": "text/plain"}, b"x")
        r = h.send_url(self.url(key), "PUT", dict(headers, **{"Content-Type": "text/html"}), b"x")
        self.assertRefused(r, 403, "SignatureDoesNotMatch", key)
        headers = h.sign("PUT", self.url(key), {}, b"x")
        r = h.send_url(self.url(key), "PUT", dict(headers, **{"x-amz-meta-sneaky": "1"}), b"x")
        self.assertRefused(r, 403, "AccessDenied", key)
        self.assertIn(b"not signed", r.body)

    def test_unsigned_payload_header_auth(self):
        key = "ok/unsigned.txt"
        headers = h.sign("PUT", self.url(key), {}, b"", payload_hash="UNSIGNED-PAYLOAD")
        r = h.send_url(self.url(key), "PUT", headers, b"anything")
        self.assertEqual(r.status, 200, r)

    def test_content_md5_and_checksum_headers(self):
        key = "tampered/md5.txt"
        r = h.send_url(self.url(key), "PUT",
                       h.sign("PUT", self.url(key), {"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="},
                              b"abc"), b"abc")
        self.assertRefused(r, 400, "BadDigest", key)
        r = h.send_url(self.url(key), "PUT",
                       h.sign("PUT", self.url(key), {"Content-MD5": "nope"}, b"abc"), b"abc")
        self.assertRefused(r, 400, "InvalidDigest", key)
        r = h.send_url(self.url(key), "PUT",
                       h.sign("PUT", self.url(key), {"x-amz-checksum-crc32": h.crc32_b64(b"abd")},
                              b"abc"), b"abc")
        self.assertRefused(r, 400, "BadDigest", key)
        good = h.crc32_b64(b"abc")
        r = h.send_url(self.url(key), "PUT",
                       h.sign("PUT", self.url(key), {"x-amz-checksum-crc32": good}, b"abc"), b"abc")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("x-amz-checksum-crc32"), good)
        head = self.s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], good)

    # -- aws-chunked -----------------------------------------------------------------------
    def test_signed_chunks_every_signature_checked(self):
        chunks = [os.urandom(65536), os.urandom(65536), os.urandom(1000)]
        r = h.chunked_upload(self.store.endpoint, BUCKET, "ok/chunked.bin", chunks)
        self.assertEqual(r.status, 200, r)
        data = self.s3.get_object(Bucket=BUCKET, Key="ok/chunked.bin")["Body"].read()
        self.assertEqual(data, b"".join(chunks))

        def flip_data(kind, index, data, signature):
            if index == 1:
                data = bytes([data[0] ^ 1]) + data[1:]
            return data, signature

        def flip_last_signature(kind, index, data, signature):
            if index == 3:  # the final zero-length chunk
                signature = ("0" if signature[0] != "0" else "1") + signature[1:]
            return data, signature

        for name, tamper in (("data", flip_data), ("final signature", flip_last_signature)):
            with self.subTest(name):
                r = h.chunked_upload(self.store.endpoint, BUCKET, "tampered/chunked.bin", chunks,
                                     tamper=tamper)
                self.assertRefused(r, 403, "SignatureDoesNotMatch", "tampered/chunked.bin")
        r = h.chunked_upload(self.store.endpoint, BUCKET, "tampered/chunked.bin", chunks,
                             decoded_length=sum(map(len, chunks)) + 1)
        self.assertRefused(r, 400, "IncompleteBody", "tampered/chunked.bin")
        r = h.chunked_upload(self.store.endpoint, BUCKET, "tampered/chunked.bin", chunks,
                             decoded_length=sum(map(len, chunks)) - 1)
        self.assertRefused(r, 400, "IncompleteBody", "tampered/chunked.bin")
        self.assertNoTempFiles()

    def test_unsigned_payload_with_checksum_trailer(self):
        data = os.urandom(200_000)
        chunks = [data[:65536], data[65536:]]
        trailer = ("x-amz-checksum-crc32", h.crc32_b64(data))
        r = h.chunked_upload(self.store.endpoint, BUCKET, "ok/trailer.bin", chunks,
                             mode="unsigned-trailer", trailer=trailer,
                             headers={"x-amz-sdk-checksum-algorithm": "CRC32"})
        self.assertEqual(r.status, 200, r)
        head = self.s3.head_object(Bucket=BUCKET, Key="ok/trailer.bin", ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], trailer[1])
        self.assertEqual(head["ContentLength"], len(data))
        bad = ("x-amz-checksum-crc32", h.crc32_b64(data + b"x"))
        r = h.chunked_upload(self.store.endpoint, BUCKET, "tampered/trailer.bin", chunks,
                             mode="unsigned-trailer", trailer=bad)
        self.assertRefused(r, 400, "BadDigest", "tampered/trailer.bin")

    def test_signed_chunks_with_signed_trailer(self):
        data = os.urandom(70_000)
        trailer = ("x-amz-checksum-crc32", h.crc32_b64(data))
        r = h.chunked_upload(self.store.endpoint, BUCKET, "ok/signed-trailer.bin", [data],
                             mode="signed-trailer", trailer=trailer)
        self.assertEqual(r.status, 200, r)

        def flip_trailer(kind, index, chunk, signature):
            if kind == "trailer":
                signature = ("0" if signature[0] != "0" else "1") + signature[1:]
            return chunk, signature

        r = h.chunked_upload(self.store.endpoint, BUCKET, "tampered/signed-trailer.bin", [data],
                             mode="signed-trailer", trailer=trailer, tamper=flip_trailer)
        self.assertRefused(r, 403, "SignatureDoesNotMatch", "tampered/signed-trailer.bin")

    # -- anonymous ---------------------------------------------------------------------------
    def test_anonymous_requests(self):
        r = h.send(self.store.endpoint, "PUT", f"/{BUCKET}/anon.txt", {}, b"x")
        self.assertRefused(r, 403, "AccessDenied", "anon.txt")
        self.s3.put_object(Bucket=BUCKET, Key="private.txt", Body=b"secret")
        self.s3.put_object(Bucket=BUCKET, Key="public.txt", Body=b"public", ACL="public-read")
        self.assertEqual(h.send(self.store.endpoint, "GET", f"/{BUCKET}/private.txt").code,
                         "AccessDenied")
        self.assertEqual(h.send(self.store.endpoint, "GET", f"/{BUCKET}/missing.txt").code,
                         "AccessDenied")
        r = h.send(self.store.endpoint, "GET", f"/{BUCKET}/public.txt")
        self.assertEqual((r.status, r.body), (200, b"public"))
        r = h.send(self.store.endpoint, "GET", f"/{BUCKET}/public.txt?response-content-type=x/y")
        self.assertEqual((r.status, r.code), (400, "InvalidRequest"))
        for target in ("/", f"/{BUCKET}", f"/{BUCKET}?list-type=2"):
            self.assertEqual(h.send(self.store.endpoint, "GET", target).code, "AccessDenied")

    def test_secret_never_in_log(self):
        self.assertNotIn(h.SECRET, self.store.log())
        self.assertNotIn("X-Amz-Signature", self.store.log())


if __name__ == "__main__":
    unittest.main()
