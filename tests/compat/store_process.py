"""A real `upgate store` process for tests: started on a free port in a private temp dir,
stopped for sure.

Promises:
- `StoreProcess().start()` runs `upgate store --listen 127.0.0.1:0 --data-dir DIR
  --access-key-id K` with the secret in UPGATE_STORE_SECRET_ACCESS_KEY (never in argv, where
  `ps` would show it), waits for the one JSON line `{"event":"listening","s3":URL}` on
  stdout (bounded wait), and exposes `endpoint` ("http://127.0.0.1:PORT"), `access_key_id`,
  `secret_access_key`, `region` and `data_dir`. When the store exits or stays silent instead,
  `start()` raises `StoreFailedToStart` with the store's stderr in the message.
- `stop()` sends SIGTERM, waits, then SIGKILLs; `kill()` is SIGKILL at once (crash tests).
  Either keeps the data dir, so `start()` again reopens the same data; `close()` stops the
  store and removes the temp dir. The instance is a context manager, and every store still
  running when the interpreter exits is killed (atexit). On Linux the store is also given
  PR_SET_PDEATHSIG, so it dies with the test process even when ctest SIGKILLs that on timeout.
- The store's stderr, and its stdout after the listening line (the access log), go to a file
  in the temp dir (`log_path`), so a chatty store can never block on a full pipe, and a
  failing test can print it (`log_tail()`).

As a program it wraps another command, for suites written in other languages:
    store_process.py [--keep-log] -- node --test tests/compat/js/
starts a store, runs the command with UPGATE_STORE_ENDPOINT, UPGATE_STORE_ACCESS_KEY_ID,
UPGATE_STORE_SECRET_ACCESS_KEY and UPGATE_STORE_REGION in its environment, stops the store
and exits with the command's exit code (the store's log tail is printed when it failed).

The binary is $UPGATE_BIN (ctest passes $<TARGET_FILE:upgate>), else build/upgate.
"""
import atexit
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from child_process import die_with_parent, run_beside  # noqa: E402

DEFAULT_ACCESS_KEY_ID = "AKIAUPGATECOMPATTEST"
DEFAULT_SECRET_ACCESS_KEY = "upgate/compat/secret+key/for/tests/only0"
DEFAULT_REGION = "us-east-1"
READY_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 10.0

_running = set()


class StoreFailedToStart(RuntimeError):
    pass


def upgate_binary():
    return os.environ.get("UPGATE_BIN") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "upgate")


