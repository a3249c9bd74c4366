"""`upgate serve` with both listeners on TLS, against a test CA made by this test
(tests/support/test_ca.py, the openssl command): the seed's flow over HTTPS (requests with
verify=CA for the API, curl --cacert for the presigned PUT, boto3 verify=CA reading it back),
presigned URLs that say https:// because the store has TLS, virtual-hosted URLs under a
wildcard certificate with --store-domain, the HSTS setting (off unless
set), SIGHUP reloading both pairs, and a bad pair or half a pair refused at start (exit 2,
one line naming the file or the setting).

Every child gets the test CA in AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE and
CURL_CA_BUNDLE: the machine points them at the system bundle.
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

import api_harness as h  # noqa: E402
import test_ca  # noqa: E402
from waiting import wait_until  # noqa: E402
from child_process import die_with_parent  # noqa: E402

os.environ["BOTO_DISABLE_CRT"] = "true"
import boto3  # noqa: E402
import requests  # noqa: E402
from botocore.config import Config  # noqa: E402


def curl_headers(headers):
    """The signed headers a presign answer lists, as curl's -H arguments."""
    return [a for name, value in headers.items() for a in ("-H", f"{name}: {value}")]


def wait_for(test, condition, what, timeout=20.0):
    test.assertTrue(wait_until(condition, timeout=timeout), f"timed out waiting for {what}")


