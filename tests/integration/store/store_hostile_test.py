"""Hostile input against the embedded store: every malformed request gets a clear S3 error
(or an HTTP-level refusal) and the store keeps serving."""
import base64
import hashlib
import os
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
import zlib

import store_harness as h

BUCKET = "hostile"


def content_md5(body):
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def crc32_b64(body):
    return base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()


def parse_raw(data):
    """A raw HTTP/1.1 response (read to the close) as an h.Response."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
    return h.Response(int(lines[0].split()[1]), headers, body)


class StoreHostileInputTest(h.StoreTestCase):
    buckets = (BUCKET,)

    def tearDown(self):
        # Whatever the test sent, the store still answers.
        self.assertEqual(self.s3.list_buckets()["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertTrue(self.store.running, "the store died")

    def signed(self, method, target, body=b"", headers=None):
        url = self.store.endpoint + target
        return h.send_url(url, method, h.sign(method, url, headers or {}, body), body)

    def test_malformed_xml_bodies(self):
        bodies = [b"", b"<", b"not xml", b"<Delete><Object><Key>a</Key></Object>",
                  b"<Delete><Object><Key>a</Key><Bogus/></Object></Delete>",
                  b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Delete>&x;</Delete>',
                  b"<Delete>" + b"<Object><Key>k</Key></Object>" * 1001 + b"</Delete>",
                  b"\xff\xfe<Delete/>"]
        for body in bodies:
            with self.subTest(body[:40]):
                r = self.signed("POST", f"/{BUCKET}?delete", body,
                                {"Content-MD5": content_md5(body)})
                self.assertEqual(r.status, 400, r)
                self.assertIn(r.code, ("MalformedXML", "MissingRequestBodyError",
                                       "MaxMessageLengthExceeded"))
        upload = self.s3.create_multipart_upload(Bucket=BUCKET, Key="mp")["UploadId"]
        for body in (b"<CompleteMultipartUpload>", b"<CompleteMultipartUpload></CompleteMultipartUpload>",
                     b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag>"
                     b"</Part></CompleteMultipartUpload>"):
            with self.subTest(body[:60]):
                r = self.signed("POST", f"/{BUCKET}/mp?uploadId={upload}", body)
                self.assertEqual(r.status, 400, r)
        r = self.signed("PUT", "/xml-bucket", b"<CreateBucketConfiguration><LocationConstraint>")
        self.assertEqual((r.status, r.code), (400, "MalformedXML"))

    def assertServerRefusal(self, raw, status, code, message):
        """What the HTTP layer refuses before the S3 handler runs is still S3's answer: the
        XML error document with x-amz-request-id, and the connection closed."""
        r = parse_raw(raw)
        self.assertEqual((r.status, r.code), (status, code), raw[:300])
        self.assertEqual(r.element("Message"), message)
        self.assertEqual(r.header("Content-Type"), "application/xml")
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(int(r.header("Content-Length")), len(r.body))
        request_id = r.header("x-amz-request-id")
        self.assertTrue(request_id)
        self.assertEqual(r.element("RequestId"), request_id)
        self.assertEqual(ET.fromstring(r.body).tag, "Error")
        return r

    def test_huge_headers(self):
        # S3: 400 RequestHeaderSectionTooLarge, MaxSizeAllowed naming the limit.
        for request in (b"GET /hostile/x HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 70000 +
                        b"\r\n\r\n",
                        b"GET /hostile/x HTTP/1.1\r\nHost: a\r\n" +
                        b"".join(b"X-H%d: v\r\n" % i for i in range(3000)) + b"\r\n"):
            with self.subTest(len(request)):
                r = self.assertServerRefusal(
                    h.raw_exchange(self.store.endpoint, request), 400,
                    "RequestHeaderSectionTooLarge",
                    "Your request header section exceeds the maximum allowed size.")
                self.assertEqual(r.element("MaxSizeAllowed"), "16384")

    def test_unparseable_requests_get_s3_errors(self):
        parse_error = "An error occurred when parsing the HTTP request."
        for name, request in (
                ("field without colon", b"GET /hostile/x HTTP/1.1\r\nBad Header\r\n\r\n"),
                ("no Host", b"GET /hostile/x HTTP/1.1\r\n\r\n"),
                ("two Hosts", b"GET /hostile/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                ("unframed coding", b"PUT /hostile/x HTTP/1.1\r\nHost: a\r\n"
                                    b"Transfer-Encoding: gzip\r\n\r\n"),
                ("length and chunked", b"PUT /hostile/x HTTP/1.1\r\nHost: a\r\n"
                                       b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       b"0\r\n\r\n")):
            with self.subTest(name):
                self.assertServerRefusal(h.raw_exchange(self.store.endpoint, request), 400,
                                         "BadRequest", parse_error)
        r = self.assertServerRefusal(
            h.raw_exchange(self.store.endpoint,
                           b"PUT /hostile/x HTTP/1.1\r\nHost: a\r\n"
                           b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
            501, "NotImplemented",
            "A header you provided implies functionality that is not implemented")
        self.assertEqual(r.element("Header"), "Transfer-Encoding")
        self.assertEqual(self.signed("HEAD", f"/{BUCKET}/x").status, 404)  # nothing was stored

    def test_checksum_required_operations_refuse_a_request_without_one(self):
        # DeleteObjects and PutBucketCors: 400 InvalidRequest "Missing required header for
        # this request: Content-MD5" unless Content-MD5 or an x-amz-checksum-* comes along.
        self.s3.put_object(Bucket=BUCKET, Key="keep", Body=b"keep")
        delete = b"<Delete><Object><Key>keep</Key></Object></Delete>"
        cors = (b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                b"<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>")
        sdk_only = ("x-amz-sdk-checksum-algorithm specified, but no corresponding "
                    "x-amz-checksum-* or x-amz-trailer headers were found.")
        for method, target, body in (("POST", f"/{BUCKET}?delete", delete),
                                     ("PUT", f"/{BUCKET}?cors", cors)):
            for headers, status, code, message in (
                    ({}, 400, "InvalidRequest",
                     "Missing required header for this request: Content-MD5"),
                    ({"x-amz-sdk-checksum-algorithm": "CRC32"}, 400, "InvalidRequest", sdk_only),
                    ({"Content-MD5": "bm90LW1kNQ=="}, 400, "InvalidDigest",
                     "The Content-MD5 you specified was invalid."),
                    ({"Content-MD5": content_md5(b"other")}, 400, "BadDigest",
                     "The Content-MD5 you specified did not match what we received."),
                    ({"x-amz-checksum-crc32": crc32_b64(b"other")}, 400, "BadDigest",
                     "The CRC32 you specified did not match the calculated checksum."),
                    ({"x-amz-checksum-crc32": "AAAA"}, 400, "InvalidRequest",
                     "Value for x-amz-checksum-crc32 header is invalid.")):
                with self.subTest(target=target, headers=headers):
                    r = self.signed(method, target, body, headers)
                    self.assertEqual((r.status, r.code, r.element("Message")),
                                     (status, code, message), r)
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key="keep")["Body"].read(), b"keep")
        self.assertEqual(self.signed("GET", f"/{BUCKET}?cors").code, "NoSuchCORSConfiguration")
        # Either integrity header, right, lets the operation through.
        for headers in ({"Content-MD5": content_md5(delete)},
                        {"x-amz-checksum-crc32": crc32_b64(delete),
                         "x-amz-sdk-checksum-algorithm": "CRC32"}):
            self.s3.put_object(Bucket=BUCKET, Key="keep", Body=b"keep")
            r = self.signed("POST", f"/{BUCKET}?delete", delete, headers)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(self.signed("HEAD", f"/{BUCKET}/keep").status, 404)
        r = self.signed("PUT", f"/{BUCKET}?cors", cors, {"x-amz-checksum-crc32": crc32_b64(cors)})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.signed("GET", f"/{BUCKET}?cors").status, 200)
        self.assertEqual(self.signed("DELETE", f"/{BUCKET}?cors").status, 204)

    def test_bad_ranges(self):
        self.s3.put_object(Bucket=BUCKET, Key="r", Body=b"0123456789")
        for value, status in (("bytes=10-", 416), ("bytes=-0", 416), ("bytes=abc", 200),
                              ("items=0-1", 200), ("bytes=9999999999999999999999-", 416),
                              ("bytes=" + "1" * 2000 + "-", 200), ("bytes=5-2", 200)):
            with self.subTest(value):
                r = self.signed("GET", f"/{BUCKET}/r", headers={"Range": value})
                self.assertEqual(r.status, status, r)

    def test_bad_part_numbers(self):
        upload = self.s3.create_multipart_upload(Bucket=BUCKET, Key="parts")["UploadId"]
        for number in ("0", "10001", "-1", "abc", "1.5", "99999999999999999999", ""):
            with self.subTest(number):
                r = self.signed("PUT", f"/{BUCKET}/parts?partNumber={number}&uploadId={upload}",
                                b"x")
                self.assertEqual((r.status, r.code), (400, "InvalidArgument"), r)
        r = self.signed("PUT", f"/{BUCKET}/parts?partNumber=1&uploadId=nope", b"x")
        self.assertEqual((r.status, r.code), (404, "NoSuchUpload"))
        r = self.signed("GET", f"/{BUCKET}/parts?uploadId={upload}&max-parts=-5")
        self.assertEqual((r.status, r.code), (400, "InvalidArgument"))

    def test_key_of_1025_bytes_and_of_1024(self):
        ok = "k" * 1024
        self.assertEqual(self.signed("PUT", f"/{BUCKET}/{ok}", b"x").status, 200)
        r = self.signed("PUT", f"/{BUCKET}/{ok}k", b"x")
        self.assertEqual((r.status, r.code), (400, "KeyTooLongError"), r)
        two_byte = urllib.parse.quote("é" * 512)  # 1024 bytes of UTF-8
        self.assertEqual(self.signed("PUT", f"/{BUCKET}/{two_byte}", b"x").status, 200)
        r = self.signed("PUT", f"/{BUCKET}/{two_byte}k", b"x")
        self.assertEqual((r.status, r.code), (400, "KeyTooLongError"), r)

    def test_invalid_utf8_and_bad_escapes_in_keys(self):
        for target in (f"/{BUCKET}/bad%FFkey", f"/{BUCKET}/bad%C0%AFkey", f"/{BUCKET}/ed%ED%A0%80",
                       f"/{BUCKET}/trunc%E2%82"):
            with self.subTest(target):
                r = self.signed("PUT", target, b"x")
                self.assertEqual(r.status, 400, r)
        r = h.send(self.store.endpoint, "GET", f"/{BUCKET}/bad%zzescape")
        self.assertEqual((r.status, r.code), (400, "InvalidURI"))
        r = self.signed("GET", f"/{BUCKET}?list-type=2&prefix=%FF")
        self.assertEqual((r.status, r.code), (400, "InvalidArgument"))

    def test_dot_dot_keys_stay_keys(self):
        for key in ("..", "../..", "../../../../etc/passwd", "a/../../b", "./.", "//x//"):
            with self.subTest(key):
                target = f"/{BUCKET}/" + urllib.parse.quote(key, safe="/")
                r = self.signed("PUT", target, key.encode())
                self.assertEqual(r.status, 200, r)
                r = self.signed("GET", target)
                self.assertEqual((r.status, r.body), (200, key.encode()))
        data = os.path.realpath(self.store.data_dir)
        for f in self.store.blob_files():
            self.assertTrue(os.path.realpath(f).startswith(data + os.sep))

    def test_malformed_auth(self):
        base = f"/{BUCKET}/auth"
        cases = [
            {"Authorization": "AWS4-HMAC-SHA256 garbage"},
            {"Authorization": "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=zz"},
            {"Authorization": "AWS AKID:c2ln"},
            {"Authorization": "Bearer token"},
            {"Authorization": "AWS4-HMAC-SHA256 " + "Credential=" + "x" * 9000},
        ]
        for headers in cases:
            with self.subTest(headers["Authorization"][:40]):
                r = h.send(self.store.endpoint, "GET", base, headers)
                self.assertIn(r.status, (400, 403), r)
                self.assertIsNotNone(r.code)
        for query in ("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=HMAC&X-Amz-Credential=a"
                      "&X-Amz-Signature=b", "X-Amz-Signature=%ZZ"):
            with self.subTest(query):
                r = h.send(self.store.endpoint, "GET", base + "?" + query)
                self.assertIn(r.status, (400, 403), r)

    def test_aws_chunked_garbage(self):
        url = f"{self.store.endpoint}/{BUCKET}/chunky"
        for body in (b"zz;chunk-signature=abc\r\n", b"5\r\nhello\r\n0\r\n\r\n",
                     b"ffffffffffffffffff;chunk-signature=" + b"a" * 64 + b"\r\n",
                     b"5;chunk-signature=" + b"a" * 64 + b"\r\nhel"):
            with self.subTest(body[:30]):
                headers = h.sign("PUT", url, {"Content-Encoding": "aws-chunked",
                                              "x-amz-decoded-content-length": "5"}, b"",
                                 payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
                headers["Content-Length"] = str(len(body))
                r = h.send_url(url, "PUT", headers, body)
                self.assertIn(r.status, (400, 403), r)
        self.assertEqual(self.signed("HEAD", f"/{BUCKET}/chunky").status, 404)

    def test_post_object_garbage(self):
        target = f"/{BUCKET}"
        for content_type, body in (
                ("multipart/form-data", b"x"),
                ("multipart/form-data; boundary=b", b"garbage"),
                ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data\r\n\r\nx"),
                ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data; "
                                                     b"name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--b--"),
                ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data; "
                                                     b"name=\"key\"\r\n\r\n" + b"k" * 30000)):
            with self.subTest(body[:50]):
                r = h.send(self.store.endpoint, "POST", target,
                           {"Content-Type": content_type}, body)
                self.assertIn(r.status, (400, 403), r)
                self.assertIsNotNone(r.code)

    def test_unknown_methods_and_subresources(self):
        self.assertEqual(h.send(self.store.endpoint, "PATCH", f"/{BUCKET}/x").status, 405)
        r = self.signed("GET", f"/{BUCKET}/x?tagging")
        self.assertEqual((r.status, r.code), (501, "NotImplemented"))
        r = h.raw_exchange(self.store.endpoint, b"BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n",
                           read_all=False)
        self.assertTrue(r.startswith(b"HTTP/1.1 4"), r[:60])

    def test_request_smuggling_framing_is_refused(self):
        r = h.raw_exchange(self.store.endpoint,
                           b"PUT /hostile/smuggle HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        self.assertEqual((parse_raw(r).status, parse_raw(r).code), (400, "BadRequest"), r[:300])
        self.assertEqual(self.signed("HEAD", f"/{BUCKET}/smuggle").status, 404)


if __name__ == "__main__":
    unittest.main()
