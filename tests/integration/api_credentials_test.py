"""Temporary credentials in `upgate serve`: a real credential_process hands out short-lived
keys, serve refreshes them in the background, caps every URL's lifetime at their expiry,
answers 503 when none are left, and every URL it issues is accepted by a real `upgate
store` that knows those keys (--keys-file). A rotated shared credentials file is picked up
too. No secret appears in any response or log line.

The tests of a class run in order (test_1..., test_2...) against one server: each phase
builds on the credentials the previous one left.
"""
import datetime
import json
import os
import secrets
import tempfile
import unittest
import urllib.parse

import requests

from api_harness import REGION, ApiServer
from store_process import start_store
from waiting import wait_until

KEY_PAIRS = 200
BODY = b"hello, store"  # the uploads' content

# Run by serve as its credential_process. Each run takes the next key pair (the run count
# is kept in `count`), writes what it issued to issued.jsonl, and obeys control.json:
# {"lifetime": seconds, "fail": bool}.
HELPER = r'''#!/usr/bin/python3
import datetime, fcntl, json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "control.json")) as f:
    control = json.load(f)
with open(os.path.join(here, "count"), "a+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    n = int(f.read() or 0) + 1
    f.seek(0)
    f.truncate()
    f.write(str(n))
if control["fail"]:
    sys.stderr.write("test credential helper: refusing, as control.json says\n")
    sys.exit(1)
with open(os.path.join(here, "pairs.json")) as f:
    key, secret = json.load(f)[n - 1]
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
expiration = (now + datetime.timedelta(seconds=control["lifetime"])).strftime("%Y-%m-%dT%H:%M:%SZ")
with open(os.path.join(here, "issued.jsonl"), "a") as f:
    f.write(json.dumps({"n": n, "id": key, "expiration": expiration}) + "\n")
print(json.dumps({"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret,
                  "Expiration": expiration}))
'''

SEED = {"fileName": "note.txt", "fileType": "text/plain", "fileSize": len(BODY),
        "folderName": "services"}


def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)


