"""Shared harness for the embedded store's integration tests.

Runs the real `upgate store` on a free port in a private temp data dir (stdout, the
access log, goes to a file the tests can read), and signs requests with botocore's own
SigV4 signers, whose clock can be frozen, so a test can change any signed element after
signing and send exactly the bytes it wants (http.client, or a raw socket for framing
tricks).

Environment: UPGATE_BIN (ctest passes $<TARGET_FILE:upgate>), else build/upgate.
"""
import contextlib
import datetime
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest.mock
import urllib.parse

os.environ["BOTO_DISABLE_CRT"] = "true"  # the pure-Python signer, whose clock we can freeze

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from child_process import die_with_parent  # noqa: E402

import boto3  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
from botocore.config import Config  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BINARY = os.environ.get("UPGATE_BIN") or os.path.join(ROOT, "build", "upgate")

ACCESS_KEY_ID = "AKIDSTOREINTEGRATION"
# Distinctive, so a leak into a response or a log is found by a substring search.
SECRET = "StoreSecretNeverLeaks/9Qx+integration"
REGION = "us-east-1"


class Store:
    """One `upgate store` process over a data dir that outlives restarts."""

    def __init__(self, extra_args=(), data_dir=None, with_root_key=True, env=None):
        self.temp = tempfile.TemporaryDirectory(prefix="upgate-store-it-")
        self.data_dir = data_dir or os.path.join(self.temp.name, "data")
        self.extra_args = list(extra_args)
        self.with_root_key = with_root_key
        self.extra_env = dict(env or {})
        self.process = None
        self.endpoint = None
        self.ready = None
        self.starts = 0

    # -- lifecycle -------------------------------------------------------------------------
    def start(self):
        self.starts += 1
        self.log_path = os.path.join(self.temp.name, f"stdout.{self.starts}.log")
        self.err_path = os.path.join(self.temp.name, f"stderr.{self.starts}.log")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.temp.name}
        command = [BINARY, "store", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
                   "--threads", "2"]
        if self.with_root_key:
            command += ["--access-key-id", ACCESS_KEY_ID]
            env["UPGATE_STORE_SECRET_ACCESS_KEY"] = SECRET
        env.update(self.extra_env)
        command += self.extra_args
        with open(self.log_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=err, env=env, preexec_fn=die_with_parent)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self._first_line()
            if line is not None:
                self.ready = json.loads(line)
                assert self.ready["event"] == "listening", line
                self.endpoint = self.ready["s3"]
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"store exited with {self.process.returncode}: {self.stderr()}")
            time.sleep(0.02)
        self.kill()
        raise RuntimeError("store did not report listening: " + self.stderr())

    def _first_line(self):
        with open(self.log_path, "rb") as f:
            data = f.read()
        for line in data.split(b"\n")[:-1]:
            if b'"event":"listening"' in line:
                return line.decode()
        return None

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self):
        self.stop()
        self.temp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def stderr(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log(self):
        """Everything the store printed on stdout so far (the access log)."""
        out = ""
        for n in range(1, self.starts + 1):
            with open(os.path.join(self.temp.name, f"stdout.{n}.log"), "rb") as f:
                out += f.read().decode("utf-8", "replace")
        return out

    # -- what tests use ----------------------------------------------------------------------
    @property
    def host(self):
        return urllib.parse.urlsplit(self.endpoint).netloc

    def client(self, access_key_id=ACCESS_KEY_ID, secret=SECRET):
        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 1}))

    def blob_files(self):
        """Committed blobs and temp files in the data dir."""
        found = []
        for sub in ("blobs", "tmp"):
            for dirpath, _, files in os.walk(os.path.join(self.data_dir, sub)):
                found += [os.path.join(dirpath, f) for f in files]
        return found


# -- signing ----------------------------------------------------------------------------------
class _FrozenDateTime(datetime.datetime):
    frozen = None

    @classmethod
    def utcnow(cls):
        return cls.frozen


@contextlib.contextmanager
def frozen_clock(when):
    if when is None:
        yield
        return
    _FrozenDateTime.frozen = when
    with unittest.mock.patch("botocore.auth.datetime.datetime", _FrozenDateTime):
        yield


def credentials(access_key_id=ACCESS_KEY_ID, secret=SECRET):
    return botocore.credentials.Credentials(access_key_id, secret)


def presign(method, url, headers=None, expires=300, when=None, access_key_id=ACCESS_KEY_ID,
            secret=SECRET):
    """A presigned URL; `headers` are signed and must be sent with it."""
    request = botocore.awsrequest.AWSRequest(method=method, url=url, headers=dict(headers or {}))
    with frozen_clock(when):
        botocore.auth.S3SigV4QueryAuth(credentials(access_key_id, secret), "s3", REGION,
                                       expires=expires).add_auth(request)
    return request.url


