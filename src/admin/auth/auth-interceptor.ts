import { ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import { AdminService } from "../../gen/jobwire/v1/admin_service_pb.js";
import { AuthService } from "../../gen/jobwire/v1/auth_service_pb.js";
import { APP_NAME_HEADER, AUTHORIZATION_HEADER, parseBearer } from "../../shared/metadata.js";
import type { Database } from "../persistence/index.js";
import { toConnectError } from "../rpc/to-connect-error.js";
import { authenticateExecutor, authenticateUser } from "./authenticate.js";
import { principalKey } from "./principal.js";

/** Services anyone may call: health checks and reflection describe the server, they reveal no data. */
const PUBLIC_SERVICE_PREFIXES = ["grpc.health.", "grpc.reflection."];

/**
 * Authenticates every call before it reaches a service and stores the principal in the call's context:
 * executor-facing `AdminService` calls need their group's token, `AuthService.Login` needs nothing, every other
 * console call needs a session token or API key. Nothing is open by default: an unknown service needs a user.
 */
export function createAuthInterceptor(db: Kysely<Database>, now: () => number): Interceptor {
  return (next) => async (req) => {
    const service = req.service.typeName;
    if (PUBLIC_SERVICE_PREFIXES.some((prefix) => service.startsWith(prefix))) return next(req);
    if (service === AuthService.typeName && req.method.name === AuthService.method.login.name) return next(req);
    const token = parseBearer(req.header.get(AUTHORIZATION_HEADER));
    try {
      const principal =
        service === AdminService.typeName
          ? await authenticateExecutor(db, req.header.get(APP_NAME_HEADER), token)
          : await authenticateUser(db, token, now());
      req.contextValues.set(principalKey, principal);
    } catch (error) {
      throw toConnectError(error);
    }
    return next(req);
  };
}

/**
 * Converts domain errors thrown by services, including those thrown while a response stream is produced, into
 * ConnectErrors with their gRPC codes. It is the outermost interceptor, so every error passes through it.
 */
export const errorInterceptor: Interceptor = (next) => async (req) => {
  try {
    const res = await next(req);
    if (!res.stream) return res;
    return { ...res, message: mapStreamErrors(res.message) };
  } catch (error) {
    throw error instanceof ConnectError ? error : toConnectError(error);
  }
};

async function* mapStreamErrors<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error);
  }
}
