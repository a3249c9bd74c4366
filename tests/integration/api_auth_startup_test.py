"""The secure default of `upgate serve`: with no [auth] mode the API is open only on
loopback; on a reachable address it refuses to start (exit 2, one line saying how to
choose) unless `allow_anonymous = true` says so, loudly. A configuration whose
authentication cannot work is refused before anything listens.
"""
import os
import subprocess
import sys
import tempfile
import unittest

from api_harness import BINARY, SECRET, ApiServer, free_port


def serve(listen, config_text=None, extra_env=None, timeout=3):
    """Starts serve; returns (exit code or None if it kept running, stdout, stderr)."""
    with tempfile.TemporaryDirectory(prefix="upgate-start-") as d:
        argv = [BINARY, "serve", "--listen", listen, "--no-store", "--threads", "1"]
        if config_text is not None:
            path = os.path.join(d, "upgate.toml")
            with open(path, "w") as f:
                f.write(config_text)
            argv += ["--config", path]
        env = {"PATH": "/usr/bin:/bin", "HOME": d, "AWS_ACCESS_KEY_ID": "AKIDSTART",
               "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1"}
        env.update(extra_env or {})
        p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        try:
            out, err = p.communicate(timeout=timeout)
            return p.returncode, out, err
        except subprocess.TimeoutExpired:
            p.terminate()
            out, err = p.communicate(timeout=15)
            return None, out, err


class OpenApiGuardTest(unittest.TestCase):
    def test_no_auth_on_a_reachable_address_refuses_to_start(self):
        code, out, err = serve(f"0.0.0.0:{free_port()}")
        self.assertEqual(code, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("allow_anonymous", err)
        self.assertIn("[auth]", err)

    def test_allow_anonymous_is_explicit_and_loud(self):
        code, out, err = serve(f"0.0.0.0:{free_port()}", "[auth]\nallow_anonymous = true\n")
        self.assertIsNone(code, err)  # it served until stopped
        self.assertIn("ANONYMOUS API ON A REACHABLE ADDRESS", out)

    def test_loopback_stays_open_and_says_so(self):
        with ApiServer() as server:
            r = server.post("/v1/uploads", {"profile": "services", "fileName": "a.txt",
                                            "contentType": "text/plain", "size": 3})
            self.assertEqual(r.status_code, 200, r.text)
            import time
            time.sleep(1.2)
            self.assertIn("no authentication", server.log_text())

    def test_broken_auth_configurations_are_refused(self):
        cases = {
            # A rule asking for credentials with nothing to check them.
            '[profiles.p]\nfolder = "p"\nauth = "required"\n': "profiles.p.auth",
            '[auth.jwt]\naudience = "a"\nsecret_env = "X"\n': "auth.jwt.issuer",
            '[auth.jwt]\nissuer = "i"\nsecret_env = "X"\n': "auth.jwt.audience",
            '[auth.jwt]\nissuer = "i"\naudience = "a"\n': "auth.jwt",
            # The secret's variable is not set.
            '[auth.jwt]\nissuer = "i"\naudience = "a"\nsecret_env = "NOT_SET_HERE"\n'
            'algorithms = ["HS256"]\n': "auth.jwt.secret_env",
            '[auth.jwt]\nissuer = "i"\naudience = "a"\nsecret_env = "X"\nalgorithms = ["none"]\n':
                "auth.jwt.algorithms",
            '[auth]\nmodes = ["hook"]\n': "auth.modes",
            '[auth.hook]\nurl = "ftp://x"\n': "auth.hook.url",
            '[auth.api_keys]\nkeys_file = "/nonexistent/keys.jsonl"\n': "auth.api_keys.keys_file",
        }
        for config, field in cases.items():
            with self.subTest(field=field):
                code, out, err = serve(f"127.0.0.1:{free_port()}", config, {"X": "x" * 40})
                self.assertEqual(code, 2, (config, err))
                self.assertIn(field, err)
                self.assertNotIn("x" * 40, err + out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
