"""Raw sockets for the suites that speak HTTP by hand: what a peer says until it closes."""
import socket


def read_until_closed(sock, timeout_ends=False):
    """Everything `sock` receives until the peer closes it. A reset ends it too, keeping what
    came before; so does the socket's timeout when `timeout_ends` (otherwise it raises: a
    peer that says nothing and never closes is not one that closed without a word)."""
    ends = (ConnectionResetError, socket.timeout) if timeout_ends else (ConnectionResetError,)
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return out
            out += chunk
    except ends:
        return out
