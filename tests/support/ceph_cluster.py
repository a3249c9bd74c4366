#!/usr/bin/python3
"""A real single-node Ceph cluster with an S3 gateway (RGW) for tests: built from Debian's
packages in one private temp dir, answering S3 on 127.0.0.1, stopped for sure.

Promises:
- `CephRgw().start()` brings up, from nothing, one monitor, one manager, one OSD and one
  radosgw (beast frontend), every one of them in the foreground (so the PIDs it holds are the
  daemons themselves), bound to 127.0.0.1 on ports the kernel just handed out, and configured
  by one file in the temp dir: data, keyrings, admin sockets, run dir, logs and crash dumps all
  live there. /etc/ceph, /var/lib/ceph and /var/run/ceph are never read or written. Each
  cluster has its own fsid, so clusters may run side by side.
- The OSD keeps objects in RAM (`objectstore="memstore"`, the default; its reported capacity is
  `memstore_device_bytes`) or on a sparse file in the temp dir (`objectstore="bluestore"`,
  `bluestore_block_bytes`), for benchmarks that should touch a disk. Pools have one replica and
  few placement groups, and the monitor proposes every 50 ms, which is what makes a cold start
  take seconds, not minutes (`start_seconds` says how many).
- An S3 user is created with the given access key and secret (`radosgw-admin user create`; the
  secret reaches it by environment, not argv, and its output, which echoes the secret, is
  dropped) before the gateway starts, and `start()` returns once the gateway answers. Then
  `endpoint` ("http://127.0.0.1:PORT", path-style addressing), `access_key_id`,
  `secret_access_key` and `region` describe it, and `create_bucket(name)` makes a bucket with a
  SigV4-signed CreateBucket. RGW checks signatures with whatever region the credential scope
  names, so "us-east-1" (the default) works; only a CreateBucket LocationConstraint must name
  its zonegroup ("default"), and us-east-1 clients send none. When a daemon exits or the
  gateway stays silent, `start()` raises `CephFailedToStart` with the log tails in the
  message, having stopped what it started; a port taken meanwhile by another process makes it
  start over on new ports instead (up to 3 times).
- `stop()` sends SIGTERM to exactly the PIDs it started (gateway first, monitor last), waits a
  bounded time, then SIGKILLs; `start()` again builds a new, empty cluster. `close()` stops
  and removes the temp dir. The instance is a context manager, every cluster still running
  when the interpreter exits is killed (atexit), and each daemon gets PR_SET_PDEATHSIG, so it
  dies with the test process even when ctest SIGKILLs that on timeout.
- Daemon output goes to files in the temp dir, never to a pipe that could fill up;
  `log_tail()` returns the end of each, for a failing test to print. With `verbose=True` the
  start-up steps and their timings are printed to stderr.

As a program it wraps another command, like store_process.py beside it:
    ceph_cluster.py [--objectstore memstore|bluestore] [--dir DIR] [--verbose] -- COMMAND...
starts a cluster, runs the command with UPGATE_S3_ENDPOINT, UPGATE_S3_ACCESS_KEY_ID,
UPGATE_S3_SECRET_ACCESS_KEY and UPGATE_S3_REGION in its environment, stops the cluster and
exits with the command's exit code (the log tails are printed when it failed).

Needs the Debian packages ceph-mon, ceph-mgr, ceph-osd, radosgw and ceph-common (scripts/
setup.sh installs them), and python3-boto3 for create_bucket().
"""
import atexit
import errno
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

from child_process import Service, die_with_parent, file_tail, run_beside, split_command, stop

DEFAULT_ACCESS_KEY_ID = "AKIAUPGATERGWTEST000"
DEFAULT_SECRET_ACCESS_KEY = "upgate/rgw/secret+key/for/tests/only0000"
DEFAULT_REGION = "us-east-1"
START_TIMEOUT_SECONDS = 90.0
START_ATTEMPTS = 3
COMMAND_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
S3_USER_ID = "upgate-test"
PROGRAMS = ("ceph-authtool", "monmaptool", "ceph-mon", "ceph", "ceph-osd", "ceph-mgr",
            "radosgw-admin", "radosgw")

_running = set()


class CephFailedToStart(RuntimeError):
    pass


