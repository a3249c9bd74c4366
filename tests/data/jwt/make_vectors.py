#!/usr/bin/python3
"""Writes the JWT/JWKS test vectors that tests/unit/auth reads.

The tokens and key sets come from an implementation independent of upgate's: PyJWT
(Debian's python3-jwt) and pyca/cryptography (python3-cryptography). Hand-built tokens
(malformed parts, duplicate keys, `alg: none`, HS256 made with an RSA public key) are
assembled here from base64url and signed with cryptography directly, never with upgate.

Run with Debian's interpreter from the repository root:

    /usr/bin/python3 tests/data/jwt/make_vectors.py

Keys are made once and kept in keys/ (test-only keys: they sign nothing real), so a rerun
changes only the randomised signatures (ECDSA, RSA-PSS), not what the vectors mean. The
clock is fixed: every token is judged at vectors.json's "now".
"""

import base64
import hashlib
import hmac
import json
import os
import sys

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, utils
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")

NOW = 1_700_000_000  # 2023-11-14T22:13:20Z
ISSUER = "https://issuer.example.test/"
AUDIENCE = "upgate-api"
# 64 bytes: RFC 7518 §3.2 wants HS512 keys at least as long as the hash.
HS_SECRET = "upgate-test-hs-shared-secret-0123456789abcdef-0123456789abcdef-0"
assert len(HS_SECRET) == 64
DEFAULT_ALGS = ["RS256", "ES256", "EdDSA"]
ALL_ALGS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA",
            "HS256", "HS384", "HS512"]


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_json(obj) -> str:
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


def load_or_make(name, make):
    path = os.path.join(KEYS, name + ".pem")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return serialization.load_pem_private_key(f.read(), password=None)
    key = make()
    os.makedirs(KEYS, exist_ok=True)
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return key


rsa_1 = load_or_make("rsa-1", lambda: rsa.generate_private_key(65537, 2048))
rsa_2 = load_or_make("rsa-2", lambda: rsa.generate_private_key(65537, 2048))
ec_1 = load_or_make("ec-1", lambda: ec.generate_private_key(ec.SECP256R1()))
ec384_1 = load_or_make("ec384-1", lambda: ec.generate_private_key(ec.SECP384R1()))
ed_1 = load_or_make("ed-1", ed25519.Ed25519PrivateKey.generate)
ec_other = load_or_make("ec-other", lambda: ec.generate_private_key(ec.SECP256R1()))
rsa_small = load_or_make("rsa-1024", lambda: rsa.generate_private_key(65537, 1024))


def jwk(key, kid, alg=None, use="sig"):
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        out = json.loads(RSAAlgorithm.to_jwk(public))
    elif isinstance(public, ec.EllipticCurvePublicKey):
        out = json.loads(ECAlgorithm.to_jwk(public))
    else:
        out = json.loads(OKPAlgorithm.to_jwk(public))
    out["kid"] = kid
    if alg:
        out["alg"] = alg
    if use:
        out["use"] = use
    return out


rsa_1_jwk = jwk(rsa_1, "rsa-1", "RS256")
jwks = {"keys": [rsa_1_jwk, jwk(ec_1, "ec-1", "ES256"), jwk(ed_1, "ed-1", None),
                 jwk(ec384_1, "ec384-1", None)]}
# RS384/RS512/PS256 tokens use a key without "alg", which any RSA algorithm may use.
rsa_any = jwk(rsa_2, "rsa-any", None)
jwks_all = {"keys": jwks["keys"] + [rsa_any]}
# Rotation: rsa-1 is gone, rsa-2 is new, ec-1 stays.
jwks_rotated = {"keys": [jwk(rsa_2, "rsa-2", "RS256"), jwk(ec_1, "ec-1", "ES256")]}
rsa_public_pem = rsa_1.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def claims(**over):
    out = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": NOW - 10, "exp": NOW + 3600,
           "email": "alice@example.test"}
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def sign(key, alg, payload, kid, extra_headers=None):
    headers = dict(extra_headers or {})
    if kid is not None:
        headers["kid"] = kid
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


def es256_raw(key, signing_input: bytes) -> bytes:
    der = key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def hand_es256(header_b64, payload_b64, key=ec_1):
    signing_input = (header_b64 + "." + payload_b64).encode()
    return header_b64 + "." + payload_b64 + "." + b64u(es256_raw(key, signing_input))


