import { Code, ConnectError } from "@connectrpc/connect";
import {
  AbortedError,
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
} from "../errors.js";

/**
 * Maps any thrown value to a ConnectError. Domain errors keep their message and get their gRPC code; errors that
 * are already ConnectErrors pass through; anything else is an internal error whose details stay in the server log
 * instead of leaking to the caller.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof InvalidArgumentError) return new ConnectError(error.message, Code.InvalidArgument, undefined, undefined, error);
  if (error instanceof NotFoundError) return new ConnectError(error.message, Code.NotFound, undefined, undefined, error);
  if (error instanceof AlreadyExistsError) return new ConnectError(error.message, Code.AlreadyExists, undefined, undefined, error);
  if (error instanceof FailedPreconditionError) return new ConnectError(error.message, Code.FailedPrecondition, undefined, undefined, error);
  if (error instanceof AbortedError) return new ConnectError(error.message, Code.Aborted, undefined, undefined, error);
  if (error instanceof PermissionDeniedError) return new ConnectError(error.message, Code.PermissionDenied, undefined, undefined, error);
  if (error instanceof UnauthenticatedError) return new ConnectError(error.message, Code.Unauthenticated, undefined, undefined, error);
  if (error instanceof ResourceExhaustedError) return new ConnectError(error.message, Code.ResourceExhausted, undefined, undefined, error);
  return new ConnectError("internal error; see the admin log", Code.Internal, undefined, undefined, error);
}
