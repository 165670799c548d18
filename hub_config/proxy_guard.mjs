// Loaded into the hub's proxy (`node --import`), before configurable-http-proxy starts.
//
// configurable-http-proxy 5.3 routes a request by `decodeURIComponent` of its path. A path
// whose percent-escapes are not UTF-8 (`/services/progress/api/enterprises/%FF/progress`,
// a lone `%`) makes that throw `URIError: URI malformed`, and the proxy answers 500 with the
// hub's error page: the service behind it never sees the request. Such a path is the
// client's mistake, so it gets a 400 that names it, before any routing.

import { ConfigurableProxy } from "configurable-http-proxy/lib/configproxy.js";

/** Why `url`'s path cannot be routed, or null when it decodes. */
export function undecodablePath(url) {
  const path = (url || "").split("?", 1)[0];
  try {
    // The same decoding as the proxy's routing (ConfigurableProxy.targetForReq).
    decodeURIComponent(new URL(url, "http://example.com").pathname);
    return null;
  } catch {
    return (
      `the request path ${JSON.stringify(path.slice(0, 200))} has a percent-escape that is ` +
      "not UTF-8 (a lone '%', or bytes such as %FF): escape each byte of the UTF-8 text " +
      "as %XX"
    );
  }
}

const proxyWeb = ConfigurableProxy.prototype.handleProxyWeb;
const proxyWs = ConfigurableProxy.prototype.handleProxyWs;

ConfigurableProxy.prototype.handleProxyWeb = function (req, res) {
  const problem = undecodablePath(req.url);
  if (problem === null) {
    return proxyWeb.call(this, req, res);
  }
  this.log.warn("400 %s %s", req.method, problem);
  res.writeHead(400, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ detail: problem }));
};

ConfigurableProxy.prototype.handleProxyWs = function (req, socket, head) {
  const problem = undecodablePath(req.url);
  if (problem === null) {
    return proxyWs.call(this, req, socket, head);
  }
  this.log.warn("400 WS %s", problem);
  socket.end(`HTTP/${req.httpVersion} 400 Bad Request\r\nContent-Length: 0\r\n\r\n`);
};
