import { retryWhileUnreachable } from '../db/connection-errors';
import type PgBoss from 'pg-boss';
import type { InstallServices } from '../install/services';
import { CLAIM_MS, deliverBatch, type DeliveryDeps } from '../webhooks/deliver';
import { DispatcherCensus } from '../webhooks/dispatcher-census';
import { FairFetch } from '../webhooks/fair-fetch';
import { httpSender, type Sender } from '../webhooks/http-sender';
import { DELIVERY_JOB, deliveryJob, WEBHOOK_QUEUE, type DeliveryJobData } from '../webhooks/outbox';
import type { Worker } from './worker';

/**
 * Delivers webhooks. A dispatcher fetches delivery jobs from pg-boss itself (every 100 ms
 * while idle, at once while there is more) rather than through `work()`, whose batch would
 * hold a poller until its slowest receiver answered: here each endpoint has its own slots
 * (its max concurrency), jobs wait for a slot in memory, and a slow endpoint (attempts
 * averaging over a second) with twice its limit already waiting has further jobs put back
 * 5 s later, so one slow receiver can never take the capacity others need. The limit is
 * the endpoint's across all workers: each dispatcher takes its share (dispatcher-census.ts).
 *
 * Workspaces share a dispatcher fairly: jobs are fetched round-robin between workspaces
 * (fair-fetch.ts), and a workspace holds at most an equal share of the dispatcher's jobs
 * with one share always kept free for a workspace not yet being served, so one workspace's
 * backlog or slow receivers never holds the slots another's deliveries need. Every attempt
 * ends within its deadline (http-sender.ts) and its slots are released in `finally`.
 *
 * A job is completed when its attempt is recorded; a worker
 * killed mid-flight leaves its jobs active, pg-boss expires them after 30 s and they run
 * again (the receiver may see the event twice: same id). A sweeper queues any pending
 * delivery whose job was lost.
 */
export const WEBHOOK_SWEEP_QUEUE = 'webhook-sweep';
const DEFER_MS = 5_000;
const SUB_BATCH = 16;
const FETCH_MAX = 100;
/** A workspace's share never drops below this (many workspaces at once: each still sends in small batches). */
const MIN_WORKSPACE_SHARE = 2;

type Job = PgBoss.Job<DeliveryJobData>;
interface EndpointSlots { workspace: string; active: number; waiting: Job[] }

/** An endpoint whose recent attempts average more than this is slow: its overflow is put back rather than held. */
const SLOW_MS = 1000;

/** Jobs queued before the workspace rode along are grouped by endpoint. */
const workspaceOf = (job: Job): string => job.data.workspaceId ?? job.data.endpointId;

export interface DispatcherLoad { held: number; active: number; byWorkspace: Record<string, number> }

export class WebhookDispatcher {
  private readonly endpoints = new Map<string, EndpointSlots>();
  /** Jobs held (waiting or being sent) per workspace. */
  private readonly workspaces = new Map<string, number>();
  /** Recent attempt time per endpoint (moving average, ms). */
  private readonly latency = new Map<string, number>();
  private total = 0;
  private active = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private fetching = false;
  private idle: Promise<void> = Promise.resolve();
  private settle: (() => void) | null = null;

  constructor(
    private readonly boss: PgBoss, private readonly deps: DeliveryDeps, private readonly fair: FairFetch,
    private readonly census: { share: (maxConcurrency: number) => number; id?: string } = { share: (max) => max },
    private readonly opts: { capacity: number; pollMs: number } = { capacity: 400, pollMs: 100 },
  ) {}

