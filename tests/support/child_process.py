"""What the test harnesses that run servers (tests/compat/store_process.py,
tests/rgw/ceph_cluster.py, tests/integration/store/store_harness.py) share about child
processes.

Promises:
- `die_with_parent` is a `preexec_fn`: on Linux the child gets PR_SET_PDEATHSIG(SIGKILL), so a
  harness killed by ctest's timeout cannot leave a server listening behind it. The signal
  follows the thread that forked, so start children from the caller's thread.
- `run_beside(service, command, prog, start_error)` is the program mode of a harness: it starts
  `service`, runs `command` with `service.env()` added to the environment, prints the
  service's `log_tail()` when the command failed, closes the service and returns the
  command's exit code (1 when the service raised `start_error` instead of starting).
"""
import ctypes
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
