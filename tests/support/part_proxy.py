"""A TCP proxy in front of an S3 endpoint, for `upgate upload` tests that need a part upload
to arrive late or not at all, decided by the test instead of by timing.

Every connection is forwarded byte for byte (so signatures still verify: the Host the client
signed is the proxy's, and it reaches the server unchanged), except a *part upload*: a
connection whose request line is `PUT ...partNumber=N...` (upgate upload opens a connection
per request, so the request line is the connection's first bytes). For those:

- `delay_parts(seconds, count)`: the next `count` part uploads wait `seconds` before their
  first byte goes on, so a URL that lives less than that has expired when the server reads it.
- `hold_parts_from(n)`: every part upload of part `n` or later waits, unforwarded; `held`
  (a threading.Event) is set when the first arrives. `release()` closes the held connections
  without forwarding them (their client has usually given up by then) and forwards new ones
  again.

`requests` lists (part number, "delayed" | "held" | "forwarded") in arrival order. Start with
`PartProxy(upstream_url).start()`, stop with `close()` (also a context manager). The proxy
listens on 127.0.0.1 on a port the kernel picks; `endpoint` is its http:// URL.
"""
import re
import socket
import threading
import time
import urllib.parse

PART_REQUEST = re.compile(rb"^PUT [^ \r\n]*[?&]partNumber=(\d+)[& \r]")


class PartProxy:
    def __init__(self, upstream_url):
        parsed = urllib.parse.urlsplit(upstream_url)
        self.upstream = (parsed.hostname, parsed.port or 80)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.lock = threading.Lock()
        self.delay_seconds = 0.0
        self.delays_left = 0
        self.hold_from = None
        self.held = threading.Event()
        self.released = threading.Event()
        self.requests = []
        self.closed = False
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.closed = True
        self.released.set()
        try:
            self.listener.close()
        except OSError:
            pass

    def delay_parts(self, seconds, count=1):
        with self.lock:
            self.delay_seconds, self.delays_left = seconds, count

    def hold_parts_from(self, part_number):
        with self.lock:
            self.hold_from = part_number
            self.held.clear()
            self.released.clear()

    def release(self):
        with self.lock:
            self.hold_from = None
        self.released.set()

    def accept_loop(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def decide(self, first):
        """What to do with a connection that began with `first`: (action, seconds)."""
        match = PART_REQUEST.match(first)
        if not match:
            return "forwarded", 0.0
        part = int(match.group(1))
        with self.lock:
            if self.hold_from is not None and part >= self.hold_from:
                self.requests.append((part, "held"))
                return "held", 0.0
            if self.delays_left > 0:
                self.delays_left -= 1
                self.requests.append((part, "delayed"))
                return "delayed", self.delay_seconds
            self.requests.append((part, "forwarded"))
            return "forwarded", 0.0

    def serve(self, client):
        upstream = None
        try:
            first = client.recv(65536)
            if not first:
                return
            action, seconds = self.decide(first)
            if action == "held":
                self.held.set()
                self.released.wait()
                return  # closed unforwarded
            if seconds:
                time.sleep(seconds)
            upstream = socket.create_connection(self.upstream, timeout=30)
            upstream.settimeout(None)
            upstream.sendall(first)
            back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
            back.start()
            pump(client, upstream)
            back.join(timeout=60)
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass


def pump(source, sink):
    """Copies until `source` ends, then half-closes `sink` so the other side sees the end."""
    try:
        while True:
            data = source.recv(1 << 20)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass
