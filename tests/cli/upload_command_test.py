"""`upgate upload` of large files: multipart through /v1/multipart against the real `upgate
serve` and its embedded store.

- A 1 GiB file in 64 parts, 4 at a time, killed with SIGKILL once its --resume state lists 16
  parts done, then the same command again: it continues, and the store's access log shows
  each part stored exactly once (the parts done before the kill are not sent again); the
  object's SHA-256 is the file's. The state file is 0600 in a 0700 directory, gone after
  success, and the token it holds is in no output.
- -j: several files (multipart and single PUTs) at once, each stored intact.
- A saved state the API no longer accepts (altered token, aborted upload, not JSON) starts
  over with a notice and succeeds.
- A multipart upload whose bytes the profile refuses at completion (422 content_mismatch):
  exit 1 with the API's message.
- Through a proxy in front of a separate `upgate store` (part_proxy.py): a part URL that
  expired before its upload reached the store (URLs of 2 s, the upload held 3.5 s) is
  signed again and the upload completes with --retries 0; Ctrl-C (SIGINT) while part 2 is
  on its way exits 130 and aborts the upload (ListMultipartUploads shows none), or with
  --resume keeps it (part 1 listed) for the same command to finish.
"""
import hashlib
import json
import os
import signal
import stat
import subprocess
import tempfile
import time
import unittest

from api_harness import ACCESS_KEY_ID, BINARY, REGION, SECRET, ApiServer
from child_process import json_log_lines
from part_proxy import PartProxy
from s3_client import s3_client
from store_process import start_store
from upload_cli import (MiB, kill_when_parts_done, object_sha256, state_files, upload,
                        upload_env, write_test_file)

PROFILES = """
[server]
demo_page = false

[profiles.big]
folder = "big"
max_size = "2 GiB"

[profiles.images]
folder = "images"
max_size = "64 MiB"
allowed_types = ["image/png"]
"""
BUCKET = "uploads"


