/** Round trips kept to estimate the offset; the fastest one of them is trusted. */
const SAMPLES = 8;

interface Sample {
  readonly roundTripMs: number;
  readonly offsetMs: number;
}

/**
 * The admin's clock as seen from this executor. Runs delivered ahead of their instant carry that instant on the
 * admin's clock (`RunRequest.start_time`), and two machines' clocks differ; every registration beat answers with
 * the admin's time (`RegistryResponse.server_time`), which gives the offset between the clocks up to half the
 * beat's round trip. Of the last few beats the one with the shortest round trip is used, the way NTP filters its
 * samples: a beat delayed by a busy admin says little about the clocks. Before the first beat the offset is 0.
 */
export class AdminClock {
  private readonly samples: Sample[] = [];
  private offset = 0;

  /** Records one beat: sent and answered at these local instants, with the admin's time in the answer. */
  observe(sentAt: number, adminTime: number, receivedAt: number): void {
    const roundTripMs = Math.max(0, receivedAt - sentAt);
    this.samples.push({ roundTripMs, offsetMs: adminTime - (sentAt + roundTripMs / 2) });
    if (this.samples.length > SAMPLES) this.samples.shift();
    let best = this.samples[0];
    for (const sample of this.samples) if (best === undefined || sample.roundTripMs < best.roundTripMs) best = sample;
    this.offset = best?.offsetMs ?? 0;
  }

  /** The admin's clock minus this machine's, in ms. */
  get offsetMs(): number {
    return this.offset;
  }

  /** The admin's current time, epoch ms. */
  now(): number {
    return Date.now() + this.offset;
  }
}