def query(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def key_id(url):
    return query(url)["X-Amz-Credential"].split("/")[0]


def wait_for(condition, timeout, what):
    value = wait_until(condition, timeout, interval=0.25)
    if not value:
        raise AssertionError("timed out waiting for " + what)
    return value


def make_pairs():
    # Distinctive secrets, so a leak anywhere is found by a plain substring search.
    return [[f"AKIDROTATE{n:04d}", "ZzRotSecret+" + secrets.token_urlsafe(24)]
            for n in range(1, KEY_PAIRS + 1)]


def write_keys_file(path, pairs):
    with open(path, "w") as f:
        for key, secret in pairs:
            f.write(f"[{key}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
                    "actions = s3:PutObject, s3:GetObject\nresources = uploads/*\n")


class CredentialsTestCase(unittest.TestCase):
    """A store that knows every key pair, and serve pointed at it without AWS_* keys, its
    credentials from where the subclass's credential_source() says (the variables it returns)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="upgate-creds-")
        cls.addClassCleanup(cls.dir.cleanup)
        cls.pairs = make_pairs()
        extra_env = cls.credential_source()
        write_keys_file(os.path.join(cls.dir.name, "keys.ini"), cls.pairs)
        cls.store = start_store(region=REGION, extra_args=[
            "--keys-file", os.path.join(cls.dir.name, "keys.ini"), "--bucket", "uploads"])
        cls.addClassCleanup(cls.store.close)
        cls.server = ApiServer(extra_env=extra_env,
                               args=["--endpoint", cls.store.endpoint, "--bucket", "uploads"])
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            cls.server.env.pop(name)
        cls.addClassCleanup(cls.server.close)
        cls.responses = []
        cls.server.start()

    def presign(self, route="/api/s3/getPresignedUrl", body=None):
        if body is None:
            body = SEED if route == "/api/s3/getPresignedUrl" else {
                "folderName": "services", "fileName": "note.txt", "contentType": "text/plain",
                "size": len(BODY)}
        response = self.server.post(route, body)
        self.responses.append(response.text)
        return response

    def upload_and_read_back(self, answer):
        put = requests.put(answer["uploadUrl"], data=BODY, headers=answer["headers"], timeout=10)
        self.assertEqual(put.status_code, 200, put.text)
        download = self.server.get("/v1/downloads?key=" + urllib.parse.quote(answer["key"]))
        self.responses.append(download.text)
        self.assertEqual(download.status_code, 200, download.text)
        got = requests.get(download.json()["downloadUrl"], timeout=10)
        self.assertEqual(got.status_code, 200, got.text)
        self.assertEqual(got.content, BODY)

    def logged(self, message):
        """The log lines with this msg, waiting for the first (info lines are batched)."""
        return wait_for(lambda: [l for l in self.server.log_lines() if l["msg"] == message],
                        10, "a log line " + message)

    def assert_no_secret_anywhere(self):
        texts = self.responses + [self.server.log_text(), self.server.stderr_text()]
        for key, secret in self.pairs:
            for text in texts:
                self.assertNotIn(secret, text)


class CredentialProcessTest(CredentialsTestCase):

    @classmethod
    def credential_source(cls):
        helper = os.path.join(cls.dir.name, "helper.py")
        with open(helper, "w") as f:
            f.write(HELPER)
        os.chmod(helper, 0o700)
        cls.control({"lifetime": 75, "fail": False})
        with open(os.path.join(cls.dir.name, "pairs.json"), "w") as f:
            json.dump(cls.pairs, f)
        with open(os.path.join(cls.dir.name, "config"), "w") as f:
            f.write(f"[profile rotating]\ncredential_process = {helper} --flag 'quoted arg'\n")
        return {"AWS_CONFIG_FILE": os.path.join(cls.dir.name, "config"), "AWS_PROFILE": "rotating"}

    @classmethod
    def control(cls, settings):
        path = os.path.join(cls.dir.name, "control.json")
        with open(path + ".tmp", "w") as f:
            json.dump(settings, f)
        os.replace(path + ".tmp", path)

    def runs(self):
        with open(os.path.join(self.dir.name, "count")) as f:
            return int(f.read())

    def issued(self):
        with open(os.path.join(self.dir.name, "issued.jsonl")) as f:
            return {entry["id"]: entry for entry in map(json.loads, f)}

    def assert_capped(self, answer):
        """expiresAt is what the URL says, and never after its credentials expire."""
        url = answer.get("uploadUrl") or answer["downloadUrl"]
        q = query(url)
        signed = datetime.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
        lifetime = int(q["X-Amz-Expires"])
        expires_at = parse_time(answer["expiresAt"])
        self.assertEqual(expires_at, signed + datetime.timedelta(seconds=lifetime))
        if "expiresIn" in answer:
            self.assertEqual(answer["expiresIn"], lifetime)
        credential_expiry = datetime.datetime.strptime(
            self.issued()[key_id(url)]["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        self.assertLessEqual(expires_at, credential_expiry)
        self.assertGreaterEqual(lifetime, 30)
        return lifetime

    def test_1_urls_are_signed_with_the_process_keys_and_capped_by_their_expiry(self):
        self.assertEqual(self.runs(), 1)  # once at start-up, none since
        response = self.presign()
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertEqual(key_id(answer["uploadUrl"]), "AKIDROTATE0001")
        # The profile asks for 300 s; the keys live 75 s.
        self.assertLessEqual(self.assert_capped(answer), 75)
        self.upload_and_read_back(answer)

        v1 = self.presign("/v1/uploads")
        self.assertEqual(v1.status_code, 200, v1.text)
        self.assertLessEqual(self.assert_capped(v1.json()), 75)
        self.upload_and_read_back(v1.json())

        lines = self.server.log_lines()
        started = [l for l in lines if l["msg"] == "upgate serve started"][0]
        self.assertEqual(started["credentials"], "profile rotating credential_process")

    def test_2_keys_are_refreshed_before_they_expire(self):
        first = key_id(self.presign().json()["uploadUrl"])
        fresh = wait_for(lambda: (lambda a: a if key_id(a["uploadUrl"]) != first else None)(
            self.presign().json()), 60, "a URL signed with refreshed keys")
        self.assertGreaterEqual(self.runs(), 2)
        self.assert_capped(fresh)
        self.upload_and_read_back(fresh)
        refreshed = self.logged("credentials refreshed")
        self.assertEqual(refreshed[0]["reason"], "expiring")
        self.assertEqual(refreshed[0]["source"], "profile rotating credential_process")
        self.assertIn(refreshed[0]["access_key_id"], self.issued())

    def test_3_when_refreshes_fail_serve_signs_on_then_refuses_then_recovers(self):
        # Keys of 40 s: less than the 60 s window, so serve refreshes them every 5 s.
        self.control({"lifetime": 40, "fail": False})
        before = self.runs()
        wait_for(lambda: int(key_id(self.presign().json()["uploadUrl"])[-4:]) > before, 60,
                 "a URL signed with 40-second keys")
        self.control({"lifetime": 40, "fail": True})
        failing_since = self.runs()
        last_good = key_id(self.presign().json()["uploadUrl"])

        # The old keys sign on, their URLs capped, until less than 30 s of them remain.
        # (a list: a 503 Response is falsy)
        readyz, = wait_for(lambda: (lambda r: [r] if r.status_code == 503 else None)(
            self.server.get("/readyz")), 60, "/readyz to answer 503")
        self.assertEqual(readyz.json(), {"status": "not ready", "reason": "credentials_unavailable"})
        refused = self.presign()
        self.assertEqual(refused.status_code, 503, refused.text)
        self.assertEqual(refused.json()["code"], "credentials_unavailable")
        v1 = self.presign("/v1/uploads")
        self.assertEqual(v1.status_code, 503)
        self.assertEqual(v1.json()["error"]["code"], "credentials_unavailable")
        self.assertGreater(self.runs(), failing_since)  # it kept trying
        self.assertLessEqual(int(last_good[-4:]), failing_since)

        warnings = [l for l in self.server.log_lines() if l["level"] == "warn"]
        self.assertTrue(warnings)
        self.assertRegex(warnings[-1]["error"],
                         r"^profile 'rotating' credential_process: .*helper\.py exited with status 1")
        self.assertNotIn("quoted arg", warnings[-1]["error"])
        # The helper's stderr reaches serve's stderr, never its JSON log.
        self.assertIn("test credential helper: refusing", self.server.stderr_text())
        self.assertNotIn("test credential helper", self.server.log_text())

        self.control({"lifetime": 75, "fail": False})
        wait_for(lambda: self.server.get("/readyz").status_code == 200, 60,
                 "/readyz to recover")
        recovered = self.presign()
        self.assertEqual(recovered.status_code, 200, recovered.text)
        self.assertGreater(int(key_id(recovered.json()["uploadUrl"])[-4:]), failing_since)
        self.upload_and_read_back(recovered.json())

    def test_9_no_secret_in_any_response_or_log(self):
        self.assertGreater(len(self.responses), 5)
        self.assert_no_secret_anywhere()


class RotatedCredentialsFileTest(CredentialsTestCase):

    @classmethod
    def credential_source(cls):
        cls.credentials_path = os.path.join(cls.dir.name, "credentials")
        cls.write_profile(cls.pairs[0])
        return {"AWS_SHARED_CREDENTIALS_FILE": cls.credentials_path,
                "AWS_CONFIG_FILE": os.path.join(cls.dir.name, "config"), "AWS_PROFILE": "signer"}

    @classmethod
    def write_profile(cls, pair):
        with open(cls.credentials_path + ".tmp", "w") as f:
            f.write(f"[signer]\naws_access_key_id = {pair[0]}\naws_secret_access_key = {pair[1]}\n")
        os.replace(cls.credentials_path + ".tmp", cls.credentials_path)  # as secret mounts do

    def test_1_a_rotated_file_is_picked_up_without_a_restart(self):
        first = self.presign().json()
        self.assertEqual(key_id(first["uploadUrl"]), self.pairs[0][0])
        self.assertNotIn("expiresIn", first)
        self.assertEqual(int(query(first["uploadUrl"])["X-Amz-Expires"]), 300)  # not capped
        self.upload_and_read_back(first)

        self.write_profile(self.pairs[1])
        rotated = wait_for(lambda: (lambda a: a if key_id(a["uploadUrl"]) == self.pairs[1][0]
                                    else None)(self.presign().json()), 30, "the rotated keys")
        self.upload_and_read_back(rotated)
        refreshed = self.logged("credentials refreshed")
        self.assertEqual(refreshed[-1]["reason"], "files changed")
        self.assertEqual(refreshed[-1]["access_key_id"], self.pairs[1][0])
        self.assertEqual(self.server.get("/readyz").status_code, 200)

    def test_9_no_secret_in_any_response_or_log(self):
        self.assert_no_secret_anywhere()


if __name__ == "__main__":
    unittest.main()
