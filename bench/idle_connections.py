#!/usr/bin/python3
"""Opens N keep-alive connections to the API, makes one request on each, leaves them idle,
and prints the server's RSS while they are all open (bench/api.sh)."""
import resource
import socket
import sys
import time

host, port, count, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 1024)), hard))

request = (f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n").encode()
sockets = []
for i in range(count):
    s = socket.create_connection((host, port))
    s.sendall(request)
    sockets.append(s)
    if len(sockets) % 1000 == 0:
        # Drain the answers so the server sees each connection go idle.
        for t in sockets[-1000:]:
            t.recv(4096)
for t in sockets[len(sockets) - len(sockets) % 1000:]:
    t.recv(4096)
time.sleep(1.0)


def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    return 0


alive = 0
for s in sockets:
    s.setblocking(False)
    try:
        data = s.recv(1)
        if data == b"":
            continue  # closed by the server
    except BlockingIOError:
        pass
    alive += 1
rss = rss_kib()
print(f"SUMMARY idle_connections={alive}/{count} rss_mib={rss / 1024:.1f}")
for s in sockets:
    s.close()
