"""`upgate serve` behind a load balancer: the first SIGTERM/SIGINT turns /readyz to 503 at
once while every route keeps answering (with Connection: close) for --drain-seconds; then
the server stops accepting, finishes what is in flight and exits 0. A second signal skips
the rest of the drain."""
import signal
import subprocess
import unittest

import requests

from api_harness import SEED_BODY, ApiServer, run_config_check
from ports import accepts
from waiting import wait_until


class DrainTest(unittest.TestCase):
    def readyz_status(self, server):
        try:
            return server.get("/readyz").status_code
        except requests.ConnectionError:
            return None

    def test_first_sigterm_drains_then_stops_and_exits_0(self):
        with ApiServer(args=["--drain-seconds", "2"]) as server:
            kept = requests.Session()  # a keep-alive client, as a load balancer's pool
            before = kept.get(server.base + "/healthz", timeout=10)
            self.assertEqual(before.status_code, 200)
            self.assertNotEqual(before.headers.get("Connection"), "close")
            self.assertEqual(server.get("/readyz").status_code, 200)

            server.process.send_signal(signal.SIGTERM)
            self.assertEqual(wait_until(lambda: self.readyz_status(server) == 503), True,
                             "/readyz must turn 503 on the first SIGTERM")
            readyz = server.get("/readyz")
            self.assertEqual(readyz.status_code, 503)
            self.assertEqual(readyz.json(), {"status": "not ready", "reason": "shutting_down"})
            self.assertEqual(readyz.headers["Cache-Control"], "no-store")

            # Everything else serves on, telling keep-alive clients to go elsewhere.
            healthz = kept.get(server.base + "/healthz", timeout=10)
            self.assertEqual(healthz.status_code, 200)
            self.assertEqual(healthz.headers["Connection"], "close")
            url = server.post("/api/s3/getPresignedUrl", SEED_BODY)
            self.assertEqual(url.status_code, 200, url.text)
            self.assertTrue(url.json()["ok"])
            self.assertIn("X-Amz-Signature=", url.json()["uploadUrl"])
            self.assertEqual(url.headers["Connection"], "close")

            # After the drain: exit 0, port closed.
            self.assertEqual(server.process.wait(timeout=60), 0, server.stderr_text())
            self.assertFalse(accepts(server.port))
            messages = [line.get("msg") for line in server.log_lines()]
            self.assertIn("draining: /readyz answers 503, stopping after the drain", messages)
            self.assertEqual(messages[-1], "upgate serve stopped", messages)
            draining = [l for l in server.log_lines() if l.get("msg", "").startswith("draining")]
            self.assertEqual(draining[0]["drain_seconds"], "2")

    def test_second_signal_cuts_the_drain_short(self):
        # Set by the variable this time; an hour-long drain that only the second signal ends.
        with ApiServer(extra_env={"UPGATE_DRAIN_SECONDS": "3600"}) as server:
            server.process.send_signal(signal.SIGINT)
            self.assertEqual(wait_until(lambda: self.readyz_status(server) == 503), True)
            self.assertEqual(server.get("/healthz").status_code, 200)
            self.assertIsNone(server.process.poll(), "the first signal must not stop serving")

            server.process.send_signal(signal.SIGTERM)
            try:
                code = server.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.fail("the second signal did not end the drain")
            self.assertEqual(code, 0, server.stderr_text())
            self.assertFalse(accepts(server.port))

    def test_without_a_drain_the_first_signal_stops(self):
        with ApiServer() as server:
            server.process.send_signal(signal.SIGTERM)
            self.assertEqual(server.process.wait(timeout=60), 0, server.stderr_text())
            messages = [line.get("msg") for line in server.log_lines()]
            self.assertFalse([m for m in messages if m and m.startswith("draining")], messages)

    def test_a_bad_drain_period_is_a_configuration_error(self):
        for args, env, field in ((["--drain-seconds", "3601"], {}, "--drain-seconds"),
                                 ([], {"UPGATE_DRAIN_SECONDS": "soon"}, "UPGATE_DRAIN_SECONDS")):
            result = run_config_check(args, extra_env=env)
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertIn(field, result.stderr.decode())


if __name__ == "__main__":
    unittest.main()
