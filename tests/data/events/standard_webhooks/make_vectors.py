#!/usr/bin/python3
"""Standard Webhooks signature vectors for tests/unit/events, computed independently of
upgate with Python's hmac/hashlib/base64: run `/usr/bin/python3 make_vectors.py > vectors.json`.

Each vector: the whsec_ secrets (in signing order), webhook-id, webhook-timestamp, the raw
body, and the webhook-signature header value the spec prescribes:
space-separated "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", one per secret.
Deterministic: the secrets are fixed byte patterns, so a rerun gives the same file."""
import base64
import hashlib
import hmac
import json


def secret(seed, length):
    key = bytes((seed * 37 + i * 11) % 256 for i in range(length))
    return key, "whsec_" + base64.b64encode(key).decode()


def signature(keys, msg_id, timestamp, body):
    content = f"{msg_id}.{timestamp}.".encode() + body.encode()
    return " ".join(
        "v1," + base64.b64encode(hmac.new(k, content, hashlib.sha256).digest()).decode()
        for k in keys)


cases = [
    ("one 24-byte secret, small JSON", [(1, 24)], "evt_0123456789abcdef0123456789abcdef",
     1714564800, '{"type":"upload.completed","data":{"key":"a.png"}}'),
    ("one 32-byte secret, empty body", [(2, 32)], "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
     1674087231, ""),
    ("rotation: two secrets sign the same message", [(3, 32), (4, 24)],
     "evt_ffffffffffffffffffffffffffffffff", 1700000000,
     '{"type":"object.deleted","data":{"key":"photos/red flower.jpg"}}'),
    ("64-byte secret, UTF-8 body", [(5, 64)], "evt_00000000000000000000000000000001",
     2000000000, '{"key":"caf\u00e9/\u6587\u4ef6.txt","n":1}'),
    ("three secrets", [(6, 24), (7, 40), (8, 48)], "evt_abc", 1, '{"a":1}'),
]

vectors = []
for name, seeds, msg_id, timestamp, body in cases:
    pairs = [secret(s, n) for s, n in seeds]
    vectors.append({
        "name": name,
        "secrets": [text for _, text in pairs],
        "id": msg_id,
        "timestamp": timestamp,
        "body": body,
        "signature": signature([k for k, _ in pairs], msg_id, timestamp, body),
    })
print(json.dumps({"vectors": vectors}, indent=2, ensure_ascii=False))
