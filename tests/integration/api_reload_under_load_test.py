"""SIGHUP while requests keep coming: a real `upgate serve` is asked for upload URLs by four
client threads, each on its own keep-alive connection and a new connection now and then,
while upgate.toml is rewritten and reloaded ten times, each time with another second
profile. No request fails (no refused or reset connection, no 5xx): the profile every
version keeps answers 200 throughout, and after each reload the new second profile is
served and the old one refused.
"""
import os
import signal
import threading
import time
import unittest

import requests

from api_harness import ApiServer

RELOADS = 10


def config(version):
    return f'''
[profiles.steady]
shared = true
folder = "steady"

[profiles.v{version}]
shared = true
folder = "v{version}"
'''


def body(profile):
    return {"profile": profile, "fileName": "a.txt", "contentType": "text/plain", "size": 10}


class ReloadUnderLoadTest(unittest.TestCase):
    def test_no_request_fails_across_ten_reloads(self):
        with ApiServer(config(0)) as server:
            path = os.path.join(server.dir.name, "upgate.toml")
            stop = threading.Event()
            outcomes = []  # (status or exception text) of every request
            lock = threading.Lock()

            def client():
                session = requests.Session()
                n = 0
                while not stop.is_set():
                    n += 1
                    if n % 25 == 0:  # a new connection now and then, as browsers open them
                        session.close()
                        session = requests.Session()
                    try:
                        r = session.post(server.base + "/v1/uploads", json=body("steady"),
                                         timeout=10)
                        outcome = r.status_code
                    except requests.RequestException as e:
                        outcome = f"{type(e).__name__}: {e}"
                    with lock:
                        outcomes.append(outcome)
                session.close()

            threads = [threading.Thread(target=client) for _ in range(4)]
            for t in threads:
                t.start()
            try:
                for version in range(1, RELOADS + 1):
                    time.sleep(0.2)
                    with open(path + ".new", "w") as f:
                        f.write(config(version))
                    os.replace(path + ".new", path)
                    reloaded = server.log_text().count("configuration reloaded")
                    server.process.send_signal(signal.SIGHUP)
                    deadline = time.time() + 15
                    while (server.log_text().count("configuration reloaded") == reloaded
                           and time.time() < deadline):
                        time.sleep(0.02)
                    self.assertGreater(server.log_text().count("configuration reloaded"),
                                       reloaded, "no 'configuration reloaded' after SIGHUP")
                    # The new rules apply at once: this version's profile, not the last one's.
                    r = server.post("/v1/uploads", body(f"v{version}"))
                    self.assertEqual(r.status_code, 200, r.text)
                    r = server.post("/v1/uploads", body(f"v{version - 1}"))
                    self.assertEqual(r.status_code, 400, r.text)
                    self.assertEqual(r.json()["error"]["code"], "unknown_profile", r.text)
                time.sleep(0.2)
            finally:
                stop.set()
                for t in threads:
                    t.join(30)

            failed = [o for o in outcomes if o != 200]
            self.assertGreater(len(outcomes), RELOADS * 50, "the clients barely ran")
            self.assertEqual(failed, [], f"{len(failed)} of {len(outcomes)} requests failed")
            self.assertIsNone(server.process.poll())


if __name__ == "__main__":
    unittest.main()
