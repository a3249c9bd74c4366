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
        key = f"public/2025/01/02/{ID}-résumé 2024.pdf"
        r = self.download(key)
        self.assertEqual(r.status_code, 200, r.text)
        b = r.json()
        self.assertIs(b["ok"], True)
        self.assertEqual(b["method"], "GET")
        self.assertEqual(b["key"], key)
        self.assertEqual(b["expiresIn"], 600)
        self.assertEqual(disposition_of(b["downloadUrl"]),
                         "inline; filename=\"r_sum_ 2024.pdf\"; "
                         "filename*=UTF-8''r%C3%A9sum%C3%A9%202024.pdf")
        url = urllib.parse.urlsplit(b["downloadUrl"])
        self.assertEqual(urllib.parse.unquote(url.path), "/uploads/" + key)
        self.assertTrue(self.verifier.check("GET", b["downloadUrl"], {})["ok"])

    def test_signature_covers_the_disposition(self):
        url = self.download(f"public/{ID}-a.txt").json()["downloadUrl"]
        tampered = url.replace("inline", "attachment")
        self.assertNotEqual(url, tampered)
        self.assertFalse(self.verifier.check("GET", tampered, {})["ok"])
        self.assertFalse(self.verifier.check("PUT", url, {})["ok"])

    def test_plain_key_keeps_its_name(self):
        b = self.download("public/notes.txt").json()
        self.assertEqual(disposition_of(b["downloadUrl"]),
                         "inline; filename=\"notes.txt\"; filename*=UTF-8''notes.txt")

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
        self.assertError(self.download("elsewhere/x.txt"), 400, "unknown_profile", "key")
        self.assertError(self.download("private/x.txt"), 403, "downloads_disabled", "key")
        self.assertEqual(self.server.post(PATH, {}).status_code, 405)


if __name__ == "__main__":
    unittest.main()
