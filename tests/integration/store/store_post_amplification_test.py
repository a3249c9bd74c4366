"""POST Object cannot be made to build large strings: ${filename} is substituted only after
the policy's signature is checked, and what it builds is bounded (issue 11).

One ~30 KB form (its 20 KiB of fields nearly all `${filename}`, ~1,800 times, and an
8,000-byte file name) used to make ~14 MB of strings per request on an I/O thread, signed or not. The
measure is the store process's own peak resident set (VmHWM in /proc/PID/status) across
a burst of such requests, against the growth one ordinary request allows: the test's own
terms, not wall-clock time."""
import concurrent.futures
import unittest

import requests

import store_harness as h

BUCKET = "forms"
VARIABLE = "${filename}"
MAX_PRE_DATA = 20 * 1024        # S3's bound on the fields before the file (names and values)
FILENAME = "f" * 8000           # within one part header's 8 KiB
MIB = 1024 * 1024
# Several times what one ordinary request costs; one amplified request cost ~15 MiB.
ALLOWED_GROWTH = 6 * MIB


def padded(fields, name):
    """`fields` plus `name` holding as many ${filename} as S3's 20 KiB of fields allows."""
    used = sum(len(k) + len(v) for k, v in fields.items()) + len(name)
    return dict(fields, **{name: VARIABLE * ((MAX_PRE_DATA - used) // len(VARIABLE))})


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


class StorePostAmplificationTest(unittest.TestCase):
    def setUp(self):
        # A store of its own for each test: its peak RSS only ever grows.
        self.store = h.Store().start()
        self.addCleanup(self.store.close)
        self.s3 = self.store.client()
        self.s3.create_bucket(Bucket=BUCKET)

    def post(self, fields, filename=FILENAME):
        return requests.post(f"{self.store.endpoint}/{BUCKET}", data=fields,
                             files={"file": (filename, b"payload", "text/plain")},
                             allow_redirects=False, timeout=60)

    def burst(self, fields, count=16):
        """Sends `count` copies at once and returns the store's peak RSS growth."""
        before = peak_rss(self.store.pid)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: self.post(fields), range(count)))
        self.assertTrue(self.store.running, "the store died")
        return peak_rss(self.store.pid) - before, answers

    def assert_burst_refused(self, fields, status, code):
        """A burst of the form is refused with status and code, and memory stays bounded."""
        growth, answers = self.burst(fields)
        for r in answers:
            self.assertEqual(r.status_code, status, r.text[:300])
            self.assertIn(f"<Code>{code}</Code>", r.text)
        self.assertLess(growth, ALLOWED_GROWTH, f"peak RSS grew by {growth} bytes")

    def warm_up(self):
        post = self.s3.generate_presigned_post(BUCKET, "warm/${filename}")
        for _ in range(4):
            self.assertEqual(self.post(post["fields"], "w.txt").status_code, 204)

    def test_an_unsigned_form_full_of_the_variable_costs_nothing(self):
        self.warm_up()
        post = self.s3.generate_presigned_post(BUCKET, "in/${filename}")
        fields = padded(dict(post["fields"], **{"x-amz-signature": "0" * 64}), "Content-Type")
        self.assertGreater(fields["Content-Type"].count(VARIABLE), 1700)
        self.assert_burst_refused(fields, 403, "SignatureDoesNotMatch")

    def test_a_signed_form_is_bounded_after_substitution(self):
        self.warm_up()
        post = self.s3.generate_presigned_post(
            BUCKET, "in/${filename}", Conditions=[["starts-with", "$success_action_redirect", ""]])
        fields = padded(post["fields"], "success_action_redirect")
        self.assertGreater(fields["success_action_redirect"].count(VARIABLE), 1700)
        self.assert_burst_refused(fields, 400, "MaxPostPreDataLengthExceededError")
        # Nothing was stored under the substituted key.
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="in/")
        self.assertEqual(listed.get("KeyCount"), 0)

    def test_the_variable_still_works_where_s3_substitutes_it(self):
        post = self.s3.generate_presigned_post(
            BUCKET, "named/${filename}",
            Fields={"success_action_redirect": "http://app.test/done?f=${filename}",
                    "x-amz-meta-original": "${filename}"},
            Conditions=[["starts-with", "$success_action_redirect", "http://app.test/done?f="],
                        ["starts-with", "$x-amz-meta-original", ""]])
        r = self.post(post["fields"], "C:\\Users\\me\\cat.jpg")
        self.assertEqual(r.status_code, 303, r.text[:300])
        self.assertIn("f=cat.jpg", r.headers["Location"])
        head = self.s3.head_object(Bucket=BUCKET, Key="named/cat.jpg")
        self.assertEqual(head["Metadata"]["original"], "cat.jpg")


if __name__ == "__main__":
    unittest.main(verbosity=2)
