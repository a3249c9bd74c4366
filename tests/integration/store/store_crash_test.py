"""Crash safety: SIGKILL the store while many uploads are in flight, restart it on the same
data, and check that every object is either absent or complete with the right bytes, and
that no blob is left that nothing references."""
import hashlib
import os
import random
import threading
import time
import unittest

from botocore.exceptions import BotoCoreError, ClientError

import store_harness as h

BUCKET = "crash"
MIB = 1024 * 1024


def content(key, size):
    """Deterministic bytes for a key: what the object must hold if it exists."""
    seed = hashlib.sha256(key.encode()).digest()
    block = hashlib.sha512(seed).digest() * 512  # 32 KiB
    return (block * (size // len(block) + 1))[:size]


class StoreCrashTest(unittest.TestCase):
    def test_kill_during_uploads_leaves_whole_objects_and_no_orphans(self):
        store = h.Store()
        self.addCleanup(store.close)
        store.start()
        store.client().create_bucket(Bucket=BUCKET)
        attempted = {}  # key -> expected bytes length
        lock = threading.Lock()
        stop = threading.Event()

        def single_puts(worker):
            s3 = store.client()
            rng = random.Random(worker)
            n = 0
            while not stop.is_set():
                key = f"single/{worker}/{n}"
                size = rng.choice([0, 1, 1000, 64 * 1024, 700 * 1024, 3 * MIB])
                with lock:
                    attempted[key] = size
                try:
                    s3.put_object(Bucket=BUCKET, Key=key, Body=content(key, size))
                except (BotoCoreError, ClientError, OSError):
                    return
                n += 1

        def overwrites(worker):
            # The same keys rewritten again and again: old or new, never a mix.
            s3 = store.client()
            n = 0
            while not stop.is_set():
                key = f"overwrite/{worker}"
                size = 200 * 1024 + n
                with lock:
                    attempted.setdefault(key, set())
                    attempted[key].add(size)
                try:
                    s3.put_object(Bucket=BUCKET, Key=key, Body=content(key + str(size), size))
                except (BotoCoreError, ClientError, OSError):
                    return
                n += 1

        def multiparts(worker):
            s3 = store.client()
            n = 0
            while not stop.is_set():
                key = f"multi/{worker}/{n}"
                size = 5 * MIB + 12345
                with lock:
                    attempted[key] = size
                try:
                    data = content(key, size)
                    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
                    e1 = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1,
                                        Body=data[:5 * MIB])["ETag"]
                    e2 = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=2,
                                        Body=data[5 * MIB:])["ETag"]
                    s3.complete_multipart_upload(
                        Bucket=BUCKET, Key=key, UploadId=upload,
                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                                   {"PartNumber": 2, "ETag": e2}]})
                except (BotoCoreError, ClientError, OSError):
                    return
                n += 1

        threads = [threading.Thread(target=single_puts, args=(i,)) for i in range(8)]
        threads += [threading.Thread(target=overwrites, args=(i,)) for i in range(3)]
        threads += [threading.Thread(target=multiparts, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        time.sleep(2.5)
        store.kill()  # SIGKILL, mid-flight
        stop.set()
        for t in threads:
            t.join(timeout=60)
        self.assertGreater(len(attempted), 20, "too few uploads were in flight to prove much")

        store.start()
        s3 = store.client()
        listed = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            listed += page.get("Contents", [])
        blobs_expected = 0
        for obj in listed:
            key = obj["Key"]
            self.assertIn(key, attempted, "an object nobody uploaded")
            got = s3.get_object(Bucket=BUCKET, Key=key)
            body = got["Body"].read()
            if key.startswith("overwrite/"):
                self.assertIn(len(body), attempted[key])
                self.assertEqual(body, content(key + str(len(body)), len(body)), key)
            else:
                self.assertEqual(len(body), attempted[key], key)
                self.assertEqual(hashlib.sha256(body).digest(),
                                 hashlib.sha256(content(key, len(body))).digest(), key)
            parts = got.get("ETag", "").strip('"').partition("-")[2]
            blobs_expected += int(parts) if parts else 1
        for upload in s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []):
            blobs_expected += len(s3.list_parts(Bucket=BUCKET, Key=upload["Key"],
                                                UploadId=upload["UploadId"]).get("Parts", []))
        files = store.blob_files()
        temp = [f for f in files if f.startswith(os.path.join(store.data_dir, "tmp") + os.sep)]
        self.assertEqual(temp, [], "temp files survived the restart")
        self.assertEqual(len(files), blobs_expected, "orphan (or missing) blobs after recovery")
        self.assertGreater(len(listed), 0)


if __name__ == "__main__":
    unittest.main()
