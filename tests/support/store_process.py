"""A real `upgate store` process for tests: started on a free port in a private temp dir,
stopped for sure. Every suite that needs the store (integration, compat, cli, scenarios) and
the store benchmarks start it through this one class.

Promises:
- `StoreProcess(...).start()` runs `upgate store --listen 127.0.0.1:0 --data-dir DIR
  --threads 2 --access-key-id K` with the secret in UPGATE_STORE_SECRET_ACCESS_KEY (never in
  argv, where `ps` would show it), in an environment of PATH, HOME (the temp dir, so no
  ~/.aws of the machine's leaks in) and `env`; then waits (bounded) for the JSON line
  `{"event":"listening","s3":URL}` on stdout. Afterwards `ready` is that line as a dict and
  `endpoint` is "http://127.0.0.1:PORT". With `access_key_id=None` the store is given no
  root key and generates one. When the store exits or stays silent instead, `start()`
  raises `StoreFailedToStart` with the store's output in the message.
- `stop()` sends SIGTERM, waits, then SIGKILLs; `kill()` is SIGKILL at once (crash tests).
  Either keeps the data dir, so `start()` again reopens the same data; `close()` stops the
  store and removes the temp dir. The instance is a context manager; every store still
  running when the interpreter exits is killed (atexit), and on Linux each gets
  PR_SET_PDEATHSIG, so it dies with the test process even when ctest SIGKILLs that.
- The store's stdout (the listening line, then the access log) and stderr go to two files
  in the temp dir, appended across restarts, so a chatty store never blocks on a pipe:
  `log()` and `stderr()` return them whole, `log_tail()` the end of both.
- `start_store(**options)` is construct-and-start that removes what it made when the start
  fails (a test's tearDown does not run then).

As a program it wraps another command, for suites written in other languages:
    store_process.py -- node --test tests/compat/js/
starts a store, runs the command with UPGATE_STORE_ENDPOINT, UPGATE_STORE_ACCESS_KEY_ID,
UPGATE_STORE_SECRET_ACCESS_KEY and UPGATE_STORE_REGION in its environment, stops the store
and exits with the command's exit code (the store's log tail is printed when it failed).
"""
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

from child_process import (Service, die_with_parent, file_tail, run_beside, split_command, stop,
                           upgate_binary)

DEFAULT_ACCESS_KEY_ID = "AKIAUPGATECOMPATTEST"
DEFAULT_SECRET_ACCESS_KEY = "upgate/compat/secret+key/for/tests/only0"
DEFAULT_REGION = "us-east-1"
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0

_running = set()


class StoreFailedToStart(RuntimeError):
    pass


class StoreProcess(Service):
    def __init__(self, access_key_id=DEFAULT_ACCESS_KEY_ID,
                 secret_access_key=DEFAULT_SECRET_ACCESS_KEY, region=DEFAULT_REGION,
                 extra_args=(), env=None, data_dir=None, binary=None):
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key if access_key_id else None
        self.region = region
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.binary = binary or upgate_binary()
        self.temp_dir = tempfile.mkdtemp(prefix="upgate-store-")
        self.data_dir = data_dir or os.path.join(self.temp_dir, "data")
        self.stdout_path = os.path.join(self.temp_dir, "stdout.log")
        self.stderr_path = os.path.join(self.temp_dir, "stderr.log")
        self.endpoint = None
        self.ready = None
        self.process = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self):
        if self.process is not None:
            raise RuntimeError("store already running")
        command = [self.binary, "store", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
                   "--threads", "2"]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.temp_dir}
        if self.access_key_id:
            command += ["--access-key-id", self.access_key_id]
            env["UPGATE_STORE_SECRET_ACCESS_KEY"] = self.secret_access_key
        if self.region != DEFAULT_REGION:
            command += ["--region", self.region]
        command += self.extra_args
        env.update(self.extra_env)
        offset = os.path.getsize(self.stdout_path) if os.path.exists(self.stdout_path) else 0
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=err, env=env, preexec_fn=die_with_parent)
        _running.add(self)
        try:
            self.ready = self._await_listening(offset)
        except BaseException:
            self.kill()
            raise
        self.endpoint = self.ready["s3"].rstrip("/")
        return self

    def _await_listening(self, offset):
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            with open(self.stdout_path, "rb") as out:
                out.seek(offset)
                for line in out.read().split(b"\n")[:-1]:
                    if b'"event":"listening"' in line:
                        return json.loads(line)
            if self.process.poll() is not None:
                raise StoreFailedToStart(
                    f"store exited with {self.process.returncode} before listening\n"
                    f"{self.log_tail()}")
            if time.monotonic() > deadline:
                raise StoreFailedToStart(
                    f"no listening event within {READY_TIMEOUT_SECONDS:.0f} s\n{self.log_tail()}")
            time.sleep(0.02)

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_SECONDS. Returns the exit code."""
        return self._end(signal.SIGTERM)

    def kill(self):
        """SIGKILL at once, as a crash would. Returns the exit code."""
        return self._end(signal.SIGKILL)

    def _end(self, first_signal):
        if self.process is None:
            return None
        code = stop(self.process, first_signal, STOP_TIMEOUT_SECONDS)
        self.process = None
        _running.discard(self)
        return code

    def close(self):
        self.stop()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self):
        return self.process.pid if self.process else None

    # -- what tests need ---------------------------------------------------------------------
    @property
    def host(self):
        return urllib.parse.urlsplit(self.endpoint).netloc

    @property
    def port(self):
        return urllib.parse.urlsplit(self.endpoint).port

    def env(self):
        """Variables naming this store, for child processes of a test."""
        return {
            "UPGATE_STORE_ENDPOINT": self.endpoint,
            "UPGATE_STORE_ACCESS_KEY_ID": self.access_key_id,
            "UPGATE_STORE_SECRET_ACCESS_KEY": self.secret_access_key,
            "UPGATE_STORE_REGION": self.region,
        }

    def client(self, access_key_id=None, secret_access_key=None):
        """A boto3 S3 client (s3_client.py), with the root key unless told."""
        from s3_client import s3_client

        return s3_client(self.endpoint, access_key_id or self.access_key_id,
                         secret_access_key or self.secret_access_key, self.region)

    def blob_files(self):
        """Committed blobs and temp files in the data dir."""
        found = []
        for sub in ("blobs", "tmp"):
            for dirpath, _, files in os.walk(os.path.join(self.data_dir, sub)):
                found += [os.path.join(dirpath, f) for f in files]
        return found

    def log(self):
        """Everything the store printed on stdout so far, over every start (the access log)."""
        return self._read(self.stdout_path)

    def stderr(self):
        return self._read(self.stderr_path)

    @staticmethod
    def _read(path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, max_bytes=8000):
        parts = []
        for name, path in (("stdout", self.stdout_path), ("stderr", self.stderr_path)):
            text = file_tail(path, max_bytes)
            if text:
                parts.append(f"--- store {name} (tail) ---\n{text}")
        return "\n".join(parts) if parts else "(the store printed nothing)"


def start_store(**options):
    store = StoreProcess(**options)
    try:
        return store.start()
    except BaseException:
        store.close()
        raise


@atexit.register
def _kill_leftovers():
    for store in list(_running):
        store.kill()


def main(argv):
    split = split_command(argv, "store_process.py")
    if split is None:
        return 2
    return run_beside(StoreProcess(), split[1], "store_process.py", StoreFailedToStart)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
