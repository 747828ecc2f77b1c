// Keeps a tenant's subscriptions started: lists them once before the first round and starts each
// configured content type that is missing or not enabled; starts again after AF20022/AF20023.
// Microsoft allows one start per 15 minutes per content type (§3.1), tracked as lastStartAt in the
// stream's checkpoint so a restart loop cannot break the rule. Subscriptions are never stopped:
// content from a stopped period is lost for good (§3.2, §8 item 31).

import type { ManagementApi } from '../api/types.js';
import { errorInfo, isAbort } from './errors-info.js';
import type { Stream } from './stream.js';
import type { Logger } from './types.js';
import { MINUTE_MS } from './windows.js';

export const START_INTERVAL_MS = 15 * MINUTE_MS;

export class SubscriptionKeeper {
  private ready: Promise<boolean> | undefined;
  private ok = false;

  constructor(
    private readonly api: ManagementApi,
    private readonly streams: Stream[],
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {}

  /** Lists and starts subscriptions until that succeeds once; concurrent callers share the attempt. */
  ensure(signal: AbortSignal): Promise<boolean> {
    if (this.ok) return Promise.resolve(true);
    this.ready ??= this.check(signal).then((ok) => {
      this.ok = ok;
      this.ready = undefined;
      return ok;
    });
    return this.ready;
  }

  private async check(signal: AbortSignal): Promise<boolean> {
    let listed;
    try {
      listed = await this.api.listSubscriptions(signal);
    } catch (err) {
      if (!isAbort(err, signal)) {
        this.logger.warn({ tenant: this.api.tenantId, err: errorInfo(err) }, 'cannot list subscriptions; streams go on and start theirs if the API says they are missing');
      }
      return false;
    }
    const status = new Map(listed.map((s) => [s.contentType.toLowerCase(), s.status?.toLowerCase()]));
    for (const stream of this.streams) {
      const st = status.get(stream.contentType.toLowerCase());
      if (st === 'enabled') continue;
      try {
        await this.start(stream, st === undefined ? 'missing' : `status ${st}`, signal);
      } catch (err) {
        if (isAbort(err, signal)) return false;
        stream.fail(err, 'starting the subscription failed; check that unified audit logging is on and the app has this permission');
      }
    }
    return true;
  }

  /** Starts the stream's subscription unless one was started less than 15 minutes ago. */
  private async start(stream: Stream, reason: string, signal: AbortSignal): Promise<boolean> {
    const now = this.clock();
    const last = stream.state.lastStartAt;
    if (last !== undefined && now - last < START_INTERVAL_MS && now >= last) return false;
    stream.state.lastStartAt = now;
    stream.state.version++;
    this.logger.info({ tenant: this.api.tenantId, contentType: stream.contentType, reason }, 'starting subscription');
    await this.api.startSubscription(stream.contentType, signal);
    return true;
  }

  /** After AF20022/AF20023 from a listing: start, then the caller retries. */
  async restart(stream: Stream, err: unknown, signal: AbortSignal): Promise<boolean> {
    const af = (err as { afCode?: string }).afCode;
    const started = await this.start(stream, af === 'AF20023' ? 'disabled (AF20023)' : 'missing (AF20022)', signal);
    if (started) {
      this.logger.warn(
        { tenant: this.api.tenantId, contentType: stream.contentType, afCode: af },
        'subscription was missing or disabled and has been started again; content made available while it was off is lost, and new content can take up to 12 h to appear',
      );
    }
    return started;
  }
}
