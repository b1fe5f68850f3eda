import { afterAll, beforeAll } from 'vitest';
import { EmulatorAdmin, oauthConnect, type TokenSet } from '../../emulator/client';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator/server';

export interface EmulatorFixture {
  emu: RunningEmulator;
  admin: EmulatorAdmin;
  token: TokenSet;
  /** Calls HubSpot's API on the emulator with the fixture's token. */
  api: (method: string, path: string, body?: unknown, token?: string) => Promise<{ status: number; headers: Headers; body: any }>;
}

/** An in-process emulator for one test file, with an installed app and its token. */
export function useEmulator(opts: EmulatorOptions = {}, connect: { scopes?: string[]; optionalScopes?: string[] } = {}): EmulatorFixture {
  const fx = {} as EmulatorFixture;
  beforeAll(async () => {
    fx.emu = await startEmulator(opts);
    fx.admin = new EmulatorAdmin(fx.emu.url);
    fx.token = await oauthConnect(fx.emu.url, fx.emu, connect);
    fx.api = async (method, path, body, token) => {
      const res = await fetch(new URL(path, fx.emu.url), {
        method,
        headers: { authorization: `Bearer ${token ?? fx.token.access_token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    };
  });
  afterAll(async () => {
    await fx.emu?.close();
  });
  return fx;
}