def hand_hs256(secret: bytes, header, payload):
    h, p = b64u_json(header), b64u_json(payload)
    mac = hmac.new(secret, (h + "." + p).encode(), hashlib.sha256).digest()
    return h + "." + p + "." + b64u(mac)


vectors = []


def add(name, token, expect, algorithms=None, principal=None, jwks_name="jwks",
        principal_claim=None, note=""):
    v = {"name": name, "token": token, "expect": expect, "jwks": jwks_name,
         "algorithms": algorithms or DEFAULT_ALGS}
    if principal is not None:
        v["principal"] = principal
    if principal_claim is not None:
        v["principal_claim"] = principal_claim
    if note:
        v["note"] = note
    vectors.append(v)


# --- accepted with the right key ------------------------------------------------------
add("rs256_ok", sign(rsa_1, "RS256", claims(), "rsa-1"), "accept", principal="alice")
add("es256_ok", sign(ec_1, "ES256", claims(), "ec-1"), "accept", principal="alice")
add("eddsa_ok", sign(ed_1, "EdDSA", claims(), "ed-1"), "accept", principal="alice")
add("hs256_ok", sign(HS_SECRET, "HS256", claims(), None), "accept", ALL_ALGS, "alice",
    note="every vector's key set also holds the shared secret (secret_env, no kid)")
add("hs384_ok", sign(HS_SECRET, "HS384", claims(), None), "accept", ALL_ALGS, "alice")
add("hs512_ok", sign(HS_SECRET, "HS512", claims(), None), "accept", ALL_ALGS, "alice")
add("rs384_ok", sign(rsa_2, "RS384", claims(), "rsa-any"), "accept", ALL_ALGS, "alice", "jwks_all")
add("rs512_ok", sign(rsa_2, "RS512", claims(), "rsa-any"), "accept", ALL_ALGS, "alice", "jwks_all")
add("ps256_ok", sign(rsa_2, "PS256", claims(), "rsa-any"), "accept", ALL_ALGS, "alice", "jwks_all")
add("es384_ok", sign(ec384_1, "ES384", claims(), "ec384-1"), "accept", ALL_ALGS, "alice")
add("es256_no_kid_one_candidate", sign(ec_1, "ES256", claims(), None), "accept",
    principal="alice", note="no kid: the set has exactly one P-256 key")
add("aud_array_ok", sign(ec_1, "ES256", claims(aud=["other", AUDIENCE]), "ec-1"), "accept",
    principal="alice")
add("expired_within_leeway", sign(ec_1, "ES256", claims(exp=NOW - 30), "ec-1"), "accept",
    principal="alice")
add("nbf_within_leeway", sign(ec_1, "ES256", claims(nbf=NOW + 30), "ec-1"), "accept",
    principal="alice")
add("iat_within_leeway", sign(ec_1, "ES256", claims(iat=NOW + 30), "ec-1"), "accept",
    principal="alice")
add("fractional_exp_ok", sign(ec_1, "ES256", claims(exp=NOW + 100.5), "ec-1"), "accept",
    principal="alice")
add("principal_from_email", sign(ec_1, "ES256", claims(), "ec-1"), "accept",
    principal="alice@example.test", principal_claim="email")
add("typ_jwt_ok", sign(ec_1, "ES256", claims(), "ec-1", {"typ": "JWT"}), "accept",
    principal="alice")

# --- refused: claims --------------------------------------------------------------------
add("expired", sign(ec_1, "ES256", claims(exp=NOW - 120), "ec-1"), "expired")
add("not_yet_valid", sign(ec_1, "ES256", claims(nbf=NOW + 300), "ec-1"), "not_yet_valid")
add("iat_in_future", sign(ec_1, "ES256", claims(iat=NOW + 300), "ec-1"), "issued_in_future")
add("wrong_issuer", sign(ec_1, "ES256", claims(iss="https://evil.example.test/"), "ec-1"),
    "wrong_issuer")
add("issuer_trailing_slash_differs",
    sign(ec_1, "ES256", claims(iss=ISSUER.rstrip("/")), "ec-1"), "wrong_issuer")
