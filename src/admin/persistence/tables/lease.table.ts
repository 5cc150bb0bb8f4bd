/** `jw_lease`: named leases (e.g. "one admin runs the cleanup"), held by an owner until they expire. */
export interface LeaseTable {
  name: string;
  owner: string;
  expire_time: number;
}
