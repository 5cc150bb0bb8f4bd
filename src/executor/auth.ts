import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { APP_NAME_HEADER, AUTHORIZATION_HEADER, bearer, parseBearer } from "../shared/metadata.js";
import { secretsEqual } from "../shared/secure-compare.js";

/** The executor group's credentials, which travel in both directions between admin and executor. */
export interface GroupCredentials {
  readonly appName: string;
  readonly accessToken: string;
}

/**
 * Server interceptor of the executor: every call must carry the group's token as `authorization: Bearer …` and
 * the group's app name as `jobwire-app-name`. The token is compared in constant time; the app name is checked
 * only after it, so an unauthenticated caller learns nothing about which group this executor serves.
 */
export function createServerAuthInterceptor(credentials: GroupCredentials): Interceptor {
  return (next) => async (req) => {
    const authorization = req.header.get(AUTHORIZATION_HEADER);
    const token = parseBearer(authorization);
    if (token === undefined) {
      throw new ConnectError(
        authorization === null
          ? `missing "${AUTHORIZATION_HEADER}: Bearer <token>" metadata; send the executor group's access token`
          : `"${AUTHORIZATION_HEADER}" metadata must be "Bearer <token>" with the executor group's access token`,
        Code.Unauthenticated,
      );
    }
    if (!secretsEqual(credentials.accessToken, token)) {
      throw new ConnectError("the access token does not match this executor's; use the token of its executor group", Code.Unauthenticated);
    }
    const appName = req.header.get(APP_NAME_HEADER);
    if (appName === null || !secretsEqual(credentials.appName, appName)) {
      throw new ConnectError(
        `"${APP_NAME_HEADER}" metadata ${appName === null ? "is missing" : `"${appName}" does not match`}; this executor serves app "${credentials.appName}"`,
        Code.Unauthenticated,
      );
    }
    return next(req);
  };
}

/** Client interceptor for calls to the admin: adds the group's credentials to every call. */
export function createClientAuthInterceptor(credentials: GroupCredentials): Interceptor {
  return (next) => (req) => {
    req.header.set(AUTHORIZATION_HEADER, bearer(credentials.accessToken));
    req.header.set(APP_NAME_HEADER, credentials.appName);
    return next(req);
  };
}
