import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import type { Config } from '../config';
import { KustiqError, type ErrorCode } from '../errors/codes';
import type { Logger } from '../log';
import { catalogProperty } from '../schema/catalog';
import type { TokenVault } from '../vault/token-vault';
import { budgetFor, type Bucket, type RateBudget } from './rate-budget';

/**
 * The one HubSpot port: the only module that builds an @hubspot/api-client Client. Every
 * call goes through the portal's shared budget (a slot first), is retried as HubSpot's
 * answers allow, and has its response parsed here (zod), so the rest of the code sees
 * typed values or a known error:
 *   429 → wait out the window (HubSpot's Retry-After is unreliable); 5xx, timeouts and
 *   dropped connections → bounded exponential backoff with jitter; 423 → at least 2 s;
 *   401 → one token refresh; invalid_grant → ERR_OAUTH_REVOKED (from the vault); a
 *   paused portal → ERR_PORTAL_PAUSED.
 */
export type ObjectType = 'companies' | 'contacts';
export type Values = Record<string, string | null>;
export interface HubSpotRecord { id: string; properties: Values }
export interface RecordPage { total: number | null; results: HubSpotRecord[]; next: string | null }

export interface PortTally {
  requests: number;
  http429: number;
  retries: number;
  /** Requests sent per epoch second, [general, search]: drained into the run at each checkpoint. */
  seconds: Map<number, [number, number]>;
}

/** Where the port gets its access token (the vault for a connected portal; a fresh token during the install). */
export interface TokenSource { access(): Promise<string>; refresh(): Promise<string> }

interface PortServices { config: Pick<Config, 'HUBSPOT_API_BASE_URL' | 'KUSTIQ_RATE_GENERAL' | 'KUSTIQ_RATE_SEARCH' | 'KUSTIQ_RATE_MARGIN_MS'>; log: Logger; knex: Parameters<typeof budgetFor>[0]['knex']; vault: TokenVault }

interface HttpError { code?: number; status?: number; body?: unknown; headers?: Record<string, string>; message?: string }

const MAX_ATTEMPTS = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function statusOf(err: unknown): number {
  const e = err as HttpError;
  return typeof e?.code === 'number' ? e.code : typeof e?.status === 'number' ? e.status : 0;
}

export interface ErrorBody { category?: string; subCategory?: string; message?: string; errors?: { message?: string; code?: string; context?: Record<string, string[]> }[] }

export function bodyOf(err: unknown): ErrorBody {
  const b = (err as HttpError)?.body;
  if (typeof b === 'string') { try { return JSON.parse(b); } catch { return { message: b }; } }
  return (b ?? {}) as ErrorBody;
}

// ---- response shapes, parsed at the boundary -------------------------------------------

const PropertiesSchema = z.record(z.string(), z.union([z.string(), z.null()]).optional()).transform((p) => {
  const out: Values = {};
  for (const [k, v] of Object.entries(p)) out[k] = v ?? null;
  return out;
});
const RecordSchema = z.object({ id: z.coerce.string(), properties: PropertiesSchema });
const Paging = z.object({ next: z.object({ after: z.coerce.string() }).optional() }).optional();
const SearchSchema = z.object({ total: z.number().optional(), results: z.array(RecordSchema), paging: Paging });
const BatchSchema = z.object({
  results: z.array(z.object({ id: z.coerce.string(), properties: PropertiesSchema.optional(), updatedAt: z.union([z.date(), z.string()]).optional() })),
  errors: z.array(z.object({ category: z.string().optional(), message: z.string().optional(), context: z.record(z.string(), z.array(z.string())).optional() })).optional(),
});
const OptionSchema = z.object({ label: z.string(), value: z.string(), hidden: z.boolean().optional(), displayOrder: z.number().optional() });
const PropertySchema = z.object({
  name: z.string(), type: z.string(), fieldType: z.string(), archived: z.boolean().optional(),
  options: z.array(OptionSchema).optional(),
  modificationMetadata: z.object({ readOnlyValue: z.boolean().optional() }).optional(),
});
export type HubSpotProperty = z.infer<typeof PropertySchema>;
const GroupSchema = z.object({ name: z.string(), archived: z.boolean().optional() });
const ListSchema = z.object({ listId: z.coerce.string(), name: z.string(), objectTypeId: z.string(), additionalProperties: z.record(z.string(), z.string()).optional() });
const ListSearchSchema = z.object({ lists: z.array(ListSchema), hasMore: z.boolean(), offset: z.number() });
const MembershipsSchema = z.object({ results: z.array(z.object({ recordId: z.coerce.string() })), paging: Paging });
const AccountSchema = z.object({ portalId: z.number().int(), timeZone: z.string(), dataHostingLocation: z.string(), uiDomain: z.string() });
export type AccountDetails = z.infer<typeof AccountSchema>;

