"""SIGHUP in a real `upgate serve`: upgate.toml is rewritten and the API takes the new
profiles (with their metrics), CORS (and the embedded store's bucket CORS with it) and
[auth] (with a rewritten API keys file) without a restart; a bad file is refused whole,
logged, and the running configuration stays; a request in flight finishes under the
configuration it started with, and the replaced configuration (its JWKS refresher thread
too) goes once nothing uses it. `upgate check-config` says the same as start-up, with exit
codes 0 and 2.
"""
import json
import os
import signal
import subprocess
import threading
import time
import unittest

import requests

from api_harness import BINARY, ApiServer
from auth_servers import AUDIENCE, ISSUER, HookApp, JwksServer, SigningKey

FIRST = '''
[cors]
allowed_origins = ["https://one.example"]

[profiles.alpha]
shared = true  # this suite is about who may sign, not whose keys (the OwnershipTest unit suite covers that)
folder = "alpha"
'''


def body(profile, name="a.txt"):
    return {"profile": profile, "fileName": name, "contentType": "text/plain", "size": 10}


def check_config(path):
    return subprocess.run([BINARY, "check-config", "--config", path, "--no-store"],
                          capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin", "HOME": os.path.dirname(path)})


def rewrite(server, text):
    path = os.path.join(server.dir.name, "upgate.toml")
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)


def hup_and_wait(test, server, message):
    before = server.log_text().count(message)
    server.process.send_signal(signal.SIGHUP)
    deadline = time.time() + 15
    while time.time() < deadline:
        if server.log_text().count(message) > before:
            return
        time.sleep(0.1)
    test.fail(f"no '{message}' line after SIGHUP: {server.log_text()[-2000:]}")


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.server = ApiServer(FIRST)
        self.server.start()
        self.path = os.path.join(self.server.dir.name, "upgate.toml")

    def tearDown(self):
        self.server.close()

    def rewrite(self, text):
        rewrite(self.server, text)

    def hup_and_wait(self, message):
        hup_and_wait(self, self.server, message)

    def test_new_profiles_cors_and_auth_are_taken(self):
        self.assertEqual(self.server.post("/v1/uploads", body("alpha")).status_code, 200)
        self.assertEqual(self.server.post("/v1/uploads", body("beta")).status_code, 400)

        keys = os.path.join(self.server.dir.name, "keys.jsonl")
        created = subprocess.run([BINARY, "apikey", "create", "--principal", "bot",
                                  "--keys-file", keys], capture_output=True, text=True, timeout=20)
        self.assertEqual(created.returncode, 0, created.stderr)
        key = created.stdout.strip()
        self.rewrite(f'''
[cors]
allowed_origins = ["https://two.example"]

[auth.api_keys]
keys_file = "{keys}"

[profiles.beta]
shared = true  # this suite is about who may sign, not whose keys (the OwnershipTest unit suite covers that)
folder = "beta"
''')
        self.assertEqual(check_config(self.path).returncode, 0)
        self.hup_and_wait("configuration reloaded")
        r = self.server.post("/v1/uploads", body("beta"))
        self.assertEqual(r.status_code, 401, r.text)  # [auth] now applies
        r = self.server.post("/v1/uploads", body("beta"), headers={"X-Api-Key": key})
        self.assertEqual(r.status_code, 200, r.text)
        r = self.server.post("/v1/uploads", body("alpha"), headers={"X-Api-Key": key})
        self.assertEqual(r.status_code, 400, r.text)  # alpha is gone
        r = self.server.post("/v1/uploads", body("beta"),
                             headers={"X-Api-Key": key, "Origin": "https://two.example"})
        self.assertEqual(r.headers.get("Access-Control-Allow-Origin"), "https://two.example")
        # The new profile has its metric rows: two URLs signed for it so far.
        metrics = self.server.get("/metrics").text
        self.assertIn('upgate_presigned_urls_total{profile="beta",method="PUT"} 2', metrics)
        self.assertIn('upgate_presigned_urls_total{profile="alpha",method="PUT"} 1', metrics)

        # A key added to the keys file is taken on the next SIGHUP; the process never restarted.
        created = subprocess.run([BINARY, "apikey", "create", "--principal", "bot2",
                                  "--keys-file", keys], capture_output=True, text=True, timeout=20)
        key2 = created.stdout.strip()
        r = self.server.post("/v1/uploads", body("beta"), headers={"X-Api-Key": key2})
        self.assertEqual(r.status_code, 401, r.text)
        self.hup_and_wait("configuration reloaded")
        r = self.server.post("/v1/uploads", body("beta"), headers={"X-Api-Key": key2})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertIsNone(self.server.process.poll())
        self.assertNotIn(key, self.server.log_text())

    def test_a_bad_file_is_refused_whole(self):
        bad_files = {
            "[profiles.alpha]\nfolder = \"alpha\"\nmax_size = \"lots\"\n": "profiles.alpha.max_size",
            "[profiles.alpha\n": "line",
            "[auth.api_keys]\nkeys_file = \"/nonexistent/keys\"\n[profiles.gamma]\nfolder = \"g\"\nshared = true\n":
                "auth.api_keys.keys_file",
        }
        for text, field in bad_files.items():
            with self.subTest(field=field):
                self.rewrite(text)
                checked = check_config(self.path)
                self.assertEqual(checked.returncode, 2, checked.stdout)
                self.assertIn(field, checked.stderr)
                self.hup_and_wait("reload refused")
                line = [json.loads(l) for l in self.server.log_text().splitlines()
                        if "reload refused" in l][-1]
                self.assertIn(field, line["reason"])
                self.assertIn(checked.stderr.strip().split(": ", 1)[1], line["reason"])
                # The running configuration stays, whole.
                self.assertEqual(self.server.post("/v1/uploads", body("alpha")).status_code, 200)
                self.assertEqual(self.server.post("/v1/uploads", body("gamma")).status_code, 400)
        self.assertIsNone(self.server.process.poll())