add("wrong_audience", sign(ec_1, "ES256", claims(aud="someone-else"), "ec-1"), "wrong_audience")
add("aud_array_without", sign(ec_1, "ES256", claims(aud=["a", "b"]), "ec-1"), "wrong_audience")
add("missing_exp", sign(ec_1, "ES256", claims(exp=None), "ec-1"), "missing_claim")
add("missing_iss", sign(ec_1, "ES256", claims(iss=None), "ec-1"), "missing_claim")
add("missing_aud", sign(ec_1, "ES256", claims(aud=None), "ec-1"), "missing_claim")
add("missing_sub", sign(ec_1, "ES256", claims(sub=None), "ec-1"), "invalid_principal")
add("empty_sub", sign(ec_1, "ES256", claims(sub=""), "ec-1"), "invalid_principal")
add("numeric_sub", sign(ec_1, "ES256", claims(sub=42), "ec-1"), "invalid_principal")
add("exp_is_string", sign(ec_1, "ES256", claims(exp=str(NOW + 3600)), "ec-1"), "invalid_claim")
add("iss_is_number", sign(ec_1, "ES256", claims(iss=7), "ec-1"), "invalid_claim")
add("aud_array_with_number", sign(ec_1, "ES256", claims(aud=[AUDIENCE, 3]), "ec-1"),
    "invalid_claim")

# --- refused: algorithms and keys -------------------------------------------------------
add("rs384_not_allowed", sign(rsa_2, "RS384", claims(), "rsa-any"), "algorithm_not_allowed",
    jwks_name="jwks_all")
add("hs256_not_allowed_by_default", sign(HS_SECRET, "HS256", claims(), None),
    "algorithm_not_allowed")
none_header = b64u_json({"alg": "none", "typ": "JWT"})
add("alg_none_empty_signature", none_header + "." + b64u_json(claims()) + ".",
    "algorithm_not_allowed", ALL_ALGS)
add("alg_none_with_signature", none_header + "." + b64u_json(claims()) + "." + b64u(b"x" * 32),
    "algorithm_not_allowed", ALL_ALGS)
add("alg_None_capitalised",
    b64u_json({"alg": "None"}) + "." + b64u_json(claims()) + ".", "algorithm_not_allowed",
    ALL_ALGS)
add("alg_unknown", b64u_json({"alg": "XS256", "kid": "ec-1"}) + "." + b64u_json(claims()) + "." +
    b64u(b"x" * 64), "algorithm_not_allowed", ALL_ALGS)
# The classic confusion: an HMAC made with the bytes of the RSA public key the verifier
# holds. Allowed algorithms include HS256 so that the key-family rule is what refuses it.
add("hs256_with_rsa_public_pem",
    hand_hs256(rsa_public_pem.encode(), {"alg": "HS256", "kid": "rsa-1"}, claims()),
    "key_algorithm_mismatch", ALL_ALGS)
add("hs256_with_rsa_public_pem_no_kid",
    hand_hs256(rsa_public_pem.encode(), {"alg": "HS256"}, claims()), "bad_signature",
    ALL_ALGS, note="no kid: the only HMAC key is the shared secret; the RSA key is never tried")
add("hs256_with_rsa_jwk_bytes",
    hand_hs256(json.dumps(rsa_1_jwk, separators=(",", ":")).encode(),
               {"alg": "HS256", "kid": "rsa-1"}, claims()),
    "key_algorithm_mismatch", ALL_ALGS)
add("es256_with_rsa_kid", sign(ec_1, "ES256", claims(), "rsa-1"), "key_algorithm_mismatch")
add("eddsa_with_ec_kid", sign(ed_1, "EdDSA", claims(), "ec-1"), "key_algorithm_mismatch")
add("es384_with_p256_kid", sign(ec384_1, "ES384", claims(), "ec-1"), "key_algorithm_mismatch",
    ALL_ALGS)
add("rs384_with_rs256_only_key", sign(rsa_1, "RS384", claims(), "rsa-1"),
    "key_algorithm_mismatch", ALL_ALGS, note="the JWK says alg RS256")
add("unknown_kid", sign(ec_1, "ES256", claims(), "no-such-key"), "unknown_key")
add("rs256_rotated_key", sign(rsa_2, "RS256", claims(), "rsa-2"), "unknown_key",
    note="accepted once jwks_rotated is loaded")
