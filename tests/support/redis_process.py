"""A real redis-server for the Python suites: Debian's /usr/bin/redis-server on a free
loopback port, in its own temp dir, without persistence, stopped by PID.

    with RedisServer() as redis:      # or redis = RedisServer().start(); ...; redis.close()
        config = f'redis_url = "{redis.url}"'
        redis.kill()                  # Redis gone mid-test (SIGKILL, by PID)
"""
import os
import signal
import socket
import subprocess
import tempfile

from child_process import Service, die_with_parent, file_tail, stop
from ports import free_port
from waiting import wait_until

REDIS_SERVER = "/usr/bin/redis-server"


def _pong(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer(Service):
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="upgate-redis-")
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir.name, "--daemonize", "no",
             "--logfile", os.path.join(self.dir.name, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
        if not wait_until(lambda: self.process.poll() is not None or _pong(self.port), 10):
            raise RuntimeError("redis-server did not answer PING: " + (self.log_tail() or ""))
        if self.process.poll() is not None:
            raise RuntimeError("redis-server exited: " + (self.log_tail() or ""))
        return self

    def kill(self):
        if self.process:
            stop(self.process, signal.SIGKILL)

    def close(self):
        self.kill()
        self.dir.cleanup()

    def log_tail(self):
        return file_tail(os.path.join(self.dir.name, "redis.log"), 4096)
