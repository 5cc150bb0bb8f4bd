export { startRpcServer } from "./rpc-server.js";
export type { HttpGetRoute, HttpRouteReply, RpcServer, RpcServerOptions, RpcServerTls } from "./rpc-server.js";
export { metricsRoute } from "./metrics-route.js";
export type { MetricsSource } from "./metrics-route.js";
export { guardHttp2ClientSessions } from "./http2-session-guard.js";
