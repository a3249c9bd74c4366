"""POST /v1/uploads: the full form, profiles from upgate.toml, and its error shape."""
import base64
import hashlib
import json
import unittest
import urllib.parse

from api_harness import ServerTestCase

PATH = "/v1/uploads"
CONFIG = """
[profiles.avatars]
folder = "users/avatars"
max_size = "1 MiB"
allowed_types = ["image/png", "image/jpeg"]
allowed_extensions = ["png", "jpg", "jpeg"]
url_lifetime = "2m"

[profiles.docs]
folder = "docs"
max_size = "10 MB"
allowed_types = ["application/pdf", "text/*"]
overwrite_protection = false
key_template = "{folder}/{yyyy}/{id}.{ext}"
"""

SHA = base64.b64encode(hashlib.sha256(b"hello").digest()).decode()


def body(**overrides):
    b = {"profile": "avatars", "fileName": "me.png", "contentType": "image/png", "size": 1000}
    b.update(overrides)
    return {k: v for k, v in b.items() if v is not ...}


class Uploads(ServerTestCase):
    config_text = CONFIG

    def test_full_form(self):
        r = self.server.post(PATH, body(sha256=SHA, metadata={"User-Id": "42", "note": "hi there"}))
        self.assertEqual(r.status_code, 200, r.text)
        b = r.json()
        self.assertIs(b["ok"], True)
        self.assertEqual(b["profile"], "avatars")
        self.assertEqual(b["expiresIn"], 120)
        self.assertEqual(b["bucket"], "uploads")
        self.assertRegex(b["key"], r"^users/avatars/\d{4}/\d\d/\d\d/[0-9a-f]{32}-me\.png$")
        self.assertEqual(b["headers"], {
            "Content-Type": "image/png",
            "Content-Length": "1000",
            "If-None-Match": "*",
            "x-amz-checksum-sha256": SHA,
            "x-amz-meta-user-id": "42",
            "x-amz-meta-note": "hi there",
        })
        signed = urllib.parse.parse_qs(urllib.parse.urlsplit(b["uploadUrl"]).query)["X-Amz-SignedHeaders"][0]
        self.assertEqual(signed.split(";"), sorted(["content-length", "content-type", "host", "if-none-match",
                                                    "x-amz-checksum-sha256", "x-amz-meta-note",
                                                    "x-amz-meta-user-id"]))

    def test_folder_name_is_accepted_as_the_profile(self):
        r = self.server.post(PATH, body(profile=..., folderName="avatars"))
        self.assertEqual(r.status_code, 200, r.text)

    def test_profile_without_overwrite_protection_and_own_template(self):
        r = self.server.post(PATH, body(profile="docs", fileName="Report.PDF", contentType="application/pdf"))
        self.assertEqual(r.status_code, 200, r.text)
        b = r.json()
        self.assertNotIn("If-None-Match", b["headers"])
        self.assertRegex(b["key"], r"^docs/\d{4}/[0-9a-f]{32}\.pdf$")
        self.assertEqual(b["expiresIn"], 300)

    def test_error_shape_and_codes(self):
        cases = [
            (body(profile=...), 400, "missing_field", "profile"),
            (body(profile=""), 400, "missing_field", "profile"),
            (body(profile=None), 400, "missing_field", "profile"),
            (body(profile=7), 400, "wrong_type", "profile"),
            (body(profile="nope"), 400, "unknown_profile", "profile"),
            (body(profile="users/avatars"), 400, "unknown_profile", "profile"),
            (body(profile="../avatars"), 400, "unknown_profile", "profile"),
            (body(fileName=...), 400, "missing_field", "fileName"),
            (body(fileName=["a"]), 400, "wrong_type", "fileName"),
            (body(contentType=...), 400, "missing_field", "contentType"),
            (body(contentType="image"), 400, "invalid_content_type", "contentType"),
            (body(contentType="image/gif"), 400, "content_type_not_allowed", "contentType"),
            (body(fileName="me.gif"), 400, "extension_not_allowed", "fileName"),
            (body(fileName="...."), 400, "invalid_file_name", "fileName"),
            (body(size=...), 400, "missing_field", "size"),
            (body(size=0), 400, "invalid_size", "size"),
            (body(size=-1), 400, "invalid_size", "size"),
            (body(size=1.5), 400, "invalid_size", "size"),
            (body(size="10"), 400, "wrong_type", "size"),
            (body(size=5 * 2**40 + 1), 400, "invalid_size", "size"),
            (body(size=2**20 + 1), 400, "file_too_large", "size"),
            (body(sha256="not base64"), 400, "invalid_checksum", "sha256"),
            (body(sha256=base64.b64encode(b"short").decode()), 400, "invalid_checksum", "sha256"),
            (body(sha256=5), 400, "wrong_type", "sha256"),
            (body(metadata=["a"]), 400, "wrong_type", "metadata"),
            (body(metadata={"a": 1}), 400, "wrong_type", "metadata"),
            (body(metadata={"bad name": "x"}), 400, "invalid_metadata", "metadata"),
            (body(metadata={"a": "line\nbreak"}), 400, "invalid_metadata", "metadata"),
            (body(metadata={"a": "x" * 3000}), 400, "invalid_metadata", "metadata"),
            (dict(body(), folderName="avatars"), 400, "wrong_type", "profile"),
        ]
        for request, status, code, field in cases:
            with self.subTest(request=request):
                b = self.assertError(self.server.post(PATH, request), status, code, field)
                self.assertIsInstance(b["error"]["message"], str)
                self.assertTrue(b["error"]["message"])

    def test_too_large_names_the_limit(self):
        b = self.server.post(PATH, body(size=2**20 + 1)).json()
        self.assertEqual(b["error"]["message"], "File size exceeds 1 MB limit")

    def test_request_level_errors(self):
        self.assertError(self.server.post(PATH, raw="{"), 400, "invalid_json")
        self.assertError(self.server.post(PATH, raw="[]"), 400, "not_an_object")
        self.assertError(self.server.post(PATH, body(), headers={"Content-Type": "text/plain"}),
                         415, "unsupported_media_type")
        self.assertError(self.server.post(PATH, dict(body(), pad="x" * 17000)), 413, "body_too_large")

    def test_unknown_fields_are_ignored(self):
        r = self.server.post(PATH, body(extra={"nested": [1, 2, 3]}))
        self.assertEqual(r.status_code, 200, r.text)

    def test_deeply_nested_json_is_refused(self):
        raw = json.dumps(body())[:-1] + ', "x": ' + "[" * 64 + "]" * 64 + "}"
        self.assertError(self.server.post(PATH, raw=raw), 400, "invalid_json")


if __name__ == "__main__":
    unittest.main()
