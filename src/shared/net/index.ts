export { startRpcServer } from "./rpc-server.js";
export type { RpcServer, RpcServerOptions } from "./rpc-server.js";
