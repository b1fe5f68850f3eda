import { createHmac } from 'node:crypto';
import type { ChangeEvent } from './crm';
import { OBJECT_TYPE_IDS, SINGULAR, type AppRegistration, type EmulatorState, type WebhookSubscription } from './state';

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  objectTypeId: string;
  changeSource: string;
  sourceId?: string;
  changeFlag?: string;
  propertyName?: string;
  propertyValue?: string;
}

export interface DeliveryRecord {
  appId: number;
  url: string;
  events: number;
  attempt: number;
  status: number | null;
  error?: string;
  at: number;
  ms: number;
}

/** X-HubSpot-Signature-v3: base64 HMAC-SHA256 over method + uri + body + timestamp. */
export function signV3(secret: string, method: string, uri: string, body: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`, 'utf8').digest('base64');
}

/** Reads subscriptions from a webhooks-hsmeta.json config (the project's own file). */
export function subscriptionsFromHsmeta(cfg: unknown): { subscriptions: WebhookSubscription[]; maxConcurrentRequests: number; targetUrl: string | null } {
  const c = (cfg as { config?: { settings?: { targetUrl?: string; maxConcurrentRequests?: number }; subscriptions?: { crmObjects?: unknown[]; legacyCrmObjects?: unknown[] } } })?.config;
  const subs: WebhookSubscription[] = [];
  let id = 1;
  for (const raw of c?.subscriptions?.crmObjects ?? []) {
    const s = raw as { subscriptionType: string; objectType: string; propertyName?: string; active?: boolean };
    if (s.objectType !== 'company' && s.objectType !== 'contact') continue;
    subs.push({ id: id++, subscriptionType: s.subscriptionType, objectType: s.objectType, propertyName: s.propertyName, active: s.active !== false });
  }
  for (const raw of c?.subscriptions?.legacyCrmObjects ?? []) {
    const s = raw as { subscriptionType: string; propertyName?: string; active?: boolean };
    const [obj, kind] = s.subscriptionType.split('.');
    if ((obj !== 'company' && obj !== 'contact') || !kind) continue;
    subs.push({ id: id++, subscriptionType: s.subscriptionType, objectType: obj, propertyName: s.propertyName, active: s.active !== false });
  }
  return { subscriptions: subs, maxConcurrentRequests: c?.settings?.maxConcurrentRequests ?? 10, targetUrl: c?.settings?.targetUrl ?? null };
}

/**
 * Turns CRM changes into HubSpot-shaped webhook batches (≤ 100 events a POST) for every
 * app installed on the portal, signs them with the app's client secret, and retries 5xx
 * and connection failures on a (configurable, fast) schedule.
 */
export class WebhookDispatcher {
  private nextEventId = 1;
  private readonly pending = new Map<number, WebhookEvent[]>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  private stopped = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly state: EmulatorState, private readonly maxConcurrent = 10) {}

  /** Subscriptions by `objectType:change[:property]`, per app: onChange runs for every written value. */
  private readonly index = new WeakMap<AppRegistration, Map<string, WebhookSubscription[]>>();

  private subscriptionsFor(app: AppRegistration, e: ChangeEvent): WebhookSubscription[] {
    let idx = this.index.get(app);
    if (!idx) {
      idx = new Map();
      for (const sub of app.subscriptions) {
        const kind = sub.subscriptionType.split('.')[1];
        const key = kind === 'creation' ? `${sub.objectType}:creation` : `${sub.objectType}:propertyChange:${sub.propertyName ?? '*'}`;
        idx.set(key, [...(idx.get(key) ?? []), sub]);
      }
      this.index.set(app, idx);
    }
    const obj = SINGULAR[e.objectType];
    if (e.change === 'creation') return idx.get(`${obj}:creation`) ?? [];
    const exact = idx.get(`${obj}:propertyChange:${e.propertyName}`);
    const any = idx.get(`${obj}:propertyChange:*`);
    return exact && any ? [...exact, ...any] : (exact ?? any ?? []);
  }

  /** True when an app installed on the portal has somewhere to send webhooks. */
  wants = (portalId: number): boolean => {
    for (const inst of this.state.installations.values()) {
      if (inst.portalId === portalId && inst.installed && this.state.appById(inst.appId)?.webhookTargetUrl) return true;
    }
    return false;
  };

  onChange = Object.assign((e: ChangeEvent): void => this.receive(e), { wants: (portalId: number) => this.wants(portalId) });

  private receive(e: ChangeEvent): void {
    for (const inst of this.state.installations.values()) {
      if (inst.portalId !== e.portalId || !inst.installed) continue;
      const app = this.state.appById(inst.appId);
      // Nowhere to deliver: HubSpot would not queue events for an app without a target URL.
      if (!app?.webhookTargetUrl) continue;
      const subs = this.subscriptionsFor(app, e).filter((s) => s.active);
      if (!subs.length || !inst.scopes.includes(`crm.objects.${e.objectType}.read`)) continue;
      for (const sub of subs) {
        const ev: WebhookEvent = {
          eventId: this.nextEventId++,
          subscriptionId: sub.id,
          portalId: e.portalId,
          appId: app.appId,
          occurredAt: e.occurredAt,
          subscriptionType: sub.subscriptionType,
          attemptNumber: 0,
          objectId: Number(e.objectId),
          objectTypeId: OBJECT_TYPE_IDS[e.objectType],
          changeSource: e.source.kind,
          sourceId: e.source.kind === 'INTEGRATION' ? String(e.source.appId) : 'userId:7000001',
        };
        if (e.change === 'creation') ev.changeFlag = 'CREATED';
        else { ev.propertyName = e.propertyName; ev.propertyValue = e.propertyValue; }
        let q = this.pending.get(app.appId);
        if (!q) this.pending.set(app.appId, (q = []));
        q.push(ev);
      }
    }
    if (this.pending.size && !this.timer && !this.stopped) {
      this.timer = setTimeout(() => void this.flush(), this.state.settings.webhooks.batchWindowMs);
    }
  }

  /** Sends everything pending now; resolves when those first attempts have finished. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const jobs: Promise<void>[] = [];
    for (const [appId, events] of this.pending) {
      this.pending.delete(appId);
      const app = this.state.appById(appId);
      if (!app?.webhookTargetUrl) continue;
      for (let i = 0; i < events.length; i += 100) jobs.push(this.deliver(app, events.slice(i, i + 100), 0));
    }
    await Promise.all(jobs);
  }

  private async slot(): Promise<void> {
    if (this.inFlight < this.maxConcurrent) { this.inFlight++; return; }
    await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
  }
  private release(): void {
    this.inFlight--;
    this.waiters.shift()?.();
  }

  private async deliver(app: AppRegistration, events: WebhookEvent[], attempt: number): Promise<void> {
    if (this.stopped || !app.webhookTargetUrl) return;
    await this.slot();
    const url = app.webhookTargetUrl;
    const body = JSON.stringify(events.map((e) => ({ ...e, attemptNumber: attempt })));
    const ts = Date.now();
    const started = performance.now();
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hubspot-signature-v3': signV3(app.clientSecret, 'POST', url, body, ts),
          'x-hubspot-request-timestamp': String(ts),
          'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (emulator)',
        },
        body,
        signal: AbortSignal.timeout(this.state.settings.webhooks.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = (err as Error).message;
    } finally {
      this.release();
    }
    this.deliveries.push({ appId: app.appId, url, events: events.length, attempt, status, error, at: ts, ms: performance.now() - started });
    if (this.deliveries.length > 10_000) this.deliveries.splice(0, this.deliveries.length - 10_000);
    // HubSpot retries 5xx, 429 and connection failures; other 4xx are final.
    const retry = status === null || status >= 500 || status === 429;
    const delays = this.state.settings.webhooks.retryDelaysMs;
    if (retry && attempt < delays.length && !this.stopped) {
      const t = setTimeout(() => { this.retryTimers.delete(t); void this.deliver(app, events, attempt + 1); }, delays[attempt]);
      this.retryTimers.add(t);
    }
  }

  pendingCount(): number {
    let n = 0;
    for (const q of this.pending.values()) n += q.length;
    return n;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }
}
