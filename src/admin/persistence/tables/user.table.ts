import type { Generated } from "kysely";

/** `jw_user`: console users. */
export interface UserTable {
  id: Generated<number>;
  username: string;
  /** A `UserRole`. */
  role: string;
  /** JSON array of executor group ids. */
  permitted_group_ids: string;
  password_hash: string;
  /** 1 when the user may not log in or use credentials; added by migration 0003. */
  disabled: Generated<number>;
  create_time: number;
  update_time: number;
}
