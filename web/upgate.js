// upgate.js: upload a File straight from the browser to object storage through an upgate
// upload API. An ES module with no dependencies and no build step.
//
//   import { upload } from "./upgate.js";
//   const { key, etag } = await upload(file, { api: "", folder: "avatars", onProgress, signal });
//
// What it promises:
// - It asks the API exactly as the seed's client does: POST {api}/api/s3/getPresignedUrl
//   with JSON {fileName, fileType, fileSize, folderName}, and treats an answer without
//   `ok: true` as a refusal.
// - It PUTs the file to the returned `uploadUrl` with exactly the returned `headers`, through
//   XMLHttpRequest so `onProgress` reports real bytes on the wire. Headers a page may not set
//   (Content-Length, Host, ...) are left to the browser, which sets them from the body; the
//   declared size is checked against the file first so the browser's value matches the
//   signed one.
// - Network failures and 5xx answers are retried with exponential backoff and jitter (the
//   API request and the PUT each); 4xx answers are final.
// - `signal` (an AbortSignal) cancels at any point, rejecting with a DOMException named
//   "AbortError".
// - Every failure is an UploadError whose message says what went wrong in the words of the
//   party that refused: the API's JSON error, or S3's XML <Message> with its <Code>
//   ("Request has expired (AccessDenied)"). A failure the browser hides from scripts (a
//   refused CORS preflight) is told apart from an unreachable server by a no-cors probe
//   once the retries are spent.
// - Resolves with {key, etag}; etag is null when the store does not expose ETag via CORS.

const SEED_ROUTE = "/api/s3/getPresignedUrl";
const DOWNLOADS_ROUTE = "/v1/downloads";

// Request headers a page cannot set on XMLHttpRequest (the Fetch standard's forbidden
// request headers); the browser supplies them itself.
const FORBIDDEN_HEADERS = new Set([
  "accept-charset", "accept-encoding", "access-control-request-headers",
  "access-control-request-method", "connection", "content-length", "cookie", "cookie2",
  "date", "dnt", "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te",
  "trailer", "transfer-encoding", "upgrade", "via",
]);
const isForbiddenHeader = (name) => {
  const lower = name.toLowerCase();
  return FORBIDDEN_HEADERS.has(lower) || lower.startsWith("proxy-") || lower.startsWith("sec-");
};

/** A failed upload. `stage` is "request" (asking the API) or "upload" (the PUT). */
export class UploadError extends Error {
  constructor(message, { code = null, status = 0, stage = "upload", retryable = false, field = null } = {}) {
    super(message);
    this.name = "UploadError";
    this.code = code;          // API error code or S3 error Code, e.g. "file_too_large", "AccessDenied"
    this.status = status;      // HTTP status, 0 when there was no HTTP answer
    this.stage = stage;
    this.retryable = retryable;
    this.field = field;        // the request field the API blamed, if any
  }
}

const abortError = () => new DOMException("The upload was cancelled", "AbortError");

function throwIfAborted(signal) {
  if (signal && signal.aborted) throw abortError();
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(abortError());
    const onAbort = () => { clearTimeout(timer); reject(abortError()); };
    const timer = setTimeout(() => { signal && signal.removeEventListener("abort", onAbort); resolve(); }, ms);
    signal && signal.addEventListener("abort", onAbort, { once: true });
  });
}

// `promise`, or an AbortError as soon as `signal` aborts, whichever comes first.
function untilAborted(promise, signal) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const onAbort = () => reject(abortError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

// Full jitter: a random wait up to base * 2^attempt, capped, so many clients retrying at
// once do not arrive together.
function backoffDelay(attempt, baseMs, maxMs) {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** attempt);
}

function joinUrl(api, path) {
  return (api || "").replace(/\/+$/, "") + path;
}

function originOf(url) {
  try { return new URL(url, location.href).origin; } catch { return url; }
}