add("es256_other_key_same_kid", sign(ec_other, "ES256", claims(), "ec-1"), "bad_signature")

# --- refused: tampering -----------------------------------------------------------------
good = sign(ec_1, "ES256", claims(), "ec-1")
h, p, s = good.split(".")
add("tampered_payload", h + "." + b64u_json(claims(sub="mallory")) + "." + s, "bad_signature")
sig = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
sig[10] ^= 0x01
add("tampered_signature", h + "." + p + "." + b64u(bytes(sig)), "bad_signature")
add("tampered_header", b64u_json({"alg": "ES256", "kid": "ec-1", "x": 1}) + "." + p + "." + s,
    "bad_signature")
der = ec_1.sign((h + "." + p).encode(), ec.ECDSA(hashes.SHA256()))
add("es256_der_signature", h + "." + p + "." + b64u(der), "bad_signature",
    note="JOSE wants raw r||s; a DER signature has the wrong length")
raw_sig = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
add("es256_short_signature", h + "." + p + "." + b64u(raw_sig[:-3]), "bad_signature")
rs_good = sign(rsa_1, "RS256", claims(), "rsa-1")
rh, rp, rs = rs_good.split(".")
rsig = bytearray(base64.urlsafe_b64decode(rs + "=" * (-len(rs) % 4)))
rsig[-1] ^= 0x80
add("rs256_tampered_signature", rh + "." + rp + "." + b64u(bytes(rsig)), "bad_signature")
ed_good = sign(ed_1, "EdDSA", claims(), "ed-1")
eh, ep, es = ed_good.split(".")
add("eddsa_tampered_payload", eh + "." + b64u_json(claims(sub="mallory")) + "." + es,
    "bad_signature")
hs_good = sign(HS_SECRET, "HS256", claims(), None)
hh, hp, hsig = hs_good.split(".")
add("hs256_tampered_payload", hh + "." + b64u_json(claims(sub="mallory")) + "." + hsig,
    "bad_signature", ALL_ALGS)
add("hs256_wrong_secret", sign(HS_SECRET + "x", "HS256", claims(), None), "bad_signature",
    ALL_ALGS)

# --- refused: malformed, part by part ---------------------------------------------------
add("malformed_empty", "", "malformed_token")
add("malformed_two_parts", h + "." + p, "malformed_token")
add("malformed_four_parts", good + ".x", "malformed_token")
add("malformed_empty_header", "." + p + "." + s, "malformed_token")
add("malformed_empty_payload", h + ".." + s, "malformed_token")
add("malformed_empty_signature", h + "." + p + ".", "malformed_token")
add("malformed_header_base64_plus", h[:-1] + "+" + "." + p + "." + s, "malformed_token")
add("malformed_payload_padding", h + "." + p + "=" + "." + s, "malformed_token")
add("malformed_signature_bad_char", h + "." + p + "." + s[:-1] + "*", "malformed_token")
# A signature whose standard-base64 form has '+' or '/': ECDSA is randomised, so sign
# until one does.
while True:
    std_sig = base64.b64encode(es256_raw(ec_1, (h + "." + p).encode())).decode().rstrip("=")
    if "+" in std_sig or "/" in std_sig:
        break
add("malformed_signature_standard_alphabet", h + "." + p + "." + std_sig, "malformed_token",
    note="standard base64 ('+', '/') is not base64url")
add("malformed_header_not_json", b64u(b"{alg:ES256}") + "." + p + "." + s, "malformed_token")
add("malformed_header_array", b64u_json(["ES256"]) + "." + p + "." + s, "malformed_token")
add("malformed_header_no_alg", b64u_json({"kid": "ec-1"}) + "." + p + "." + s, "malformed_token")
add("malformed_header_alg_number", b64u_json({"alg": 256, "kid": "ec-1"}) + "." + p + "." + s,
    "malformed_token")
add("malformed_header_kid_number", hand_es256(b64u_json({"alg": "ES256", "kid": 1}), p),
    "malformed_token")
add("malformed_header_duplicate_alg",
    hand_es256(b64u(b'{"alg":"none","alg":"ES256","kid":"ec-1"}'), p), "malformed_token")