/** Parses a HubSpot answer; one HubSpot does not send as documented is a clear error naming the call and the field. */
function parse<T>(schema: z.ZodType<T>, what: string, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new Error(`HubSpot's answer to ${what} was not understood: ${issue.path.join('.') || '(body)'}: ${issue.message}`);
}

// ---- batch writes ------------------------------------------------------------------------

/** A property HubSpot refused as such (read-only, missing, of another type): the caller stops writing it for the portal. */
export interface RefusedProperty { objectType: ObjectType; name: string; code: ErrorCode; status: 'read_only' | 'conflict'; detail: string }

export interface WriteOutcome {
  written: string[];
  /** Archived or merged away since they were read (HubSpot's 207). */
  gone: string[];
  failed: { id: string; code: string }[];
  refusedProperties: RefusedProperty[];
  optionsAdded: number;
  /** HubSpot's clock: when the writes landed (epoch ms). */
  landed?: [number, number];
}

type PropertyProblem = { name: string; error: string; message: string; id?: string };

/** The per-property problems in HubSpot's 400 for a batch write ("Property values were not valid: [...]" and errors[].context). */
export function propertyProblems(body: ErrorBody): PropertyProblem[] {
  const out: PropertyProblem[] = [];
  for (const e of body.errors ?? []) {
    const name = e.context?.propertyName?.[0];
    if (name) out.push({ name, error: e.code ?? '', message: e.message ?? '', id: e.context?.id?.[0] });
  }
  if (out.length) return out;
  const m = /Property values were not valid: (\[.*\])/s.exec(body.message ?? '');
  if (m) {
    try {
      for (const p of JSON.parse(m[1]!) as { name?: string; error?: string; message?: string }[]) if (p.name) out.push({ name: p.name, error: p.error ?? '', message: p.message ?? '' });
    } catch { /* not HubSpot's list: no property named */ }
  }
  return out;
}

/** Which problems mean the property itself cannot take our values (rather than one record's value). */
function refusal(objectType: ObjectType, p: PropertyProblem): RefusedProperty | null {
  if (p.error === 'READ_ONLY_VALUE') return { objectType, name: p.name, code: 'ERR_PROPERTY_READONLY', status: 'read_only', detail: 'locked read-only in HubSpot; Kustiq skips it until it is unlocked' };
  if (p.error === 'PROPERTY_DOESNT_EXIST') return { objectType, name: p.name, code: 'ERR_SCHEMA_CONFLICT', status: 'conflict', detail: 'missing in HubSpot (deleted or archived); the next schema check recreates it' };
  if (/^INVALID_(DECIMAL|DATE|BOOLEAN|INTEGER|DATETIME|OPTION)$/.test(p.error) && !catalogProperty(objectType, p.name)?.growing) {
    return { objectType, name: p.name, code: 'ERR_SCHEMA_CONFLICT', status: 'conflict', detail: `HubSpot refused Kustiq's value (${p.error}): the property's type or options differ from Kustiq's. ${p.message}`.trim() };
  }
  return null;
}

