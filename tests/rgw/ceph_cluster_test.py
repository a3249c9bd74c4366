#!/usr/bin/python3
"""ceph_cluster.py brings up a real Ceph RGW that answers S3, keeps to 127.0.0.1 and its own
temp dir, never shows the S3 secret, and leaves none of its processes behind."""
import os
import socket
import subprocess
import sys
import unittest
import unittest.mock
import warnings

import botocore.exceptions

import ceph_cluster
from s3_client import s3_client

SYSTEM_CEPH_PATHS = ("/etc/ceph", "/var/lib/ceph", "/var/run/ceph", "/run/ceph")


def open_files(pid):
    """What each of the process's file descriptors refers to (a path, "socket:[INODE]", ...)."""
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            yield os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue


def listening_addresses(pid):
    """(ip, port) of every TCP socket in LISTEN state the process holds."""
    inodes = {target[len("socket:["):-1] for target in open_files(pid)
              if target.startswith("socket:[")}
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state != "0A" or inode not in inodes:
                    continue
                address, port = local.split(":")
                if width == 8:
                    ip = ".".join(str(b) for b in reversed(bytes.fromhex(address)))
                else:
                    ip = address
                found.append((ip, int(port, 16)))
    return found


class RunningClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # boto3 leaves its pooled connections to the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        cls.cluster = ceph_cluster.CephRgw()
        try:
            cls.cluster.start()
        except BaseException:
            cls.cluster.close()
            raise
        print(f"ceph_cluster: S3 answered {cls.cluster.start_seconds:.2f} s after start()",
              file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def client(self, secret=None):
        c = self.cluster
        return s3_client(c.endpoint, c.access_key_id, secret or c.secret_access_key, c.region)

    def test_create_bucket_put_get_list(self):
        self.cluster.create_bucket("harness-bucket")
        s3 = self.client()
        s3.put_object(Bucket="harness-bucket", Key="dir/hello.txt", Body=b"hello rgw",
                      ContentType="text/plain")
        got = s3.get_object(Bucket="harness-bucket", Key="dir/hello.txt")
        self.assertEqual(got["Body"].read(), b"hello rgw")
        self.assertEqual(got["ContentType"], "text/plain")
        listed = s3.list_objects_v2(Bucket="harness-bucket", Prefix="dir/")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["dir/hello.txt"])
        self.assertIn("harness-bucket", [b["Name"] for b in s3.list_buckets()["Buckets"]])

    def test_a_request_signed_with_another_secret_is_refused(self):
        with self.assertRaises(botocore.exceptions.ClientError) as refused:
            self.client(secret="not/the/secret/of/this/user/at/all/0000").list_buckets()
        self.assertEqual(refused.exception.response["Error"]["Code"], "SignatureDoesNotMatch")

    def test_region_us_east_1_is_accepted_in_the_signature_scope(self):
        self.assertEqual(self.cluster.region, "us-east-1")
        self.client().head_bucket(Bucket=self._bucket("region-bucket"))

    def test_every_daemon_listens_on_loopback_only(self):
        pids = self.cluster.pids
        self.assertEqual(sorted(pids), ["client.rgw", "mgr.x", "mon.a", "osd.0"])
        for name, pid in pids.items():
            addresses = listening_addresses(pid)
            # The manager listens only once it is active, which S3 does not wait for.
            if name != "mgr.x":
                self.assertTrue(addresses, f"{name} listens nowhere")
            for ip, port in addresses:
                self.assertEqual(ip, "127.0.0.1", f"{name} listens on {ip}:{port}")
        self.assertIn(("127.0.0.1", self.cluster.port), listening_addresses(pids["client.rgw"]))

    def test_daemons_keep_to_the_temp_dir(self):
        for name, pid in self.cluster.pids.items():
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            self.assertIn(self.cluster.conf_path.encode(), argv, name)
            for target in open_files(pid):
                self.assertFalse(target.startswith(SYSTEM_CEPH_PATHS), f"{name} has {target} open")

    def test_the_secret_is_in_no_output_and_no_argv(self):
        self.client().list_buckets()
        secret = self.cluster.secret_access_key.encode()
        paths = self.cluster.log_paths()
        self.assertTrue(any(p.endswith("client.rgw.out") for p in paths), paths)
        self.assertTrue(any(p.endswith("tools.out") for p in paths), paths)
        for path in paths:
            with open(path, "rb") as f:
                self.assertNotIn(secret, f.read(), path)
        self.assertNotIn(secret, self.cluster.log_tail().encode())
        for name, pid in self.cluster.pids.items():
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                self.assertNotIn(secret, f.read(), name)

    def _bucket(self, name):
        self.cluster.create_bucket(name)
        return name


