import { randomBytes } from 'node:crypto';
import { Clock } from './clock';
import { DEFAULT_GROUPS, defaultCompanyProperties, defaultContactProperties } from './default-properties';

export type ObjectType = 'companies' | 'contacts';
export const OBJECT_TYPES: ObjectType[] = ['companies', 'contacts'];
export const OBJECT_TYPE_IDS: Record<ObjectType, string> = { contacts: '0-1', companies: '0-2' };
/** Singular names used in webhook subscriptions and association types. */
export const SINGULAR: Record<ObjectType, string> = { companies: 'company', contacts: 'contact' };

export function parseObjectType(raw: string): ObjectType | null {
  const t = raw.toLowerCase();
  if (t === 'companies' || t === 'company' || t === '0-2') return 'companies';
  if (t === 'contacts' || t === 'contact' || t === '0-1') return 'contacts';
  return null;
}

export interface PropertyOption {
  label: string;
  value: string;
  hidden: boolean;
  displayOrder?: number;
  description?: string;
}

export interface PropertyDef {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  description: string;
  groupName: string;
  options: PropertyOption[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined?: boolean;
  formField: boolean;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

export interface CrmRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
  /** Search sees `indexedProperties` until `indexAt` (HubSpot's search-index delay). */
  indexAt: number;
  indexedProperties: Record<string, string> | null;
}

export class ObjectStore {
  readonly records = new Map<string, CrmRecord>();
  /** Ascending by id (ids only grow), so `after` paging is a binary search. */
  readonly order: CrmRecord[] = [];
  nextId: number;
  constructor(firstId: number) {
    this.nextId = firstId;
  }
  insert(rec: CrmRecord): void {
    this.records.set(rec.id, rec);
    this.order.push(rec);
  }
  get(id: string): CrmRecord | undefined {
    const r = this.records.get(id);
    return r && !r.archived ? r : undefined;
  }
  /** Index of the first record with id > after. */
  indexAfter(after: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Number(this.order[mid]!.id) <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  get size(): number {
    let n = 0;
    for (const r of this.order) if (!r.archived) n++;
    return n;
  }
}

export interface Association {
  /** contact id → company ids (typeId 1 primary, 279 unlabeled); mirrored for companies. */
  contactToCompanies: Map<string, Map<string, Set<number>>>;
  companyToContacts: Map<string, Map<string, Set<number>>>;
}

export interface HubSpotList {
  listId: string;
  name: string;
  objectTypeId: string;
  processingType: 'MANUAL' | 'DYNAMIC' | 'SNAPSHOT';
  createdAt: number;
  updatedAt: number;
  members: { recordId: string; membershipTimestamp: number }[];
}

export type FaultKind = 'latency' | 'http5xx' | 'http429' | 'drop' | 'http423';
export interface Fault {
  id: number;
  kind: FaultKind;
  /** How many requests it still hits; Infinity until cleared. */
  remaining: number;
  status?: number;
  latencyMs?: number;
  /** Only requests whose path starts with this (e.g. `/crm/v3/objects/companies/batch/update`). */
  pathPrefix?: string;
  methods?: string[];
}

export interface Portal {
  portalId: number;
  timeZone: string;
  dataHostingLocation: string;
  uiDomain: string;
  accountType: 'STANDARD' | 'DEVELOPER_TEST' | 'SANDBOX' | 'APP_DEVELOPER';
  companyCurrency: string;
  hubDomain: string;
  objects: Record<ObjectType, ObjectStore>;
  properties: Record<ObjectType, Map<string, PropertyDef>>;
  groups: Record<ObjectType, Map<string, PropertyGroup>>;
  associations: Association;
  lists: Map<string, HubSpotList>;
  nextListId: number;
  faults: Fault[];
  /** Trial-paused portal: HubSpot refuses every write. */
  paused: boolean;
  users: { id: number; email: string }[];
}

export interface AppRegistration {
  appId: number;
  clientId: string;
  clientSecret: string;
  /** Where webhook batches go; from webhooks-hsmeta.json unless overridden. */
  webhookTargetUrl: string | null;
  subscriptions: WebhookSubscription[];
  /** The scopes of the app's config (app-hsmeta.json `auth`): what its install URL asks for. */
  scopes: { required: string[]; optional: string[] };
}

export interface WebhookSubscription {
  id: number;
  subscriptionType: string;
  objectType: 'company' | 'contact';
  propertyName?: string;
  active: boolean;
}

export interface Installation {
  portalId: number;
  appId: number;
  scopes: string[];
  installed: boolean;
  userId: number;
}

export interface TokenRecord {
  token: string;
  kind: 'access' | 'refresh';
  portalId: number;
  appId: number;
  clientId: string;
  userId: number;
  userEmail: string;
  scopes: string[];
  /** access tokens only */
  expiresAt?: number;
  revoked: boolean;
}

export interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  portalId: number;
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

export interface EmulatorSettings {
  rateLimit: { enabled: boolean; max: number; windowMs: number; searchPerSecond: number };
  /** Delay before a write becomes visible to search. */
  searchDelayMs: number;
  accessTokenTtlSeconds: number;
  /** What the next authorize call grants: scopes withheld, or an error redirect. */
  nextGrant: { withhold: string[]; error?: string; errorDescription?: string; portalId?: number } | null;
  webhooks: { retryDelaysMs: number[]; batchWindowMs: number; timeoutMs: number };
  requestLogLimit: number;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  rateLimit: { enabled: true, max: 110, windowMs: 10_000, searchPerSecond: 5 },
  searchDelayMs: 0,
  accessTokenTtlSeconds: 1800,
  nextGrant: null,
  webhooks: { retryDelaysMs: [1000, 2000, 4000, 8000, 16000], batchWindowMs: 50, timeoutMs: 5000 },
  requestLogLimit: 200_000,
};

export function newToken(prefix: string): string {
  // HubSpot tokens look like `CJ…` base64 blobs for access and `na1-…` uuids for refresh.
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

export class EmulatorState {
  readonly clock = new Clock();
  readonly portals = new Map<number, Portal>();
  readonly apps = new Map<string, AppRegistration>();
  readonly installations = new Map<string, Installation>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly codes = new Map<string, AuthCode>();
  settings: EmulatorSettings = structuredClone(DEFAULT_SETTINGS);
  defaultPortalId = 0;
  private nextPortalId = 24_000_001;
  private nextFaultId = 1;

  createPortal(opts: Partial<Pick<Portal, 'portalId' | 'timeZone' | 'dataHostingLocation' | 'uiDomain' | 'companyCurrency' | 'accountType'>> = {}): Portal {
    const portalId = opts.portalId ?? this.nextPortalId++;
    if (this.portals.has(portalId)) throw new Error(`portal ${portalId} exists`);
    const eu = (opts.dataHostingLocation ?? 'na1').startsWith('eu');
    const portal: Portal = {
      portalId,
      timeZone: opts.timeZone ?? (eu ? 'Europe/Berlin' : 'US/Eastern'),
      dataHostingLocation: opts.dataHostingLocation ?? 'na1',
      uiDomain: opts.uiDomain ?? (eu ? 'app-eu1.hubspot.com' : 'app.hubspot.com'),
      accountType: opts.accountType ?? 'STANDARD',
      companyCurrency: opts.companyCurrency ?? (eu ? 'EUR' : 'USD'),
      hubDomain: `portal-${portalId}.hubspot.com`,
      objects: { companies: new ObjectStore(1_000_001), contacts: new ObjectStore(5_000_001) },
      properties: {
        companies: new Map(defaultCompanyProperties().map((p) => [p.name, p])),
        contacts: new Map(defaultContactProperties().map((p) => [p.name, p])),
      },
      groups: {
        companies: new Map(DEFAULT_GROUPS.companies.map((g) => [g.name, { ...g }])),
        contacts: new Map(DEFAULT_GROUPS.contacts.map((g) => [g.name, { ...g }])),
      },
      associations: { contactToCompanies: new Map(), companyToContacts: new Map() },
      lists: new Map(),
      nextListId: 1,
      faults: [],
      paused: false,
      users: [{ id: 7_000_001, email: 'admin@portal.example' }],
    };
    this.portals.set(portalId, portal);
    if (!this.defaultPortalId) this.defaultPortalId = portalId;
    return portal;
  }

  portal(portalId: number): Portal {
    const p = this.portals.get(portalId);
    if (!p) throw new Error(`no portal ${portalId}`);
    return p;
  }

  registerApp(app: Omit<AppRegistration, 'subscriptions' | 'webhookTargetUrl' | 'scopes'> & Partial<AppRegistration>): AppRegistration {
    const full: AppRegistration = { webhookTargetUrl: null, subscriptions: [], scopes: { required: [], optional: [] }, ...app };
    this.apps.set(full.clientId, full);
    return full;
  }

  appById(appId: number): AppRegistration | undefined {
    for (const a of this.apps.values()) if (a.appId === appId) return a;
    return undefined;
  }

  installation(portalId: number, appId: number): Installation | undefined {
    return this.installations.get(`${portalId}:${appId}`);
  }

  install(portalId: number, appId: number, scopes: string[], userId: number): Installation {
    const key = `${portalId}:${appId}`;
    // A (re)install grants what this consent granted; narrower consent narrows the grant.
    const inst: Installation = { portalId, appId, scopes: [...scopes], installed: true, userId };
    this.installations.set(key, inst);
    return inst;
  }

  /** Uninstall, or an admin revoking everything: every token of the app on the portal dies. */
  revokeAll(portalId: number, appId?: number): number {
    let n = 0;
    for (const t of this.tokens.values()) {
      if (t.portalId === portalId && (appId === undefined || t.appId === appId) && !t.revoked) {
        t.revoked = true;
        n++;
      }
    }
    return n;
  }

  addFault(portalId: number, f: Omit<Fault, 'id' | 'remaining'> & { count?: number }): Fault {
    const { count, ...rest } = f;
    const fault: Fault = { ...rest, id: this.nextFaultId++, remaining: count ?? Number.POSITIVE_INFINITY };
    this.portal(portalId).faults.push(fault);
    return fault;
  }
}