def sign(method, url, headers=None, body=b"", payload_hash=None, when=None,
         access_key_id=ACCESS_KEY_ID, secret=SECRET):
    """The headers of a header-signed request (Authorization, X-Amz-Date, x-amz-content-sha256).
    `payload_hash` overrides the body's hash (UNSIGNED-PAYLOAD, STREAMING-...)."""
    request = botocore.awsrequest.AWSRequest(method=method, url=url, headers=dict(headers or {}),
                                             data=body)
    creds = credentials(access_key_id, secret)
    with frozen_clock(when):
        if payload_hash is not None:
            _FixedPayloadAuth(creds, payload_hash).add_auth(request)
        else:
            botocore.auth.S3SigV4Auth(creds, "s3", REGION).add_auth(request)
    return dict(request.headers.items())


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def code(self):
        """The S3 error code of an XML error body, or None."""
        text = self.body.decode("utf-8", "replace")
        start = text.find("<Code>")
        if start < 0:
            return None
        return text[start + 6:text.find("</Code>")]

    def element(self, name):
        text = self.body.decode("utf-8", "replace")
        start = text.find(f"<{name}>")
        if start < 0:
            return None
        return text[start + len(name) + 2:text.find(f"</{name}>")]

    def __repr__(self):
        return f"Response({self.status}, {self.body[:300]!r})"


def send(endpoint, method, target, headers=None, body=b"", timeout=30):
    """One request with exactly these headers (plus Host and Content-Length from http.client
    unless given). `target` is the raw path and query."""
    parts = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        names = {k.lower() for k in (headers or {})}
        if "host" not in names:
            conn.putheader("Host", parts.netloc)
        if "content-length" not in names and (body or method in ("PUT", "POST")):
            conn.putheader("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def send_url(url, method, headers=None, body=b""):
    parts = urllib.parse.urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return send(f"{parts.scheme}://{parts.netloc}", method, target, headers, body)


def raw_exchange(endpoint, data, timeout=10, read_all=True):
    """Writes `data` on a fresh connection and returns what comes back until close/timeout."""
    parts = urllib.parse.urlsplit(endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if not read_all:
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


# -- aws-chunked bodies -------------------------------------------------------------------------
import base64  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
import zlib  # noqa: E402

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class _FixedPayloadAuth(botocore.auth.S3SigV4Auth):
    """Header signing with the payload hash line chosen by the test (STREAMING-...)."""

    def __init__(self, creds, payload_hash):
        super().__init__(creds, "s3", REGION)
        self._payload_hash = payload_hash

    def payload(self, request):
        return self._payload_hash


def signing_key(date, secret=SECRET):
    key = ("AWS4" + secret).encode()
    for part in (date, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def chunked_upload(endpoint, bucket, key, chunks, mode="signed", trailer=None, headers=None,
                   decoded_length=None, tamper=None, when=None):
    """Sends a PUT with an aws-chunked body. mode: signed | signed-trailer | unsigned-trailer.
    trailer: (name, value) such as ("x-amz-checksum-crc32", crc32_b64(data)).
    tamper(kind, index, data, signature) may return altered (data, signature) per chunk."""
    payload = {"signed": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
               "signed-trailer": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
               "unsigned-trailer": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}[mode]
    total = sum(len(c) for c in chunks)
    url = f"{endpoint}/{bucket}/{urllib.parse.quote(key)}"
    h = {"Content-Encoding": "aws-chunked",
         "x-amz-decoded-content-length": str(total if decoded_length is None else decoded_length)}
    if trailer:
        h["x-amz-trailer"] = trailer[0]
    h.update(headers or {})
    request = botocore.awsrequest.AWSRequest(method="PUT", url=url, headers=h)
    with frozen_clock(when):
        _FixedPayloadAuth(credentials(), payload).add_auth(request)
    signed = dict(request.headers.items())
    seed = signed["Authorization"].rsplit("Signature=", 1)[1]
    amz_date = signed["X-Amz-Date"]
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    key_bytes = signing_key(amz_date[:8])

    def chunk_signature(previous, data):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, EMPTY_SHA256,
                         hashlib.sha256(data).hexdigest()])
        return hmac.new(key_bytes, sts.encode(), hashlib.sha256).hexdigest()

    body = b""
    previous = seed
    for index, data in enumerate(list(chunks) + [b""]):
        if mode == "unsigned-trailer":
            if tamper:
                data, _ = tamper("chunk", index, data, None)
            body += f"{len(data):x}\r\n".encode() + data + (b"\r\n" if data else b"")
            continue
        signature = chunk_signature(previous, data)
        previous = signature
        if tamper:
            data, signature = tamper("chunk", index, data, signature)
        body += f"{len(data):x};chunk-signature={signature}\r\n".encode() + data
        if data or mode == "signed":
            body += b"\r\n"
    if mode == "signed":
        pass  # "0;chunk-signature=...\r\n\r\n" complete
    elif mode == "unsigned-trailer":
        if trailer:
            body += f"{trailer[0]}:{trailer[1]}\r\n".encode()
        body += b"\r\n"
    else:
        lines = f"{trailer[0]}:{trailer[1]}\n" if trailer else ""
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous,
                         hashlib.sha256(lines.encode()).hexdigest()])
        trailer_signature = hmac.new(key_bytes, sts.encode(), hashlib.sha256).hexdigest()
        if tamper:
            _, trailer_signature = tamper("trailer", 0, b"", trailer_signature)
        if trailer:
            body += f"{trailer[0]}:{trailer[1]}\r\n".encode()
        body += f"x-amz-trailer-signature:{trailer_signature}\r\n\r\n".encode()
    signed["Content-Length"] = str(len(body))
    parts = urllib.parse.urlsplit(url)
    return send(endpoint, "PUT", parts.path, signed, body)
