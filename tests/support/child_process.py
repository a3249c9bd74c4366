"""What the test harnesses that run servers (store_process.py, ceph_cluster.py and
api_harness.py beside this file) share about child processes.

Promises:
- `die_with_parent` is a `preexec_fn`: on Linux the child gets PR_SET_PDEATHSIG(SIGKILL), so a
  harness killed by ctest's timeout cannot leave a server listening behind it. The signal
  follows the thread that forked, so start children from the caller's thread.
- `split_command(argv, prog, usage)` reads a harness's program mode, `PROG [OPTIONS] --
  COMMAND...`: (options, command), or None after printing the usage line.
- `run_beside(service, command, prog, start_error)` is the program mode of a harness: it starts
  `service`, runs `command` with `service.env()` added to the environment, prints the
  service's `log_tail()` when the command failed, closes the service and returns the
  command's exit code (1 when the service raised `start_error` instead of starting).
- `stop(process, first_signal, timeout)` sends `first_signal` (SIGTERM by default) to a
  process still running, waits at most `timeout` seconds, then SIGKILLs it; it returns the
  exit code and never leaves a zombie.
- `Service` is the base of the harnesses' servers: their `start()` returns the server and
  `close()` stops it and removes what it made, so `with Server(...) as s:` is both.
- `upgate_binary()` is the program under test: $UPGATE_BIN (ctest passes
  $<TARGET_FILE:upgate>), else build/upgate of this checkout.
- `file_tail(path, max_bytes)` is the end of a log file as text, or None when there is none.
"""
import ctypes
import json
import os
import signal
import subprocess
import sys


def die_with_parent():
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Service:
    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False


def upgate_binary():
    return os.environ.get("UPGATE_BIN") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "upgate")


def stop(process, first_signal=signal.SIGTERM, timeout=10.0):
    if process.poll() is None:
        try:
            process.send_signal(first_signal)
            process.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


def file_tail(path, max_bytes):
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - max_bytes))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return None


def json_log_lines(text):
    """The JSON objects among a log's lines (upgate logs one per line); other lines, such as
    a child's plain-text stderr, are skipped."""
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def split_command(argv, prog, usage=""):
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print(f"usage: {prog} {usage}-- COMMAND [ARGS...]", file=sys.stderr)
        return None
    split = argv.index("--")
    return argv[:split], argv[split + 1:]


def run_beside(service, command, prog, start_error):
    try:
        service.start()
    except start_error as error:
        print(f"{prog}: {error}", file=sys.stderr)
        service.close()
        return 1
    try:
        env = dict(os.environ)
        env.update(service.env())
        code = subprocess.call(command, env=env, preexec_fn=die_with_parent)
        if code != 0:
            print(service.log_tail(), file=sys.stderr)
        return code
    finally:
        service.close()
