"""The upload profiles the completion tests run under, and the small real files they upload.

PROFILES is tests/data/events/completion_profiles.toml (which says what each profile is for),
the one set the Python suites and tests/integration/completion_events_test.cpp share.
`magic_file(name)` reads one of tests/data/events/magic (made by make_files.py): pixel.png,
page.html, page.pdf, note.txt, ...
"""
import os

EVENTS_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                           "events")
MAGIC = os.path.join(EVENTS_DATA, "magic")

with open(os.path.join(EVENTS_DATA, "completion_profiles.toml"), encoding="utf-8") as _f:
    PROFILES = _f.read()


def magic_file(name):
    with open(os.path.join(MAGIC, name), "rb") as f:
        return f.read()
