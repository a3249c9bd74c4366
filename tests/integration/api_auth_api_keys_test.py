"""[auth.api_keys] in a real `upgate serve`, with keys made by the real `upgate apikey
create`: the secret is printed once and stored only as its hash; a key works as
`Authorization: Bearer upk_...` and as `X-Api-Key`, only for its profiles (403 for
another), and a made-up or malformed key is 401. Keys sit beside JWTs in one chain.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

from api_harness import BINARY, ServerTestCase

KEYS_DIR = tempfile.TemporaryDirectory(prefix="upgate-keys-")
KEYS_FILE = os.path.join(KEYS_DIR.name, "api_keys.jsonl")
CONFIG = f'''
[auth.api_keys]
keys_file = "{KEYS_FILE}"

[profiles.reports]
shared = true  # this suite is about who may sign, not whose keys (the OwnershipTest unit suite covers that)
folder = "reports"
allowed_types = ["text/csv"]

[profiles.backups]
shared = true  # this suite is about who may sign, not whose keys (the OwnershipTest unit suite covers that)
folder = "backups"
'''
CONFIG_PATH = os.path.join(KEYS_DIR.name, "upgate.toml")
with open(CONFIG_PATH, "w") as f:
    f.write(CONFIG)


def apikey_create(*args):
    return subprocess.run([BINARY, "apikey", "create", *args], capture_output=True, text=True,
                          timeout=20, env={"PATH": "/usr/bin:/bin", "HOME": KEYS_DIR.name})


class CreateCommandTest(unittest.TestCase):
    def test_unknown_profile_and_missing_file_are_usage_errors(self):
        r = apikey_create("--principal", "x", "--profile", "nope", "--config", CONFIG_PATH)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("nope", r.stderr)
        self.assertEqual(r.stdout, "")
        r = apikey_create("--principal", "x")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("keys file", r.stderr)


class ApiKeyModeTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        r = apikey_create("--principal", "ci-bot", "--profile", "reports", "--config", CONFIG_PATH)
        assert r.returncode == 0, r.stderr
        cls.reports_key = r.stdout.strip()
        r = apikey_create("--principal", "backup-job", "--keys-file", KEYS_FILE)
        assert r.returncode == 0, r.stderr
        cls.any_key = r.stdout.strip()
        cls.created_stderr = r.stderr
        cls.config_text = CONFIG
        super().setUpClass()

    def upload(self, profile="reports", headers=None):
        body = {"profile": profile, "fileName": "q3.csv", "contentType": "text/csv", "size": 10}
        return self.server.post("/v1/uploads", body, headers=headers)

    def test_1_the_file_holds_hashes_only(self):
        self.assertRegex(self.reports_key, r"^upk_[A-Za-z0-9_-]{43}$")
        self.assertIn("backup-job", self.created_stderr)
        self.assertNotIn(self.any_key, self.created_stderr)
        with open(KEYS_FILE) as f:
            text = f.read()
        self.assertEqual(os.stat(KEYS_FILE).st_mode & 0o777, 0o600)
        for key in (self.reports_key, self.any_key):
            self.assertNotIn(key, text)
            self.assertIn(hashlib.sha256(key.encode()).hexdigest(), text)
        records = [json.loads(l) for l in text.splitlines() if l.strip()]
        self.assertEqual([r["principal"] for r in records], ["ci-bot", "backup-job"])
        self.assertEqual(records[0]["profiles"], ["reports"])

    def test_2_bearer_and_x_api_key(self):
        r = self.upload(headers={"Authorization": "Bearer " + self.reports_key})
        self.assertEqual(r.status_code, 200, r.text)
        r = self.upload(headers={"X-Api-Key": self.reports_key})
        self.assertEqual(r.status_code, 200, r.text)
        r = self.upload("backups", headers={"X-Api-Key": self.any_key})
        self.assertEqual(r.status_code, 200, r.text)

    def test_3_only_for_its_profiles(self):
        r = self.upload("backups", headers={"X-Api-Key": self.reports_key})
        body = self.assertError(r, 403, "access_denied")
        self.assertEqual(body["error"]["reason"], "profile_not_allowed")
        self.assertNotIn(self.reports_key, r.text)

    def test_4_unknown_and_malformed_keys(self):
        made_up = "upk_" + "A" * 43
        r = self.upload(headers={"X-Api-Key": made_up})
        self.assertError(r, 401, "invalid_credentials")
        r = self.upload(headers={"X-Api-Key": "hunter2"})
        self.assertError(r, 401, "invalid_credentials")
        r = self.upload()
        self.assertError(r, 401, "authentication_required")

    def test_5_audit_names_the_key_id_never_the_key(self):
        time.sleep(1.2)
        text = self.server.log_text()
        for key in (self.reports_key, self.any_key):
            self.assertNotIn(key, text)
        audits = [json.loads(l) for l in text.splitlines() if '"msg":"audit"' in l]
        issued = [a for a in audits if a["decision"] == "issued"]
        self.assertTrue(issued)
        self.assertTrue(all(a["auth"] == "api_key" and a["api_key_id"].startswith("k_")
                            for a in issued), issued)
        metrics = self.server.get("/metrics").text
        self.assertRegex(metrics,
                         r'upgate_auth_decisions_total\{mode="api_key",decision="forbidden"\} [1-9]')


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    finally:
        KEYS_DIR.cleanup()
