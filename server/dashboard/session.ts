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

export function sessionMiddleware(knex: Knex, cookies: Cookies) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = cookies.read(req, SESSION_COOKIE);
    if (id) {
      const row = await knex('sessions')
        .join('users', 'users.id', 'sessions.user_id')
        .where('sessions.id_hash', sha256(id))
        .where('sessions.expires_at', '>', knex.fn.now())
        .first('sessions.user_id', 'sessions.workspace_id', 'users.email');
      if (row) res.locals.session = { userId: row.user_id, workspaceId: row.workspace_id, email: row.email, csrf: cookies.csrfFor(id) } satisfies SessionInfo;
    }
    next();
  };
}

export function currentSession(res: Response): SessionInfo | null {
  return (res.locals.session as SessionInfo | undefined) ?? null;
}
