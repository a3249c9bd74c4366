"""What the embedded store's integration tests share: the store they run (the one launcher,
tests/support/store_process.py, with this suite's root key), a base class that gives a test
class one store and its buckets, and signing with botocore's own SigV4 signers, whose clock
can be frozen, so a test can change any signed element after signing and send exactly the
bytes it wants (http.client, or a raw socket for framing tricks).

Environment: UPGATE_BIN (ctest passes $<TARGET_FILE:upgate>), else build/upgate.
"""
import contextlib
import datetime
import http.client
import os
import socket
import unittest
import unittest.mock
import urllib.parse

os.environ["BOTO_DISABLE_CRT"] = "true"  # the pure-Python signer, whose clock we can freeze

import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
from child_process import upgate_binary  # noqa: E402
from store_process import StoreProcess, start_store  # noqa: E402

ACCESS_KEY_ID = "AKIDSTOREINTEGRATION"
# Distinctive, so a leak into a response or a log is found by a substring search.
SECRET = "StoreSecretNeverLeaks/9Qx+integration"
REGION = "us-east-1"
BINARY = upgate_binary()


def Store(with_root_key=True, **options):
    """A store (not started) with this suite's root key, or none (`with_root_key=False`)."""
    return StoreProcess(access_key_id=ACCESS_KEY_ID if with_root_key else None,
                        secret_access_key=SECRET, region=REGION, **options)


class StoreTestCase(unittest.TestCase):
    """One running store for the whole class, `s3` a root client, `buckets` created."""
    buckets = ()
    store_args = ()

    @classmethod
    def setUpClass(cls):
        cls.store = start_store(access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET,
                                region=REGION, extra_args=cls.store_args)
        cls.s3 = cls.store.client()
        for bucket in cls.buckets:
            cls.s3.create_bucket(Bucket=bucket)

    @classmethod
    def tearDownClass(cls):
        cls.store.close()


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