def jwks_refreshers(pid):
    """The process's JWKS refresher threads (JwksCache names them "upgate-jwks")."""
    count = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                count += f.read().strip() == "upgate-jwks"
        except FileNotFoundError:
            pass  # the thread ended while we looked
    return count


class RetiredConfigurationTest(unittest.TestCase):
    """The configuration a reload replaces goes once nothing uses it, and its JWKS
    refresher thread with it: the one the process started with as well as later ones."""

    def test_each_reload_leaves_one_jwks_refresher(self):
        key = SigningKey("ES256", "k1")
        jwks = JwksServer([key]).start()
        config = f'''
[auth.jwt]
issuer = "{ISSUER}"
audience = "{AUDIENCE}"
jwks_url = "{jwks.jwks_url}"
algorithms = ["ES256"]

[profiles.alpha]
shared = true  # this suite is about who may sign, not whose keys
folder = "alpha"
'''
        auth = {"Authorization": "Bearer " + key.token()}
        try:
            with ApiServer(config) as server:
                pid = server.process.pid
                self.assertEqual(jwks_refreshers(pid), 1)
                self.assertEqual(server.post("/v1/uploads", body("alpha"), headers=auth).status_code, 200)
                for _ in range(2):  # the start-up configuration replaced, then a reloaded one
                    hup_and_wait(self, server, "configuration reloaded")
                    deadline = time.time() + 15
                    while jwks_refreshers(pid) != 1 and time.time() < deadline:
                        time.sleep(0.1)
                    self.assertEqual(jwks_refreshers(pid), 1, "the replaced configuration's "
                                     "JWKS refresher still runs")
                    r = server.post("/v1/uploads", body("alpha"), headers=auth)
                    self.assertEqual(r.status_code, 200, r.text)
        finally:
            jwks.stop()


class StoreCorsTest(unittest.TestCase):
    """The embedded store's bucket CORS allows the API's origins, as start-up set it, and
    follows them when a reload changes them."""

    def test_the_bucket_cors_follows_a_reload(self):
        with ApiServer(FIRST, embedded_store=True) as server:
            def allowed(origin):
                r = requests.options(f"{server.s3_url}/uploads/alpha/x.txt", timeout=10, headers={
                    "Origin": origin, "Access-Control-Request-Method": "PUT"})
                return r.headers.get("Access-Control-Allow-Origin")

            self.assertEqual(allowed("https://one.example"), "https://one.example")
            self.assertIsNone(allowed("https://two.example"))
            rewrite(server, FIRST.replace("https://one.example", "https://two.example"))
            hup_and_wait(self, server, "configuration reloaded")
            self.assertEqual(allowed("https://two.example"), "https://two.example")
            self.assertIsNone(allowed("https://one.example"))
            self.assertEqual(allowed(server.base), server.base, "the demo page's origin stays")


class InFlightTest(unittest.TestCase):
    """A request held by a slow hook finishes under the configuration it started with,
    though a reload to a configuration without that hook happens meanwhile."""

    def test_in_flight_request_keeps_its_snapshot(self):
        app = HookApp().start()
        app.login("s1", "alice")
        config = f'''
[auth.hook]
url = "{app.url}/auth"
timeout = "10s"
cache_ttl = 0

[profiles.alpha]
shared = true  # this suite is about who may sign, not whose keys (the OwnershipTest unit suite covers that)
folder = "alpha"
'''
        try:
            with ApiServer(config) as server:
                path = os.path.join(server.dir.name, "upgate.toml")
                app.delay = 3
                result = {}
                t = threading.Thread(target=lambda: result.update(r=server.post(
                    "/v1/uploads", body("alpha"), headers={"Cookie": "sid=s1"})))
                t.start()
                deadline = time.time() + 5
                while app.call_count() == 0 and time.time() < deadline:
                    time.sleep(0.05)
                with open(path, "w") as f:
                    f.write('[profiles.alpha]\nfolder = "alpha"\nauth = "none"\n'
                            '[profiles.other]\nfolder = "other"\n')
                server.process.send_signal(signal.SIGHUP)
                deadline = time.time() + 10
                while "configuration reloaded" not in server.log_text() and time.time() < deadline:
                    time.sleep(0.05)
                self.assertIn("configuration reloaded", server.log_text())
                # New requests: the new configuration (no auth at all).
                r = server.post("/v1/uploads", body("other"))
                self.assertEqual(r.status_code, 200, r.text)
                t.join(15)
                self.assertEqual(result["r"].status_code, 200, result["r"].text)
                time.sleep(1.2)
                audits = [json.loads(l) for l in server.log_text().splitlines()
                          if '"msg":"audit"' in l]
                self.assertTrue(any(a["principal"] == "alice" and a["auth"] == "hook"
                                    for a in audits), audits)
        finally:
            app.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