  start(): void {
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.total > 0) {
      this.idle = new Promise((r) => { this.settle = r; });
      await Promise.race([this.idle, new Promise((r) => setTimeout(r, 15_000))]);
    }
  }

  /** What the dispatcher holds now: jobs waiting or being sent, those being sent, and per workspace. */
  load(): DispatcherLoad {
    return { held: this.total, active: this.active, byWorkspace: Object.fromEntries(this.workspaces) };
  }

  /** An equal share of the dispatcher per workspace being served, plus one share kept free for a newcomer. */
  private workspaceShare(): number {
    return Math.max(MIN_WORKSPACE_SHARE, Math.floor(this.opts.capacity / (this.workspaces.size + 1)));
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => { this.timer = null; void this.tick(); }, ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.fetching) return;
    const free = this.opts.capacity - this.total;
    if (free <= 0) return; // a finishing batch calls tick again
    this.fetching = true;
    const want = Math.min(free, FETCH_MAX);
    const share = this.workspaceShare();
    const allowance = Object.fromEntries([...this.workspaces].map(([ws, held]) => [ws, Math.max(0, share - held)]));
    let jobs: Job[] = [];
    try {
      jobs = await this.fair.fetch({ limit: want, allowance, fresh: share, dispatcher: this.census.id });
    } catch (err) {
      if (!this.stopped) this.deps.log.warn({ err: { message: (err as Error).message } }, 'webhook dispatcher could not fetch jobs');
      this.fetching = false;
      this.schedule(1000);
      return;
    }
    this.fetching = false;
    const deferred: Job[] = [];
    for (const job of jobs) {
      const slots = this.slots(job);
      const slow = (this.latency.get(job.data.endpointId) ?? 0) > SLOW_MS;
      if (slow && slots.active + slots.waiting.length >= 2 * this.census.share(job.data.maxConcurrency)) deferred.push(job);
      else { slots.waiting.push(job); this.hold(slots.workspace, 1); }
    }
    if (deferred.length) void this.defer(deferred);
    for (const [id, slots] of this.endpoints) this.pump(id, slots);
    if (jobs.length && jobs.length === want) void this.tick();
    else this.schedule(this.opts.pollMs);
  }

  private hold(workspace: string, n: number): void {
    this.total += n;
    const held = (this.workspaces.get(workspace) ?? 0) + n;
    if (held > 0) this.workspaces.set(workspace, held);
    else this.workspaces.delete(workspace);
  }

  private slots(job: Job): EndpointSlots {
    let s = this.endpoints.get(job.data.endpointId);
    if (!s) { s = { workspace: workspaceOf(job), active: 0, waiting: [] }; this.endpoints.set(job.data.endpointId, s); }
    return s;
  }

  private pump(endpointId: string, slots: EndpointSlots): void {
    while (this.pumpOne(endpointId, slots));
  }

  private pumpOne(endpointId: string, slots: EndpointSlots): boolean {
    const max = this.census.share(slots.waiting[0]?.data.maxConcurrency ?? 1);
    // Several small batches rather than one big one: they overlap (one records while another sends).
    const n = Math.min(max - slots.active, slots.waiting.length, SUB_BATCH);
    if (n <= 0) return false;
    const batch = slots.waiting.splice(0, n);
    slots.active += n;
    this.active += n;
    void this.runBatch(endpointId, slots, batch);
    return true;
  }

  private async runBatch(endpointId: string, slots: EndpointSlots, batch: Job[]): Promise<void> {
    const t0 = performance.now();
    try {
      await this.run(batch);
    } finally {
      // Whatever happened, the slots come back.
      const ms = performance.now() - t0;
      this.latency.set(endpointId, 0.7 * (this.latency.get(endpointId) ?? ms) + 0.3 * ms);
      slots.active -= batch.length;
      this.active -= batch.length;
      this.hold(slots.workspace, -batch.length);
      if (!slots.active && !slots.waiting.length) this.endpoints.delete(endpointId);
      if (this.stopped && this.total === 0) this.settle?.();
      this.pump(endpointId, slots);
      void this.tick();
    }
  }

  private async run(jobs: Job[]): Promise<void> {
    // Through a database blip (a restart, terminated connections) a batch waits and goes on
    // in place as soon as Postgres answers again, instead of failing into a job that only
    // expires (and is retried) 30 s later. Each step is safe to repeat: the claim is one
    // statement, and a delivery already claimed is skipped, not sent twice.
    const blip = <T>(fn: () => Promise<T>) => retryWhileUnreachable(fn, { forMs: DELIVERY_JOB.expireInSeconds * 1000 * 0.6, everyMs: 250 });
    try {
      const lease = new Date(Date.now() + CLAIM_MS);
      const outcomes = await blip(() => deliverBatch(this.deps, jobs.map((j) => j.data.deliveryId), { lease }));
      const byId = new Map(jobs.map((j) => [j.data.deliveryId, j.data]));
      const retries = outcomes.filter((o) => o.outcome === 'retry' && o.nextAttemptAt);
      if (retries.length) await blip(() => this.boss.insert(retries.map((o) => deliveryJob(byId.get(o.deliveryId)!, o.nextAttemptAt))));
      await blip(() => this.boss.complete(WEBHOOK_QUEUE, jobs.map((j) => j.id)));
    } catch (err) {
      // The claim lapses and pg-boss retries the jobs (or the sweeper finds the deliveries).
      this.deps.log.error({ err: { message: (err as Error).message } }, 'webhook delivery batch failed');
      await this.boss.fail(WEBHOOK_QUEUE, jobs.map((j) => j.id)).catch(() => undefined);
    }
  }

  private async defer(jobs: Job[]): Promise<void> {
    try {
      const later = new Date(Date.now() + DEFER_MS);
      await this.boss.insert(jobs.map((j) => deliveryJob(j.data, later)));
      await this.boss.complete(WEBHOOK_QUEUE, jobs.map((j) => j.id));
    } catch (err) {
      this.deps.log.warn({ err: { message: (err as Error).message } }, 'could not put webhook jobs back');
    }
  }
}