class TlsServe:
    """`upgate serve` with the API and the embedded store each on its own certificate."""

    def __init__(self, config_extra="", flags=True, store_names=None):
        self.temp = tempfile.TemporaryDirectory(prefix="upgate-serve-tls-")
        base = self.temp.name
        self.ca = test_ca.TestCa(os.path.join(base, "ca"))
        self.api_pair = self.ca.issue("api")
        self.store_pair = self.ca.issue("store", **(store_names or {}))
        live = os.path.join(base, "live")
        os.makedirs(live)
        self.api_cert, self.api_key = os.path.join(live, "api.pem"), os.path.join(live, "api.key")
        self.store_cert = os.path.join(live, "store.pem")
        self.store_key = os.path.join(live, "store.key")
        test_ca.install(self.api_pair, self.api_cert, self.api_key)
        test_ca.install(self.store_pair, self.store_cert, self.store_key)
        self.config = os.path.join(base, "upgate.toml")
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(f'[store.tls]\ncert = "{self.store_cert}"\nkey = "{self.store_key}"\n'
                    f"watch_seconds = 0\n{config_extra}")
        self.port = h.free_port()
        self.args = [h.BINARY, "serve", "--listen", f"127.0.0.1:{self.port}", "--threads", "2",
                     "--store-listen", "127.0.0.1:0", "--data-dir", os.path.join(base, "data"),
                     "--config", self.config]
        if flags:
            self.args += ["--tls-cert", self.api_cert, "--tls-key", self.api_key]
        self.env = test_ca.tls_client_env(self.ca.cert, {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": base,
            "AWS_ACCESS_KEY_ID": h.ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": h.SECRET,
            "AWS_REGION": h.REGION})
        self.log_path = os.path.join(base, "stdout.log")
        self.err_path = os.path.join(base, "stderr.log")
        self.process = None
        self.api = f"https://localhost:{self.port}"

    def start(self):
        with open(self.log_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(self.args, env=self.env, stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("upgate serve exited: " + self.stderr())
            try:
                if requests.get(self.api + "/healthz", timeout=1, verify=self.ca.cert).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            raise RuntimeError("upgate serve did not answer /healthz over TLS")
        started = [l for l in self.log_lines() if l.get("msg") == "embedded store started"]
        self.s3 = started[0]["s3"]
        self.s3_port = int(self.s3.rsplit(":", 1)[1])
        return self

    def close(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.temp.cleanup()

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_lines(self):
        with open(self.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def write_file(self, name, data):
        """`data` in a file of this server's temp dir, for curl --data-binary @path."""
        path = os.path.join(self.temp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def served(self, port):
        return test_ca.served_fingerprint("127.0.0.1", port, self.ca.cert)

    def presign(self, name="tls report.pdf", size=1000, kind="application/pdf"):
        r = requests.post(self.api + "/api/s3/getPresignedUrl", verify=self.ca.cert, timeout=10,
                          json={"fileName": name, "fileType": kind, "fileSize": size,
                                "folderName": "services"})
        self.assertion = r
        return r


class ServeOverTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = TlsServe(config_extra="[server.tls]\nhsts_max_age = 600\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def test_each_listener_serves_its_own_certificate(self):
        self.assertEqual(self.s.served(self.s.port), self.s.api_pair.fingerprint())
        self.assertEqual(self.s.served(self.s.s3_port), self.s.store_pair.fingerprint())
        enabled = {l["listener"] for l in self.s.log_lines() if l.get("msg") == "tls enabled"}
        self.assertEqual(enabled, {"api", "s3"})

    def test_seed_flow_over_https_end_to_end(self):
        body = os.urandom(1000)
        r = self.s.presign(size=len(body))
        self.assertEqual(r.status_code, 200, r.text)
        answer = r.json()
        self.assertTrue(answer["uploadUrl"].startswith(f"https://127.0.0.1:{self.s.s3_port}/"),
                        answer["uploadUrl"])
        path = self.s.write_file("body.bin", body)
        headers = curl_headers(answer.get("headers", {}))
        put = subprocess.run(["curl", "--silent", "--show-error", "--fail", "--cacert",
                              self.s.ca.cert, "-X", "PUT", *headers, "--data-binary", f"@{path}",
                              "-o", "/dev/null", "-w", "%{http_code}", answer["uploadUrl"]],
                             capture_output=True, env=self.s.env, timeout=60)
        self.assertEqual((put.returncode, put.stdout), (0, b"200"), put.stderr)
        client = boto3.client("s3", endpoint_url=self.s.s3, region_name=h.REGION,
                              aws_access_key_id=h.ACCESS_KEY_ID,
                              aws_secret_access_key=h.SECRET, verify=self.s.ca.cert,
                              config=Config(signature_version="s3v4",
                                            s3={"addressing_style": "path"}))
        got = client.get_object(Bucket="uploads", Key=answer["key"])["Body"].read()
        self.assertEqual(got, body)

    def test_hsts_when_set(self):
        r = requests.get(self.s.api + "/healthz", verify=self.s.ca.cert, timeout=10)
        self.assertEqual(r.headers.get("Strict-Transport-Security"), "max-age=600")

    def test_the_demo_page_origin_is_https_for_cors(self):
        origin = f"https://localhost:{self.s.port}"
        r = requests.options(self.s.api + "/api/s3/getPresignedUrl", verify=self.s.ca.cert,
                             timeout=10, headers={"Origin": origin,
                                                  "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(r.headers.get("Access-Control-Allow-Origin"), origin)

    def test_plain_http_to_the_tls_port_gets_no_answer(self):
        with self.assertRaises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{self.s.port}/healthz", timeout=5)


class ServeTlsReloadTest(unittest.TestCase):
    def test_sighup_reloads_both_pairs_and_a_bad_one_keeps_the_old(self):
        s = TlsServe()
        self.addCleanup(s.close)
        s.start()
        # The API's new pair is broken (a certificate with another key): refused, old kept.
        other = s.ca.issue("other")
        test_ca.install(test_ca.Pair(s.ca.issue("api2").cert, other.key), s.api_cert, s.api_key)
        store2 = s.ca.issue("store2")
        test_ca.install(store2, s.store_cert, s.store_key)
        s.process.send_signal(signal.SIGHUP)
        wait_for(self, lambda: s.served(s.s3_port) == store2.fingerprint(), what="the store's new pair")
        wait_for(self, lambda: any(l.get("msg") == "tls certificate refused; serving the previous one"
                               for l in s.log_lines()), what="the API's refusal")
        self.assertEqual(s.served(s.port), s.api_pair.fingerprint())
        refused = [l for l in s.log_lines() if l.get("msg", "").startswith("tls certificate refused")]
        self.assertEqual(refused[0]["listener"], "api")
        self.assertIn("does not belong", refused[0]["reason"])
        self.assertIsNone(s.process.poll())
        self.assertEqual(s.presign().status_code, 200)

    def test_one_sighup_reloads_config_and_pairs_and_neither_refusal_stops_the_other(self):
        s = TlsServe()
        self.addCleanup(s.close)
        s.start()
        with open(s.config, encoding="utf-8") as f:
            base = f.read()

        def lines(msg):
            return [l for l in s.log_lines() if l.get("msg") == msg]

        def hup(msg):
            before = len(lines(msg))
            s.process.send_signal(signal.SIGHUP)
            wait_for(self, lambda: len(lines(msg)) > before, what=f"'{msg}' after SIGHUP")

        # A broken upgate.toml with a renewed store pair: the file is refused whole, the
        # pair is taken all the same.
        with open(s.config, "w", encoding="utf-8") as f:
            f.write(base + "[profiles.docs\n")
        store2 = s.ca.issue("store2")
        test_ca.install(store2, s.store_cert, s.store_key)
        hup("reload refused; the running configuration is kept")
        wait_for(self, lambda: s.served(s.s3_port) == store2.fingerprint(), what="the renewed pair")
        self.assertEqual(lines("tls certificate loaded")[-1]["listener"], "s3")
        self.assertEqual(s.presign().status_code, 200)

        # A good upgate.toml with a broken API pair: the profile arrives, the old pair stays.
        with open(s.config, "w", encoding="utf-8") as f:
            f.write(base + '[profiles.docs]\nfolder = "docs"\n')
        other = s.ca.issue("other")
        test_ca.install(test_ca.Pair(s.ca.issue("api2").cert, other.key), s.api_cert, s.api_key)
        hup("configuration reloaded")
        wait_for(self, lambda: lines("tls certificate refused; serving the previous one"),
                 what="the API pair's refusal")
        self.assertEqual(lines("configuration reloaded")[-1]["profiles"], "docs")
        self.assertEqual(s.served(s.port), s.api_pair.fingerprint())
        # The one reload thread took every SIGHUP: the process is alive, and nothing logged
        # key material (the PEM armour of a private key never appears).
        self.assertIsNone(s.process.poll())
        with open(s.log_path, "rb") as f:
            self.assertNotIn(b"PRIVATE KEY", f.read())
        self.assertNotIn("PRIVATE KEY", s.stderr())

    def test_without_hsts_setting_there_is_no_header(self):
        s = TlsServe()
        self.addCleanup(s.close)
        s.start()
        r = requests.get(s.api + "/healthz", verify=s.ca.cert, timeout=10)
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("Strict-Transport-Security", r.headers)


DOMAIN = "s3.localhost"  # curl resolves *.localhost to the loopback address itself


class ServeStoreDomainTest(unittest.TestCase):
    """--store-domain: the embedded store answers BUCKET.DOMAIN, and the URLs the API signs
    are virtual-hosted, under a wildcard certificate that names nothing else."""

    @classmethod
    def setUpClass(cls):
        cls.s = TlsServe(store_names={"dns": [f"*.{DOMAIN}"], "ips": []})
        cls.s.args += ["--store-domain", DOMAIN]
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def curl(self, *args):
        # Only the test CA is trusted: --cacert, and CURL_CA_BUNDLE points at it too.
        return subprocess.run(["curl", "--silent", "--show-error", "--fail", "--cacert",
                               self.s.ca.cert, *args], capture_output=True, env=self.s.env,
                              timeout=60)

    def test_the_store_reports_the_domain_as_its_endpoint(self):
        self.assertEqual(self.s.s3, f"https://{DOMAIN}:{self.s.s3_port}")
        started = [l for l in self.s.log_lines() if l.get("msg") == "embedded store started"][0]
        self.assertEqual(started["domain"], DOMAIN)
        self.assertEqual(started["listen"], f"127.0.0.1:{self.s.s3_port}")
        # The certificate covers *.DOMAIN, so there is no warning about it.
        self.assertFalse([l for l in self.s.log_lines() if "covers neither" in l.get("msg", "")])

    def test_seed_flow_over_https_with_virtual_hosted_urls(self):
        body = os.urandom(5000)
        r = self.s.presign(size=len(body))
        self.assertEqual(r.status_code, 200, r.text)
        answer = r.json()
        bucket_host = f"https://uploads.{DOMAIN}:{self.s.s3_port}/"
        self.assertTrue(answer["uploadUrl"].startswith(bucket_host + "services/"),
                        answer["uploadUrl"])
        path = self.s.write_file("domain.bin", body)
        headers = curl_headers(answer.get("headers", {}))
        put = self.curl("-X", "PUT", *headers, "--data-binary", f"@{path}", "-o", "/dev/null",
                        "-w", "%{http_code} %{scheme} %{ssl_verify_result}", answer["uploadUrl"])
        self.assertEqual((put.returncode, put.stdout), (0, b"200 HTTPS 0"), put.stderr)
        # The download URL the API hands out is virtual-hosted too; curl reads the bytes back.
        grant = requests.get(self.s.api + "/v1/downloads", params={"key": answer["key"]},
                             verify=self.s.ca.cert, timeout=10).json()
        self.assertTrue(grant["downloadUrl"].startswith(bucket_host), grant)
        get = self.curl(grant["downloadUrl"])
        self.assertEqual((get.returncode, get.stdout), (0, body), get.stderr)
        # The store took both as requests for bucket `uploads` (its access log, 100 ms flush).
        wait_for(self, lambda: {l.get("method") for l in self.s.log_lines()
                                if l.get("msg") == "s3 request" and l.get("key") == answer["key"]
                                and l.get("bucket") == "uploads" and l.get("status") == "200"}
                 >= {"PUT", "GET"}, what="the store's log of the PUT and the GET")

    def test_requests_and_boto3_virtual_hosted_through_their_own_resolver(self):
        # Python's resolver does not map *.localhost: this process maps the bucket's host;
        # the name checked against the certificate stays uploads.s3.localhost.
        body = b"virtual-hosted over TLS from serve"
        r = self.s.presign(name="boto3.txt", size=len(body), kind="text/plain")
        answer = r.json()
        real = socket.getaddrinfo

        def resolve(host, *args, **kwargs):
            if isinstance(host, str) and host.endswith("." + DOMAIN):
                host = "127.0.0.1"
            return real(host, *args, **kwargs)

        client = boto3.client("s3", endpoint_url=self.s.s3, region_name=h.REGION,
                              aws_access_key_id=h.ACCESS_KEY_ID,
                              aws_secret_access_key=h.SECRET, verify=self.s.ca.cert,
                              config=Config(signature_version="s3v4",
                                            s3={"addressing_style": "virtual"}))
        with unittest.mock.patch("socket.getaddrinfo", resolve):
            put = requests.put(answer["uploadUrl"], data=body, headers=answer.get("headers", {}),
                               verify=self.s.ca.cert, timeout=10)
            self.assertEqual(put.status_code, 200, put.text)
            got = client.get_object(Bucket="uploads", Key=answer["key"])["Body"].read()
        self.assertEqual(got, body)

    def test_a_certificate_without_the_wildcard_is_warned_about(self):
        s = TlsServe()  # the store's pair names localhost and 127.0.0.1 only
        self.addCleanup(s.close)
        s.args += ["--store-domain", DOMAIN]
        s.start()
        warned = [l for l in s.log_lines() if "covers neither *.DOMAIN" in l.get("msg", "")]
        self.assertEqual(len(warned), 1, s.log_lines())
        self.assertEqual(warned[0]["domain"], DOMAIN)
        self.assertIn("localhost", warned[0]["dns_names"])


def raw_exchange(port, request):
    """Sends `request` as it is and returns everything the server says until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        raw.sendall(request)
        answer = b""
        while True:
            chunk = raw.recv(4096)
            if not chunk:
                return answer
            answer += chunk


SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
UNRESOLVED_DOMAIN = "s3.upgate.invalid"  # .invalid never resolves (RFC 6761)
MiB = 1024 * 1024


class ServeCallsItsOwnTlsStoreTest(unittest.TestCase):
    """serve's own calls to its embedded store (multipart create/list/complete, the completion
    check's HEAD and ranged GET) reach the store's listener directly and trust exactly its
    certificate: here serve's process trusts only the system's CAs, the store's pair comes
    from the test's private CA, and the store's domain does not resolve at all."""

    @classmethod
    def setUpClass(cls):
        cls.s = TlsServe(config_extra='[profiles.big]\nfolder = "big"\nmax_size = "1 GiB"\n',
                         store_names={"dns": [f"*.{UNRESOLVED_DOMAIN}"], "ips": []})
        cls.s.args += ["--store-domain", UNRESOLVED_DOMAIN]
        cls.s.env = test_ca.tls_client_env(SYSTEM_BUNDLE, cls.s.env)
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def post(self, path, body):
        return requests.post(self.s.api + path, json=body, verify=self.s.ca.cert, timeout=30)

    def test_a_multipart_upload_completes_and_is_verified_over_tls(self):
        data = os.urandom(17 * MiB + 3)
        created = self.post("/v1/multipart", {"profile": "big", "fileName": "over tls.bin",
                                              "contentType": "application/octet-stream",
                                              "size": len(data)})
        self.assertEqual(created.status_code, 200, created.text)
        upload = created.json()
        token = upload["uploadToken"]
        signed = self.post("/v1/multipart/sign", {"uploadToken": token, "partNumbers": [1, 2]})
        self.assertEqual(signed.status_code, 200, signed.text)
        bucket_host = f"uploads.{UNRESOLVED_DOMAIN}:{self.s.s3_port}"
        offset = 0
        for part in signed.json()["parts"]:
            self.assertTrue(part["url"].startswith(f"https://{bucket_host}/big/"), part["url"])
            size = int(part["headers"]["Content-Length"])
            path = self.s.write_file(f"part{part['partNumber']}", data[offset:offset + size])
            offset += size
            headers = curl_headers(part["headers"])
            put = subprocess.run(["curl", "--silent", "--show-error", "--fail", "--cacert",
                                  self.s.ca.cert, "--connect-to",
                                  f"{bucket_host.split(':')[0]}::127.0.0.1:",
                                  "-X", "PUT", *headers, "--data-binary", f"@{path}",
                                  "-o", "/dev/null", part["url"]],
                                 capture_output=True, timeout=60)
            self.assertEqual(put.returncode, 0, put.stderr)

        listed = self.post("/v1/multipart/list", {"uploadToken": token})
        self.assertEqual(listed.status_code, 200, listed.text)
        self.assertEqual(listed.json()["storedBytes"], len(data))
        done = self.post("/v1/multipart/complete", {"uploadToken": token})
        self.assertEqual(done.status_code, 200, done.text)
        self.assertEqual(done.json()["key"], upload["key"])
        self.assertTrue(done.json()["etag"].endswith("-2"), done.text)

        # The object is whole: read back through the store's listener, under the test CA.
        got = subprocess.run(["curl", "--silent", "--show-error", "--fail", "--cacert",
                              self.s.ca.cert, "--connect-to",
                              f"uploads.{UNRESOLVED_DOMAIN}::127.0.0.1:",
                              self.post_download(upload["key"])],
                             capture_output=True, timeout=60)
        self.assertEqual((got.returncode, got.stdout == data), (0, True), got.stderr)

    def post_download(self, key):
        r = requests.get(self.s.api + "/v1/downloads", params={"key": key},
                         verify=self.s.ca.cert, timeout=10)
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()["downloadUrl"]


class ServeStoreOnTheDefaultPortTest(unittest.TestCase):
    """A store on 443 signs URLs without the port, as AWS's own URLs are, and a client that
    sends `Host` without it (every browser does) matches the signature."""

    @unittest.skipUnless(os.geteuid() == 0, "binding 127.0.0.1:443 needs root")
    def test_urls_leave_out_port_443(self):
        s = TlsServe()
        self.addCleanup(s.close)
        at = s.args.index("127.0.0.1:0")
        s.args[at] = "127.0.0.1:443"
        try:
            s.start()
        except RuntimeError as e:
            if "in use" in str(e):
                self.skipTest("127.0.0.1:443 is taken on this machine")
            raise
        body = b"on the default port"
        r = s.presign(name="default port.txt", size=len(body), kind="text/plain")
        self.assertEqual(r.status_code, 200, r.text)
        answer = r.json()
        self.assertTrue(answer["uploadUrl"].startswith("https://127.0.0.1/uploads/services/"),
                        answer["uploadUrl"])
        put = requests.put(answer["uploadUrl"], data=body, headers=answer.get("headers", {}),
                           verify=s.ca.cert, timeout=10)
        self.assertEqual(put.status_code, 200, put.text)


class ServeHttpRedirectTest(unittest.TestCase):
    """[server] http_redirect: a plain-HTTP listener that only says 308 to https://."""

    def test_plain_http_is_sent_to_https_with_the_same_host_and_target(self):
        s = TlsServe()
        self.addCleanup(s.close)
        redirect_port = h.free_port()
        s.args += ["--http-redirect", f"127.0.0.1:{redirect_port}"]
        s.start()
        plain = f"http://localhost:{redirect_port}"
        r = requests.get(plain + "/healthz?probe=1", allow_redirects=False, timeout=10)
        self.assertEqual(r.status_code, 308)
        self.assertEqual(r.headers["Location"], f"https://localhost:{s.port}/healthz?probe=1")
        # Followed by a client that trusts the test CA, it ends at the API over TLS; a POST
        # keeps its method and body through a 308.
        followed = requests.get(plain + "/healthz", verify=s.ca.cert, timeout=10)
        self.assertEqual(followed.status_code, 200)
        self.assertTrue(followed.url.startswith("https://"))
        # No body is read: 10 MiB announced and never sent still gets the answer at once.
        # raw_exchange reads to the close: a server waiting for the body would time it out.
        answer = raw_exchange(redirect_port,
                              b"PUT /uploads/k HTTP/1.1\r\nHost: up.example.com\r\n"
                              b"Content-Length: 10485760\r\n\r\n")
        self.assertRegex(answer, rb"^HTTP/1.1 308 ")
        self.assertIn(f"Location: https://up.example.com:{s.port}/uploads/k\r\n".encode(), answer)
        # A Host that is not a name gets no Location at all.
        bad = requests.get(plain + "/", headers={"Host": "evil.example/x"},
                           allow_redirects=False, timeout=10)
        self.assertEqual(bad.status_code, 400)
        self.assertNotIn("Location", bad.headers)
        # Hostile requests on the raw wire: each is answered 400 (by the handler or by the
        # server's own parser) and names no place to go, and the listener still serves.
        hostile = [
            b"GET / HTTP/1.1\r\nHost: evil.example@good.example\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: good.example:80:81\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: good.example:\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: good.example\\evil.example\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: " + b"a" * 300 + b"\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: good.example\r\nHost: evil.example\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: h\xc3\xa9.example\r\n\r\n",
            b"GET / HTTP/1.0\r\n\r\n",  # no Host at all
            b"GET http://evil.example/ HTTP/1.1\r\nHost: good.example\r\n\r\n",
            b"OPTIONS * HTTP/1.1\r\nHost: good.example\r\n\r\n",
        ]
        for request in hostile:
            with self.subTest(request=request):
                answer = raw_exchange(redirect_port, request)
                self.assertRegex(answer, rb"^HTTP/1.1 400 ")
                head = answer.split(b"\r\n\r\n", 1)[0].lower()
                self.assertNotIn(b"\r\nlocation:", head)
                self.assertNotIn(b"evil", answer)
        r = requests.get(plain + "/after", allow_redirects=False, timeout=10)
        self.assertEqual(r.headers["Location"], f"https://localhost:{s.port}/after")

    def test_a_redirect_without_tls_is_refused(self):
        s = TlsServe(flags=False)
        self.addCleanup(s.close)
        s.args += ["--http-redirect", f"127.0.0.1:{h.free_port()}"]
        r = subprocess.run(s.args, env=s.env, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--http-redirect", r.stderr.decode())


class ServeTlsRefusedTest(unittest.TestCase):
    def run_refused(self, s):
        r = subprocess.run(s.args, env=s.env, capture_output=True, timeout=30)
        lines = r.stderr.decode().strip().splitlines()
        return r.returncode, lines

    def test_a_wrong_api_pair_is_refused_at_start(self):
        s = TlsServe()
        self.addCleanup(s.close)
        test_ca.install(test_ca.Pair(s.api_pair.cert, s.store_pair.key), s.api_cert, s.api_key)
        code, lines = self.run_refused(s)
        self.assertEqual(code, 2, lines)
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("api.key", lines[0])

    def test_a_wrong_store_pair_is_refused_at_start(self):
        s = TlsServe()
        self.addCleanup(s.close)
        os.remove(s.store_key)
        code, lines = self.run_refused(s)
        self.assertEqual(code, 2, lines)
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("store.key", lines[0])

    def test_half_a_pair_names_the_setting(self):
        s = TlsServe(config_extra='[server.tls]\ncert = "/nonexistent.pem"\n', flags=False)
        self.addCleanup(s.close)
        code, lines = self.run_refused(s)
        self.assertEqual(code, 2, lines)
        self.assertIn("server.tls.cert", lines[0])
        self.assertIn("--tls-key", lines[0])


if __name__ == "__main__":
    unittest.main()
