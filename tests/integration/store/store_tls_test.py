"""`upgate store` over TLS (--tls-cert/--tls-key), with a test CA made by this test
(tests/support/test_ca.py, the openssl command): presigned PUT and GET with curl --cacert,
boto3 with verify=CA path-style and virtual-hosted under a wildcard certificate, the aws
CLI with --ca-bundle; TLS 1.0/1.1 refused and 1.2/1.3 with ALPN http/1.1 settled
(openssl s_client); a wrong pair refused at start (exit 2, one line) and at reload (the old
pair kept); certificate rotation while a long upload runs (it completes; new connections
see the new certificate), on SIGHUP and when the files change.

Every child gets the test CA in AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE and
CURL_CA_BUNDLE (the machine sets them to the system bundle), besides the explicit flags.
"""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import unittest.mock

import store_harness as h  # noqa: E402
import test_ca  # noqa: E402
from waiting import wait_until  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

DOMAIN = "s3.localhost"


def wait_for(test, condition, what, timeout=20.0):
    test.assertTrue(wait_until(condition, timeout=timeout), f"timed out waiting for {what}")


class TlsStore:
    """A CA, a served pair in live/ (as certbot lays it out), and `upgate store` on them."""

    def __init__(self, extra_args=()):
        self.temp = tempfile.TemporaryDirectory(prefix="upgate-store-tls-")
        self.ca = test_ca.TestCa(os.path.join(self.temp.name, "ca"))
        self.first = self.ca.issue("first", dns=["localhost", f"*.{DOMAIN}"], ips=["127.0.0.1"])
        live = os.path.join(self.temp.name, "live")
        os.makedirs(live)
        self.cert = os.path.join(live, "fullchain.pem")
        self.key = os.path.join(live, "privkey.pem")
        test_ca.install(self.first, self.cert, self.key)
        self.store = h.Store(extra_args=["--tls-cert", self.cert, "--tls-key", self.key,
                                         "--bucket", "uploads", "--domain", DOMAIN,
                                         *extra_args])

    def start(self):
        self.store.start()
        self.port = int(self.store.endpoint.rsplit(":", 1)[1])
        return self

    def close(self):
        self.store.close()
        self.temp.cleanup()

    def env(self):
        return test_ca.tls_client_env(self.ca.cert, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                                     "HOME": self.temp.name})

    def served(self):
        return test_ca.served_fingerprint("127.0.0.1", self.port, self.ca.cert)

    def client(self, addressing="path", endpoint=None):
        return boto3.client(
            "s3", endpoint_url=endpoint or self.store.endpoint, region_name=h.REGION,
            aws_access_key_id=h.ACCESS_KEY_ID, aws_secret_access_key=h.SECRET,
            verify=self.ca.cert,
            config=Config(signature_version="s3v4", s3={"addressing_style": addressing},
                          retries={"max_attempts": 1}))

    def curl(self, *args, timeout=60):
        return subprocess.run(["curl", "--silent", "--show-error", "--cacert", self.ca.cert, *args],
                              capture_output=True, env=self.env(), timeout=timeout)

    def log_lines(self):
        return [json.loads(line) for line in self.store.log().splitlines() if line.startswith("{")]


class StoreOverTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = TlsStore().start()

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def test_the_endpoint_it_reports_is_https(self):
        self.assertEqual(self.s.store.endpoint, f"https://127.0.0.1:{self.s.port}")
        self.assertEqual(self.s.served(), self.s.first.fingerprint())

    def test_curl_presigned_put_then_get(self):
        body = os.urandom(300_000)
        path = os.path.join(self.s.temp.name, "curl.bin")
        with open(path, "wb") as f:
            f.write(body)
        url = h.presign("PUT", f"{self.s.store.endpoint}/uploads/curl/object.bin",
                        {"content-type": "application/octet-stream"})
        put = self.s.curl("--fail", "-X", "PUT", "-H", "content-type: application/octet-stream",
                          "--data-binary", f"@{path}", "-D", "-", "-o", "/dev/null", url)
        self.assertEqual(put.returncode, 0, put.stderr)
        self.assertIn(b"ETag:", put.stdout)
        get = self.s.curl("--fail", h.presign("GET", f"{self.s.store.endpoint}/uploads/curl/object.bin"))
        self.assertEqual(get.returncode, 0, get.stderr)
        self.assertEqual(get.stdout, body)

    def test_curl_without_the_test_ca_refuses_the_server(self):
        bundle = "/etc/ssl/certs/ca-certificates.crt"
        r = subprocess.run(["curl", "--silent", "--cacert", bundle, f"https://127.0.0.1:{self.s.port}/"],
                           capture_output=True, timeout=30,
                           env=test_ca.tls_client_env(bundle))
        self.assertEqual(r.returncode, 60)  # peer certificate cannot be authenticated

    def test_boto3_path_style_with_verify_ca(self):
        client = self.s.client()
        client.put_object(Bucket="uploads", Key="boto3/path.txt", Body=b"path-style over TLS")
        self.assertEqual(client.get_object(Bucket="uploads", Key="boto3/path.txt")["Body"].read(),
                         b"path-style over TLS")
        keys = [o["Key"] for o in client.list_objects_v2(Bucket="uploads", Prefix="boto3/")["Contents"]]
        self.assertIn("boto3/path.txt", keys)

    def test_boto3_virtual_hosted_under_a_wildcard_certificate(self):
        # uploads.s3.localhost must reach the store; the resolver here does not map
        # *.localhost, so this process maps it (the name checked against the certificate is
        # still uploads.s3.localhost, matched by *.s3.localhost).
        real = socket.getaddrinfo

        def resolve(host, *args, **kwargs):
            if isinstance(host, str) and host.endswith("." + DOMAIN):
                host = "127.0.0.1"
            return real(host, *args, **kwargs)

        client = self.s.client("virtual", endpoint=f"https://{DOMAIN}:{self.s.port}")
        with unittest.mock.patch("socket.getaddrinfo", resolve):
            client.put_object(Bucket="uploads", Key="boto3/virtual.txt", Body=b"virtual over TLS")
            got = client.get_object(Bucket="uploads", Key="boto3/virtual.txt")["Body"].read()
        self.assertEqual(got, b"virtual over TLS")
        # The access log (flushed every 100 ms) has it as a request for bucket uploads.
        wait_for(self, lambda: [line for line in self.s.log_lines()
                                if line.get("key") == "boto3/virtual.txt"
                                and line.get("method") == "PUT" and line.get("bucket") == "uploads"],
                 "the store's log of the virtual-hosted PUT")
        # And curl, which resolves *.localhost itself, against the same wildcard.
        url = h.presign("GET", f"https://uploads.{DOMAIN}:{self.s.port}/boto3/virtual.txt")
        r = self.s.curl("--fail", url)
        self.assertEqual((r.returncode, r.stdout), (0, b"virtual over TLS"), r.stderr)

    def test_aws_cli_with_ca_bundle(self):
        env = self.s.env()
        env.update({"AWS_ACCESS_KEY_ID": h.ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": h.SECRET,
                    "AWS_DEFAULT_REGION": h.REGION, "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_PAGER": ""})
        source = os.path.join(self.s.temp.name, "cli.txt")
        with open(source, "wb") as f:
            f.write(b"from the aws CLI over TLS")
        endpoint = f"https://localhost:{self.s.port}"
        base = ["/usr/bin/aws", "--endpoint-url", endpoint, "--ca-bundle", self.s.ca.cert]
        put = subprocess.run(base + ["s3", "cp", source, "s3://uploads/cli/cli.txt"],
                             capture_output=True, env=env, timeout=120)
        self.assertEqual(put.returncode, 0, put.stderr)
        get = subprocess.run(base + ["s3", "cp", "s3://uploads/cli/cli.txt", "-"],
                             capture_output=True, env=env, timeout=120)
        self.assertEqual((get.returncode, get.stdout), (0, b"from the aws CLI over TLS"), get.stderr)

    def s_client(self, *args):
        return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.s.port}",
                               "-servername", "localhost", "-CAfile", self.s.ca.cert, *args],
                              input=b"", capture_output=True, timeout=30)

    def test_tls_1_0_and_1_1_are_refused_by_the_server(self):
        for version in ("-tls1_1", "-tls1"):
            # SECLEVEL=0 lets the client offer the old protocol, so the refusal is the server's.
            r = self.s_client(version, "-cipher", "DEFAULT@SECLEVEL=0")
            output = (r.stdout + r.stderr).decode("utf-8", "replace")
            self.assertNotEqual(r.returncode, 0, output)
            self.assertIn("alert protocol version", output, version)

    def test_tls_1_2_and_1_3_settle_with_alpn_http_1_1(self):
        for version, name in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
            r = self.s_client(version, "-alpn", "h2,http/1.1")
            output = r.stdout.decode("utf-8", "replace")
            self.assertEqual(r.returncode, 0, output + r.stderr.decode())
            self.assertIn(f"New, {name}, Cipher is", output)
            self.assertIn("ALPN protocol: http/1.1", output)
            self.assertIn("Verify return code: 0 (ok)", output)


