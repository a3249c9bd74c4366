"""The upload API as the suites run it (integration, cli, scenarios): the real `upgate
serve` on a free port with a known secret, its stdout log captured, and the URLs it issues
verified with upgate_verify_url (the sigv4 verifier).

Environment: UPGATE_BIN (the upgate program) and UPGATE_VERIFY_URL (the verifier), set by
ctest; by default build/upgate and build/tests/integration/upgate_verify_url.
"""
import json
import os
import subprocess
import tempfile
import time
import unittest

import requests

from child_process import upgate_binary
from ports import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = upgate_binary()
VERIFIER = os.environ.get(
    "UPGATE_VERIFY_URL", os.path.join(ROOT, "build", "tests", "integration", "upgate_verify_url"))

ACCESS_KEY_ID = "AKIDINTEGRATIONTEST"
# Distinctive, so a leak anywhere is found by a plain substring search.
SECRET = "ZzSecretNeverLeaks+Kq7/integration9X"
REGION = "eu-west-3"

SEED_BODY = {"fileName": "holiday photo.jpg", "fileType": "image/jpeg",
             "fileSize": 2483712, "folderName": "services"}


class ApiServer:
    """One `upgate serve` process. Use as a context manager. With `embedded_store`, serve
    runs its embedded store on a free port (s3_url) with the harness's credentials as its
    root key and its data under the temp dir; else --no-store."""

    def __init__(self, config_text=None, extra_env=None, args=(), embedded_store=False):
        self.port = free_port()
        self.embedded_store = embedded_store
        self.store_port = free_port() if embedded_store else None
        self.s3_url = f"http://127.0.0.1:{self.store_port}" if embedded_store else None
        self.dir = tempfile.TemporaryDirectory(prefix="upgate-it-")
        self.log_path = os.path.join(self.dir.name, "stdout.log")
        self.err_path = os.path.join(self.dir.name, "stderr.log")
        self.args = list(args)
        if config_text is not None:
            path = os.path.join(self.dir.name, "upgate.toml")
            with open(path, "w") as f:
                f.write(config_text)
            self.args += ["--config", path]
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.dir.name,  # no ~/.aws files of the machine leak in
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_REGION": REGION,
        }
        self.env.update(extra_env or {})
        self.process = None
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.stop()
        self.dir.cleanup()

    def start(self):
        self.stdout = open(self.log_path, "wb")
        self.stderr = open(self.err_path, "wb")
        if self.embedded_store:
            store_args = ["--store-listen", f"127.0.0.1:{self.store_port}",
                          "--data-dir", os.path.join(self.dir.name, "data")]
        else:
            store_args = ["--no-store"]
        self.process = subprocess.Popen(
            [BINARY, "serve", "--listen", f"127.0.0.1:{self.port}", "--threads", "2"] + store_args
            + self.args,
            env=self.env, stdout=self.stdout, stderr=self.stderr)
        deadline = time.time() + (30 if self.embedded_store else 10)
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("upgate serve exited: " + self.stderr_text())
            try:
                if requests.get(self.base + "/healthz", timeout=0.5).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("upgate serve did not answer /healthz")

    def stop(self, sig=15, timeout=15):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for f in (getattr(self, "stdout", None), getattr(self, "stderr", None)):
            if f:
                f.close()

    def post(self, path, body=None, raw=None, headers=None, **kwargs):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        data = raw if raw is not None else json.dumps(body)
        return requests.post(self.base + path, data=data, headers=h, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return requests.get(self.base + path, timeout=10, **kwargs)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr_text(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_lines(self, wait_for=None, timeout=5.0):
        """The JSON log lines; waits (logs are flushed every second) until one has
        request_id == wait_for, when given."""
        deadline = time.time() + timeout
        while True:
            lines = [json.loads(l) for l in self.log_text().splitlines() if l.strip()]
            if wait_for is None or any(l.get("request_id") == wait_for for l in lines):
                return lines
            if time.time() > deadline:
                return lines
            time.sleep(0.1)


def start_api(config_text, extra_env=None, store_of=None):
    """A started `upgate serve` (close() it): with its embedded store, or, given `store_of`
    (an ApiServer with one), with no store of its own, signing for that one's bucket
    "uploads"."""
    env = dict(extra_env or {})
    if store_of is not None:
        env.update({"AWS_ENDPOINT_URL": store_of.s3_url, "AWS_S3_BUCKET_NAME": "uploads"})
    server = ApiServer(config_text, env, embedded_store=store_of is None)
    try:
        server.start()
    except Exception:
        server.close()
        raise
    return server


def run_config_check(args, extra_env=None, config_text=None):
    """Runs `upgate serve` expecting it to refuse its configuration; returns the process."""
    with tempfile.TemporaryDirectory(prefix="upgate-cfg-") as d:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": d}
        env.update(extra_env or {})
        argv = [BINARY, "serve", "--listen", f"127.0.0.1:{free_port()}", "--no-store"] + list(args)
        if config_text is not None:
            path = os.path.join(d, "upgate.toml")
            with open(path, "w") as f:
                f.write(config_text)
            argv += ["--config", path]
        return subprocess.run(argv, env=env, capture_output=True, timeout=20)


class Verifier:
    """Talks to one upgate_verify_url process, one JSON line per check."""

    def __init__(self):
        env = dict(os.environ)
        env["VERIFY_SECRET"] = SECRET
        self.process = subprocess.Popen([VERIFIER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env=env, text=True)

    def check(self, method, url, headers, secret_env="VERIFY_SECRET"):
        request = {"method": method, "url": url, "headers": headers,
                   "access_key_id": ACCESS_KEY_ID, "secret_env": secret_env, "region": REGION}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


class ServerTestCase(unittest.TestCase):
    """One server for the whole class (start-up is the slow part), and with `with_verifier`
    one upgate_verify_url process as `verifier`."""
    config_text = None
    extra_env = None
    args = ()
    with_verifier = False
    embedded_store = False

    @classmethod
    def setUpClass(cls):
        cls.server = ApiServer(cls.config_text, cls.extra_env, cls.args, cls.embedded_store)
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        if cls.with_verifier:
            cls.verifier = Verifier()
            cls.addClassCleanup(cls.verifier.close)

    def assertError(self, response, status, code, field=None, style="v1"):
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        self.assertIs(body["ok"], False, body)
        if style == "seed":
            self.assertIsInstance(body["error"], str)
            self.assertEqual(body["code"], code, body)
            if field is not None:
                self.assertEqual(body.get("field"), field, body)
        else:
            self.assertEqual(body["error"]["code"], code, body)
            if field is not None:
                self.assertEqual(body["error"].get("field"), field, body)
        self.assertNotIn(SECRET, response.text)
        return body
