"""`upgate store backup`, `restore` and `fsck` on real data directories.

Backup: taken while boto3 threads keep uploading, overwriting and deleting against a running
`upgate store`; restored into a new directory; a store started on it serves every object it
lists with the bytes that were uploaded under that key and version, and every object whose
upload finished before the backup began. fsck: a clean directory passes; a deleted blob, a
truncated blob, a flipped byte and an orphan are each found and named; --repair removes the
orphan and temp file and keeps reporting the damage; a running store's directory is refused.
"""
import hashlib
import os
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest


import store_harness as h  # noqa: E402


def content(key, version):
    seed = hashlib.sha256(f"{key}#{version}".encode()).digest()
    size = 1000 + (seed[0] * 997 + seed[1] * 31) % 300_000
    return (seed * (size // len(seed) + 1))[:size]


def part_body(n):
    """Part 1 at S3's 5 MiB minimum, part 2 short (the last part may be)."""
    if n == 1:
        return (content("multi", 1) * 400)[:5 * 1024 * 1024 + 7]
    return content("multi", n)


def upgate(*args, timeout=120):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run([h.BINARY, "store", *args], capture_output=True, timeout=timeout, env=env)


def blob_of(data_dir, key):
    with sqlite3.connect(os.path.join(data_dir, "metadata.db")) as db:
        (blob,) = db.execute("SELECT s.blob_id FROM object_segments s JOIN objects o "
                             "USING (generation) WHERE o.key = ?", (key.encode(),)).fetchone()
    return os.path.join(data_dir, "blobs", blob[:2], blob)


class Uploader(threading.Thread):
    """PUTs keys (some several times), deletes a few, and remembers what finished when."""

    def __init__(self, store, prefix):
        super().__init__(daemon=True)
        self.client = store.client()
        self.prefix = prefix
        self.stop = threading.Event()
        self.events = []  # (monotonic time it finished, "put" | "delete", key, version)
        self.errors = []

    def run(self):
        n = 0
        while not self.stop.is_set():
            key = f"{self.prefix}/{n % 40:03d}.bin"
            version = n // 40
            try:
                if n % 13 == 12:
                    self.client.delete_object(Bucket="uploads", Key=key)
                    self.events.append((time.monotonic(), "delete", key, version))
                else:
                    self.client.put_object(Bucket="uploads", Key=key, Body=content(key, version),
                                           Metadata={"version": str(version)})
                    self.events.append((time.monotonic(), "put", key, version))
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.errors.append(repr(e))
            n += 1


class BackupWhileServingTest(unittest.TestCase):
    def test_backup_during_uploads_restores_every_object(self):
        temp = tempfile.TemporaryDirectory(prefix="upgate-backup-")
        self.addCleanup(temp.cleanup)
        store = h.Store(extra_args=["--bucket", "uploads"])
        self.addCleanup(store.close)
        store.start()
        uploaders = [Uploader(store, f"t{i}") for i in range(3)]
        for u in uploaders:
            u.start()
        time.sleep(2.0)
        began = time.monotonic()
        destination = os.path.join(temp.name, "backup")
        r = upgate("backup", "--data-dir", store.data_dir, destination)
        time.sleep(0.5)
        for u in uploaders:
            u.stop.set()
        for u in uploaders:
            u.join(timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"backed up", r.stdout)
        self.assertFalse(os.path.exists(destination + ".incomplete"))
        for u in uploaders:
            self.assertEqual(u.errors, [])
        # This store's root key came from its flags, so it has no key file to carry.
        self.assertFalse(os.path.exists(os.path.join(destination, "credentials")))

        restored = os.path.join(temp.name, "restored")
        r = upgate("restore", destination, "--data-dir", restored)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = upgate("fsck", "--data-dir", restored)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        again = h.Store(data_dir=restored)
        self.addCleanup(again.close)
        again.start()
        client = again.client()
        listed = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket="uploads"):
            for item in page.get("Contents", []):
                listed[item["Key"]] = item["Size"]
        self.assertGreater(len(listed), 0)
        for key in listed:
            got = client.get_object(Bucket="uploads", Key=key)
            version = int(got["Metadata"]["version"])
            self.assertEqual(got["Body"].read(), content(key, version), key)
        # A key whose last event before the backup began was a PUT, and which no DELETE
        # touched afterwards, existed through the whole backup: it must be in it.
        for u in uploaders:
            for key in {k for _, kind, k, _ in u.events}:
                events = [(t, kind) for t, kind, k, _ in u.events if k == key]
                before = [kind for t, kind in events if t < began]
                after = [kind for t, kind in events if t >= began]
                if before and before[-1] == "put" and "delete" not in after:
                    self.assertIn(key, listed)

    def test_backup_refuses_an_existing_destination_and_restore_a_used_directory(self):
        with h.Store(extra_args=["--bucket", "uploads"]) as store:
            store.client().put_object(Bucket="uploads", Key="one", Body=b"1")
            temp = tempfile.mkdtemp(prefix="upgate-backup-")
            os.makedirs(os.path.join(temp, "taken", "x"))
            r = upgate("backup", "--data-dir", store.data_dir, os.path.join(temp, "taken"))
            self.assertEqual(r.returncode, 1)
            self.assertIn(b"already exists", r.stderr)
            r = upgate("backup", "--data-dir", store.data_dir, os.path.join(temp, "b"))
            self.assertEqual(r.returncode, 0, r.stderr)
            r = upgate("restore", os.path.join(temp, "b"), "--data-dir", store.data_dir)
            self.assertEqual(r.returncode, 1)
            self.assertIn(b"already exists", r.stderr)
            r = upgate("fsck", "--data-dir", store.data_dir)
            self.assertEqual(r.returncode, 2)
            self.assertIn(b"in use by a running store", r.stderr)
            subprocess.run(["rm", "-rf", temp], check=True)


class FsckTest(unittest.TestCase):
    def test_fsck_finds_and_repairs(self):
        store = h.Store(extra_args=["--bucket", "uploads"])
        self.addCleanup(store.close)
        store.start()
        client = store.client()
        for name in ("gone", "short", "flipped", "fine"):
            client.put_object(Bucket="uploads", Key=name, Body=content(name, 0),
                              ChecksumAlgorithm="SHA256")
        parts = client.create_multipart_upload(Bucket="uploads", Key="multi")
        etags = []
        for n in (1, 2):
            etags.append(client.upload_part(Bucket="uploads", Key="multi", PartNumber=n,
                                            UploadId=parts["UploadId"],
                                            Body=part_body(n))["ETag"])
        client.complete_multipart_upload(
            Bucket="uploads", Key="multi", UploadId=parts["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
        store.stop()

        r = upgate("fsck", "--data-dir", store.data_dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(b"0 damaged", r.stdout)

        os.remove(blob_of(store.data_dir, "gone"))
        with open(blob_of(store.data_dir, "short"), "r+b") as f:
            f.truncate(10)
        with open(blob_of(store.data_dir, "flipped"), "r+b") as f:
            f.seek(100)
            byte = f.read(1)
            f.seek(100)
            f.write(bytes([byte[0] ^ 1]))
        orphan = os.path.join(store.data_dir, "blobs", "ab", "ab" + "0" * 30)
        with open(orphan, "wb") as f:
            f.write(b"nobody's")
        temp_file = os.path.join(store.data_dir, "tmp", "c" * 32)
        with open(temp_file, "wb") as f:
            f.write(b"half")

        r = upgate("fsck", "--data-dir", store.data_dir)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 1, out)
        self.assertIn("missing blob: uploads/gone", out)
        self.assertIn("size mismatch: uploads/short", out)
        self.assertIn("checksum mismatch: uploads/flipped", out)
        self.assertIn("orphan blob: " + orphan, out)
        self.assertIn("temp file: " + temp_file, out)
        self.assertNotIn("uploads/fine", out)
        self.assertNotIn("uploads/multi", out)
        self.assertTrue(os.path.exists(orphan))

        r = upgate("fsck", "--data-dir", store.data_dir, "--repair")
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 1, out)  # the damage stays, reported
        self.assertIn("[removed]", out)
        self.assertFalse(os.path.exists(orphan))
        self.assertFalse(os.path.exists(temp_file))
        self.assertIn("missing blob: uploads/gone", out)

        r = upgate("fsck", "--data-dir", store.data_dir)
        self.assertNotIn(b"orphan blob: ", r.stdout)
        self.assertIn(b"3 damaged", r.stdout)


if __name__ == "__main__":
    unittest.main()
