"""GET /v1/downloads?key=...: presigned GETs with an RFC 8187 content disposition."""
import http.client
import json
import unittest
import urllib.parse

from api_harness import ServerTestCase

PATH = "/v1/downloads"
ID = "00112233445566778899aabbccddeeff"
CONFIG = """
[profiles.public]
folder = "public"
content_disposition = "inline"
url_lifetime = 600

[profiles.private]
folder = "private"
downloads = false

[profiles.pictures]
folder = "pictures"
allowed_types = ["image/*"]
content_disposition = "inline"

[profiles.drawings]
folder = "drawings"
allowed_types = ["image/*", "image/svg+xml"]
content_disposition = "inline"
"""


def disposition_of(url):
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return query["response-content-disposition"][0]


class Downloads(ServerTestCase):
    config_text = CONFIG

    with_verifier = True

    def download(self, key):
        return self.server.get(PATH, params={"key": key})

    def test_non_ascii_name_uses_filename_star(self):
        key = f"public/2025/01/02/{ID}-résumé_2024.pdf"
        r = self.download(key)
        self.assertEqual(r.status_code, 200, r.text)
        b = r.json()
        self.assertIs(b["ok"], True)
        self.assertEqual(b["method"], "GET")
        self.assertEqual(b["key"], key)
        self.assertEqual(b["expiresIn"], 600)
        self.assertEqual(disposition_of(b["downloadUrl"]),
                         "inline; filename=\"r_sum__2024.pdf\"; "
                         "filename*=UTF-8''r%C3%A9sum%C3%A9_2024.pdf")
        url = urllib.parse.urlsplit(b["downloadUrl"])
        self.assertEqual(urllib.parse.unquote(url.path), "/uploads/" + key)
        self.assertTrue(self.verifier.check("GET", b["downloadUrl"], {})["ok"])

    def test_signature_covers_the_disposition(self):
        url = self.download(f"public/2025/01/02/{ID}-a.txt").json()["downloadUrl"]
        tampered = url.replace("inline", "attachment")
        self.assertNotEqual(url, tampered)
        self.assertFalse(self.verifier.check("GET", tampered, {})["ok"])
        self.assertFalse(self.verifier.check("PUT", url, {})["ok"])

    def test_keys_upgate_did_not_mint_are_not_found(self):
        # backups/db.sql put there with the root key, keys of the right folder but not of
        # the template's shape, and keys in no profile's folder: one answer for all.
        bodies = set()
        for key in ("backups/db.sql", "public/notes.txt", "elsewhere/x.txt",
                    f"public/2025/13/02/{ID}-a.txt", f"public/2025/01/02/{ID.upper()}-a.txt",
                    f"public/2025/01/02/{ID}-a b.txt", f"public/x/2025/01/02/{ID}-a.txt"):
            with self.subTest(key=key):
                r = self.download(key)
                self.assertError(r, 404, "not_found", "key")
                self.assertNotIn("downloadUrl", r.text)
                bodies.add(r.text)
        self.assertEqual(len(bodies), 1, bodies)

    def upload(self, profile, name, content_type):
        return self.server.post("/v1/uploads", {"profile": profile, "fileName": name,
                                                "contentType": content_type, "size": 10})

    def test_wildcards_never_admit_active_content(self):
        for profile, name, content_type in (("pictures", "x.svg", "image/svg+xml"),
                                            ("public", "x.html", "text/html"),
                                            ("public", "x.js", "text/javascript"),
                                            ("public", "x.xml", "application/xml")):
            with self.subTest(content_type=content_type):
                self.assertError(self.upload(profile, name, content_type), 400,
                                 "content_type_not_allowed", "contentType")
        self.assertEqual(self.upload("pictures", "x.png", "image/png").status_code, 200)

    def test_active_content_is_never_inline(self):
        # Named exactly, SVG is admitted, only under its own extension...
        self.assertError(self.upload("drawings", "logo.png", "image/svg+xml"), 400,
                         "content_type_not_allowed", "contentType")
        up = self.upload("drawings", "logo.svg", "image/svg+xml")
        self.assertEqual(up.status_code, 200, up.text)
        # ...and downloads as an attachment from an inline profile.
        down = self.download(up.json()["key"])
        self.assertEqual(down.status_code, 200, down.text)
        self.assertEqual(disposition_of(down.json()["downloadUrl"]),
                         "attachment; filename=\"logo.svg\"; filename*=UTF-8''logo.svg")
        png = self.download(self.upload("drawings", "logo.png", "image/png").json()["key"])
        self.assertTrue(disposition_of(png.json()["downloadUrl"]).startswith("inline; "))

    def test_errors(self):
        self.assertError(self.server.get(PATH), 400, "missing_field", "key")
        self.assertError(self.download(""), 400, "missing_field", "key")
        self.assertError(self.server.get(PATH + "?key=a&key=b"), 400, "invalid_key", "key")
        # http.client sends the target as is (requests would re-encode the bad escape).
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("GET", PATH + "?key=public/%zz")
        raw = conn.getresponse()
        self.assertEqual(raw.status, 400)
        self.assertEqual(json.loads(raw.read())["error"]["code"], "invalid_key")
        conn.close()
        for key in ("public/../private/x", "/public/x", "public//x", "public/./x", "public/x/",
                    "public/a\u0001b", "public/" + "x" * 1100):
            with self.subTest(key=key):
                self.assertError(self.download(key), 400, "invalid_key", "key")
        self.assertError(self.download(f"private/2025/01/02/{ID}-x.txt"), 403,
                         "downloads_disabled", "key")
        self.assertEqual(self.server.post(PATH, {}).status_code, 405)


if __name__ == "__main__":
    unittest.main()
