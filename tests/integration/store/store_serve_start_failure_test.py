"""`upgate serve` that should start the embedded store but cannot: it must not run the API
alone and hand out URLs that point at nothing. It exits 1, before the API listens, with
one line naming the cause and the flag that gets round it."""
import os
import socket
import subprocess
import tempfile
import time
import unittest

import requests

import store_harness as h
from child_process import die_with_parent
from ports import accepts, free_port


class ServeStoreStartFailureTest(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory(prefix="upgate-serve-fail-")
        self.addCleanup(self.temp.cleanup)

    def serve(self, *args, env=None):
        """Runs `upgate serve` with the embedded store; returns (process, api port)."""
        api_port = free_port()
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.temp.name}
        environment.update(env or {})
        process = subprocess.Popen(
            [h.BINARY, "serve", "--listen", f"127.0.0.1:{api_port}", "--threads", "2"] +
            list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment,
            preexec_fn=die_with_parent)
        self.addCleanup(self._reap, process)
        return process, api_port

    @staticmethod
    def _reap(process):
        if process.poll() is None:
            process.kill()
        process.communicate()

    def assert_refused(self, process, api_port, *expected):
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            self.fail("serve went on without its store: " + out.decode() + err.decode())
        self.assertEqual(process.returncode, 1, err.decode())
        lines = err.decode().splitlines()
        self.assertEqual(len(lines), 1, lines)
        for text in expected:
            self.assertIn(text, lines[0])
        self.assertNotIn(b"upgate serve started", out)
        self.assertFalse(accepts(api_port), "the API must not have listened")
        return lines[0]

    def test_store_port_in_use(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            process, api_port = self.serve("--store-listen", f"127.0.0.1:{port}", "--data-dir",
                                           os.path.join(self.temp.name, "data"))
            line = self.assert_refused(process, api_port)
        self.assertEqual(line, f"upgate serve: embedded store: 127.0.0.1:{port} is in use "
                               "(use --store-listen HOST:PORT or --no-store)")

    def test_store_port_in_use_from_the_variable(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            process, api_port = self.serve(env={
                "UPGATE_STORE_LISTEN": f"127.0.0.1:{port}",
                "UPGATE_DATA_DIR": os.path.join(self.temp.name, "data")})
            self.assert_refused(process, api_port, f"127.0.0.1:{port} is in use")

    def test_data_dir_locked_by_a_running_store(self):
        store = h.Store()
        store.start()
        self.addCleanup(store.close)
        process, api_port = self.serve("--store-listen", "127.0.0.1:0", "--data-dir",
                                       store.data_dir)
        line = self.assert_refused(process, api_port, "embedded store: ", store.data_dir,
                                   "in use by another process", "--data-dir", "--no-store")
        self.assertNotIn(h.SECRET, line)
        self.assertTrue(store.running, "the running store is left alone")

    def test_bad_store_listen_is_a_configuration_error(self):
        process, api_port = self.serve("--store-listen", "nowhere", "--data-dir",
                                       os.path.join(self.temp.name, "data"))
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 2, err.decode())
        self.assertIn("--store-listen must be HOST:PORT", err.decode())
        self.assertFalse(accepts(api_port))

    def test_no_store_still_runs_the_api_alone(self):
        # The escape hatch the messages name: nothing is started, the API serves.
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            process, api_port = self.serve("--no-store", "--store-listen", f"127.0.0.1:{port}")
            healthy = False
            for _ in range(500):
                if process.poll() is not None:
                    break
                try:
                    # An answer means run() began, so the signal handlers are in place.
                    healthy = requests.get(f"http://127.0.0.1:{api_port}/healthz",
                                           timeout=2).status_code == 200
                except requests.ConnectionError:
                    pass
                if healthy:
                    break
                time.sleep(0.02)
            self.assertTrue(healthy, process.stderr.read().decode() if process.poll() is not None
                            else "API did not answer")
            process.terminate()
            self.assertEqual(process.wait(timeout=60), 0)

if __name__ == "__main__":
    unittest.main()
