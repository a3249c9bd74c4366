"""The upload profiles the completion tests run under, and the small real files they upload.

One set for every suite that completes uploads or verifies storage reports
(tests/integration/api_completion_test.py, tests/integration/events/serve_events_test.py),
so both judge the same profiles:
  docs    verify_content "declared" (the default), refused objects quarantined under
          "quarantine/" (the default prefix)
  photos  only image/* types, refused objects deleted
  raw     verify_content "off", its quarantine prefix "held/raw"
`magic_file(name)` reads one of tests/data/events/magic (made by make_files.py): pixel.png,
page.html, page.pdf, note.txt, ...
"""
import os

MAGIC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "events",
                     "magic")

PROFILES = """
[profiles.docs]
folder = "docs"

[profiles.photos]
folder = "photos"
allowed_types = ["image/*"]
on_mismatch = "delete"

[profiles.raw]
folder = "raw"
verify_content = "off"
quarantine = "held/raw"
"""


def magic_file(name):
    with open(os.path.join(MAGIC, name), "rb") as f:
        return f.read()
