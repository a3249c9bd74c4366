// A small HTTP forward proxy (node `net`) between the browser and the store, for tests of
// how web/upgate.js lives through a bad network. The browser's context sends its requests
// for the store through it (playwright's per-context `proxy`, with the API's origin
// bypassed), so the store sees the very bytes and Host the URLs were signed for.
//
// It reads each request's head (absolute-form target, rewritten to origin-form for the
// store) and passes the body on by its Content-Length, so it knows every request:
//   requests        [{method, path, query, partNumber}] in arrival order
//   cutAfter(n...)  once n more bytes of part bodies went through, every open connection is
//                   dropped with a reset; several counts cut several times
//   hold(pred)      requests for which pred({method, partNumber, ...}) holds wait, head and
//                   body, until release() sends them on or dropHeld() closes their connections
// Responses go back untouched.
import net from "node:net";
import { once } from "node:events";

export async function startCuttingProxy() {
  const server = net.createServer();
  const connections = new Set();
  const proxy = {
    url: null,
    requests: [],
    cuts: 0,
    partBytes: 0,
    cutPoints: [],
    holding: null,
    released: [],
    cutAfter(...counts) { proxy.cutPoints = counts.map((n) => proxy.partBytes + n).sort((a, b) => a - b); },
    hold(predicate) { proxy.holding = predicate; },
    get held() { return proxy.released.filter((h) => !h.client.destroyed).length; },
    release() {
      proxy.holding = null;
      const waiting = proxy.released;
      proxy.released = [];
      for (const h of waiting) h.go();
    },
    dropHeld() {
      proxy.holding = null;
      const waiting = proxy.released;
      proxy.released = [];
      for (const h of waiting) h.client.resetAndDestroy();
    },
    parts(from = 0) {
      return proxy.requests.slice(from).filter((r) => r.method === "PUT" && r.partNumber !== null)
        .map((r) => r.partNumber);
    },
    async stop() {
      for (const c of connections) c.destroy();
      server.close();
    },
  };

  const cutAll = () => {
    proxy.cuts++;
    proxy.cutPoints.shift();
    for (const c of connections) c.resetAndDestroy();
  };

  server.on("connection", (client) => {
    let upstream = null;
    const close = () => { client.destroy(); upstream?.destroy(); connections.delete(client); };
    connections.add(client);
    client.on("error", close);
    client.on("close", close);

    let buffered = Buffer.alloc(0);
    let bodyLeft = 0;
    let inPart = false;
    let waiting = false;

    const connectTo = (host, port) => {
      if (upstream) return;
      upstream = net.connect({ host, port });
      upstream.on("data", (chunk) => client.write(chunk));
      upstream.on("error", close);
      upstream.on("close", close);
    };

    // Consumes `buffered`: request heads are parsed and rewritten, bodies passed through.
    const pump = () => {
      while (buffered.length && !waiting) {
        if (bodyLeft > 0) {
          const n = Math.min(bodyLeft, buffered.length);
          upstream.write(buffered.subarray(0, n));
          buffered = buffered.subarray(n);
          bodyLeft -= n;
          if (inPart) {
            proxy.partBytes += n;
            if (proxy.partBytes >= proxy.cutPoints[0]) { cutAll(); return; }
          }
          continue;
        }
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString("latin1").split("\r\n");
        const [method, target, version] = head[0].split(" ");
        if (!/^http:\/\//.test(target)) {
          // CONNECT (the browser's own HTTPS traffic) and anything else: not through here.
          client.end("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
          buffered = Buffer.alloc(0);
          return;
        }
        const url = new URL(target);
        const headers = head.slice(1).filter((h) => !/^proxy-connection:/i.test(h));
        const length = headers.find((h) => /^content-length:/i.test(h));
        if (headers.some((h) => /^transfer-encoding:/i.test(h))) throw new Error("chunked bodies are not handled");
        const partNumber = url.searchParams.has("partNumber") ? Number(url.searchParams.get("partNumber")) : null;
        const request = { method, path: url.pathname, query: url.search, partNumber };
        const send = () => {
          connectTo(url.hostname, Number(url.port || 80));
          upstream.write(`${method} ${url.pathname}${url.search} ${version}\r\n${headers.join("\r\n")}\r\n\r\n`);
          proxy.requests.push(request);
          buffered = buffered.subarray(end + 4);
          bodyLeft = length ? Number(length.split(":")[1]) : 0;
          inPart = method === "PUT" && partNumber !== null;
        };
        if (proxy.holding && proxy.holding(request)) {
          waiting = true;
          client.pause();
          proxy.released.push({
            client,
            go: () => {
              if (client.destroyed) return;
              waiting = false;
              send();
              client.resume();
              pump();
            },
          });
          return;
        }
        send();
      }
    };
    client.on("data", (chunk) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      try { pump(); } catch (e) { console.error(`cutting proxy: ${e.message}`); close(); }
    });
  });

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  return proxy;
}