add("malformed_header_crit",
    hand_es256(b64u_json({"alg": "ES256", "kid": "ec-1", "crit": ["exp"], "exp": 1}), p),
    "malformed_token", note="crit names an extension upgate does not understand")
add("malformed_payload_not_json", hand_es256(h, b64u(b"not json")), "malformed_token")
add("malformed_payload_array", hand_es256(h, b64u_json([claims()])), "malformed_token")
add("malformed_payload_duplicate_sub",
    hand_es256(h, b64u(json.dumps(claims(), separators=(",", ":"))[:-1].encode() +
                       b',"sub":"mallory"}')), "malformed_token",
    note="validly signed, but a duplicate key means two readers may see two principals")
add("malformed_payload_invalid_utf8", hand_es256(h, b64u(b'{"iss":"\xff"}')), "malformed_token")
# base64url of a length that leaves spare bits in the last character (len % 3 != 0),
# then that character with a spare bit set: decoders that ignore spare bits accept it.
padded = claims(pad="")
while len(json.dumps(padded, separators=(",", ":"))) % 3 == 0:
    padded["pad"] += "x"
tp = b64u_json(padded)
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
tp_bad = tp[:-1] + alphabet[alphabet.index(tp[-1]) | 1]
add("malformed_payload_trailing_bits", hand_es256(h, tp_bad), "malformed_token",
    note="non-canonical final base64url character (a spare bit set), validly signed")
add("canonical_trailing_bits_ok", hand_es256(h, tp), "accept", principal="alice")
add("malformed_deep_payload", hand_es256(h, b64u(b'{"a":' * 200 + b"1" + b"}" * 200)),
    "malformed_token")
add("malformed_oversize", hand_es256(h, b64u_json(claims(pad="x" * 20000))), "malformed_token")
add("malformed_whitespace", " " + good, "malformed_token")

# --- JWKS documents --------------------------------------------------------------------
n_small = json.loads(RSAAlgorithm.to_jwk(rsa_small.public_key()))
ec_bad = jwk(ec_other, "ec-short-x", "ES256")
ec_bad["x"] = b64u(base64.urlsafe_b64decode(ec_bad["x"] + "=")[:-1])
ec_off_curve = jwk(ec_other, "ec-off-curve", "ES256")
ec_off_curve["y"] = b64u((int.from_bytes(base64.urlsafe_b64decode(ec_off_curve["y"] + "=="),
                                         "big") ^ 1).to_bytes(32, "big"))
private_ec = jwk(ec_other, "ec-private", "ES256")
private_ec["d"] = b64u(ec_other.private_numbers().private_value.to_bytes(32, "big"))
x25519 = jwk(ed_1, "x25519", None)
x25519["crv"] = "X25519"
mixed = {"keys": [
    dict(n_small, kid="rsa-1024"),
    ec_bad,
    ec_off_curve,
    private_ec,
    x25519,
    {"kty": "RSA", "kid": "rsa-no-e", "n": rsa_1_jwk["n"]},
    {"kid": "no-kty", "x": "AAAA"},
    {"kty": "PQ", "kid": "unknown-kty"},
    jwk(ec_other, "ec-enc", "ES256", use="enc"),
    jwk(ec_other, "ec-alg-rs256", "RS256"),
    {"kty": "oct", "kid": "oct-in-url", "k": b64u(b"k" * 32)},
    "not an object",
    jwk(ec_1, "ec-1", "ES256"),
    jwk(ed_1, "ed-1", None),
]}

out = {
    "comment": "Made by tests/data/jwt/make_vectors.py with PyJWT " + jwt.__version__ +
               "; do not edit by hand.",
    "now": NOW,
    "issuer": ISSUER,
    "audience": AUDIENCE,
    "hs_secret": HS_SECRET,
    "rsa_public_pem": rsa_public_pem,
    "jwks": {"jwks": jwks, "jwks_all": jwks_all, "jwks_rotated": jwks_rotated,
             "jwks_mixed": mixed},
    "jwks_mixed_accepted": ["ec-1", "ed-1"],
    "vectors": vectors,
}
with open(os.path.join(HERE, "vectors.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
for name in ("jwks", "jwks_rotated"):
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(out["jwks"][name], f, indent=1, sort_keys=True)
        f.write("\n")
print("wrote %d vectors" % len(vectors), file=sys.stderr)
