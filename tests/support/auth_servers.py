"""Real HTTP servers the authentication suites talk to, each on a free loopback port in a
thread of the test process: a JWKS endpoint whose key set the test rotates or takes down,
and a forward-auth app with cookie sessions. Keys and tokens are made by Debian's
python3-jwt and python3-cryptography, an implementation independent of upgate's.
"""
import base64
import hashlib
import hmac
import http.server
import json
import threading
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from api_harness import free_port

ISSUER = "https://login.example.test/"
AUDIENCE = "upgate-tests"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    """A private key, its kid, its algorithm, and its public JWK."""

    def __init__(self, alg, kid):
        self.alg, self.kid = alg, kid
        if alg == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        elif alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
            jwk = json.loads(ECAlgorithm.to_jwk(self.private.public_key()))
        elif alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
            jwk = json.loads(OKPAlgorithm.to_jwk(self.private.public_key()))
        else:
            raise ValueError(alg)
        jwk.update({"kid": kid, "use": "sig", "alg": alg})
        self.jwk = jwk

    def token(self, sub="alice", **overrides):
        return make_token(self.private, self.alg, self.kid, sub=sub, **overrides)


def claims(sub="alice", lifetime=300, **overrides):
    now = int(time.time())
    out = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + lifetime}
    for name, value in overrides.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def make_token(key, alg, kid=None, sub="alice", **overrides):
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims(sub, **overrides), key, algorithm=alg, headers=headers)


def hand_made_token(header, payload, sign):
    """A JWS put together by hand (what no honest library makes): `sign` maps the signing
    input to the signature bytes."""
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    return signing_input + "." + b64url(sign(signing_input.encode()))


def hs256(secret):
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server:
    handler = None

    def __init__(self, port=None):
        self.port = port or free_port()
        self.httpd = None
        self.thread = None

    def start(self):
        outer = self

        class Handler(self.handler):
            server_owner = outer

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


class _JwksHandler(_QuietHandler):
    def do_GET(self):
        owner = self.server_owner
        with owner.lock:
            owner.fetches.append(time.time())
            keys = list(owner.keys)
        self.send_json(200, {"keys": keys}, [("Cache-Control", f"max-age={owner.max_age}")])


class JwksServer(_Server):
    """Serves {"keys": [...]} at any path, counting fetches."""
    handler = _JwksHandler

    def __init__(self, keys=(), max_age=3600, port=None):
        super().__init__(port)
        self.lock = threading.Lock()
        self.keys = [k.jwk for k in keys]
        self.max_age = max_age
        self.fetches = []

    def set_keys(self, keys):
        with self.lock:
            self.keys = [k.jwk for k in keys]

    def fetch_count(self):
        with self.lock:
            return len(self.fetches)

    @property
    def jwks_url(self):
        return self.url + "/.well-known/jwks.json"


class _HookHandler(_QuietHandler):
    def do_POST(self):
        owner = self.server_owner
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        call = {"cookie": self.headers.get("Cookie"),
                "authorization": self.headers.get("Authorization"), "intent": body}
        with owner.lock:
            owner.calls.append(call)
            delay = owner.delay
        if delay:
            time.sleep(delay)
        status, answer = owner.decide(call)
        self.send_json(status, answer)


class HookApp(_Server):
    """A cookie-session app's forward-auth endpoint: the `sid` cookie names a session;
    sessions map to a principal and optional narrowed limits. Unknown session: 401;
    a session marked banned: 403."""
    handler = _HookHandler

    def __init__(self, port=None):
        super().__init__(port)
        self.lock = threading.Lock()
        self.sessions = {}
        self.calls = []
        self.delay = 0

    def login(self, sid, principal, **extra):
        self.sessions[sid] = dict(principal=principal, **extra)

    def call_count(self):
        with self.lock:
            return len(self.calls)

    def decide(self, call):
        cookie = call["cookie"] or ""
        sid = None
        for part in cookie.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "sid":
                sid = value
        session = self.sessions.get(sid)
        if session is None:
            return 401, {"message": "please sign in to the app first"}
        if session.get("banned"):
            return 403, {"message": "your account may not upload"}
        answer = {"principal": session["principal"], "claims": {"plan": session.get("plan", "free")}}
        for limit in ("max_size", "allowed_types"):
            if limit in session:
                answer[limit] = session[limit]
        return 200, answer
