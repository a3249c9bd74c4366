"""Connection caps on both servers, with real sockets: beyond the listener's maximum, or
beyond the per-client maximum for one address, the API answers 503 and closes, the store
closes; each refusal is counted; connections within the caps are served as before."""
import re
import socket
import time
import unittest

from api_harness import ApiServer
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


def read_until_closed(s):
    out = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return out
            out += chunk
    except ConnectionResetError:
        return out


class ApiCaps(unittest.TestCase):
    def test_listener_maximum(self):
        config = "[server]\nmax_connections = 4\n"
        with ApiServer(config) as server:
            held = [open_connection(server.port) for _ in range(4)]
            for s in held:
                self.assertIn(b"200 OK", healthz(s))  # each one accepted and served
            extra = open_connection(server.port)
            answer = read_until_closed(extra)
            self.assertRegex(answer, rb"^HTTP/1.1 503 ")
            self.assertIn(b"Retry-After:", answer)
            self.assertIn(b'"code":"too_many_connections"', answer)
            extra.close()
            for s in held:
                s.close()
            metrics = wait_until(lambda: server.get("/metrics").text, 5)
            self.assertRegex(metrics,
                             r'upgate_http_connections_refused_total\{reason="listener"\} 1')

    def test_per_client_maximum(self):
        config = "[server]\nmax_connections = 100\nmax_connections_per_client = 2\n"
        with ApiServer(config) as server:
            held = [open_connection(server.port) for _ in range(2)]
            for s in held:
                self.assertIn(b"200 OK", healthz(s))
            extra = open_connection(server.port)
            self.assertRegex(read_until_closed(extra), rb"^HTTP/1.1 503 ")
            # Another address is not held back by the first one's connections.
            other = open_connection(server.port, source="127.0.0.2")
            self.assertIn(b"200 OK", healthz(other))
            for s in held + [other, extra]:
                s.close()
            # The slots come back when connections close.
            self.assertTrue(wait_until(
                lambda: b"200 OK" in healthz(open_connection(server.port)), 5))
            self.assertRegex(server.get("/metrics").text,
                             r'upgate_http_connections_refused_total\{reason="client"\} 1')


class StoreCaps(unittest.TestCase):
    def test_store_closes_beyond_its_caps(self):
        with StoreProcess(extra_args=["--max-connections", "3",
                                      "--max-connections-per-client", "2"]) as store:
            held = [open_connection(store.port) for _ in range(2)]
            for s in held:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertRegex(s.recv(4096), rb"^HTTP/1.1 ")
            refused = open_connection(store.port)
            self.assertEqual(read_until_closed(refused), b"")  # closed without a word
            other = open_connection(store.port, source="127.0.0.2")
            other.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertRegex(other.recv(4096), rb"^HTTP/1.1 ")
            beyond = open_connection(store.port, source="127.0.0.3")
            self.assertEqual(read_until_closed(beyond), b"")  # the listener is full
            for s in held + [other, refused, beyond]:
                s.close()
            log = wait_until(lambda: re.search(r'"connection refused"', store.log()), 5)
            self.assertTrue(log, store.log_tail())
            # Served again once connections closed.
            self.assertTrue(wait_until(lambda: store.client().list_buckets() is not None, 5))


if __name__ == "__main__":
    unittest.main()
