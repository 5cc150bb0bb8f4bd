import type { Generated } from "kysely";

/** `jw_credential`: login sessions and API keys, stored only as hashes of their secrets. */
export interface CredentialTable {
  id: Generated<number>;
  user_id: number;
  /** A `CredentialKind`. */
  kind: string;
  name: string;
  token_hash: string;
  token_prefix: string;
  create_time: number;
  expire_time: number;
  last_used_time: number;
  revoke_time: number;
}