// Reads S3's XML error document: <Error><Code>..</Code><Message>..</Message></Error>.
function parseS3Error(text) {
  if (!text || typeof DOMParser === "undefined") return null;
  const doc = new DOMParser().parseFromString(text, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) return null;
  const pick = (tag) => doc.getElementsByTagName(tag)[0]?.textContent?.trim() || "";
  const code = pick("Code");
  const message = pick("Message");
  return code || message ? { code, message } : null;
}

// The API answers {ok:false, error:"text", code, field} on the seed's route and
// {ok:false, error:{code, message, field}} on /v1 routes.
function parseApiError(body) {
  if (!body || typeof body !== "object") return null;
  const { error } = body;
  if (typeof error === "string") return { message: error, code: body.code ?? null, field: body.field ?? null };
  if (error && typeof error === "object") {
    return { message: error.message || error.code || "", code: error.code ?? null, field: error.field ?? null };
  }
  return null;
}

const lowerFirst = (text) => text.charAt(0).toLowerCase() + text.slice(1);

function snippet(text, max = 160) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  return flat.length > max ? flat.slice(0, max) + "…" : flat;
}

// The browser hides why a cross-origin request failed. A no-cors request to the same origin
// needs no CORS permission: if it gets through, the server is up and the failure was the
// CORS check; if it fails too, the server could not be reached.
async function serverReachable(url, signal) {
  try {
    await fetch(originOf(url) + "/", { mode: "no-cors", cache: "no-store", credentials: "omit", signal });
    return true;
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    return false;
  }
}

// A request that got no HTTP answer, before any byte of its body was sent: retryable,
// and explained (CORS refusal or unreachable server) only once the retries are spent.
function noAnswer(url, stage, what) {
  const err = new UploadError(`Network error: no answer from ${lowerFirst(what)} at ${originOf(url)}`,
    { code: "NetworkError", stage, retryable: true });
  err.diagnose = (signal) => explainNoAnswer(url, stage, what, signal);
  return err;
}

async function explainNoAnswer(url, stage, what, signal) {
  const origin = originOf(url);
  if (await serverReachable(url, signal)) {
    const page = typeof location !== "undefined" ? location.origin : "this page";
    const fix = stage === "request"
      ? "add it to the API's CORS origins (--cors-origin)"
      : "add it to the bucket's CORS AllowedOrigins";
    return new UploadError(
      `${what} at ${origin} refused this page's origin (${page}) at the CORS preflight: ${fix}`,
      { code: "CORSRefused", stage, retryable: false });
  }
  return new UploadError(`Network error: could not reach ${lowerFirst(what)} at ${origin}`,
    { code: "NetworkError", stage, retryable: true });
}

// Runs `attempt` until it succeeds, fails with a non-retryable error, or runs out of tries.
async function withRetries(attemptFn, { retries, retryDelayMs, maxRetryDelayMs, signal, onRetry }) {
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await attemptFn(attempt);
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      if (!(err instanceof UploadError) || !err.retryable) throw err;
      if (attempt >= retries) throw err.diagnose ? await err.diagnose(signal) : err;
      const delay = backoffDelay(attempt, retryDelayMs, maxRetryDelayMs);
      onRetry && onRetry({ attempt: attempt + 1, delayMs: delay, error: err });
      await sleep(delay, signal);
    }
  }
}

/**
 * Asks the API for a presigned PUT URL, as the seed's client does.
 * Resolves with the API's answer: {ok, uploadUrl, key, method, headers, expiresAt}.
 */