class StopTest(unittest.TestCase):
    def assertAllGone(self, pids):
        for name, pid in pids.items():
            self.assertFalse(os.path.exists(f"/proc/{pid}"), f"{name} (pid {pid}) still runs")

    def test_stop_ends_every_daemon_start_again_begins_empty_close_removes_the_dir(self):
        warnings.simplefilter("ignore", ResourceWarning)
        cluster = ceph_cluster.CephRgw()
        try:
            cluster.start()
            first = cluster.pids
            self.assertEqual(len(first), 4)
            for pid in first.values():
                self.assertTrue(os.path.exists(f"/proc/{pid}"))
            cluster.create_bucket("before-the-stop")
            cluster.stop()
            self.assertAllGone(first)
            self.assertEqual(cluster.pids, {})

            cluster.start()
            second = cluster.pids
            self.assertEqual(cluster.client().list_buckets()["Buckets"], [])
        finally:
            cluster.close()
        self.assertAllGone(second)
        self.assertEqual(cluster.pids, {})
        self.assertFalse(os.path.exists(cluster.temp_dir))

    def test_a_monitor_port_taken_after_the_probe_makes_it_start_over_on_new_ports(self):
        warnings.simplefilter("ignore", ResourceWarning)
        probe = ceph_cluster._free_ports
        squatters = []

        def first_port_taken_by_someone_else(count):
            ports = probe(count)
            if not squatters:  # only the first attempt loses the race
                squatter = socket.socket()
                squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                squatter.bind(("127.0.0.1", ports[0]))
                squatter.listen()
                squatters.append(squatter)
            return ports

        cluster = ceph_cluster.CephRgw()
        try:
            with unittest.mock.patch.object(ceph_cluster, "_free_ports",
                                            first_port_taken_by_someone_else):
                cluster.start()
            taken = squatters[0].getsockname()[1]
            self.assertNotIn(("127.0.0.1", taken), listening_addresses(cluster.pids["mon.a"]))
            cluster.create_bucket("after-the-race")
        finally:
            cluster.close()
            for squatter in squatters:
                squatter.close()

    def test_as_a_program_it_runs_the_command_against_the_cluster_and_passes_its_exit_code(self):
        check = (
            "import os, sys, boto3\n"
            "e = os.environ\n"
            "s3 = boto3.client('s3', endpoint_url=e['UPGATE_S3_ENDPOINT'],"
            " region_name=e['UPGATE_S3_REGION'],"
            " aws_access_key_id=e['UPGATE_S3_ACCESS_KEY_ID'],"
            " aws_secret_access_key=e['UPGATE_S3_SECRET_ACCESS_KEY'])\n"
            "s3.create_bucket(Bucket='from-the-wrapped-command')\n"
            "names = [b['Name'] for b in s3.list_buckets()['Buckets']]\n"
            "sys.exit(7 if names == ['from-the-wrapped-command'] else 1)\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        result = subprocess.run(
            [sys.executable, ceph_cluster.__file__, "--",
             sys.executable, "-c", check],
            capture_output=True, env=env, timeout=150)
        self.assertEqual(result.returncode, 7, result.stderr.decode(errors="replace")[-4000:])
        self.assertNotIn(ceph_cluster.DEFAULT_SECRET_ACCESS_KEY.encode(),
                         result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
