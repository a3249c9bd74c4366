// web/upgate.js, the browser client module, called from a real page in Debian's chromium
// against a real `upgate serve` and its embedded store. Run twice: over plain HTTP, and over
// HTTPS with both listeners on TLS (e2e.upgate_js.https, https_run.mjs).
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, describe, test } from "node:test";

import {
  freePort, listKeys, openPage, readObject, startStackAndBrowser, stopStackAndBrowser, testBytes,
  TLS,
} from "./harness.mjs";

let stack;
let browser;

before(async () => ({ stack, browser } = await startStackAndBrowser()));

after(() => stopStackAndBrowser({ stack, browser }));

// Runs upload() in the page with a File of these bytes; resolves with
// {ok, key, etag, progress} or {ok:false, name, message, code, status, stage}.
function uploadInPage(page, bytes, { name = "file.bin", type = "application/octet-stream", options = {} } = {}) {
  return page.evaluate(async ({ base64, name, type, options }) => {
    const { upload } = await import("/upgate.js");
    const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const file = new File([data], name, { type });
    const progress = [];
    const controller = new AbortController();
    if (options.abortWhen === "immediately") controller.abort();
    try {
      const result = await upload(file, {
        api: options.api ?? "",
        folder: options.folder ?? "e2e",
        retries: options.retries ?? 3,
        retryDelayMs: 50,
        stallTimeoutMs: options.stallTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
        signal: controller.signal,
        onUrl: options.abortWhen === "url" ? () => controller.abort() : undefined,
        onProgress: (p) => progress.push(p),
      });
      return { ok: true, ...result, progress };
    } catch (e) {
      return { ok: false, name: e.name, message: e.message, code: e.code ?? null, status: e.status ?? null,
        stage: e.stage ?? null, progress };
    }
  }, { base64: Buffer.from(bytes).toString("base64"), name, type, options });
}