export async function requestUploadUrl(file, { api = "", folder, contentType, signal, retries = 3,
  retryDelayMs = 500, maxRetryDelayMs = 8000, requestTimeoutMs = 30_000, onRetry } = {}) {
  const url = joinUrl(api, SEED_ROUTE);
  const body = JSON.stringify({
    fileName: file?.name,
    fileType: contentType || file?.type || "application/octet-stream",
    fileSize: file.size,
    folderName: folder,
  });
  return withRetries(async () => {
    // The caller's signal cancels; the timer only ends this try (and is retried).
    const attempt = new AbortController();
    const forward = () => attempt.abort();
    signal && signal.addEventListener("abort", forward, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; attempt.abort(); }, requestTimeoutMs);
    let response;
    let text;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
        signal: attempt.signal,
      });
      text = await response.text();
    } catch (e) {
      throwIfAborted(signal);
      if (timedOut) {
        throw new UploadError(`The upload API at ${originOf(url)} did not answer within ${requestTimeoutMs / 1000} s`,
          { code: "Timeout", stage: "request", retryable: true });
      }
      throw noAnswer(url, "request", "The upload API");
    } finally {
      clearTimeout(timer);
      signal && signal.removeEventListener("abort", forward);
    }
    let data = null;
    try { data = JSON.parse(text); } catch { /* not JSON: reported below */ }
    if (response.ok && data && data.ok === true && typeof data.uploadUrl === "string") return data;
    const apiError = parseApiError(data);
    const retryable = response.status >= 500;
    if (apiError && apiError.message) {
      throw new UploadError(apiError.message, {
        code: apiError.code, field: apiError.field, status: response.status, stage: "request", retryable,
      });
    }
    throw new UploadError(
      `The upload API answered HTTP ${response.status}${response.statusText ? " " + response.statusText : ""}` +
        (text ? `: ${snippet(text)}` : " with no explanation"),
      { status: response.status, stage: "request", retryable });
  }, { retries, retryDelayMs, maxRetryDelayMs, signal, onRetry });
}

/**
 * Asks the API for a presigned GET of an uploaded object (GET /v1/downloads?key=...).
 * Resolves with {downloadUrl, key, expiresAt}.
 */
export async function requestDownloadUrl(key, { api = "", signal } = {}) {
  const url = joinUrl(api, `${DOWNLOADS_ROUTE}?key=${encodeURIComponent(key)}`);
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw await explainNoAnswer(url, "request", "The upload API", signal);
  }
  const text = await response.text();
  let data = null;
  try { data = JSON.parse(text); } catch { /* reported below */ }
  if (response.ok && data && data.ok === true) return data;
  const apiError = parseApiError(data);
  throw new UploadError(apiError?.message || `The upload API answered HTTP ${response.status}: ${snippet(text)}`,
    { code: apiError?.code ?? null, status: response.status, stage: "request" });
}

// One PUT through XMLHttpRequest. Rejects with UploadError (retryable on network errors and
// 5xx) or an AbortError.
function putOnce(file, grant, { signal, onBytes, stallTimeoutMs }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let sentAny = false;
    let settled = false;
    let watchdog = null;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      signal && signal.removeEventListener("abort", onAbort);
      fn(value);
    };
    const onAbort = () => { xhr.abort(); finish(reject, abortError()); };
    // A transfer that stops moving is ended and retried rather than left hanging.
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        xhr.abort();
        finish(reject, new UploadError(
          `The upload to ${originOf(grant.uploadUrl)} stalled: no progress for ${stallTimeoutMs / 1000} s`,
          { code: "Timeout", stage: "upload", retryable: true }));
      }, stallTimeoutMs);
    };

    xhr.open(grant.method || "PUT", grant.uploadUrl, true);
    for (const [name, value] of Object.entries(grant.headers || {})) {
      if (!isForbiddenHeader(name)) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e) => {
      arm();
      if (e.loaded > 0) sentAny = true;
      onBytes(e.loaded, e.lengthComputable ? e.total : file.size);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onBytes(file.size, file.size);
        finish(resolve, { etag: xhr.getResponseHeader("ETag") });
        return;
      }
      const s3 = parseS3Error(xhr.responseText);
      const retryable = xhr.status >= 500;
      const message = s3
        ? (s3.message && s3.code ? `${s3.message} (${s3.code})` : s3.message || s3.code)
        : `The storage server answered HTTP ${xhr.status}${xhr.statusText ? " " + xhr.statusText : ""}` +
          (xhr.responseText ? `: ${snippet(xhr.responseText)}` : " with no explanation");
      finish(reject, new UploadError(message, {
        code: s3?.code || null, status: xhr.status, stage: "upload", retryable,
      }));
    };
    xhr.onerror = () => {
      // Status 0: no HTTP answer the page may read. Bytes already on the wire mean the
      // preflight passed and the connection broke; otherwise it may also be a refused
      // preflight, which noAnswer() tells apart once the retries are spent.
      if (sentAny) {
        finish(reject, new UploadError(`Network error: the connection to ${originOf(grant.uploadUrl)} broke during the upload`,
          { code: "NetworkError", stage: "upload", retryable: true }));
        return;
      }
      finish(reject, noAnswer(grant.uploadUrl, "upload", "The storage server"));
    };
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
    xhr.send(file);
    arm();
  });
}

