"""Upload bodies that span many of the store's upload buffers (512 KiB each, cycled
between the socket, the digest lane and the write lane) and its 8 MiB write-behind
windows: every payload mode stores them whole with the right ETag and checksum, whatever
their size against the buffers, and a failure found deep inside a body (a chunk
signature, the SHA-256, Content-MD5, a client that goes away) stores nothing and leaves
no temp file behind."""
import base64
import hashlib
import os
import socket
import time
import unittest
import urllib.parse

import store_harness as h

BUCKET = "large-bodies"
KIB = 1024
MIB = 1024 * KIB
BUFFER = 512 * KIB


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


class StoreLargeBodyTest(h.StoreTestCase):
    buckets = (BUCKET,)

    def url(self, key):
        return f"{self.store.endpoint}/{BUCKET}/{urllib.parse.quote(key)}"

    def assertStored(self, key, data):
        got = self.s3.get_object(Bucket=BUCKET, Key=key)
        self.assertEqual(got["ContentLength"], len(data))
        self.assertEqual(got["ETag"], '"' + hashlib.md5(data).hexdigest() + '"')
        self.assertTrue(got["Body"].read() == data, f"{key}: stored bytes differ")

    def assertNothingLeft(self, key):
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        self.assertNotIn(key, keys, "a refused upload was stored")
        temp_dir = os.path.join(self.store.data_dir, "tmp")
        deadline = time.monotonic() + 10
        while True:
            temp = [f for f in self.store.blob_files() if f.startswith(temp_dir + os.sep)]
            if not temp or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(temp, [])

    def test_plain_bodies_of_every_size_around_the_buffers(self):
        sizes = [0, 1, 4095, 4096, 4097, BUFFER - 1, BUFFER, BUFFER + 1, 3 * BUFFER,
                 3 * MIB + 12345, 26 * MIB + 5]
        for size in sizes:
            with self.subTest(size=size):
                key = f"plain/{size}"
                data = os.urandom(size)
                headers = {"Content-Length": str(size), "Content-MD5": md5_b64(data)}
                r = h.send_url(h.presign("PUT", self.url(key), headers), "PUT", headers, data)
                self.assertEqual(r.status, 200, r)
                self.assertStored(key, data)

    def test_signed_body_hash_and_checksum_header_over_many_buffers(self):
        key = "signed/body.bin"
        data = os.urandom(5 * BUFFER + 777)
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
        headers = h.sign("PUT", self.url(key), {"x-amz-checksum-sha256": checksum}, data)
        r = h.send_url(self.url(key), "PUT", headers, data)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("x-amz-checksum-sha256"), checksum)
        self.assertStored(key, data)

    def test_aws_chunked_bodies_over_many_buffers(self):
        data = os.urandom(4 * MIB + 999)
        # Chunk sizes that never line up with the buffers or with 4 KiB blocks.
        chunks, offset, size = [], 0, 65536 + 17
        while offset < len(data):
            chunks.append(data[offset:offset + size])
            offset += size
            size = 8 * KIB + 3 if size > 60000 else 65536 + 17
        r = h.chunked_upload(self.store.endpoint, BUCKET, "chunked/signed.bin", chunks)
        self.assertEqual(r.status, 200, r)
        self.assertStored("chunked/signed.bin", data)
        trailer = ("x-amz-checksum-crc32", h.crc32_b64(data))
        r = h.chunked_upload(self.store.endpoint, BUCKET, "chunked/trailer.bin", chunks,
                             mode="unsigned-trailer", trailer=trailer,
                             headers={"x-amz-sdk-checksum-algorithm": "CRC32"})
        self.assertEqual(r.status, 200, r)
        self.assertStored("chunked/trailer.bin", data)
        head = self.s3.head_object(Bucket=BUCKET, Key="chunked/trailer.bin",
                                   ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], trailer[1])

    def test_chunk_signature_wrong_deep_in_the_body_stores_nothing(self):
        key = "refused/chunk.bin"
        chunks = [os.urandom(64 * KIB) for _ in range(48)]  # 3 MiB

        def flip_data(kind, index, data, signature):
            if index == 40:
                data = data[:-1] + bytes([data[-1] ^ 1])
            return data, signature

        r = h.chunked_upload(self.store.endpoint, BUCKET, key, chunks, tamper=flip_data)
        self.assertEqual((r.status, r.code), (403, "SignatureDoesNotMatch"), r)
        self.assertNothingLeft(key)

    def test_body_hash_or_content_md5_wrong_after_many_buffers_stores_nothing(self):
        key = "refused/digest.bin"
        data = os.urandom(3 * MIB + 5)
        tampered = data[:-1] + bytes([data[-1] ^ 1])
        headers = h.sign("PUT", self.url(key), {}, data)
        r = h.send_url(self.url(key), "PUT", headers, tampered)
        self.assertEqual((r.status, r.code), (400, "XAmzContentSHA256Mismatch"), r)
        self.assertNothingLeft(key)
        headers = {"Content-Length": str(len(data)), "Content-MD5": md5_b64(data)}
        r = h.send_url(h.presign("PUT", self.url(key), headers), "PUT", headers, tampered)
        self.assertEqual((r.status, r.code), (400, "BadDigest"), r)
        self.assertNothingLeft(key)

    def test_client_gone_mid_body_stores_nothing(self):
        key = "refused/gone.bin"
        declared = 8 * MIB
        url = h.presign("PUT", self.url(key), {"Content-Length": str(declared)})
        parts = urllib.parse.urlsplit(url)
        head = (f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Content-Length: {declared}\r\n\r\n").encode()
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
            s.sendall(head)
            s.sendall(os.urandom(3 * MIB + 100))
        self.assertNothingLeft(key)
        # The store is still whole and answering.
        data = os.urandom(BUFFER + 3)
        headers = {"Content-Length": str(len(data))}
        r = h.send_url(h.presign("PUT", self.url(key), headers), "PUT", headers, data)
        self.assertEqual(r.status, 200, r)
        self.assertStored(key, data)


if __name__ == "__main__":
    unittest.main()
