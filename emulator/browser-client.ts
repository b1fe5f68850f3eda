/**
 * A browser-like HTTP client for flows that bounce between the backend and HubSpot
 * (OAuth install): follows redirects by hand and keeps the backend's cookies. Used by
 * tests and by `kustiq demo` to connect the demo portal without a real browser.
 */
export class Browser {
  cookies = new Map<string, string>();
  setCookieHeaders: string[] = [];
  constructor(private readonly backendUrl: string) {}

  private cookieHeader(url: URL): Record<string, string> {
    if (!url.toString().startsWith(this.backendUrl) || !this.cookies.size) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url, this.backendUrl);
    const res = await fetch(u, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...this.cookieHeader(u) } });
    for (const c of res.headers.getSetCookie()) {
      this.setCookieHeaders.push(c);
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/max-age=0/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follows 3xx like a browser; returns the final response and every URL visited. */
  async go(url: string, init: RequestInit = {}): Promise<{ res: Response; visited: string[]; body: string }> {
    const visited: string[] = [];
    let res = await this.request(url, init);
    visited.push(new URL(url, this.backendUrl).toString());
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) {
      const next = new URL(res.headers.get('location')!, visited[visited.length - 1]).toString();
      visited.push(next);
      res = await this.request(next);
    }
    return { res, visited, body: await res.text() };
  }
}