/**
 * Uploads `file` (a File or Blob with a name) through the upgate API at `api` ("" for the
 * page's own origin) into `folder`.
 *
 * Options:
 *   folder        the seed's folderName: a folder or upload profile name (required)
 *   api           base URL of the upload API (default: this page's origin)
 *   contentType   overrides file.type (default file.type, or application/octet-stream)
 *   onProgress    called with {phase, loaded, total, percent, bytesPerSecond, secondsLeft, attempt}
 *                 phase: "requesting" | "uploading" | "retrying" | "done"
 *   onUrl         called with the API's answer before the PUT; the PUT waits for a returned promise
 *   signal        an AbortSignal that cancels the upload
 *   retries       retries after the first try, per step (default 3)
 *   retryDelayMs  base of the exponential backoff (default 500)
 *   requestTimeoutMs  how long the API may take to answer, per try (default 30000)
 *   stallTimeoutMs    how long the PUT may go without progress, per try (default 60000)
 * Resolves with {key, etag}.
 */
export async function upload(file, options = {}) {
  const { folder, onProgress, onUrl, signal, retries = 3, retryDelayMs = 500, maxRetryDelayMs = 8000,
    stallTimeoutMs = 60_000 } = options;
  if (!file || typeof file.size !== "number") throw new TypeError("upload(file): file must be a File or Blob");
  if (!folder) throw new TypeError("upload(file, {folder}): folder is required");
  throwIfAborted(signal);

  const total = file.size;
  const meter = new RateMeter();
  let attemptNo = 0;
  const report = (phase, loaded) => {
    if (!onProgress) return;
    const rate = meter.rate();
    onProgress({
      phase, loaded, total,
      percent: total > 0 ? Math.min(100, (loaded / total) * 100) : 100,
      bytesPerSecond: rate,
      secondsLeft: rate > 0 ? (total - loaded) / rate : null,
      attempt: attemptNo,
    });
  };
  const onRetry = ({ attempt }) => { attemptNo = attempt; report("retrying", 0); };

  report("requesting", 0);
  const grant = await requestUploadUrl(file, { ...options, onRetry });

  const declared = Object.entries(grant.headers || {}).find(([n]) => n.toLowerCase() === "content-length");
  if (declared && Number(declared[1]) !== file.size) {
    throw new UploadError(`The file changed size (${file.size} bytes, the URL was signed for ${declared[1]})`,
      { code: "SizeMismatch", stage: "upload" });
  }
  if (onUrl) await untilAborted(Promise.resolve(onUrl(grant)), signal);
  throwIfAborted(signal);

  const result = await withRetries(async (attempt) => {
    attemptNo = attempt;
    meter.reset();
    return putOnce(file, grant, {
      signal,
      stallTimeoutMs,
      onBytes: (loaded) => { meter.sample(loaded); report("uploading", loaded); },
    });
  }, { retries, retryDelayMs, maxRetryDelayMs, signal, onRetry });

  report("done", total);
  return { key: grant.key, etag: result.etag };
}

// Upload speed over a sliding window of recent samples, so "time left" follows the link's
// current speed rather than the average since the start.
class RateMeter {
  constructor(windowMs = 3000) { this.windowMs = windowMs; this.reset(); }
  reset() { this.samples = []; }
  sample(bytes) {
    const now = performance.now();
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0][0] > this.windowMs) this.samples.shift();
  }
  rate() {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0];
    const [t1, b1] = this.samples[this.samples.length - 1];
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }
}
