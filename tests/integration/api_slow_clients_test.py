"""Slow clients against both real servers (`upgate serve` and `upgate store`), with real
sockets that keep sending or reading, just slowly:

- a request header trickled one byte at a time is cut off by the header deadline (the
  connection is closed without an answer: no 408, since a header that never ended names no
  request to answer), though no gap between two bytes comes near an idle timeout;
- a body sent below the minimum rate gets the store's S3 `400 RequestTimeout` XML, and the
  API's 408, however regularly its bytes come;
- a download read below the minimum send rate is cut off.

The servers are configured with a short deadline and window so the cut comes soon, but no
assertion is about time: each slow client goes on until the server gives up, and what
bounds the wait is ctest's timeout for the suite. Without the limits each of these clients
would be served for thousands of seconds (the idle timeouts never fire), so the suite
would time out and fail.
"""
import socket
import time
import unittest

from api_harness import ApiServer
from raw_socket import read_until_closed
from store_process import StoreProcess

TRICKLE_INTERVAL = 0.05  # far inside every idle timeout (header 10 s, body 30/60 s)


def connect(port, timeout=30):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def server_spoke_or_closed(sock):
    """True once a read is ready: the server answered or closed."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) is not None
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)


def trickle_until_cut(sock, data):
    """Sends `data` one byte per TRICKLE_INTERVAL until the server answers or closes.
    Returns the number of bytes sent, or None when all of `data` went out first."""
    for i in range(len(data)):
        if server_spoke_or_closed(sock):
            return i
        try:
            sock.sendall(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            return i
        time.sleep(TRICKLE_INTERVAL)
    return None


def read_all(sock):
    return read_until_closed(sock, timeout_ends=True)


class ApiSlowClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ApiServer('[server]\nheader_timeout = "2s"\nbody_min_rate = 1000\n'
                               'min_rate_window = "2s"\n\n[profiles.avatars]\nfolder = "avatars"\n')
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_a_trickled_header_is_closed_without_an_answer(self):
        s = connect(self.server.port)
        header = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 100_000 + b"\r\n\r\n"
        sent = trickle_until_cut(s, header)
        self.assertIsNotNone(sent, "the whole trickled header was read")
        self.assertEqual(read_all(s), b"", "a header that never ended gets no answer")
        s.close()
        self.assertEqual(self.server.get("/healthz").status_code, 200)  # others are served

    def test_a_body_below_the_minimum_rate_gets_408(self):
        s = connect(self.server.port)
        s.sendall(b"POST /v1/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 16000\r\n\r\n")
        sent = trickle_until_cut(s, b"{" + b" " * 15_999)
        self.assertIsNotNone(sent, "the whole trickled body was read")
        self.assertRegex(read_all(s), rb"^HTTP/1.1 408 ")
        s.close()

    def test_a_prompt_client_is_unaffected(self):
        r = self.server.post("/v1/uploads", {"profile": "avatars", "fileName": "a.png",
                                             "contentType": "image/png", "size": 10})
        self.assertEqual(r.status_code, 200, r.text)


class StoreSlowClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = StoreProcess(extra_args=[
            "--bucket", "slow", "--header-timeout", "2", "--body-min-rate", "1000",
            "--send-min-rate", "100000", "--min-rate-window", "2"])
        cls.store.start()
        cls.s3 = cls.store.client()

    @classmethod
    def tearDownClass(cls):
        cls.store.close()

    def presigned(self, method, key):
        url = self.s3.generate_presigned_url(method, Params={"Bucket": "slow", "Key": key},
                                             ExpiresIn=3600)
        return url[len(self.store.endpoint):]

    def test_a_trickled_header_is_closed_without_an_answer(self):
        s = connect(self.store.port)
        header = (f"GET /slow HTTP/1.1\r\nHost: {self.store.host}\r\nX-Pad: ".encode()
                  + b"a" * 100_000 + b"\r\n\r\n")
        self.assertIsNotNone(trickle_until_cut(s, header), "the whole trickled header was read")
        self.assertEqual(read_all(s), b"")
        s.close()

    def test_a_body_below_the_minimum_rate_gets_request_timeout(self):
        target = self.presigned("put_object", "trickled.bin")
        s = connect(self.store.port)
        s.sendall(f"PUT {target} HTTP/1.1\r\nHost: {self.store.host}\r\n"
                  f"Content-Length: 100000\r\n\r\n".encode())
        self.assertIsNotNone(trickle_until_cut(s, b"x" * 100_000),
                             "the whole trickled body was read")
        answer = read_all(s)
        self.assertRegex(answer, rb"^HTTP/1.1 400 ")
        self.assertIn(b"<Code>RequestTimeout</Code>", answer)
        s.close()
        with self.assertRaises(Exception):  # nothing half-written
            self.s3.head_object(Bucket="slow", Key="trickled.bin")

    def test_a_download_read_below_the_send_rate_is_cut_off(self):
        size = 16 * 1024 * 1024
        self.s3.put_object(Bucket="slow", Key="big.bin", Body=b"z" * size)
        target = self.presigned("get_object", "big.bin")
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(30)
        s.connect(("127.0.0.1", self.store.port))
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {self.store.host}\r\n\r\n".encode())
        received = 0
        while True:  # about 4 KB/s: a reader that never stops, but barely reads
            try:
                chunk = s.recv(200)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += len(chunk)
            time.sleep(0.05)
        s.close()
        self.assertLess(received, size, "the whole object was sent to a reader this slow")

    def test_a_prompt_client_is_unaffected(self):
        self.s3.put_object(Bucket="slow", Key="small", Body=b"hello")
        self.assertEqual(self.s3.get_object(Bucket="slow", Key="small")["Body"].read(), b"hello")


if __name__ == "__main__":
    unittest.main()
