#!/usr/bin/env node
// The `kustiq` command. Sources are TypeScript, run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli/main.ts');
const code = await main(process.argv);
// Exit explicitly: open handles (pools, timers) must not keep a finished command alive,
// and the loader thread would otherwise drop the exit status. Flush stdout first.
process.stdout.write('', () => process.exit(code));
