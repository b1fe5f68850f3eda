import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse, serialize } from 'cookie';
import type { Knex } from 'knex';
import type { NextFunction, Request, Response } from 'express';
import { sha256 } from '../install/secrets';

/** Signed, HttpOnly, SameSite=Lax cookies: the session and the OAuth browser nonce. */
export const SESSION_COOKIE = 'kustiq_session';
export const OAUTH_COOKIE = 'kustiq_oauth';

export interface SessionInfo {
  userId: string;
  workspaceId: string;
  email: string;
  csrf: string;
}

export class Cookies {
  constructor(private readonly secret: string, private readonly secure: boolean) {}

  private sign(value: string): string {
    return `${value}.${createHmac('sha256', this.secret).update(value).digest('base64url')}`;
  }

  unsign(signed: string | undefined): string | null {
    if (!signed) return null;
    const i = signed.lastIndexOf('.');
    if (i <= 0) return null;
    const value = signed.slice(0, i);
    const expected = Buffer.from(this.sign(value));
    const got = Buffer.from(signed);
    return expected.length === got.length && timingSafeEqual(expected, got) ? value : null;
  }

  read(req: Request, name: string): string | null {
    return this.unsign(parse(req.headers.cookie ?? '')[name]);
  }

  set(res: Response, name: string, value: string, maxAgeSeconds: number): void {
    res.append('Set-Cookie', serialize(name, this.sign(value), { httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/', maxAge: maxAgeSeconds }));
  }

  clear(res: Response, name: string): void {
    res.append('Set-Cookie', serialize(name, '', { httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/', maxAge: 0 }));
  }

  csrfFor(sessionId: string): string {
    return createHmac('sha256', this.secret).update(`csrf:${sessionId}`).digest('base64url');
  }
}

/**
 * A session's access is re-checked at least this often: a session last checked longer ago
 * than this is ended unless its workspace is still connected to the HubSpot portal its user
 * signed in through and the user is still one of the workspace's users. (A disconnect ends
 * every session of the workspace at once: install/connection.ts.)
 */
export const SESSION_RECHECK_MS = 24 * 3_600_000;

/** Why the browser's session ended on this request (the login page says so). */
export type SessionEnded = 'check';

export function sessionMiddleware(knex: Knex, cookies: Cookies) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = cookies.read(req, SESSION_COOKIE);
    if (id) {
      const idHash = sha256(id);
      const row = await knex('sessions')
        .join('users', function () { this.on('users.id', 'sessions.user_id').andOn('users.workspace_id', 'sessions.workspace_id'); })
        .leftJoin('hubspot_connections as c', 'c.workspace_id', 'sessions.workspace_id')
        .where('sessions.id_hash', idHash)
        .where('sessions.expires_at', '>', knex.fn.now())
        .first('sessions.user_id', 'sessions.workspace_id', 'users.email', 'sessions.verified_at', 'sessions.portal_id', 'c.status as connection_status', 'c.portal_id as connection_portal');
      let ok = !!row;
      if (row && new Date(row.verified_at).getTime() < Date.now() - SESSION_RECHECK_MS) {
        ok = row.connection_status === 'connected' && row.portal_id !== null && String(row.connection_portal) === String(row.portal_id);
        if (ok) await knex('sessions').where({ id_hash: idHash }).update({ verified_at: knex.fn.now() });
        else {
          await knex('sessions').where({ id_hash: idHash }).delete();
          cookies.clear(res, SESSION_COOKIE);
          res.locals.sessionEnded = 'check' satisfies SessionEnded;
        }
      }
      if (row && ok) res.locals.session = { userId: row.user_id, workspaceId: row.workspace_id, email: row.email, csrf: cookies.csrfFor(id) } satisfies SessionInfo;
    }
    next();
  };
}

export function currentSession(res: Response): SessionInfo | null {
  return (res.locals.session as SessionInfo | undefined) ?? null;
}
