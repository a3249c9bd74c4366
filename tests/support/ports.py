"""Loopback ports for tests: one the kernel just handed out, and whether something listens."""
import socket


def free_port():
    """A port that was free a moment ago (another process may take it before the test does;
    servers the suites start on port 0 report theirs instead where they can)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port):
    """True when a connection to 127.0.0.1:port is accepted."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False
