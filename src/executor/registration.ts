import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import { JobQueueDepthSchema, RegistryRemoveRequestSchema, RegistryRequestSchema } from "../gen/jobwire/v1/admin_service_pb.js";
import type { Logger } from "../shared/logger.js";
import { SDK_VERSION } from "../shared/version.js";
import type { AdminEndpoint } from "./admin-clients.js";
import type { JobDepth } from "./job-queues.js";

/** What the executor reports about itself in each beat. */
export interface RegistrationSnapshot {
  readonly handlerNames: readonly string[];
  readonly runningRunIds: readonly number[];
  readonly queueDepths: readonly JobDepth[];
}

export interface RegistrarOptions {
  readonly appName: string;
  /** The executor's public URL; read at each beat because it is known only once the server is bound. */
  readonly address: () => string;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly snapshot: () => RegistrationSnapshot;
  /** Deadline of each call to one admin before the next one is tried. */
  readonly callTimeoutMs?: number;
  /** Receives each answered beat's local send and receive instants with the admin's time from the answer. */
  readonly onAdminTime?: (sentAt: number, adminTime: number, receivedAt: number) => void;
}

const DEFAULT_CALL_TIMEOUT_MS = 3_000;

/**
 * The registration heartbeat (XXL-JOB's ExecutorRegistryThread): `Registry` at start and every interval, sent
 * to the admins in the configured order until one answers, because any admin of a cluster shares the same
 * database. When no admin answers it logs and keeps beating; an executor must not die because the admin is
 * down, it must reappear when the admin is back.
 */
export class Registrar {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;
  private registered = false;

  constructor(
    private readonly endpoints: readonly AdminEndpoint[],
    private readonly options: RegistrarOptions,
  ) {}

  /** Sends the first beat (awaited, so `start()` returns registered when an admin is up) and schedules the next ones. */
  async start(): Promise<boolean> {
    const first = await this.beat();
    this.timer = setInterval(() => void this.beat(), this.options.intervalMs);
    this.timer.unref();
    return first;
  }

  /** Sends one beat now; resolves true if an admin accepted it. A beat still in flight is joined, not doubled. */
  beat(): Promise<boolean> {
    this.inFlight ??= this.sendBeat().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Stops the heartbeat and removes the registration, so that the admin stops routing runs here at once. */
  async deregister(): Promise<boolean> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    const request = create(RegistryRemoveRequestSchema, { appName: this.options.appName, address: this.options.address() });
    const errors = await this.firstAnswering((endpoint, timeoutMs) => endpoint.client.registryRemove(request, { timeoutMs }));
    if (errors === undefined) return true;
    this.options.logger.warn("no admin answered RegistryRemove; the admin will drop this executor after its dead timeout", { errors });
    return false;
  }

  private async sendBeat(): Promise<boolean> {
    const snapshot = this.options.snapshot();
    const request = create(RegistryRequestSchema, {
      appName: this.options.appName,
      address: this.options.address(),
      handlerNames: [...snapshot.handlerNames],
      sdkVersion: SDK_VERSION,
      runningRunIds: snapshot.runningRunIds.map(BigInt),
      queueDepths: snapshot.queueDepths.map((depth) => create(JobQueueDepthSchema, { jobId: BigInt(depth.jobId), queued: depth.queued, running: depth.running })),
    });
    const errors = await this.firstAnswering(async (endpoint, timeoutMs) => {
      const sentAt = Date.now();
      const response = await endpoint.client.registry(request, { timeoutMs });
      if (response.serverTime !== undefined) this.options.onAdminTime?.(sentAt, timestampMs(response.serverTime), Date.now());
    });
    if (errors === undefined) {
      if (!this.registered) this.options.logger.info("registered with the admin", { appName: this.options.appName, address: request.address });
      this.registered = true;
      return true;
    }
    this.registered = false;
    this.options.logger.warn("no admin accepted the registration; retrying at the next beat", { appName: this.options.appName, errors });
    return false;
  }

  /** Calls the admins in order until one succeeds; returns undefined on success, else each admin's error. */
  private async firstAnswering(call: (endpoint: AdminEndpoint, timeoutMs: number) => Promise<unknown>): Promise<string[] | undefined> {
    const errors: string[] = [];
    for (const endpoint of this.endpoints) {
      try {
        await call(endpoint, this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
        return undefined;
      } catch (error) {
        errors.push(`${endpoint.url}: ${ConnectError.from(error).message}`);
      }
    }
    return errors;
  }
}