describe("upgate.js upload()", () => {
  test("asks the API as the seed does, PUTs exactly the returned headers, resolves {key, etag}", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    const requests = [];
    page.on("request", (r) => requests.push(r));
    const bytes = testBytes(200_000, 21);
    const result = await uploadInPage(page, bytes, { name: "photo.jpg", type: "image/jpeg" });
    assert.equal(result.ok, true, result.message);

    const ask = requests.find((r) => r.url().endsWith("/api/s3/getPresignedUrl"));
    assert.equal(ask.method(), "POST");
    assert.equal(ask.headers()["content-type"], "application/json");
    assert.deepEqual(JSON.parse(ask.postData()),
      { fileName: "photo.jpg", fileType: "image/jpeg", fileSize: 200_000, folderName: "e2e" });

    const put = requests.find((r) => r.method() === "PUT");
    assert.ok(put.url().startsWith(`${stack.store}/${stack.bucket}/e2e/`), put.url());
    // Both requests went over this run's scheme: https:// to the API and to the store in
    // the HTTPS run, each answered over a TLS connection Chromium verified.
    const scheme = TLS ? "https:" : "http:";
    assert.equal(new URL(ask.url()).protocol, scheme, ask.url());
    assert.equal(new URL(put.url()).protocol, scheme, put.url());
    if (TLS) {
      for (const r of [ask, put]) {
        const security = await (await r.response()).securityDetails();
        assert.equal(security?.issuer, "upgate test CA", `${r.url()}: ${JSON.stringify(security)}`);
      }
    }
    const headers = await put.allHeaders();
    assert.equal(headers["content-type"], "image/jpeg");
    assert.equal(headers["content-length"], "200000", "the browser's Content-Length is the signed one");

    assert.match(result.key, /^e2e\/.+-photo\.jpg$/);
    const md5 = crypto.createHash("md5").update(bytes).digest("hex");
    assert.equal(result.etag, `"${md5}"`, "ETag exposed by the bucket's CORS rule");
    assert.deepEqual(await readObject(stack, result.key), bytes);

    const phases = result.progress.map((p) => p.phase);
    assert.equal(phases[0], "requesting");
    assert.equal(phases.at(-1), "done");
    const uploading = result.progress.filter((p) => p.phase === "uploading");
    assert.ok(uploading.length >= 1);
    for (const p of uploading) {
      assert.equal(p.total, 200_000);
      assert.ok(p.loaded >= 0 && p.loaded <= p.total);
      assert.ok(p.percent >= 0 && p.percent <= 100);
    }
    assert.equal(uploading.at(-1).loaded, 200_000);
    await page.context().close();
  });

  test("the API's JSON error becomes the Error's message, with its code", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    const result = await uploadInPage(page, Buffer.from("x"), { options: { folder: "../escape" } });
    assert.equal(result.ok, false);
    assert.equal(result.name, "UploadError");
    assert.equal(result.code, "invalid_folder");
    assert.equal(result.status, 400);
    assert.equal(result.stage, "request");
    assert.match(result.message, /folder/);
    assert.notEqual(result.message, "Upload failed");

    const tooBig = await uploadInPage(page, testBytes(5 * 1024 * 1024 + 1));
    assert.equal(tooBig.code, "file_too_large");
    assert.match(tooBig.message, /^File size exceeds 5 M[i]?B limit$/);
    await page.context().close();
  });

  test("a 5xx from the store is retried with backoff and the upload completes", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    let puts = 0;
    // Fault injection at the network layer: the first PUT answers 503 SlowDown, as S3 does
    // under load; later ones go through to the real store.
    await page.route(`${stack.store}/**`, async (route) => {
      if (route.request().method() !== "PUT") return route.continue();
      puts++;
      if (puts === 1) {
        return route.fulfill({
          status: 503,
          headers: { "Content-Type": "application/xml", "Access-Control-Allow-Origin": stack.api },
          body: "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
        });
      }
      return route.continue();
    });
    const bytes = testBytes(50_000, 5);
    const result = await uploadInPage(page, bytes);
    assert.equal(result.ok, true, result.message);
    assert.equal(puts, 2);
    assert.ok(result.progress.some((p) => p.phase === "retrying"));
    assert.deepEqual(await readObject(stack, result.key), bytes);
    await page.context().close();
  });

  test("a 5xx that persists is reported in S3's words after the retries", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    let puts = 0;
    await page.route(`${stack.store}/**`, async (route) => {
      if (route.request().method() !== "PUT") return route.continue();
      puts++;
      return route.fulfill({
        status: 500,
        headers: { "Content-Type": "application/xml", "Access-Control-Allow-Origin": stack.api },
        body: "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>",
      });
    });
    const result = await uploadInPage(page, Buffer.from("abc"), { options: { retries: 2 } });
    assert.equal(result.ok, false);
    assert.equal(puts, 3, "one try and two retries");
    assert.equal(result.message, "We encountered an internal error. Please try again. (InternalError)");
    assert.equal(result.code, "InternalError");
    assert.equal(result.status, 500);
    await page.context().close();
  });

  test("a connection reset before any byte is retried", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    let puts = 0;
    await page.route(`${stack.store}/**`, async (route) => {
      if (route.request().method() !== "PUT") return route.continue();
      puts++;
      return puts === 1 ? route.abort("connectionreset") : route.continue();
    });
    const bytes = testBytes(10_000, 9);
    const result = await uploadInPage(page, bytes);
    assert.equal(result.ok, true, result.message);
    assert.equal(puts, 2);
    assert.deepEqual(await readObject(stack, result.key), bytes);
    await page.context().close();
  });

  test("a PUT that stops moving and an API that does not answer are ended and retried", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    let puts = 0;
    let asks = 0;
    // The first try of each never gets an answer (the route is left pending).
    await page.route(`${stack.store}/**`, async (route) => {
      if (route.request().method() !== "PUT") return route.continue();
      if (++puts > 1) return route.continue();
    });
    await page.route("**/api/s3/getPresignedUrl", async (route) => {
      if (++asks > 1) return route.continue();
    });
    const bytes = testBytes(20_000, 13);
    const result = await uploadInPage(page, bytes, { options: { stallTimeoutMs: 1000, requestTimeoutMs: 1000 } });
    assert.equal(result.ok, true, result.message);
    assert.equal(asks, 2);
    assert.equal(puts, 2);
    assert.deepEqual(await readObject(stack, result.key), bytes);
    await page.context().close();
  });

  test("an API that cannot be reached: a network error naming it, after the retries", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    const closed = `${new URL(stack.api).protocol}//127.0.0.1:${await freePort()}`;
    const result = await uploadInPage(page, Buffer.from("abc"), { options: { api: closed, retries: 1 } });
    assert.equal(result.ok, false);
    assert.equal(result.code, "NetworkError");
    assert.equal(result.message, `Network error: could not reach the upload API at ${closed}`);
    await page.context().close();
  });

  test("AbortSignal: cancelled before the start or before the PUT, nothing is sent or stored", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    const requests = [];
    page.on("request", (r) => { if (r.method() !== "GET") requests.push(r.method()); });
    const first = await uploadInPage(page, Buffer.from("never"), { options: { abortWhen: "immediately" } });
    assert.equal(first.ok, false);
    assert.equal(first.name, "AbortError");
    assert.deepEqual(requests, []);

    const keysBefore = await listKeys(stack);
    const second = await uploadInPage(page, Buffer.from("never either"), { options: { abortWhen: "url" } });
    assert.equal(second.name, "AbortError");
    assert.deepEqual(requests, ["POST"], "the URL was asked for, the PUT never sent");
    assert.deepEqual(await listKeys(stack), keysBefore);
    await page.context().close();
  });

  test("a signature that does not match: S3's SignatureDoesNotMatch, not retried", async () => {
    const page = await openPage(browser, `${stack.api}/`);
    let puts = 0;
    page.on("request", (r) => { if (r.method() === "PUT") puts++; });
    // The URL is signed for image/png; sending another type breaks the signature.
    const result = await page.evaluate(async () => {
      const { upload } = await import("/upgate.js");
      const file = new File(["abc"], "a.png", { type: "image/png" });
      try {
        await upload(file, {
          folder: "e2e", retryDelayMs: 50,
          onUrl: (grant) => { grant.headers["Content-Type"] = "text/plain"; },
        });
        return { ok: true };
      } catch (e) {
        return { ok: false, message: e.message, code: e.code, status: e.status };
      }
    });
    assert.equal(result.ok, false);
    assert.equal(result.code, "SignatureDoesNotMatch");
    assert.equal(result.status, 403);
    assert.match(result.message, /\(SignatureDoesNotMatch\)$/);
    assert.equal(puts, 1);
    await page.context().close();
  });
});
