import { createContext, useContext } from "react";
import type { User } from "../../../../gen/jobwire/v1/user_pb.js";
import { UserRole } from "../../../../gen/jobwire/v1/user_pb.js";

export interface Session {
  readonly user: User;
  /** Ends the session on the admin and returns to the login page. */
  readonly logout: () => Promise<void>;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error("useSession outside a logged-in page");
  return session;
}

export function isAdmin(user: User): boolean {
  return user.role === UserRole.ADMIN;
}