def _free_ports(count):
    # Held open together, so the kernel hands out distinct ports; a daemon that loses the race
    # for one fails to start and says so in its log.
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class CephRgw(Service):
    def __init__(self, access_key_id=DEFAULT_ACCESS_KEY_ID,
                 secret_access_key=DEFAULT_SECRET_ACCESS_KEY, region=DEFAULT_REGION,
                 objectstore="memstore", memstore_device_bytes=2 << 30,
                 bluestore_block_bytes=20 << 30, base_dir=None, verbose=False):
        if objectstore not in ("memstore", "bluestore"):
            raise ValueError(f"objectstore must be memstore or bluestore, not {objectstore!r}")
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.region = region
        self.objectstore = objectstore
        self.memstore_device_bytes = int(memstore_device_bytes)
        self.bluestore_block_bytes = int(bluestore_block_bytes)
        self.verbose = verbose
        self.temp_dir = tempfile.mkdtemp(prefix="upgate-ceph-", dir=base_dir)
        if len(os.path.join(self.temp_dir, "run", "client.admin.NNNNNNN.asok")) >= 108:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            raise ValueError(f"{base_dir} is too deep: admin socket paths must fit in 108 bytes")
        self.conf_path = os.path.join(self.temp_dir, "ceph.conf")
        self.keyring_path = os.path.join(self.temp_dir, "keyring")
        self.log_dir = os.path.join(self.temp_dir, "log")
        self.fsid = str(uuid.uuid4())
        self.endpoint = None
        self.start_seconds = None
        self.timings = []
        self._daemons = {}  # name -> Popen, in start order
        self._tools = []  # short-lived commands running beside the daemons
        self._output_files = {}
        self._started_at = None
        self._s3 = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self):
        if self._daemons:
            raise RuntimeError("cluster already running")
        missing = [p for p in PROGRAMS if shutil.which(p) is None]
        if missing:
            raise CephFailedToStart(f"{' '.join(missing)} not found: scripts/setup.sh installs "
                                    "ceph-mon ceph-mgr ceph-osd radosgw ceph-common")
        self._started_at = time.monotonic()
        self.timings = []
        os.makedirs(self.temp_dir, exist_ok=True)
        self._wipe()  # a second start() builds a new, empty cluster
        _running.add(self)
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self._bring_up()
                break
            except BaseException as error:
                lost_port_race = isinstance(error, CephFailedToStart) and self._lost_port_race()
                self._stop_daemons(signal.SIGKILL)
                if not lost_port_race or attempt == START_ATTEMPTS:
                    raise
                # Another process took a port between our probe and the daemon's bind: the
                # ports are baked into the monitor's map, so start over from nothing.
                self._note("a port was taken meanwhile; starting over on new ports")
                self._wipe()
                _running.add(self)
        self.start_seconds = time.monotonic() - self._started_at
        self._note(f"S3 answers at {self.endpoint} after {self.start_seconds:.2f} s")
        return self

    def _bring_up(self):
        for sub in ("mon", "mgr/mgr.x", "osd/osd.0", "run", "log", "crash", "rgw"):
            os.makedirs(os.path.join(self.temp_dir, sub), exist_ok=True)
        mon_v2, mon_v1, rgw_port = _free_ports(3)
        self._write_config(mon_v2, mon_v1)
        self._write_keyring()
        monmap = os.path.join(self.temp_dir, "monmap")
        self._run(["monmaptool", "--create", "--clobber", "--fsid", self.fsid, "--addv", "a",
                   f"[v2:127.0.0.1:{mon_v2},v1:127.0.0.1:{mon_v1}]", monmap])
        self._mark("config, keyring, monmap")

        osd_uuid = str(uuid.uuid4())
        # The OSD's store is made while the monitor's is: neither needs the other.
        osd_mkfs = self._popen_tool("osd-mkfs", [
            "ceph-osd", "-c", self.conf_path, "-i", "0", "--mkfs", "--osd-uuid", osd_uuid,
            "--no-mon-config"])
        self._run(["ceph-mon", "-c", self.conf_path, "-i", "a", "--mkfs", "--monmap", monmap,
                   "--keyring", self.keyring_path, "--no-mon-config"])
        self._mark("monitor mkfs")
        self._spawn("mon.a", ["ceph-mon", "-f", "-c", self.conf_path, "-i", "a"])
        self._ceph("osd", "new", osd_uuid, "0")
        self._mark("monitor up, osd.0 registered")
        self._wait_tool(osd_mkfs, "ceph-osd --mkfs")
        self._mark(f"osd mkfs ({self.objectstore})")
        self._spawn("osd.0", ["ceph-osd", "-f", "-c", self.conf_path, "-i", "0"])
        self._spawn("mgr.x", ["ceph-mgr", "-f", "-c", self.conf_path, "-i", "x"])
        self._create_s3_user()
        self._mark("S3 user (pools created, osd up)")
        self._spawn("client.rgw", ["radosgw", "-f", "-c", self.conf_path, "-n", "client.rgw",
                                   f"--rgw-frontends=beast endpoint=127.0.0.1:{rgw_port}"])
        self.endpoint = f"http://127.0.0.1:{rgw_port}"
        self._await_s3(rgw_port)
        self._mark("radosgw answers")

    def _write_config(self, mon_v2, mon_v1):
        tmp = self.temp_dir
        osd_store = {
            "memstore": [f"memstore device bytes = {self.memstore_device_bytes}"],
            "bluestore": [
                f"bluestore block path = {tmp}/osd/block",
                "bluestore block create = true",
                f"bluestore block size = {self.bluestore_block_bytes}",
                "bluestore fsck on mkfs = false",
                "bluestore fsck on mount = false",
                "bdev enable discard = false",
            ],
        }[self.objectstore]
        lines = [
            "[global]",
            f"fsid = {self.fsid}",
            f"mon host = [v2:127.0.0.1:{mon_v2},v1:127.0.0.1:{mon_v1}]",
            "mon initial members = a",
            "public addr = 127.0.0.1",
            "cluster addr = 127.0.0.1",
            "ms bind ipv4 = true",
            "ms bind ipv6 = false",
            # A taken port fails at once (start() then starts over) instead of after 15 s.
            "ms bind retry count = 1",
            "auth allow insecure global id reclaim = false",
            "auth cluster required = cephx",
            "auth service required = cephx",
            "auth client required = cephx",
            f"keyring = {self.keyring_path}",
            f"run dir = {tmp}/run",
            f"admin socket = {tmp}/run/$name.asok",
            f"pid file = {tmp}/run/$name.pid",
            f"log file = {tmp}/log/$name.log",
            f"crash dir = {tmp}/crash",
            f"exporter sock dir = {tmp}/run",
            "log to stderr = false",
            "err to stderr = true",
            "log to syslog = false",
            "err to syslog = false",
            "clog to syslog = false",
            # One replica, few placement groups, no autoscaler: a one-OSD cluster is healthy.
            "osd pool default size = 1",
            "osd pool default min size = 1",
            "osd pool default pg num = 8",
            "osd pool default pgp num = 8",
            "osd pool default pg autoscale mode = off",
            "osd crush chooseleaf type = 0",
            "mon allow pool size one = true",
            "mon allow pool delete = true",
            "mon warn on pool no redundancy = false",
            "mon max pg per osd = 1000",
            "",
            "[mon]",
            f"mon data = {tmp}/mon/$name",
            # Commit changes after 50 ms instead of a second: every pool, user and OSD boot is
            # a proposal, and start-up waits for each.
            "paxos propose interval = 0.05",
            "paxos min wait = 0.01",
            "mon data avail warn = 1",
            "mon data avail crit = 0",
            f"mon cluster log file = {tmp}/log/cluster.log",
            "",
            "[mgr]",
            f"mgr data = {tmp}/mgr/$name",
            # Only the modules Ceph always runs (turning those off reads as HEALTH_ERR).
            "mgr initial modules =",
            "",
            "[osd]",
            f"osd data = {tmp}/osd/$name",
            f"osd objectstore = {self.objectstore}",
            *osd_store,
            "osd crush update on start = true",
            "",
            "[client]",
            # Command-line tools may run side by side; each needs a socket of its own.
            f"admin socket = {tmp}/run/$name.$pid.asok",
            "",
            "[client.rgw]",
            f"rgw data = {tmp}/rgw",
            "rgw dns name =",
            "rgw thread pool size = 64",
            "rgw enable usage log = false",
            "rgw enable ops log = false",
            "",
        ]
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines))

    def _write_keyring(self):
        entities = [
            ("mon.", ["--cap", "mon", "allow *"]),
            ("client.admin", ["--cap", "mon", "allow *", "--cap", "osd", "allow *",
                              "--cap", "mgr", "allow *", "--cap", "mds", "allow *"]),
            ("mgr.x", ["--cap", "mon", "allow profile mgr", "--cap", "osd", "allow *",
                       "--cap", "mds", "allow *"]),
            ("osd.0", ["--cap", "mon", "allow profile osd", "--cap", "mgr", "allow profile osd",
                       "--cap", "osd", "allow *"]),
            ("client.rgw", ["--cap", "mon", "allow rw", "--cap", "osd", "allow rwx",
                            "--cap", "mgr", "allow rw"]),
        ]
        # The monitor imports every entity in this keyring at mkfs, so no `ceph auth` round
        # trips are needed later; every daemon reads its own key from the same file.
        for i, (name, caps) in enumerate(entities):
            create = ["--create-keyring"] if i == 0 else []
            self._run(["ceph-authtool", self.keyring_path, *create, "--gen-key", "-n", name,
                       *caps])
        os.chmod(self.keyring_path, 0o600)

    def _create_s3_user(self):
        # The secret goes by CEPH_ARGS, which radosgw-admin appends to its argv, so `ps` never
        # shows it; the command's JSON answer echoes it, so that answer is dropped unread.
        env = self._tool_env()
        env["CEPH_ARGS"] = f"--secret-key={self.secret_access_key}"
        self._run(["radosgw-admin", "-c", self.conf_path, "-n", "client.admin", "user", "create",
                   f"--uid={S3_USER_ID}", "--display-name=upgate tests",
                   f"--access-key={self.access_key_id}"], env=env, keep_stdout=False)

    def _await_s3(self, port):
        deadline = self._started_at + START_TIMEOUT_SECONDS
        while True:
            self._check_daemons()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/")
                status = connection.getresponse().status
                connection.close()
                if status < 500:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise CephFailedToStart(
                    f"radosgw did not answer within {START_TIMEOUT_SECONDS:.0f} s\n"
                    f"{self.log_tail()}")
            time.sleep(0.05)

    def stop(self):
        """SIGTERM to each daemon we started, gateway first; SIGKILL after a bounded wait."""
        self._stop_daemons(signal.SIGTERM)

    def kill(self):
        self._stop_daemons(signal.SIGKILL)

    def _stop_daemons(self, first_signal):
        for tool in self._tools:
            if tool.poll() is None:
                tool.kill()
            tool.wait()
        self._tools.clear()
        for process in reversed(list(self._daemons.values())):
            stop(process, first_signal, STOP_TIMEOUT_SECONDS)
        self._daemons.clear()
        for f in self._output_files.values():
            f.close()
        self._output_files.clear()
        self._s3 = None
        _running.discard(self)

    def _lost_port_race(self):
        rgw = self._daemons.get("client.rgw")
        if rgw is not None and rgw.poll() == errno.EADDRINUSE:
            return True
        for path in self.log_paths():
            try:
                with open(path, "rb") as log:
                    if b"(98) Address already in use" in log.read():
                        return True
            except OSError:
                pass
        return False

    def _wipe(self):
        for name in os.listdir(self.temp_dir):
            path = os.path.join(self.temp_dir, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)

    def close(self):
        self.stop()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    # -- what tests need ---------------------------------------------------------------------
    @property
    def pids(self):
        """PID of every daemon this cluster started and has not yet stopped, by Ceph name."""
        return {name: process.pid for name, process in self._daemons.items()}

    @property
    def port(self):
        return int(self.endpoint.rsplit(":", 1)[1])

    def env(self):
        """Variables naming this gateway, for child processes of a test."""
        return {
            "UPGATE_S3_ENDPOINT": self.endpoint,
            "UPGATE_S3_ACCESS_KEY_ID": self.access_key_id,
            "UPGATE_S3_SECRET_ACCESS_KEY": self.secret_access_key,
            "UPGATE_S3_REGION": self.region,
        }

    def client(self):
        """A boto3 S3 client for this gateway (s3_client.py), with the test user's key."""
        from s3_client import s3_client

        return s3_client(self.endpoint, self.access_key_id, self.secret_access_key, self.region)

    def create_bucket(self, name):
        if self._s3 is None:
            self._s3 = self.client()
        self._s3.create_bucket(Bucket=name)

    def log_paths(self):
        paths = [os.path.join(self.temp_dir, name) for name in sorted(os.listdir(self.temp_dir))
                 if name.endswith(".out")] if os.path.isdir(self.temp_dir) else []
        if os.path.isdir(self.log_dir):
            paths += [os.path.join(self.log_dir, name) for name in sorted(os.listdir(self.log_dir))]
        return paths

    def log_tail(self, max_bytes=3000):
        parts = []
        for path in self.log_paths():
            text = file_tail(path, max_bytes)
            if text:
                parts.append(f"--- {os.path.relpath(path, self.temp_dir)} (tail) ---\n{text}")
        return "\n".join(parts) if parts else "(no ceph logs)"

    # -- processes ---------------------------------------------------------------------------
    def _tool_env(self):
        # `ceph` and the manager run Debian's Python: no interpreter settings of the caller's.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CEPH_", "AWS_", "UPGATE_S3_", "PYTHON"))}
        env["CEPH_CONF"] = self.conf_path
        return env

    def _output(self, name):
        return open(os.path.join(self.temp_dir, f"{name}.out"), "ab")

    def _spawn(self, name, command):
        out = self._output(name)
        self._output_files[name] = out
        self._daemons[name] = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env=self._tool_env(), cwd=self.temp_dir, preexec_fn=die_with_parent)
        self._note(f"started {name} (pid {self._daemons[name].pid})")

    def _popen_tool(self, name, command):
        out = self._output(name)
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env=self._tool_env(), cwd=self.temp_dir, preexec_fn=die_with_parent)
        out.close()
        self._tools.append(process)
        return process

    def _wait_tool(self, process, what):
        try:
            code = process.wait(timeout=COMMAND_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise CephFailedToStart(f"{what} took over {COMMAND_TIMEOUT_SECONDS:.0f} s\n"
                                    f"{self.log_tail()}")
        self._tools.remove(process)
        if code != 0:
            raise CephFailedToStart(f"{what} exited with {code}\n{self.log_tail()}")

    def _run(self, command, env=None, keep_stdout=True):
        """Runs a short command to completion; its stderr (and stdout when kept) is logged.
        A daemon dying meanwhile ends the wait at once: the command may be waiting for it."""
        with open(os.path.join(self.temp_dir, "tools.out"), "ab") as out:
            out.write(f"$ {' '.join(command[:2])} ...\n".encode())
            out.flush()
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL,
                stdout=out if keep_stdout else subprocess.DEVNULL, stderr=out,
                env=env or self._tool_env(), cwd=self.temp_dir, preexec_fn=die_with_parent)
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        try:
            while True:
                try:
                    code = process.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    self._check_daemons()
                    if time.monotonic() > deadline:
                        raise CephFailedToStart(
                            f"{command[0]} took over {COMMAND_TIMEOUT_SECONDS:.0f} s\n"
                            f"{self.log_tail()}")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if code != 0:
            raise CephFailedToStart(
                f"{' '.join(command[:2])} ... exited with {code}\n{self.log_tail()}")

    def _ceph(self, *args):
        self._run(["ceph", "-c", self.conf_path, "-n", "client.admin",
                   "--connect-timeout", str(int(COMMAND_TIMEOUT_SECONDS)), *args])

    def _check_daemons(self):
        for name, process in self._daemons.items():
            if process.poll() is not None:
                raise CephFailedToStart(
                    f"{name} exited with {process.returncode} during start-up\n"
                    f"{self.log_tail()}")

    def _mark(self, step):
        elapsed = time.monotonic() - self._started_at
        self.timings.append((step, elapsed))
        self._note(f"{elapsed:6.2f} s  {step}")

    def _note(self, message):
        if self.verbose:
            print(f"ceph_cluster: {message}", file=sys.stderr, flush=True)


@atexit.register
def _kill_leftovers():
    for cluster in list(_running):
        cluster.kill()


def main(argv):
    import argparse

    split = split_command(argv, "ceph_cluster.py",
                          "[--objectstore memstore|bluestore] [--dir DIR] [--verbose] ")
    if split is None:
        return 2
    parser = argparse.ArgumentParser(prog="ceph_cluster.py")
    parser.add_argument("--objectstore", choices=("memstore", "bluestore"), default="memstore")
    parser.add_argument("--dir", help="parent of the cluster's temp dir (default: $TMPDIR)")
    parser.add_argument("--verbose", action="store_true")
    options, command = parser.parse_args(split[0]), split[1]
    # Daemons get PR_SET_PDEATHSIG from die_with_parent; the signal follows the forking
    # thread, so every daemon is started from the caller's thread, never a helper thread.
    cluster = CephRgw(objectstore=options.objectstore, base_dir=options.dir,
                      verbose=options.verbose)
    return run_beside(cluster, command, "ceph_cluster.py", CephFailedToStart)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
