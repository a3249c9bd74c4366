"""POST /api/s3/getPresignedUrl: the seed's contract, and every bad-input class of issue 3,
against the real binary over HTTP."""
import json
import re
import unittest
import urllib.parse

import requests

from api_harness import SECRET, SEED_BODY, ServerTestCase

PATH = "/api/s3/getPresignedUrl"
KEY_RE = re.compile(r"^services/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}-[^/]+$")


class SeedContract(ServerTestCase):
    def test_seed_client_body_gets_the_seed_answer(self):
        r = self.server.post(PATH, SEED_BODY)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"))
        self.assertEqual(r.headers["Cache-Control"], "no-store")
        body = r.json()
        # The seed's client reads presignedData.ok, then uploadUrl and key.
        self.assertIs(body["ok"], True)
        self.assertEqual(body["method"], "PUT")
        self.assertRegex(body["key"], KEY_RE)
        self.assertTrue(body["key"].endswith("-holiday_photo.jpg"), body["key"])
        self.assertEqual(body["headers"], {"Content-Type": "image/jpeg", "Content-Length": "2483712"})
        url = urllib.parse.urlsplit(body["uploadUrl"])
        self.assertEqual(url.netloc, "127.0.0.1:9000")  # the embedded store by default
        self.assertEqual(urllib.parse.unquote(url.path), "/uploads/" + body["key"])
        query = urllib.parse.parse_qs(url.query)
        self.assertEqual(query["X-Amz-Expires"], ["300"])
        self.assertEqual(query["X-Amz-SignedHeaders"], ["content-length;content-type;host"])
        self.assertRegex(body["expiresAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")
        self.assertNotIn(SECRET, r.text)

    def test_keys_are_unique(self):
        keys = {self.server.post(PATH, SEED_BODY).json()["key"] for _ in range(20)}
        self.assertEqual(len(keys), 20)

    def test_exact_size_limit_is_accepted_and_one_more_byte_refused(self):
        ok = self.server.post(PATH, dict(SEED_BODY, fileSize=5 * 1024 * 1024))
        self.assertEqual(ok.status_code, 200)
        r = self.server.post(PATH, dict(SEED_BODY, fileSize=5 * 1024 * 1024 + 1))
        body = self.assertError(r, 400, "file_too_large", "fileSize", style="seed")
        self.assertEqual(body["error"], "File size exceeds 5 MB limit")


class RequestShape(ServerTestCase):
    def test_non_json(self):
        self.assertError(self.server.post(PATH, raw="fileName=a"), 400, "invalid_json", style="seed")
        self.assertError(self.server.post(PATH, raw=""), 400, "invalid_json", style="seed")
        self.assertError(self.server.post(PATH, raw=b'{"fileName":"\xff"}'), 400, "invalid_json",
                         style="seed")

    def test_json_that_is_not_an_object(self):
        for raw in ("[]", "[1,2]", '"text"', "42", "null", "true"):
            self.assertError(self.server.post(PATH, raw=raw), 400, "not_an_object", style="seed")

    def test_body_over_16_kib(self):
        body = dict(SEED_BODY, padding="x" * (16 * 1024))
        self.assertError(self.server.post(PATH, body), 413, "body_too_large", style="seed")
        # Exactly at the limit is read and judged on its content.
        raw = json.dumps(SEED_BODY)
        raw = raw[:-1] + ',"p":"' + "x" * (16 * 1024 - len(raw) - 7) + '"}'
        self.assertEqual(len(raw), 16 * 1024)
        self.assertEqual(self.server.post(PATH, raw=raw).status_code, 200)

    def test_chunked_body_over_16_kib(self):
        def chunks():
            yield json.dumps(SEED_BODY)[:-1].encode() + b',"p":"'
            for _ in range(20):
                yield b"x" * 1024
            yield b'"}'
        r = requests.post(self.server.base + PATH, data=chunks(),
                          headers={"Content-Type": "application/json"}, timeout=10)
        self.assertEqual(r.status_code, 413)

    def test_wrong_content_type(self):
        for ct in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                   "application/jsonp", ""):
            r = self.server.post(PATH, SEED_BODY, headers={"Content-Type": ct})
            self.assertError(r, 415, "unsupported_media_type", style="seed")
        r = requests.post(self.server.base + PATH, data=json.dumps(SEED_BODY), timeout=10)
        self.assertError(r, 415, "unsupported_media_type", style="seed")
        ok = self.server.post(PATH, SEED_BODY, headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(ok.status_code, 200)

    def test_wrong_method(self):
        r = requests.get(self.server.base + PATH, timeout=10)
        self.assertEqual(r.status_code, 405)
        self.assertIn("POST", r.headers["Allow"])


class MissingAndMistyped(ServerTestCase):
    FIELDS = ("fileName", "fileType", "fileSize", "folderName")

    def test_each_field_missing_empty_or_null(self):
        for field in self.FIELDS:
            for value in ("<absent>", None, "", 0, False):
                body = dict(SEED_BODY)
                if value == "<absent>":
                    del body[field]
                else:
                    body[field] = value
                r = self.server.post(PATH, body)
                with self.subTest(field=field, value=value):
                    got = self.assertError(r, 400, "missing_field", field, style="seed")
                    self.assertEqual(got["error"], "Missing required fields")

    def test_each_field_of_the_wrong_type(self):
        wrong = {"fileName": [5, ["a"], {"a": 1}, True],
                 "fileType": [5, ["image/png"], {}, True],
                 "fileSize": ["1234", [1], {"n": 1}, True],
                 "folderName": [5, ["f"], {}, True]}
        for field, values in wrong.items():
            for value in values:
                with self.subTest(field=field, value=value):
                    r = self.server.post(PATH, dict(SEED_BODY, **{field: value}))
                    self.assertError(r, 400, "wrong_type", field, style="seed")


class Sizes(ServerTestCase):
    def test_bad_sizes(self):
        for raw in ("-1", "-5242880", "1.5", "0.1", "5497558138881", "1e300", "18446744073709551616"):
            with self.subTest(size=raw):
                body = json.dumps(SEED_BODY)[:-1] + ', "fileSize": ' + raw + "}"
                body = body.replace('"fileSize": 2483712, ', "")
                r = self.server.post(PATH, raw=body)
                self.assertError(r, 400, "invalid_size", "fileSize", style="seed")

    def test_zero_is_missing_like_the_seed(self):
        self.assertError(self.server.post(PATH, dict(SEED_BODY, fileSize=0)), 400, "missing_field",
                         "fileSize", style="seed")

    def test_as_a_string(self):
        self.assertError(self.server.post(PATH, dict(SEED_BODY, fileSize="2483712")), 400,
                         "wrong_type", "fileSize", style="seed")


class Names(ServerTestCase):
    def key_for(self, name):
        r = self.server.post(PATH, dict(SEED_BODY, fileName=name))
        return r

    def assertKeyInFolder(self, r):
        self.assertEqual(r.status_code, 200, r.text)
        key = r.json()["key"]
        self.assertRegex(key, KEY_RE)
        for segment in key.split("/"):
            self.assertNotIn(segment, ("", ".", ".."))
        return key

    def test_slashes_and_traversal_are_stripped(self):
        self.assertTrue(self.assertKeyInFolder(self.key_for("../../etc/passwd")).endswith("-passwd"))
        self.assertTrue(self.assertKeyInFolder(self.key_for("a/b/c.png")).endswith("-c.png"))
        self.assertTrue(self.assertKeyInFolder(self.key_for("..\\..\\win.ini")).endswith("-win.ini"))
        self.assertTrue(self.assertKeyInFolder(self.key_for("/abs/x.txt")).endswith("-x.txt"))

    def test_nul_and_control_characters_are_dropped(self):
        self.assertTrue(self.assertKeyInFolder(self.key_for("a\u0000b.png")).endswith("-ab.png"))
        self.assertTrue(self.assertKeyInFolder(self.key_for("a\r\n\tb\u001b.png")).endswith("-ab.png"))
        self.assertTrue(self.assertKeyInFolder(self.key_for("x\u202egnp.exe")).endswith("-xgnp.exe"))

    def test_invalid_utf8_is_refused_as_json(self):
        raw = json.dumps(SEED_BODY).replace("holiday photo.jpg", "bad\\udc80.jpg")
        self.assertError(self.server.post(PATH, raw=raw), 400, "invalid_json", style="seed")
        raw_bytes = json.dumps(SEED_BODY).encode().replace(b"holiday photo", b"bad\xc3\x28")
        self.assertError(self.server.post(PATH, raw=raw_bytes), 400, "invalid_json", style="seed")

    def test_ten_thousand_characters_keep_the_extension(self):
        key = self.assertKeyInFolder(self.key_for("n" * 10000 + ".jpg"))
        name = key.rsplit("/", 1)[1][33:]
        self.assertLessEqual(len(name.encode()), 128)
        self.assertTrue(name.endswith(".jpg"))

    def test_only_dots(self):
        for name in (".", "..", "....", ". . ."):
            with self.subTest(name=name):
                self.assertError(self.key_for(name), 400, "invalid_file_name", "fileName", style="seed")

    def test_non_ascii_names_are_kept(self):
        key = self.assertKeyInFolder(self.key_for("résumé 写真.pdf"))
        self.assertTrue(key.endswith("-résumé_写真.pdf"), key)


class TypesAndFolders(ServerTestCase):
    def test_types_that_are_not_type_slash_subtype(self):
        for t in ("png", "image/", "/png", "image/png/x", "image /png", " image/png", "*/*",
                  "image/png\r\nX-Injected: 1", "a" * 300 + "/b"):
            with self.subTest(type=t):
                r = self.server.post(PATH, dict(SEED_BODY, fileType=t))
                self.assertError(r, 400, "invalid_content_type", "fileType", style="seed")

    def test_folder_with_dots_or_leading_slash(self):
        for folder in ("..", "../x", "a/../b", "/services", "services/", "a//b", "./a", "sp ace",
                       "a\\b", "x" * 300):
            with self.subTest(folder=folder):
                r = self.server.post(PATH, dict(SEED_BODY, folderName=folder))
                self.assertError(r, 400, "invalid_folder", "folderName", style="seed")

    def test_nested_folder_of_safe_characters(self):
        r = self.server.post(PATH, dict(SEED_BODY, folderName="users/42/avatars"))
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.json()["key"].startswith("users/42/avatars/"))


class UnknownFolderWithProfiles(ServerTestCase):
    config_text = """
[profiles.services]
folder = "services"
allowed_types = ["image/*"]
"""

    def test_unknown_folder(self):
        r = self.server.post(PATH, dict(SEED_BODY, folderName="elsewhere"))
        self.assertError(r, 400, "unknown_profile", "folderName", style="seed")

    def test_known_folder_and_its_rules(self):
        self.assertEqual(self.server.post(PATH, SEED_BODY).status_code, 200)
        r = self.server.post(PATH, dict(SEED_BODY, fileType="application/pdf"))
        self.assertError(r, 400, "content_type_not_allowed", "fileType", style="seed")


if __name__ == "__main__":
    unittest.main()
