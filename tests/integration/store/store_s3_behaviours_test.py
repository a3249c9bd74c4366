"""S3 behaviours that real clients rely on, each as S3 documents it, against a real
`upgate store` driven by boto3 and by requests signed with botocore's SigV4 signer (for
what this boto3 cannot send: If-Match on PutObject, an empty continuation token, a body
without Content-Length, ...)."""
import concurrent.futures
import email.header
import email.utils
import hashlib
import unittest
import xml.etree.ElementTree as ET

import requests

import store_harness as h

BUCKET = "behaviours"
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
MIB = 1024 * 1024


class StoreS3BehavioursTest(h.StoreTestCase):
    buckets = (BUCKET,)

    def signed(self, method, target, body=b"", headers=None):
        url = self.store.endpoint + target
        return h.send_url(url, method, h.sign(method, url, headers or {}, body), body)

    # -- CompleteMultipartUpload, retried ------------------------------------------------------
    def test_a_repeated_complete_with_the_same_parts_succeeds_again(self):
        """Clients retry CompleteMultipartUpload after a lost answer: the upload that was
        just completed with these parts answers with the same result, not NoSuchUpload."""
        key = "retried/complete.bin"
        upload = self.s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        parts = []
        for number, data in ((1, b"a" * (5 * MIB)), (2, b"tail")):
            etag = self.s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload,
                                       PartNumber=number, Body=data)["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
        first = self.s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload,
                                                  MultipartUpload={"Parts": parts})
        again = self.s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload,
                                                  MultipartUpload={"Parts": parts})
        self.assertEqual(again["ETag"], first["ETag"])
        self.assertEqual(again["Key"], key)
        body = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        self.assertEqual(hashlib.sha256(body).hexdigest(),
                         hashlib.sha256(b"a" * (5 * MIB) + b"tail").hexdigest())
        # Other parts than the ones it was completed with: the upload is gone.
        with self.assertRaises(self.s3.exceptions.NoSuchUpload):
            self.s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload,
                                              MultipartUpload={"Parts": parts[:1]})
        # Once the object is overwritten, the old upload id completes nothing.
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=b"new")
        with self.assertRaises(self.s3.exceptions.NoSuchUpload):
            self.s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload,
                                              MultipartUpload={"Parts": parts})

    # -- Listings ------------------------------------------------------------------------------
    def listing(self, query):
        r = self.signed("GET", f"/{BUCKET}?{query}")
        self.assertEqual(r.status, 200, r)
        return ET.fromstring(r.body)

    def test_encoding_type_url_encodes_a_space_as_percent_20(self):
        for key in ("enc/a b.txt", "enc/a+b.txt", "enc/run books/x.txt"):
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        for query in ("list-type=2&prefix=enc%2F&encoding-type=url&delimiter=%2F",
                      "prefix=enc%2F&encoding-type=url&delimiter=%2F"):
            with self.subTest(query):
                root = self.listing(query)
                keys = [e.text for e in root.iter(NS + "Key")]
                self.assertEqual(keys, ["enc/a%20b.txt", "enc/a%2Bb.txt"])
                prefixes = [e.text for e in root.iter(NS + "Prefix")]
                self.assertIn("enc/run%20books/", prefixes)
        # boto3 asks for encoding-type=url itself and decodes: the keys come back as stored.
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="enc/")
        self.assertEqual([o["Key"] for o in listed["Contents"]],
                         ["enc/a b.txt", "enc/a+b.txt", "enc/run books/x.txt"])

    def test_an_empty_continuation_token_lists_from_the_start(self):
        self.s3.put_object(Bucket=BUCKET, Key="token/1", Body=b"x")
        root = self.listing("list-type=2&prefix=token%2F&continuation-token=")
        self.assertEqual([e.text for e in root.iter(NS + "Key")], ["token/1"])

    # -- Stored headers ------------------------------------------------------------------------
    def test_content_encoding_and_other_stored_headers_come_back_byte_for_byte(self):
        headers = {
            "Content-Encoding": "gzip, br",
            "Content-Language": "en-GB,  fr;q=0.5",
            "Cache-Control": "max-age=60,  must-revalidate",
            "Content-Disposition": 'attachment;  filename="a b.txt"',
            "Content-Type": "text/plain;  charset=utf-8",
            "Expires": "Thu, 01 Dec 2094 16:00:00 GMT",
        }
        r = self.signed("PUT", f"/{BUCKET}/headers/verbatim", b"data", headers)
        self.assertEqual(r.status, 200, r)
        for method in ("HEAD", "GET"):
            got = self.signed(method, f"/{BUCKET}/headers/verbatim")
            self.assertEqual(got.status, 200, got)
            for name, value in headers.items():
                self.assertEqual(got.header(name), value, f"{method} {name}")
        # aws-chunked is the request's framing, never the object's encoding.
        r = h.chunked_upload(self.store.endpoint, BUCKET, "headers/chunked", [b"abc"],
                             headers={"Content-Encoding": "aws-chunked, gzip"})
        self.assertEqual(r.status, 200, r)
        got = self.signed("HEAD", f"/{BUCKET}/headers/chunked")
        self.assertEqual(got.header("Content-Encoding"), "gzip")

    # -- Authentication ------------------------------------------------------------------------
    def test_a_signed_date_header_stands_in_for_x_amz_date(self):
        """SigV4 takes the time from Date when there is no X-Amz-Date: botocore signs a
        request that carries a Date header that way (RFC 5322 form, "-0000")."""
        url = self.store.endpoint + f"/{BUCKET}/dated.txt"
        headers = h.sign("PUT", url, {"Date": "set by the signer"}, b"dated")
        self.assertIn("Date", headers)
        self.assertNotIn("X-Amz-Date", headers)
        self.assertIn("date;", headers["Authorization"])
        r = h.send_url(url, "PUT", headers, b"dated")
        self.assertEqual(r.status, 200, r)
        got = self.signed("GET", f"/{BUCKET}/dated.txt")
        self.assertEqual(got.body, b"dated")
        # The Date is what was signed: a second later is another request.
        signed_at = email.utils.parsedate_to_datetime(headers["Date"]).timestamp()
        moved = dict(headers, Date=email.utils.formatdate(signed_at + 1))
        r = h.send_url(url, "PUT", moved, b"dated")
        self.assertEqual((r.status, r.code), (403, "SignatureDoesNotMatch"), r)

    def test_an_empty_authorization_header_is_refused_not_anonymous(self):
        self.s3.put_object(Bucket=BUCKET, Key="public/readme", Body=b"hello", ACL="public-read")
        anonymous = h.send(self.store.endpoint, "GET", f"/{BUCKET}/public/readme")
        self.assertEqual((anonymous.status, anonymous.body), (200, b"hello"))
        for value in ("", " "):
            with self.subTest(repr(value)):
                r = h.send(self.store.endpoint, "GET", f"/{BUCKET}/public/readme",
                           {"Authorization": value})
                self.assertEqual((r.status, r.code), (400, "InvalidArgument"), r)
                self.assertEqual(r.element("ArgumentName"), "Authorization")

    # -- Request framing -----------------------------------------------------------------------
    def test_a_put_without_content_length_gets_411(self):
        url = self.store.endpoint + f"/{BUCKET}/framing/no-length"
        headers = h.sign("PUT", url, {}, b"")
        lines = [f"PUT /{BUCKET}/framing/no-length HTTP/1.1", f"Host: {self.store.host}"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() != "content-length"]
        raw = h.raw_exchange(self.store.endpoint,
                             ("\r\n".join(lines) + "\r\nConnection: close\r\n\r\n").encode())
        status = int(raw.split(b" ", 2)[1])
        self.assertEqual(status, 411, raw[:400])
        self.assertIn(b"<Code>MissingContentLength</Code>", raw)
        with self.assertRaises(self.s3.exceptions.ClientError):
            self.s3.head_object(Bucket=BUCKET, Key="framing/no-length")

    # -- Conditional writes --------------------------------------------------------------------
    def test_if_match_on_put_object(self):
        key = "conditional/if-match"
        missing = self.signed("PUT", f"/{BUCKET}/{key}", b"v0", {"If-Match": '"abc"'})
        self.assertEqual((missing.status, missing.code), (404, "NoSuchKey"), missing)
        etag = self.s3.put_object(Bucket=BUCKET, Key=key, Body=b"v1")["ETag"]
        stale = self.signed("PUT", f"/{BUCKET}/{key}", b"v2", {"If-Match": '"0123"'})
        self.assertEqual((stale.status, stale.code), (412, "PreconditionFailed"), stale)
        ok = self.signed("PUT", f"/{BUCKET}/{key}", b"v2", {"If-Match": etag})
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read(), b"v2")

    def test_if_match_decides_atomically_with_the_write(self):
        """Writers racing with the same If-Match: exactly one replaces the object, the
        others get 412, whatever the interleaving of their bodies."""
        key = "conditional/race"
        etag = self.s3.put_object(Bucket=BUCKET, Key=key, Body=b"base")["ETag"]
        body = b"x" * (2 * MIB)

        def attempt(i):
            return self.signed("PUT", f"/{BUCKET}/{key}", body + bytes([i]),
                               {"If-Match": etag}).status

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(attempt, range(8)))
        self.assertEqual(sorted(statuses), [200] + [412] * 7, statuses)

    # -- User metadata -------------------------------------------------------------------------
    def assertRfc2047(self, value, expected):
        self.assertRegex(value, r"^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$")
        self.assertEqual(str(email.header.make_header(email.header.decode_header(value))),
                         expected)

    def test_non_ascii_metadata_is_returned_rfc2047_encoded(self):
        """Uppy sends the file's name as x-amz-meta-name in a form: the store keeps the
        UTF-8 text and answers it RFC 2047-encoded, as S3 documents, so the header is
        ASCII and decodes back to the same string."""
        name = "résumé.txt"
        post = self.s3.generate_presigned_post(
            BUCKET, "meta/form", Fields={"x-amz-meta-name": name},
            Conditions=[{"x-amz-meta-name": name}])
        r = requests.post(post["url"], data={k: v.encode() for k, v in post["fields"].items()},
                          files={"file": ("résumé.txt", b"x", "text/plain")})
        self.assertEqual(r.status_code, 204, r.text)
        meta = self.s3.head_object(Bucket=BUCKET, Key="meta/form")["Metadata"]
        self.assertRfc2047(meta["name"], name)
        # A PUT whose header carries the UTF-8 bytes themselves reads back the same way.
        url = self.store.endpoint + f"/{BUCKET}/meta/put"
        headers = h.sign("PUT", url, {"x-amz-meta-name": name, "x-amz-meta-plain": "ascii"}, b"x")
        headers["x-amz-meta-name"] = name.encode("utf-8").decode("latin-1")  # bytes as sent
        r = h.send_url(url, "PUT", headers, b"x")
        self.assertEqual(r.status, 200, r)
        for method in ("HEAD", "GET"):
            got = self.signed(method, f"/{BUCKET}/meta/put")
            self.assertRfc2047(got.header("x-amz-meta-name"), name)
            self.assertEqual(got.header("x-amz-meta-plain"), "ascii")

if __name__ == "__main__":
    unittest.main(verbosity=2)
