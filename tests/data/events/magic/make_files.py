#!/usr/bin/python3
"""Small real files for the libmagic tests (tests/unit/events/content_type_detector_test.cpp):
`/usr/bin/python3 make_files.py` in this directory. Each is a complete, valid file of its
format, made with Python's standard library only (zlib for the PNG, zipfile for the ZIPs)."""
import pathlib
import struct
import zipfile
import zlib

HERE = pathlib.Path(__file__).resolve().parent


def png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)  # 2x2, 8-bit RGB
    pixels = b"".join(b"\x00" + b"\xff\x00\x00\x00\xff\x00" for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels)) +
            chunk(b"IEND", b""))


def pdf():
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def write_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)


(HERE / "pixel.png").write_bytes(png())
(HERE / "page.pdf").write_bytes(pdf())
(HERE / "page.html").write_text(
    "<!DOCTYPE html>\n<html><head><title>upgate</title></head>"
    "<body><script>alert(document.cookie)</script></body></html>\n")
(HERE / "drawing.svg").write_text(
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    '<rect width="10" height="10" fill="red"/></svg>\n')
(HERE / "bare.svg").write_text(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><circle r="1"/></svg>\n')
(HERE / "data.json").write_text('{"name": "upgate", "sizes": [1, 2, 3], "nested": {"ok": true}}\n')
(HERE / "table.csv").write_text("name,size,type\na.png,10,image/png\nb.pdf,20,application/pdf\n")
(HERE / "note.txt").write_text("Plain words, nothing more.\nA second line.\n")
(HERE / "feed.xml").write_text('<?xml version="1.0"?>\n<feed><entry id="1"/></feed>\n')
write_zip(HERE / "archive.zip", [("hello.txt", "hello\n"), ("dir/world.txt", "world\n")])
write_zip(HERE / "report.docx", [
    ("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns='
     '"http://schemas.openxmlformats.org/package/2006/content-types"></Types>'),
    ("word/document.xml", "<w:document/>")])