/** Technology options the portal's kustiq_tech_stack has; new ones are added before the batch that needs them. */
export class TechOptions {
  // The schema sync gave the property every catalog technology; only others are looked up.
  private known: Set<string> | null = new Set(catalogProperty('companies', 'kustiq_tech_stack')?.options?.map((o) => o.value) ?? []);
  constructor(private readonly port: HubSpotPort) {}

  /** Adds the options the values need; returns how many were added. */
  async ensure(values: Values[]): Promise<number> {
    const wanted = new Set(values.flatMap((v) => (v.kustiq_tech_stack ?? '').split(';').filter(Boolean)));
    if (!wanted.size) return 0;
    if (this.known && [...wanted].every((v) => this.known!.has(v))) return 0;
    const p = await this.port.getProperty('companies', 'kustiq_tech_stack');
    const have = p?.options ?? [];
    this.known = new Set(have.map((o) => o.value));
    const missing = [...wanted].filter((v) => !this.known!.has(v));
    if (!missing.length) return 0;
    const options = [...have, ...missing.map((value, i) => ({ value, label: value, hidden: false, displayOrder: have.length + i }))];
    await this.port.updatePropertyOptions('companies', 'kustiq_tech_stack', options);
    for (const v of missing) this.known.add(v);
    return missing.length;
  }

  forget(): void {
    this.known = null;
  }
}

// ---- the port ----------------------------------------------------------------------------

export class HubSpotPort {
  readonly tally: PortTally = { requests: 0, http429: 0, retries: 0, seconds: new Map() };
  // One client per bucket, so a response's X-HubSpot-RateLimit-* headers are read against the bucket they belong to.
  private clients: Partial<Record<Bucket, Client>> = {};
  private techOptions: TechOptions | null = null;

  constructor(
    private readonly s: { config: PortServices['config']; log: Logger },
    readonly portalId: number,
    private readonly budget: RateBudget,
    private readonly tokens: TokenSource,
    private readonly random: () => number = Math.random,
  ) {}

  /** A connected portal's port: tokens from the vault, the deployment's budget unless one is given. */
  static forPortal(s: PortServices, portalId: number, budget: RateBudget = budgetFor(s)): HubSpotPort {
    return new HubSpotPort(s, portalId, budget, { access: () => s.vault.accessToken(portalId), refresh: () => s.vault.refresh(portalId, true) });
  }

  /** A port for a token just granted (the install, before the vault holds it): no refresh. */
  static withToken(s: PortServices, portalId: number, accessToken: string, budget: RateBudget = budgetFor(s)): HubSpotPort {
    return new HubSpotPort(s, portalId, budget, { access: async () => accessToken, refresh: async () => accessToken });
  }

  /** The kustiq_tech_stack options of this portal, as far as this port has seen them. */
  get tech(): TechOptions {
    return (this.techOptions ??= new TechOptions(this));
  }

  private async client(bucket: Bucket, forceRefresh = false): Promise<Client> {
    if (forceRefresh) this.clients = {};
    if (!this.clients[bucket]) {
      const token = forceRefresh ? await this.tokens.refresh() : await this.tokens.access();
      this.clients[bucket] = new Client({
        accessToken: token, basePath: this.s.config.HUBSPOT_API_BASE_URL, numberOfApiCallRetries: 0,
        middleware: [{
          pre: (ctx: unknown) => ctx,
          post: (ctx: unknown) => {
            const tighter = this.budget.observe(this.portalId, bucket, (ctx as { headers?: Record<string, string> }).headers ?? {});
            if (tighter) this.s.log.warn({ portalId: this.portalId, bucket, limit: tighter.limit, windowMs: tighter.windowMs }, 'HubSpot announced a tighter rate limit for this portal; budgeting at it');
            return ctx;
          },
        }] as never,
      });
    }
    return this.clients[bucket]!;
  }

