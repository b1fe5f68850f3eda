import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  /** The route template, e.g. `POST /crm/v3/objects/:objectType/batch/update`. */
  endpoint: string;
  status: number;
  ms: number;
  portalId: number | null;
}

/** Every request to HubSpot's API surface (not the admin API), with per-endpoint counts. */
export class RequestLog {
  entries: RequestLogEntry[] = [];
  counts = new Map<string, number>();
  total = 0;
  http429 = 0;
  constructor(private readonly limit: () => number) {}

  middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (req.path.startsWith('/_emulator')) return next();
    this.track(req, res, req.path, () => {
      const route = (req as Request & { route?: { path?: string } }).route?.path;
      return `${req.method} ${route ? `${req.baseUrl}${route}` : req.path}`;
    });
    next();
  };

  /** Records the request when its response closes; `endpoint` names the route template. */
  track(req: IncomingMessage, res: ServerResponse, path: string, endpoint: () => string): void {
    const started = performance.now();
    // 'close' fires for finished and for dropped responses alike; a dropped one logs status 0.
    res.once('close', () => this.record(req.method ?? 'GET', path, endpoint(), res, started, res.writableFinished ? res.statusCode : 0));
  }

  private record(method: string, path: string, endpoint: string, res: ServerResponse, started: number, status: number) {
    const e: RequestLogEntry = {
      at: Date.now(), method, path, endpoint, status,
      ms: Math.round((performance.now() - started) * 100) / 100, portalId: (res as ServerResponse & { portalId?: number }).portalId ?? null,
    };
    this.total++;
    if (status === 429) this.http429++;
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1);
    this.entries.push(e);
    if (this.entries.length > this.limit()) this.entries.splice(0, this.entries.length - this.limit());
  }

  stats(portalId?: number) {
    const entries = portalId === undefined ? this.entries : this.entries.filter((e) => e.portalId === portalId);
    const byEndpoint: Record<string, { count: number; http429: number; p50Ms: number; maxMs: number }> = {};
    const grouped = new Map<string, RequestLogEntry[]>();
    for (const e of entries) {
      let g = grouped.get(e.endpoint);
      if (!g) grouped.set(e.endpoint, (g = []));
      g.push(e);
    }
    for (const [k, g] of grouped) {
      const ms = g.map((e) => e.ms).sort((a, b) => a - b);
      byEndpoint[k] = { count: g.length, http429: g.filter((e) => e.status === 429).length, p50Ms: ms[Math.floor(ms.length / 2)] ?? 0, maxMs: ms[ms.length - 1] ?? 0 };
    }
    return {
      total: portalId === undefined ? this.total : entries.length,
      http429: portalId === undefined ? this.http429 : entries.filter((e) => e.status === 429).length,
      byEndpoint,
    };
  }

  reset(): void {
    this.entries = [];
    this.counts.clear();
    this.total = 0;
    this.http429 = 0;
  }
}