class UploadCommandMultipart(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ApiServer(PROFILES, embedded_store=True)
        cls.server.start()
        cls.s3 = s3_client(cls.server.s3_url, ACCESS_KEY_ID, SECRET, REGION)
        cls.temp = tempfile.TemporaryDirectory(prefix="upgate-upload-")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.temp.cleanup()

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.temp.name)
        self.state_home = os.path.join(self.dir, "state")
        self.env = upload_env(self.state_home)

    def args(self, *files, folder="big", extra=()):
        return [*files, "--api", self.server.base, "--folder", folder, "--json", *extra]

    def uploaded_parts(self, key):
        """UploadPart requests the store answered 200 for `key`, from its access log."""
        return sum(1 for line in self.server.log_lines()
                   if line.get("op") == "UploadPart" and line.get("key") == key
                   and line.get("status") == "200")

    def stored_parts(self, key, at_least):
        """uploaded_parts(), read until `at_least` show, then once more after the next flush
        of the access log (every second)."""
        deadline = time.monotonic() + 10
        while self.uploaded_parts(key) < at_least and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.2)
        return self.uploaded_parts(key)

    def settle(self, key, quiet=4.0, limit=60.0):
        """Waits until no UploadPart for `key` has been logged for `quiet` seconds. A part the
        killed client had already handed to the kernel still reaches the store and is stored
        after the kill; a resume that lists the parts before it lands sends it again (which
        S3 allows, but this test counts what is sent)."""
        last, since = -1, time.monotonic()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            n = self.uploaded_parts(key)
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            time.sleep(0.2)

    def test_a_1gib_upload_killed_mid_way_resumes_without_sending_stored_parts_again(self):
        path = os.path.join(self.dir, "film.bin")
        digest = write_test_file(path, 1024 * MiB)
        args = self.args(path, extra=("--resume", "--parallel", "4"))

        done, status, out, err = kill_when_parts_done(args, self.env, self.state_home, 16)
        self.assertEqual(status, -9, f"the upload ended before the kill: {out} {err}")
        self.assertGreaterEqual(done, 16)
        [state_path] = state_files(self.state_home)
        self.assertEqual(stat.S_IMODE(os.stat(state_path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(state_path)).st_mode), 0o700)
        with open(state_path) as f:
            state = json.load(f)
        token = state["uploadToken"]
        self.assertEqual((state["partCount"], state["partSize"]), (64, 16 * MiB))

        self.settle(state["key"])
        resumed = upload(args, self.env)
        self.assertEqual(resumed.returncode, 0, resumed.stderr)
        [result] = [json.loads(line) for line in resumed.stdout.splitlines()]
        self.assertEqual(result["ok"], True, result)
        self.assertEqual((result["multipart"], result["parts"], result["partSize"]),
                         (True, 64, 16 * MiB))
        self.assertGreaterEqual(result["partsResumed"], done)
        self.assertEqual(result["partsResumed"] + result["partsSent"], 64)
        self.assertIn(f"resuming: {result['partsResumed']} of 64 parts already stored",
                      resumed.stderr)
        self.assertEqual(result["key"], state["key"])
        self.assertRegex(result["etag"], r'-64"?$')

        # Every part reached the store once: the parts done before the kill were not re-sent.
        self.assertEqual(self.stored_parts(result["key"], 64), 64)
        self.assertEqual(object_sha256(self.s3, BUCKET, result["key"]), digest)
        self.assertEqual(state_files(self.state_home), [], "the state goes once complete")
        for text in (out, err, resumed.stdout, resumed.stderr):
            self.assertNotIn(token, text)

    def test_j_sends_several_files_at_once_single_and_multipart(self):
        files = {}
        for name, size in (("a.bin", 40 * MiB), ("b.bin", 20 * MiB), ("c.txt", 3000)):
            path = os.path.join(self.dir, name)
            files[path] = (size, write_test_file(path, size, seed=name.encode()))
        r = upload(self.args(*files, extra=("-j", "3", "--multipart-threshold", "16MiB")),
                   self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        results = {o["file"]: o for o in map(json.loads, r.stdout.splitlines())}
        self.assertEqual(set(results), set(files))
        for path, (size, digest) in files.items():
            result = results[path]
            self.assertEqual((result["ok"], result["size"]), (True, size), result)
            self.assertEqual(object_sha256(self.s3, BUCKET, result["key"]), digest)
        self.assertEqual(results[os.path.join(self.dir, "a.bin")]["parts"], 3)
        self.assertEqual(results[os.path.join(self.dir, "b.bin")]["parts"], 2)
        self.assertNotIn("multipart", results[os.path.join(self.dir, "c.txt")])

    def saved_state(self, path, token, key):
        """The state file `upgate upload --resume` would keep for `path` (the name is the
        SHA-256 of path, size, mtime, API and folder, as upload_state.hpp says)."""
        st = os.stat(path)
        identity = "\0".join([path, str(st.st_size), str(st.st_mtime_ns), self.server.base, "big"])
        directory = os.path.join(self.state_home, "upgate")
        os.makedirs(directory, exist_ok=True)
        state_path = os.path.join(directory, hashlib.sha256(identity.encode()).hexdigest() + ".json")
        return state_path, {"version": 1, "file": path, "size": st.st_size,
                            "mtimeNs": st.st_mtime_ns, "api": self.server.base, "folder": "big",
                            "key": key, "uploadToken": token, "partSize": 16 * MiB,
                            "partCount": 2, "partsDone": [1]}

    def create_upload(self, path):
        response = self.server.post("/v1/multipart", {
            "folderName": "big", "fileName": os.path.basename(path),
            "contentType": "application/octet-stream", "size": os.path.getsize(path)})
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_a_saved_state_the_api_no_longer_accepts_starts_over_with_a_notice(self):
        path = os.path.join(self.dir, "clip.bin")
        digest = write_test_file(path, 20 * MiB)
        created = self.create_upload(path)
        altered = created["uploadToken"][:-6] + ("AAAAAA" if not created["uploadToken"].endswith(
            "AAAAAA") else "BBBBBB")
        aborted = self.create_upload(path)
        self.assertEqual(self.server.post("/v1/multipart/abort",
                                          {"uploadToken": aborted["uploadToken"]}).status_code, 200)
        cases = {
            "altered token": (altered, created["key"], r"upload token"),
            "aborted upload": (aborted["uploadToken"], aborted["key"], r"no longer|aborted|upload"),
            "not JSON": (None, None, r"not valid JSON"),
        }
        for case, (token, key, why) in cases.items():
            with self.subTest(case):
                state_path, state = self.saved_state(path, token, key)
                with open(state_path, "w") as f:
                    f.write("{not json" if token is None else json.dumps(state))
                r = upload(self.args(path, extra=("--resume", "--multipart-threshold", "16MiB")),
                           self.env)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertRegex(r.stderr, rf"clip\.bin: the saved upload cannot be resumed \(.*"
                                           rf"{why}.*\); starting over")
                result = json.loads(r.stdout)
                self.assertEqual((result["partsResumed"], result["partsSent"]), (0, 2))
                self.assertNotEqual(result["key"], key)
                self.assertEqual(object_sha256(self.s3, BUCKET, result["key"]), digest)
                self.assertEqual(state_files(self.state_home), [])
                if token:
                    self.assertNotIn(token, r.stderr + r.stdout)

    def test_bytes_the_profile_refuses_at_completion_exit_1_with_the_apis_message(self):
        path = os.path.join(self.dir, "fake.png")
        write_test_file(path, 20 * MiB)
        r = upload(self.args(path, folder="images", extra=("--multipart-threshold", "16MiB")),
                   self.env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        result = json.loads(r.stdout)
        self.assertEqual((result["ok"], result["code"], result["status"]),
                         (False, "content_mismatch", 422))
        self.assertRegex(r.stderr, r"fake\.png: the bytes are .*, not image/png")


class UploadCommandThroughAProxy(unittest.TestCase):
    """`upgate upload` against `upgate serve` and a separate `upgate store`, with a proxy in
    front of the store (tests/support/part_proxy.py) that delays or holds a part's upload,
    so "the URL expired before it was used" and "Ctrl-C while a part is on its way" are
    facts the test makes, not timings it hopes for."""

    PROFILES = """
[server]
demo_page = false

[profiles.big]
folder = "big"
max_size = "1 GiB"

[profiles.brief]
folder = "brief"
max_size = "1 GiB"
url_lifetime = "2s"
"""

    @classmethod
    def setUpClass(cls):
        cls.store = start_store()
        cls.s3 = cls.store.client()
        cls.s3.create_bucket(Bucket=BUCKET)
        cls.proxy = PartProxy(cls.store.endpoint).start()
        cls.server = ApiServer(cls.PROFILES, extra_env={
            "AWS_ENDPOINT_URL": cls.proxy.endpoint,
            "AWS_ACCESS_KEY_ID": cls.store.access_key_id,
            "AWS_SECRET_ACCESS_KEY": cls.store.secret_access_key,
            "AWS_REGION": cls.store.region,
            "AWS_S3_BUCKET_NAME": BUCKET,
        })
        cls.server.start()
        cls.temp = tempfile.TemporaryDirectory(prefix="upgate-upload-proxy-")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.proxy.close()
        cls.store.close()
        cls.temp.cleanup()

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.temp.name)
        self.state_home = os.path.join(self.dir, "state")
        self.env = upload_env(self.state_home)
        self.proxy.release()
        self.proxy.delay_parts(0, 0)
        self.proxy.requests.clear()

    def args(self, path, folder, *extra):
        return [path, "--api", self.server.base, "--folder", folder, "--json",
                "--multipart-threshold", "16MiB", "--parallel", "1", *extra]

    def store_lines(self, key):
        return [line for line in json_log_lines(self.store.log())
                if line.get("op") == "UploadPart" and line.get("key") == key]

    def open_uploads(self, name):
        listed = self.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
        return [u for u in listed if u["Key"].endswith(name)]

    def test_a_part_url_that_expired_before_it_was_used_is_signed_again(self):
        path = os.path.join(self.dir, "late.bin")
        digest = write_test_file(path, 40 * MiB)
        # The profile's URLs live 2 s; part 1's upload reaches the store 3.5 s after its URL
        # was signed. --retries 0: only the re-signing can get past the refusal.
        self.proxy.delay_parts(3.5, count=1)
        r = upload(self.args(path, "brief", "--retries", "0"), self.env)
        self.assertEqual(r.returncode, 0, r.stderr + self.store.log_tail())
        result = json.loads(r.stdout)
        self.assertEqual((result["ok"], result["parts"]), (True, 3), result)
        self.assertEqual(self.proxy.requests[:2], [(1, "delayed"), (1, "forwarded")])
        self.assertEqual(object_sha256(self.s3, BUCKET, result["key"]), digest)
        deadline = time.monotonic() + 10
        while len([l for l in self.store_lines(result["key"]) if l["status"] == "200"]) < 3:
            self.assertLess(time.monotonic(), deadline, self.store.log_tail())
            time.sleep(0.2)
        # The store's log lines can reach the file out of order under load: order them by
        # time before asking which attempt came first.
        lines = sorted(self.store_lines(result["key"]), key=lambda line: line["ts"])
        self.assertEqual((lines[0]["status"], lines[0]["error"]), ("403", "AccessDenied"), lines)
        self.assertEqual(lines[0]["reason"], "presigned URL expired")

    def interrupt(self, path, *extra):
        """Runs the upload with part 2 on held at the proxy, so part 1 is stored and part 2
        is on its way when SIGINT comes; returns (exit status, stdout, stderr)."""
        self.proxy.hold_parts_from(2)
        with open(os.path.join(self.dir, "out"), "w+") as out, \
                open(os.path.join(self.dir, "err"), "w+") as err:
            process = subprocess.Popen([BINARY, "upload", *self.args(path, "big", *extra)],
                                       env=self.env, stdout=out, stderr=err, text=True)
            try:
                self.assertTrue(self.proxy.held.wait(120), "part 2 never came")
                process.send_signal(signal.SIGINT)
                status = process.wait(timeout=60)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                self.proxy.release()
            out.seek(0)
            err.seek(0)
            return status, out.read(), err.read()

    def test_ctrl_c_without_resume_aborts_the_upload(self):
        path = os.path.join(self.dir, "dropped.bin")
        write_test_file(path, 40 * MiB)
        status, out, err = self.interrupt(path)
        self.assertEqual(status, 130, out + err)
        self.assertIn("interrupted", out + err)
        self.assertEqual(self.open_uploads("dropped.bin"), [], "the upload was not aborted")
        self.assertEqual(state_files(self.state_home), [])

    def test_ctrl_c_with_resume_keeps_the_upload_and_the_same_command_finishes_it(self):
        path = os.path.join(self.dir, "kept.bin")
        digest = write_test_file(path, 40 * MiB)
        status, out, err = self.interrupt(path, "--resume")
        self.assertEqual(status, 130, out + err)
        [kept] = self.open_uploads("kept.bin")
        parts = self.s3.list_parts(Bucket=BUCKET, Key=kept["Key"], UploadId=kept["UploadId"])
        self.assertEqual([p["PartNumber"] for p in parts["Parts"]], [1])
        self.assertEqual(len(state_files(self.state_home)), 1)

        resumed = upload(self.args(path, "big", "--resume"), self.env)
        self.assertEqual(resumed.returncode, 0, resumed.stderr)
        result = json.loads(resumed.stdout)
        self.assertEqual((result["key"], result["partsResumed"], result["partsSent"]),
                         (kept["Key"], 1, 2), result)
        self.assertEqual(object_sha256(self.s3, BUCKET, result["key"]), digest)
        self.assertEqual(self.open_uploads("kept.bin"), [])


if __name__ == "__main__":
    unittest.main()
