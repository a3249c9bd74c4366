"""The webhook receiver of the events tests as a child process: tests/integration/events/
receiver.mjs in node, which verifies every request with the `standardwebhooks` npm package
(installed there by scripts/setup.sh) and tells the test what it accepted.

`WebhookReceiver(secret)` starts it on a free loopback port and returns once it listens;
`base` is its URL, `received()` its /received answer, `mode(status=..., delay_ms=...)` how it
answers the next hooks, `close()` stops it. UPGATE_NODE names node (default: PATH's).
"""
import json
import os
import shutil
import subprocess

import requests

from child_process import die_with_parent, stop

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECEIVER = os.path.join(ROOT, "tests", "integration", "events", "receiver.mjs")
NODE = os.environ.get("UPGATE_NODE") or shutil.which("node") or "node"


class WebhookReceiver:
    def __init__(self, secret):
        self.process = subprocess.Popen(
            [NODE, RECEIVER, "--port", "0", "--secret", secret], stdout=subprocess.PIPE,
            preexec_fn=die_with_parent)
        line = self.process.stdout.readline().decode()
        if not line.startswith("listening "):
            stop(self.process)
            raise RuntimeError("the receiver did not start: " + line)
        self.base = "http://127.0.0.1:" + line.split()[1]

    def received(self):
        return requests.get(self.base + "/received", timeout=10).json()

    def mode(self, **mode):
        requests.post(self.base + "/mode", data=json.dumps(mode), timeout=10).raise_for_status()

    def close(self):
        stop(self.process)
