import http2 from "node:http2";
import { syncBuiltinESMExports } from "node:module";

let installed = false;

/**
 * Works around connect-node's Http2SessionManager raising a deferred connection error as an uncaught exception
 * (connectrpc/connect-es#1768, fix proposed in #1769, not released in 2.1.2): when a peer sends GOAWAY on a
 * connection without open streams, the manager destroys the connection with an error that Node emits only once
 * the socket has closed; if a new call reconnected in between, the manager has already removed its listeners and
 * the error crashes the process. Executors and admins restart all the time, so both sides of jobwire hit it.
 *
 * Every HTTP/2 client session created from now on gets one listener that ignores errors, as connect-node's own
 * `abort()` does; the manager's listeners still see every error while they are attached. Idempotent. Remove it
 * once connect-node ships the fix.
 */
export function guardHttp2ClientSessions(): void {
  if (installed) return;
  installed = true;
  const connect = http2.connect;
  const guarded = function (this: unknown, ...args: Parameters<typeof http2.connect>): http2.ClientHttp2Session {
    const session = connect.apply(this, args);
    session.on("error", ignore);
    return session;
  } as typeof http2.connect;
  http2.connect = guarded;
  // connect-node reads `connect` from the ES module namespace of "http2"; this makes the namespace see the change.
  syncBuiltinESMExports();
}

function ignore(): void {
  // The error is the manager's to handle; this listener only keeps an unlistened one from crashing the process.
}
