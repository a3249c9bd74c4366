"""`upgate upload` as the suites drive it: big test files written fast, the command run with
its --resume state in a directory of the test's own, and killed with SIGKILL once its state
file says a number of parts are done (so "mid-way" is a fact read from the file, not a
guess about timing)."""
import glob
import hashlib
import json
import os
import signal
import subprocess
import time

from api_harness import BINARY

MiB = 1024 * 1024


def write_test_file(path, size, seed=b"upgate"):
    """`size` bytes where every MiB block starts with its index, so parts sent to the wrong
    offset or in the wrong order change the hash; returns the file's SHA-256 hex."""
    block = hashlib.shake_256(seed).digest(MiB)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        written, index = 0, 0
        while written < size:
            chunk = (index.to_bytes(8, "big") + block[8:])[: size - written]
            f.write(chunk)
            digest.update(chunk)
            written += len(chunk)
            index += 1
    return digest.hexdigest()


def object_sha256(s3, bucket, key):
    digest = hashlib.sha256()
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    for chunk in body.iter_chunks(8 * MiB):
        digest.update(chunk)
    return digest.hexdigest()


def upload_env(state_home):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "XDG_STATE_HOME": state_home}


def upload(args, env, timeout=600):
    return subprocess.run([BINARY, "upload", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def state_files(state_home):
    return sorted(glob.glob(os.path.join(state_home, "upgate", "*.json")))


def parts_done(state_home):
    for path in state_files(state_home):
        try:
            with open(path) as f:
                return len(json.load(f)["partsDone"])
        except (OSError, ValueError, KeyError):
            pass  # between the write and the rename: read again
    return 0


def kill_when_parts_done(args, env, state_home, parts, timeout=300):
    """Runs `upgate upload ARGS` and kills it with SIGKILL as soon as its state file lists at
    least `parts` parts done. Returns (parts done at the kill, exit status, stdout, stderr);
    the status is -9 unless the upload ended first."""
    os.makedirs(state_home, exist_ok=True)
    out_path = os.path.join(state_home, "killed.out")
    err_path = os.path.join(state_home, "killed.err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen([BINARY, "upload", *args], env=env, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        done = 0
        while process.poll() is None and time.monotonic() < deadline:
            done = parts_done(state_home)
            if done >= parts:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        status = process.wait()
    with open(out_path) as out, open(err_path) as err:
        return done, status, out.read(), err.read()