/** Pending deliveries whose job went missing (a process without a queue made them, or a retry was never queued): queued again. */
export async function sweepDeliveries(boss: PgBoss, s: InstallServices, olderThanMs = 120_000): Promise<number> {
  const rows: { id: string; endpoint_id: string; workspace_id: string; max_concurrency: number }[] = await s.knex('webhook_deliveries as d').join('webhook_endpoints as ep', 'ep.id', 'd.endpoint_id')
    .where('d.status', 'pending').andWhere('d.next_attempt_at', '<', new Date(Date.now() - olderThanMs)).limit(5000).select('d.id', 'd.endpoint_id', 'ep.workspace_id', 'ep.max_concurrency');
  if (rows.length) await boss.insert(rows.map((r) => deliveryJob({ deliveryId: r.id, endpointId: r.endpoint_id, workspaceId: r.workspace_id, maxConcurrency: r.max_concurrency })));
  return rows.length;
}

export async function registerWebhookJobs(worker: Worker | { boss: PgBoss; onStop?: Worker['onStop'] }, s: InstallServices, opts: { send?: Sender; sweepCron?: string; censusMs?: number; capacity?: number } = {}): Promise<WebhookDispatcher> {
  const { boss } = worker;
  await boss.createQueue(WEBHOOK_QUEUE, { name: WEBHOOK_QUEUE, policy: 'standard' } as PgBoss.Queue);
  const fair = await FairFetch.prepare(s.knex, s.log);
  await boss.createQueue(WEBHOOK_SWEEP_QUEUE, { name: WEBHOOK_SWEEP_QUEUE, policy: 'singleton' } as PgBoss.Queue);
  await boss.schedule(WEBHOOK_SWEEP_QUEUE, opts.sweepCron ?? '* * * * *');
  await boss.work(WEBHOOK_SWEEP_QUEUE, async () => { await sweepDeliveries(boss, s); });
  const send = opts.send ?? httpSender({ allowPrivate: s.config.KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS });
  const census = new DispatcherCensus(s.knex, s.log, opts.censusMs);
  await census.start();
  const dispatcher = new WebhookDispatcher(boss, { knex: s.knex, keyring: s.keyring, log: s.log, send }, fair, census, { capacity: opts.capacity ?? 400, pollMs: 100 });
  dispatcher.start();
  worker.onStop?.(async () => { await dispatcher.stop(); await census.stop(); });
  return dispatcher;
}
