export { startRpcServer } from "./rpc-server.js";
export type { RpcServer, RpcServerOptions, RpcServerTls } from "./rpc-server.js";
