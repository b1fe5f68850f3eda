import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The demo's own app credentials and keys, made once and kept in the data dir (git-ignored)
 * so tokens stored by one demo run still decrypt in the next. Never used outside the demo.
 */
export interface DemoSecrets {
  clientId: string;
  clientSecret: string;
  encryptionKeys: string;
  sessionSecret: string;
}

export function demoSecrets(dataDir: string): DemoSecrets {
  const file = path.join(dataDir, 'demo-secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as DemoSecrets;
  const secrets: DemoSecrets = {
    clientId: `kustiq-demo-${randomBytes(4).toString('hex')}`,
    clientSecret: randomBytes(24).toString('hex'),
    encryptionKeys: `demo1:${randomBytes(32).toString('base64')}`,
    sessionSecret: randomBytes(32).toString('hex'),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
