/** Version of jobwire reported by executors (`sdk_version`) and shown by the CLI. */
export const JOBWIRE_VERSION = "0.1.0";

/** The SDK identifier executors send in their registration. */
export const SDK_VERSION = `jobwire-node/${JOBWIRE_VERSION}`;
