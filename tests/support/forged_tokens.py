"""upgate's upload and session tokens written by the tests' own code from the format's
description (docs/API.md, upload_token.hpp, session_token.hpp), not by upgate: a version
byte, the expiry and the size as varints, six length-prefixed fields, and an HMAC-SHA256
over a domain-separating prefix and the payload. The suites use them to prove that a token
upgate did not issue (another secret, another principal, an altered field) is refused."""
import hashlib
import hmac

from auth_servers import b64url


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _token(prefix, domain, secret, expires_at, size, fields):
    payload = bytes([1]) + varint(expires_at) + varint(size)
    for field in fields:
        data = field.encode()
        payload += varint(len(data)) + data
    mac = hmac.new(secret.encode(), domain + payload, hashlib.sha256).digest()
    return prefix + b64url(payload) + "." + b64url(mac)


def forge_upload_token(secret, key, principal, profile, size, content_type, expires_at,
                       checksum=""):
    return _token("ut1.", b"upgate upload token v1\n", secret, expires_at, size,
                  (key, "", principal, profile, content_type, checksum))


def forge_session_token(secret, principal, profile, expires_at, mode="jwt",
                        claims='{"sub":"%s"}'):
    return _token("us1.", b"upgate session token v1\n", secret, expires_at, 0,
                  (claims % principal, "", principal, profile, mode, ""))
