// `upgate upload` (src/cli/upload_command.cpp): the browser's flow from a terminal, against a
// real `upgate serve` and its embedded store.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { freePort, listKeys, readObject, startStack, testBytes, UPGATE_BIN } from "./harness.mjs";

const PROFILES = `
[profiles.cli]
folder = "*"
max_size = "64 MiB"

[profiles.images]
folder = "images"
max_size = "16 KiB"
allowed_types = ["image/png"]
`;

let stack;
let files;

function write(name, bytes) {
  const file = path.join(files, name);
  fs.writeFileSync(file, bytes);
  return file;
}

// Runs upgate with these arguments; resolves {code, stdout, stderr} whatever the exit code.
function run(args, { env = {} } = {}) {
  return new Promise((resolve) => {
    execFile(UPGATE_BIN, args, { env: { PATH: process.env.PATH, ...env }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
  });
}

before(async () => {
  stack = await startStack({ toml: PROFILES });
  files = fs.mkdtempSync(path.join(stack.dir, "files-"));
});

after(async () => {
  await stack?.stop();
});

describe("upgate upload", () => {
  test("uploads each file and prints where it went; the store holds the same bytes", async () => {
    const a = testBytes(300_000, 31);
    const b = testBytes(12, 32);
    const fa = write("first file.pdf", a);
    const fb = write("second.txt", b);
    const r = await run(["upload", fa, fb, "--api", stack.api, "--folder", "cli"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, 2, r.stdout);
    const keyA = lines[0].match(/^(.+) -> (\S+) {2}\(300 kB/);
    const keyB = lines[1].match(/^(.+) -> (\S+) {2}\(12 B/);
    assert.ok(keyA && keyB, r.stdout);
    assert.equal(keyA[1], fa);
    assert.match(keyA[2], /^cli\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{32}-first_file\.pdf$/);
    assert.deepEqual(await readObject(stack, keyA[2]), a);
    assert.deepEqual(await readObject(stack, keyB[2]), b);
  });

  test("--json prints one object per file with key, etag and size", async () => {
    const bytes = testBytes(70_000, 33);
    const file = write("data.bin", bytes);
    const r = await run(["upload", file, "--api", stack.api, "--folder", "cli", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(out.length, 1);
    assert.equal(out[0].ok, true);
    assert.equal(out[0].file, file);
    assert.equal(out[0].size, 70_000);
    assert.equal(out[0].etag, `"${crypto.createHash("md5").update(bytes).digest("hex")}"`);
    assert.deepEqual(await readObject(stack, out[0].key), bytes);
    assert.equal(r.stderr, "", "no progress lines in --json mode");
  });

  test("a refusal: non-zero exit, the server's message, nothing stored", async () => {
    const before = await listKeys(stack);
    const big = write("big.png", testBytes(20_000, 34));
    const r = await run(["upload", big, "--api", stack.api, "--folder", "images"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`^upgate upload: ${big}: File size exceeds 16 .*limit\\n$`));

    const text = write("notes.txt", "hello\n");
    const j = await run(["upload", text, "--api", stack.api, "--folder", "images", "--json"]);
    assert.equal(j.code, 1);
    const out = JSON.parse(j.stdout);
    assert.deepEqual({ ok: out.ok, code: out.code, status: out.status },
      { ok: false, code: "content_type_not_allowed", status: 400 });
    assert.equal(out.error, "this upload profile does not accept text/plain");
    assert.deepEqual(await listKeys(stack), before);
  });

  test("one file refused among others: the rest still arrive, the exit code says one failed", async () => {
    const ok = write("fine.png", testBytes(1000, 35));
    const bad = write("bad.txt", "x");
    const r = await run(["upload", bad, ok, "--api", stack.api, "--folder", "images"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /fine\.png -> images\//);
    assert.match(r.stderr, /bad\.txt: this upload profile does not accept text\/plain/);
  });

  test("on a terminal: a progress bar with percent, bytes and speed", async () => {
    const file = write("big.bin", testBytes(8_000_000, 36));
    const command = [UPGATE_BIN, "upload", file, "--api", stack.api, "--folder", "cli"]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    // script(1) gives the command a pseudo-terminal, as a user's shell would.
    const r = await new Promise((resolve) => {
      execFile("/usr/bin/script", ["-qfec", command, "/dev/null"], { env: { PATH: process.env.PATH, TERM: "xterm", COLUMNS: "100" } },
        (error, stdout) => resolve({ code: error ? error.code : 0, stdout }));
    });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /big\.bin {2}\[[#.]+\] {2}100% {2}8\.0 MB \/ 8\.0 MB/);
    assert.match(r.stdout, /\r\x1b\[K/, "the bar is redrawn in place and cleared");
    assert.match(r.stdout, /big\.bin -> cli\/.+-big\.bin {2}\(8\.0 MB, .+\/s\)/);
  });

  test("on a terminal, a multipart upload: one bar over all its parts", async () => {
    const bytes = testBytes(40 * 1024 * 1024, 38);
    const file = write("parts.bin", bytes);
    const command = [UPGATE_BIN, "upload", file, "--api", stack.api, "--folder", "cli",
      "--multipart-threshold", "16MiB", "--parallel", "3"]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const r = await new Promise((resolve) => {
      execFile("/usr/bin/script", ["-qfec", command, "/dev/null"], { env: { PATH: process.env.PATH, TERM: "xterm", COLUMNS: "100" } },
        (error, stdout) => resolve({ code: error ? error.code : 0, stdout }));
    });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /parts\.bin {2}\[#+\] {2}100% {2}42 MB \/ 42 MB/);
    assert.doesNotMatch(r.stdout, /\] {2}100% {2}(17|34) MB \/ (17|34) MB/, "one bar for the file, not one per part");
    const line = r.stdout.match(/parts\.bin -> (cli\/\S+-parts\.bin) {2}\(42 MB, .+\/s, 3 parts\)/);
    assert.ok(line, r.stdout);
    assert.deepEqual(await readObject(stack, line[1]), bytes);
  });

  test("not on a terminal: plain progress lines on stderr", async () => {
    const file = write("plain.bin", testBytes(8_000_000, 37));
    const r = await run(["upload", file, "--api", stack.api, "--folder", "cli"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /\r|\x1b/);
    for (const line of r.stderr.trim().split("\n")) {
      assert.match(line, /^plain\.bin: (25|50|75)% \(.+ of 8\.0 MB\)$/);
    }
  });

  test("bad arguments exit 2; an API that cannot be reached exits 1 and says so", async () => {
    const missing = await run(["upload", path.join(files, "nope.bin"), "--api", stack.api, "--folder", "cli"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.bin: no such file/);

    const noFolder = await run(["upload", write("x.txt", "x"), "--api", stack.api]);
    assert.equal(noFolder.code, 2);

    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await run(["upload", write("y.txt", "y"), "--api", closed, "--folder", "cli", "--retries", "1"]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`y\\.txt: cannot reach the upload API at ${closed}: .*(refused|connect)`, "i"));
  });
});
