// A webhook receiver for the events integration test: it verifies every request with the
// standardwebhooks npm package (the spec authors' implementation, independent of upgate's)
// and remembers what it accepted, so the test can ask.
//
//   node receiver.mjs --port N --secret whsec_...
// prints "listening N" once it accepts connections. Routes:
//   POST /hooks      verify; 204 when valid (400 when not), unless a mode says otherwise
//   GET  /received   {"accepted":[{id, timestamp, type, key, bodyId, source, reason,
//                     detectedType}], "rejected":n,
//                     "records":[{eventName, key, size, sequencer}], "record_posts":n,
//                     "max_in_flight":n (most requests held open at once),
//                     "proxied":n (requests that came as to an egress proxy)}
//   Every route also answers a request as an HTTP proxy gets it (absolute-form target,
//   "POST http://any.host/hooks"): the receiver plays the proxy too, and counts them.
//   POST /mode       {"status":503,"delay_ms":0,"retry_after":"1"}: answer later hooks so
//                    (the signature is still verified and recorded first when status < 300)
//   POST /records    S3 event records ({"Records":[...]}, as the store's --notify-url
//                    sends): 204 and remembered, unless a mode's status >= 300 says otherwise
//   POST /reset      forget everything
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(option('--port') ?? 0);
const webhook = new Webhook(option('--secret'));

let accepted = [];
let rejected = 0;
let records = [];
let recordPosts = 0;
let proxied = 0;
let inFlight = 0;
let maxInFlight = 0;
let mode = { status: 204, delay_ms: 0, retry_after: undefined };

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

const server = http.createServer(async (req, res) => {
  const body = await readBody(req);
  if (/^https?:\/\//.test(req.url)) {
    proxied += 1;
    req.url = new URL(req.url).pathname;
  }
  if (req.method === 'POST' && req.url === '/hooks') {
    if (mode.status >= 300) {
      const headers = mode.retry_after ? { 'retry-after': mode.retry_after } : {};
      send(res, mode.status, { error: 'mode' }, headers);
      return;
    }
    let event;
    try {
      event = webhook.verify(body, req.headers);
    } catch (error) {
      rejected += 1;
      send(res, 400, { error: String(error.message) });
      return;
    }
    accepted.push({
      id: req.headers['webhook-id'],
      timestamp: req.headers['webhook-timestamp'],
      type: event.type,
      key: event.data.key,
      bodyId: event.id,
      source: event.data.source,
      reason: event.data.reason,
      detectedType: event.data.detectedType,
    });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const answer = () => {
      inFlight -= 1;
      send(res, mode.status);
    };
    if (mode.delay_ms > 0) setTimeout(answer, mode.delay_ms); else answer();
    return;
  }
  if (req.method === 'POST' && req.url === '/records') {
    recordPosts += 1;
    if (mode.status >= 300) {
      send(res, mode.status, { error: 'mode' });
      return;
    }
    for (const r of JSON.parse(body).Records) {
      records.push({ eventName: r.eventName, key: r.s3.object.key, size: r.s3.object.size,
                     sequencer: r.s3.object.sequencer });
    }
    send(res, 204);
    return;
  }
  if (req.method === 'GET' && req.url === '/received') {
    send(res, 200, { accepted, rejected, max_in_flight: maxInFlight, records,
                     record_posts: recordPosts, proxied });
    return;
  }
  if (req.method === 'POST' && req.url === '/mode') {
    mode = { status: 204, delay_ms: 0, retry_after: undefined, ...JSON.parse(body) };
    send(res, 200, mode);
    return;
  }
  if (req.method === 'POST' && req.url === '/reset') {
    accepted = [];
    rejected = 0;
    records = [];
    recordPosts = 0;
    proxied = 0;
    maxInFlight = inFlight;
    send(res, 200, {});
    return;
  }
  send(res, 404, { error: 'no route' });
});

server.keepAliveTimeout = 30000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