  /** Runs one HubSpot call under the budget, retrying what can be retried. Per-record errors inside a 207/400 are the caller's. */
  private async call<T>(bucket: Bucket, fn: (c: Client) => Promise<T>): Promise<T> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      await this.budget.take(this.portalId, bucket);
      const client = await this.client(bucket);
      this.tally.requests++;
      const sec = Math.floor(Date.now() / 1000);
      const perSec = this.tally.seconds.get(sec) ?? [0, 0];
      perSec[bucket === 'general' ? 0 : 1]++;
      this.tally.seconds.set(sec, perSec);
      try {
        return await fn(client);
      } catch (err) {
        const status = statusOf(err);
        const body = bodyOf(err);
        if (status === 401 && !refreshed) {
          refreshed = true;
          await this.client(bucket, true);
          continue;
        }
        if (status === 403 && /PORTAL_WRITE_LOCK|paused/i.test(`${body.subCategory ?? ''} ${body.message ?? ''}`)) {
          throw new KustiqError('ERR_PORTAL_PAUSED', `HubSpot refused writes to portal ${this.portalId}: the portal is paused or read-only`);
        }
        const retryable = status === 429 || status === 423 || status >= 500 || status === 0;
        if (!retryable || attempt >= MAX_ATTEMPTS) throw err;
        this.tally.retries++;
        if (status === 429) {
          this.tally.http429++;
          // Another client of the same portal (or a clock off by more than our margin): treat the window as spent.
          const interval = Number((err as HttpError).headers?.['x-hubspot-ratelimit-interval-milliseconds'] ?? (bucket === 'search' ? 1000 : 10_000));
          await this.budget.exhaust(this.portalId, bucket, Math.min(interval, 10_000));
          continue;
        }
        const base = status === 423 ? 2000 : 250 * 2 ** (attempt - 1);
        await sleep(Math.min(30_000, base + this.random() * base));
      }
    }
  }

  // ---- records --------------------------------------------------------------------------

  /** One page of a CRM search (HubSpot's search bucket: 5 a second). */
  async search(objectType: ObjectType, request: { filterGroups: { filters: { propertyName: string; operator: string; value: string }[] }[]; sorts: string[]; properties: string[]; limit: number; after?: string }): Promise<RecordPage> {
    const req = { ...request, after: request.after ?? '0' } as never;
    const res = await this.call('search', (c) => (objectType === 'companies' ? c.crm.companies.searchApi.doSearch(req) : c.crm.contacts.searchApi.doSearch(req)));
    const page = parse(SearchSchema, `${objectType} search`, res);
    return { total: page.total ?? null, results: page.results, next: page.paging?.next?.after ?? null };
  }

  /** One record, or null when HubSpot has none by that id (deleted or merged). */
  async getRecord(objectType: ObjectType, id: string, properties: string[]): Promise<HubSpotRecord | null> {
    try {
      const res = await this.call('general', (c) => (objectType === 'companies' ? c.crm.companies.basicApi.getById(id, properties) : c.crm.contacts.basicApi.getById(id, properties)));
      return parse(RecordSchema, `${objectType} read`, res);
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** Records by id, 100 a request; ids HubSpot no longer has are left out. */
  async batchRead(objectType: ObjectType, ids: string[], properties: string[]): Promise<HubSpotRecord[]> {
    const out: HubSpotRecord[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const inputs = ids.slice(i, i + 100).map((id) => ({ id }));
      const res = await this.call('general', (c) => (objectType === 'companies'
        ? c.crm.companies.batchApi.read({ inputs, properties, propertiesWithHistory: [] })
        : c.crm.contacts.batchApi.read({ inputs, properties, propertiesWithHistory: [] })));
      out.push(...parse(BatchSchema, `${objectType} batch read`, res).results.map((r) => ({ id: r.id, properties: r.properties ?? {} })));
    }
    return out;
  }

  /** Archives a record (tests and admin tools). */
  async archiveRecord(objectType: ObjectType, id: string): Promise<void> {
    await this.call('general', (c) => (objectType === 'companies' ? c.crm.companies.basicApi.archive(id) : c.crm.contacts.basicApi.archive(id)));
  }

  /**
   * One batch update (≤ 100 records). Archived/merged ids come back in HubSpot's 207 as
   * `gone`. A 400 that names properties HubSpot will not take (read-only, missing, another
   * type) drops them and retries the batch once without them: they are reported in
   * `refusedProperties` for the caller to stop writing for the portal. A 400 that names
   * records' values drops those records (failed) and retries once. An option of the
   * growing kustiq_tech_stack someone deleted is added back and the batch retried once.
   */
  async writeBatch(objectType: ObjectType, inputs: { id: string; properties: Values }[]): Promise<WriteOutcome> {
    const out: WriteOutcome = { written: [], gone: [], failed: [], refusedProperties: [], optionsAdded: 0 };
    if (!inputs.length) return out;
    const tech = objectType === 'companies' ? this.tech : null;
    let batch = inputs;
    if (tech) out.optionsAdded += await tech.ensure(batch.map((i) => i.properties));
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.call('general', (c) => (objectType === 'companies'
          ? c.crm.companies.batchApi.update({ inputs: batch as never })
          : c.crm.contacts.batchApi.update({ inputs: batch as never })));
        const parsed = parse(BatchSchema, `${objectType} batch update`, res);
        const ok = new Set(parsed.results.map((r) => r.id));
        const times = parsed.results.map((r) => new Date(r.updatedAt ?? NaN).getTime()).filter((t) => Number.isFinite(t));
        if (times.length) out.landed = [Math.min(...times), Math.max(...times)];
        for (const i of batch) (ok.has(i.id) ? out.written : out.gone).push(i.id);
        return out;
      } catch (err) {
        if (statusOf(err) !== 400) throw err;
        const body = bodyOf(err);
        const problems = propertyProblems(body);
        if (attempt === 0 && tech && problems.some((p) => p.error === 'INVALID_OPTION' && p.name === 'kustiq_tech_stack')) {
          // Someone edited the options since we looked: look again and retry once.
          tech.forget();
          out.optionsAdded += await tech.ensure(batch.map((i) => i.properties));
          continue;
        }
        const refused = new Map<string, RefusedProperty>();
        for (const p of problems) { const r = refusal(objectType, p); if (r) refused.set(r.name, r); }
        const badRecords = new Set(problems.filter((p) => !refused.has(p.name) && p.id).map((p) => p.id!));
        const explained = problems.length > 0 && problems.every((p) => refused.has(p.name) || (p.id && badRecords.has(p.id)));
        if (attempt < 2 && explained && (refused.size || badRecords.size)) {
          out.refusedProperties.push(...refused.values());
          for (const id of badRecords) out.failed.push({ id, code: 'hubspot_validation' });
          batch = batch.filter((i) => !badRecords.has(i.id)).map((i) => ({ id: i.id, properties: Object.fromEntries(Object.entries(i.properties).filter(([k]) => !refused.has(k))) }));
          if (!batch.length) return out;
          if (batch.every((i) => !Object.keys(i.properties).length)) {
            // Nothing HubSpot would take is left to write: these records are not written.
            const code = out.refusedProperties[0]?.code ?? 'hubspot_validation';
            for (const i of batch) out.failed.push({ id: i.id, code });
            return out;
          }
          continue;
        }
        const text = JSON.stringify(body);
        const code = /READ_ONLY|read-only|readOnly/i.test(text) ? 'ERR_PROPERTY_READONLY' : /INVALID_OPTION/.test(text) ? 'invalid_option' : 'hubspot_validation';
        for (const i of batch) out.failed.push({ id: i.id, code });
        return out;
      }
    }
  }

  // ---- lists ----------------------------------------------------------------------------

  async searchLists(query: string, offset: number, count: number): Promise<z.infer<typeof ListSearchSchema>> {
    const res = await this.call('general', (c) => c.crm.lists.listsApi.doSearch({ query, offset, count, additionalProperties: ['hs_list_size'] }));
    return parse(ListSearchSchema, 'lists search', res);
  }

  /** A list by id, or null when HubSpot has none. */
  async getList(listId: string): Promise<z.infer<typeof ListSchema> | null> {
    try {
      const res = await this.call('general', (c) => c.crm.lists.listsApi.getById(listId));
      return parse(z.object({ list: ListSchema }), 'list read', res).list;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** One page of a list's member ids (HubSpot pages memberships up to 250). */
  async listMemberships(listId: string, after: string | undefined, limit: number): Promise<{ recordIds: string[]; next: string | null }> {
    const res = await this.call('general', (c) => c.crm.lists.membershipsApi.getPage(listId, after || undefined, undefined, limit));
    const page = parse(MembershipsSchema, 'list memberships', res);
    return { recordIds: page.results.map((m) => m.recordId), next: page.paging?.next?.after ?? null };
  }

  // ---- properties -----------------------------------------------------------------------

  async propertyGroups(objectType: ObjectType): Promise<z.infer<typeof GroupSchema>[]> {
    return parse(z.object({ results: z.array(GroupSchema) }), `${objectType} property groups`, await this.call('general', (c) => c.crm.properties.groupsApi.getAll(objectType))).results;
  }

  async createPropertyGroup(objectType: ObjectType, group: { name: string; label: string; displayOrder: number }): Promise<void> {
    await this.call('general', (c) => c.crm.properties.groupsApi.create(objectType, group));
  }

  async properties(objectType: ObjectType): Promise<HubSpotProperty[]> {
    return parse(z.object({ results: z.array(PropertySchema) }), `${objectType} properties`, await this.call('general', (c) => c.crm.properties.coreApi.getAll(objectType))).results;
  }

  /** A property by name, or null when HubSpot has none. */
  async getProperty(objectType: ObjectType, name: string): Promise<HubSpotProperty | null> {
    try {
      return parse(PropertySchema, `property ${name}`, await this.call('general', (c) => c.crm.properties.coreApi.getByName(objectType, name)));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async updatePropertyOptions(objectType: ObjectType, name: string, options: { label: string; value: string; hidden?: boolean; displayOrder?: number }[]): Promise<void> {
    await this.call('general', (c) => c.crm.properties.coreApi.update(objectType, name, { options: options.map((o) => ({ hidden: false, displayOrder: 0, ...o })) }));
  }

  /**
   * Creates properties in one batch. HubSpot answers 207 when some could not be created
   * (e.g. one created meanwhile by someone else): read per property, so the caller
   * checks those again instead of failing all.
   */
  async createProperties(objectType: ObjectType, inputs: Record<string, unknown>[]): Promise<{ created: string[]; refused: { name: string; category: string; message: string }[] }> {
    const res = await this.call('general', (c) => c.crm.properties.batchApi.create(objectType, { inputs: inputs as never }));
    const parsed = parse(z.object({
      results: z.array(z.object({ name: z.string() })),
      errors: z.array(z.object({ category: z.string().optional(), message: z.string().optional(), context: z.record(z.string(), z.array(z.string())).optional() })).optional(),
    }), `${objectType} property batch create`, res);
    const refused = (parsed.errors ?? []).flatMap((e) => (e.context?.name ?? []).map((name) => ({ name, category: e.category ?? 'ERROR', message: e.message ?? '' })));
    return { created: parsed.results.map((r) => r.name), refused };
  }

  // ---- account ----------------------------------------------------------------------------

  async accountDetails(): Promise<AccountDetails> {
    const res = await this.call('general', async (c) => {
      const r = await c.apiRequest({ method: 'GET', path: '/account-info/v3/details' });
      if (!r.ok) throw Object.assign(new Error(`account details answered ${r.status}`), { code: r.status, body: await r.text().catch(() => '') });
      return r.json();
    });
    return parse(AccountSchema, 'account details', res);
  }
}

/** Revokes a refresh token through OAuth v1 (the fallback until HubSpot's 2027-02-16 sunset): no portal budget, no access token. */
export async function archiveRefreshTokenV1(baseUrl: string, refreshToken: string): Promise<void> {
  await new Client({ basePath: baseUrl }).oauth.refreshTokensApi.archive(refreshToken);
}