class StoreCertificatePairTest(unittest.TestCase):
    def setUp(self):
        self.s = TlsStore(extra_args=["--tls-watch", "1"])

    def tearDown(self):
        self.s.close()

    def start_refused(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.s.temp.name}
        return subprocess.run([h.BINARY, "store", "--listen", "127.0.0.1:0", "--data-dir",
                               os.path.join(self.s.temp.name, "data"), "--tls-cert", self.s.cert,
                               "--tls-key", self.s.key], capture_output=True, env=env, timeout=30)

    def test_a_wrong_pair_is_refused_at_start_with_one_line(self):
        other = self.s.ca.issue("other")
        test_ca.install(test_ca.Pair(self.s.first.cert, other.key), self.s.cert, self.s.key)
        r = self.start_refused()
        self.assertEqual(r.returncode, 2)
        lines = r.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn("does not belong to the certificate", lines[0])
        self.assertIn("privkey.pem", lines[0])
        os.remove(self.s.key)
        r = self.start_refused()
        self.assertEqual(r.returncode, 2)
        self.assertIn("privkey.pem", r.stderr.decode())

    def test_sighup_loads_a_new_pair_and_keeps_the_old_one_when_the_new_is_wrong(self):
        self.s.start()
        second = self.s.ca.issue("second", dns=["localhost"], ips=["127.0.0.1"])
        # A renewal half done: the new certificate with the old key.
        test_ca.install(test_ca.Pair(second.cert, self.s.first.key), self.s.cert, self.s.key)
        self.s.store.process.send_signal(signal.SIGHUP)
        wait_for(self, lambda: any(l.get("msg") == "tls certificate refused; serving the previous one"
                               for l in self.s.log_lines()), what="the refusal log line")
        self.assertEqual(self.s.served(), self.s.first.fingerprint())
        refused = [l for l in self.s.log_lines() if l.get("msg", "").startswith("tls certificate refused")]
        self.assertIn("does not belong", refused[0]["reason"])
        self.assertEqual(refused[0]["serving_sha256"], self.s.first.fingerprint())

        test_ca.install(second, self.s.cert, self.s.key)
        self.s.store.process.send_signal(signal.SIGHUP)
        wait_for(self, lambda: self.s.served() == second.fingerprint(), what="the new certificate")
        # The log is flushed on a timer: the handshake can show the new pair before its line.
        wait_for(self, lambda: any(l.get("msg") == "tls certificate loaded"
                                   and l.get("sha256") == second.fingerprint()
                                   for l in self.s.log_lines()), what="the loaded log line")
        self.assertEqual(self.s.store.process.poll(), None)

    def test_rotation_while_a_long_upload_runs(self):
        self.s.start()
        size = 24 * 1024 * 1024
        path = os.path.join(self.s.temp.name, "long.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(size))
        url = h.presign("PUT", f"{self.s.store.endpoint}/uploads/long/upload.bin")
        upload = subprocess.Popen(
            ["curl", "--silent", "--show-error", "--fail", "--cacert", self.s.ca.cert,
             "--limit-rate", "4M", "-X", "PUT", "--data-binary", f"@{path}", "-o", "/dev/null",
             "-w", "%{http_code}", url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.s.env())
        time.sleep(1.5)
        self.assertIsNone(upload.poll(), "the upload should still be running")
        # certbot renews: new files renamed into place; the watcher (--tls-watch 1) sees them.
        second = self.s.ca.issue("second", dns=["localhost"], ips=["127.0.0.1"])
        test_ca.install(second, self.s.cert, self.s.key)
        wait_for(self, lambda: self.s.served() == second.fingerprint(), timeout=10,
                   what="new connections to get the renewed certificate")
        self.assertIsNone(upload.poll(), "the upload should outlast the rotation")
        out, err = upload.communicate(timeout=60)
        self.assertEqual((upload.returncode, out), (0, b"200"), err)
        head = self.s.client().head_object(Bucket="uploads", Key="long/upload.bin")
        self.assertEqual(head["ContentLength"], size)
        loaded = [l for l in self.s.log_lines() if l.get("msg") == "tls certificate loaded"]
        self.assertEqual(loaded[-1]["trigger"], "files changed")


if __name__ == "__main__":
    unittest.main()
