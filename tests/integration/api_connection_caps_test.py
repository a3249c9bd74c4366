"""Connection caps on both servers, with real sockets: beyond the listener's maximum, or
beyond the per-client maximum for one address, the API answers 503 and closes, the store
closes; each refusal is counted; connections within the caps are served as before."""
import re
import socket
import time
import unittest

from api_harness import ApiServer
from raw_socket import read_until_closed
from store_process import StoreProcess
from waiting import wait_until


def open_connection(port, source="127.0.0.1"):
    s = socket.socket()
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def healthz(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    return s.recv(4096)


def hold(port, n, source="127.0.0.1"):
    """n connections from `source`, each served once and kept open, and the number of 503s
    met on the way: the harness's own /healthz connection may still hold its slot for a
    moment after it closed (the server frees it when it sees the close), so a set that met
    a refusal is closed and tried again."""
    refused = 0
    for _ in range(50):
        held = [open_connection(port, source) for _ in range(n)]
        answers = [healthz(s) for s in held]
        if all(b"200 OK" in a for a in answers):
            return held, refused
        refused += sum(1 for a in answers if b" 503 " in a)
        for s in held:
            s.close()
        time.sleep(0.1)
    raise AssertionError(f"{n} connections from {source} were never all served")


def store_hold(port, n, source):
    """n connections from `source` to the store, each answered once and kept open."""
    for _ in range(50):
        held = [open_connection(port, source) for _ in range(n)]
        answers = []
        for s in held:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                answers.append(s.recv(4096))
            except ConnectionResetError:
                answers.append(b"")
        if all(a.startswith(b"HTTP/1.1 ") for a in answers):
            return held
        for s in held:
            s.close()
        time.sleep(0.1)
    raise AssertionError(f"{n} connections from {source} were never all answered")


def served_once(port, source, refusals):
    """True when a new connection from `source` is served; a 503 is appended to
    `refusals` (the slot of a connection just closed comes back when the server has seen
    the close, so the first tries may still be refused)."""
    s = open_connection(port, source)
    try:
        answer = healthz(s)
    finally:
        s.close()
    if b" 503 " in answer:
        refusals.append(answer)
    return b"200 OK" in answer


def metrics_text(server, refusals=None):
    """/metrics once a connection is served: the slots of connections just closed come back
    when the server has seen the closes, and until then a try is refused, which counts as a
    refusal too: each 503 is appended to `refusals`."""
    def served():
        r = server.get("/metrics")
        if r.status_code == 503 and refusals is not None:
            refusals.append(r)
        return r.status_code == 200 and r.text
    return wait_until(served, 5)


class ApiCaps(unittest.TestCase):
    def test_listener_maximum(self):
        config = "[server]\nmax_connections = 4\n"
        with ApiServer(config) as server:
            held, refused = hold(server.port, 4)  # each one accepted and served
            extra = open_connection(server.port)
            answer = read_until_closed(extra)
            self.assertRegex(answer, rb"^HTTP/1.1 503 ")
            self.assertIn(b"Retry-After:", answer)
            self.assertIn(b'"code":"too_many_connections"', answer)
            extra.close()
            for s in held:
                s.close()
            metrics_refused = []
            metrics = metrics_text(server, metrics_refused)
            self.assertTrue(metrics, "the closed connections' slots never came back")
            expected = r'upgate_http_connections_refused_total\{reason="listener"\} %d\n'
            self.assertRegex(metrics, expected % (refused + 1 + len(metrics_refused)))

    def test_per_client_maximum(self):
        config = "[server]\nmax_connections = 100\nmax_connections_per_client = 2\n"
        with ApiServer(config) as server:
            # From an address of its own: the harness's connections come from 127.0.0.1.
            held, refused = hold(server.port, 2, source="127.0.0.3")
            self.assertEqual(refused, 0)
            extra = open_connection(server.port, source="127.0.0.3")
            self.assertRegex(read_until_closed(extra), rb"^HTTP/1.1 503 ")
            # Another address is not held back by the first one's connections.
            other = open_connection(server.port, source="127.0.0.2")
            self.assertIn(b"200 OK", healthz(other))
            for s in held + [other, extra]:
                s.close()
            # The slots come back when connections close.
            retried = []
            self.assertTrue(wait_until(lambda: served_once(server.port, "127.0.0.3", retried), 5))
            expected = r'upgate_http_connections_refused_total\{reason="client"\} %d\n'
            self.assertRegex(metrics_text(server), expected % (1 + len(retried)))


class StoreCaps(unittest.TestCase):
    def test_store_closes_beyond_its_caps(self):
        with StoreProcess(extra_args=["--max-connections", "3",
                                      "--max-connections-per-client", "2"]) as store:
            # Addresses of their own (the harness's probes come from 127.0.0.1), each set
            # served before the next step; a set that met a close is tried again, as the
            # probe's connection may hold a listener slot for a moment after it closed.
            held = store_hold(store.port, 2, "127.0.0.3")
            refused = open_connection(store.port, source="127.0.0.3")
            self.assertEqual(read_until_closed(refused), b"")  # closed without a word
            other = store_hold(store.port, 1, "127.0.0.2")
            beyond = open_connection(store.port, source="127.0.0.4")
            self.assertEqual(read_until_closed(beyond), b"")  # the listener is full
            for s in held + other + [refused, beyond]:
                s.close()
            log = wait_until(lambda: re.search(r'"connection refused"', store.log()), 5)
            self.assertTrue(log, store.log_tail())
            # Served again once connections closed.
            self.assertTrue(wait_until(lambda: store.client().list_buckets() is not None, 5))


if __name__ == "__main__":
    unittest.main()
