import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Validates responses against HubSpot's own OpenAPI specs (test/contracts/openapi),
 * strictly: an object schema that lists its properties admits no others, so the
 * emulator cannot invent fields. One documented deviation: CRM property values may be
 * null, because the live API returns requested-but-empty properties as null while the
 * spec types them as plain strings; HubSpot's error bodies carry `status` (and, on
 * OAuth and 429s, a few more named fields) that the Error schema leaves out; and token
 * introspection answers an inactive token with `{active:false}` alone (RFC 7662 §2.2),
 * where the spec documents only the answers for live tokens.
 */
const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../contracts/openapi');

type Json = Record<string, any>;

function tighten(schema: unknown): void {
  if (Array.isArray(schema)) return schema.forEach(tighten);
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Json;
  if (s.properties && typeof s.properties === 'object') {
    if (Object.keys(s.properties).length && s.additionalProperties === undefined && !s.oneOf && !s.anyOf && !s.allOf) {
      s.additionalProperties = false;
    }
    for (const [name, sub] of Object.entries(s.properties as Json)) {
      if (name === 'properties' && sub?.type === 'object' && sub.additionalProperties?.type === 'string') sub.additionalProperties.nullable = true;
      tighten(sub);
    }
  }
  for (const k of ['items', 'additionalProperties', 'oneOf', 'anyOf', 'allOf', 'not']) tighten(s[k]);
}

function tightenSpec(spec: Json): void {
  // The live API's error bodies carry fields the Error schema omits: `status: "error"`
  // everywhere, RFC 6749 `error`/`error_description` on OAuth, and the rate-limit fields.
  const err = spec.components?.schemas?.Error as Json | undefined;
  if (err?.properties) {
    for (const k of ['status', 'error', 'error_description', 'errorType', 'policyName', 'requestId']) err.properties[k] = { type: 'string' };
  }
  const introspection = spec.components?.schemas?.TokenInfoResponseBaseIF as Json | undefined;
  if (introspection?.oneOf) {
    introspection.oneOf.push({ type: 'object', required: ['active'], properties: { active: { type: 'boolean', enum: [false] } }, additionalProperties: false });
  }
  for (const schema of Object.values((spec.components?.schemas ?? {}) as Json)) tighten(schema);
  for (const ops of Object.values((spec.paths ?? {}) as Json)) {
    for (const op of Object.values(ops as Json)) {
      for (const resp of Object.values(((op as Json)?.responses ?? {}) as Json)) {
        for (const media of Object.values(((resp as Json)?.content ?? {}) as Json)) tighten((media as Json).schema);
      }
    }
  }
}

interface Route { spec: string; method: string; template: string; re: RegExp; params: number }

export class ContractValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly routes: Route[] = [];
  private readonly cache = new Map<string, ValidateFunction>();
  readonly specs = new Map<string, Json>();

  constructor() {
    addFormats(this.ajv);
    for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
      const id = file.replace(/\.json$/, '');
      const spec = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Json;
      tightenSpec(spec);
      spec.$id = id;
      this.ajv.addSchema(spec, id);
      this.specs.set(id, spec);
      for (const [template, ops] of Object.entries(spec.paths as Json)) {
        for (const method of Object.keys(ops as Json)) {
          if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
          const params = (template.match(/\{[^}]+\}/g) ?? []).length;
          const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+').replace(/\/$/, '')}/?$`);
          this.routes.push({ spec: id, method: method.toUpperCase(), template, re, params });
        }
      }
    }
  }

  /** The spec operation a request hits: literal segments beat path parameters. */
  route(method: string, pathname: string): Route | undefined {
    return this.routes
      .filter((r) => r.method === method && r.re.test(pathname))
      .sort((a, b) => a.params - b.params || b.template.length - a.template.length)[0];
  }

  /** Returns a list of problems (empty when the response conforms). */
  check(method: string, pathname: string, status: number, body: unknown): string[] {
    const route = this.route(method, pathname);
    if (!route) return [`no operation in the specs for ${method} ${pathname}`];
    const op = (this.specs.get(route.spec)!.paths as Json)[route.template][route.method.toLowerCase()] as Json;
    const key = op.responses[String(status)] ? String(status) : op.responses.default ? 'default' : null;
    if (!key) return [`${route.spec} ${method} ${route.template} documents no ${status} response`];
    let resp = op.responses[key] as Json;
    let pointer = `#/paths/${route.template.replace(/~/g, '~0').replace(/\//g, '~1')}/${route.method.toLowerCase()}/responses/${key}`;
    if (resp.$ref) {
      pointer = resp.$ref as string;
      resp = this.specs.get(route.spec)!.components.responses[(resp.$ref as string).split('/').pop()!];
    }
    const ct = resp.content ? Object.keys(resp.content)[0] : undefined;
    if (!ct) return body === undefined || body === '' ? [] : [`${status} should have no body`];
    const ref = `${route.spec}${pointer}/content/${ct.replace(/~/g, '~0').replace(/\//g, '~1')}/schema`;
    let validate = this.cache.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref.replace(/[{}]/g, encodeURIComponent) });
      this.cache.set(ref, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${route.spec} ${method} ${route.template} ${status}: ${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : ''}`);
  }
}