class StoreProcess:
    def __init__(self, access_key_id=DEFAULT_ACCESS_KEY_ID,
                 secret_access_key=DEFAULT_SECRET_ACCESS_KEY, region=DEFAULT_REGION,
                 extra_args=(), binary=None, listen="127.0.0.1:0"):
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.region = region
        self.extra_args = list(extra_args)
        self.binary = binary or upgate_binary()
        self.listen = listen
        self.temp_dir = tempfile.mkdtemp(prefix="upgate-store-")
        self.data_dir = os.path.join(self.temp_dir, "data")
        self.log_path = os.path.join(self.temp_dir, "store.log")
        self.endpoint = None
        self.ready_event = None
        self._process = None
        self._log = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self):
        if self._process is not None:
            raise RuntimeError("store already running")
        os.makedirs(self.data_dir, exist_ok=True)
        command = [self.binary, "store", "--listen", self.listen, "--data-dir", self.data_dir,
                   "--access-key-id", self.access_key_id]
        if self.region != DEFAULT_REGION:
            command += ["--region", self.region]
        command += self.extra_args
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "UPGATE_STORE_"))}
        # The secret goes by environment, not argv, where any `ps` would show it.
        env["UPGATE_STORE_SECRET_ACCESS_KEY"] = self.secret_access_key
        self._log = open(self.log_path, "ab")
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log,
            env=env, preexec_fn=die_with_parent if sys.platform.startswith("linux") else None)
        _running.add(self)
        try:
            self.ready_event = self._await_ready()
        except BaseException:
            self.kill()
            raise
        self.endpoint = self.ready_event["s3"].rstrip("/")
        return self

    def _await_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        stdout = self._process.stdout
        os.set_blocking(stdout.fileno(), False)
        buffered = b""
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while True:
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    event = self._parse_event(line)
                    if event is not None and event.get("event") == "listening" and "s3" in event:
                        self._drain_stdout_in_background(stdout)
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreFailedToStart(
                        f"no listening event within {READY_TIMEOUT_SECONDS}s\n{self.log_tail()}")
                if selector.select(timeout=min(remaining, 0.2)):
                    chunk = stdout.read(65536)
                    if chunk:
                        buffered += chunk
                        if len(buffered) > 1 << 20:
                            raise StoreFailedToStart("stdout grew past 1 MiB without an event")
                        continue
                    if chunk == b"":  # EOF: the store closed stdout, so it is exiting
                        try:
                            self._process.wait(timeout=max(0.0, deadline - time.monotonic()))
                        except subprocess.TimeoutExpired:
                            pass
                        if self._process.poll() is None:
                            raise StoreFailedToStart(
                                f"store closed stdout without a listening event\n{self.log_tail()}")
                if self._process.poll() is not None:
                    raise StoreFailedToStart(
                        f"store exited with {self._process.returncode} before listening\n"
                        f"{self.log_tail()}")

    @staticmethod
    def _parse_event(line):
        try:
            value = json.loads(line.decode("utf-8", "replace"))
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def _drain_stdout_in_background(self, stdout):
        # Later stdout lines (the access log) must not fill the pipe and stall the store;
        # they go to the log file beside stderr, where log_tail() finds them.
        import threading

        def drain():
            os.set_blocking(stdout.fileno(), True)
            try:
                with open(self.log_path, "ab", buffering=0) as log:
                    while True:
                        chunk = stdout.read1(65536)
                        if not chunk:
                            break
                        log.write(chunk)
            except (OSError, ValueError):
                pass

        threading.Thread(target=drain, daemon=True).start()

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_SECONDS. Returns the exit code."""
        if self._process is None:
            return None
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        return self._forget()

    def kill(self):
        """SIGKILL at once, as a crash would. Returns the exit code."""
        if self._process is None:
            return None
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        return self._forget()

    def _forget(self):
        code = self._process.returncode
        if self._process.stdout:
            try:
                self._process.stdout.close()
            except OSError:
                pass
        self._process = None
        if self._log:
            self._log.close()
            self._log = None
        _running.discard(self)
        return code

    def close(self):
        self.stop()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    @property
    def running(self):
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self):
        return self._process.pid if self._process else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    # -- what tests need ---------------------------------------------------------------------
    @property
    def port(self):
        return int(self.endpoint.rsplit(":", 1)[1])

    def env(self):
        """Variables naming this store, for child processes of a test."""
        return {
            "UPGATE_STORE_ENDPOINT": self.endpoint,
            "UPGATE_STORE_ACCESS_KEY_ID": self.access_key_id,
            "UPGATE_STORE_SECRET_ACCESS_KEY": self.secret_access_key,
            "UPGATE_STORE_REGION": self.region,
        }

    def log_tail(self, max_bytes=8000):
        try:
            with open(self.log_path, "rb") as log:
                log.seek(0, os.SEEK_END)
                size = log.tell()
                log.seek(max(0, size - max_bytes))
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return "(no store log)"
        return "--- store log (tail) ---\n" + text if text else "(store log is empty)"


@atexit.register
def _kill_leftovers():
    for store in list(_running):
        store.kill()


def main(argv):
    if "--" not in argv:
        print("usage: store_process.py -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1:]
    if not command:
        print("store_process.py: no command after --", file=sys.stderr)
        return 2
    return run_beside(StoreProcess(), command, "store_process.py", StoreFailedToStart)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
