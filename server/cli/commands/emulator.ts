import type { Command } from 'commander';
import { startEmulator } from '../../../emulator/server';
import { emit, intOption, untilSignal } from '../output';

/** `kustiq emulator`: the local HubSpot alone (interfaces.md §4). */
export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description('run the local HubSpot emulator (OAuth, CRM v3, properties, search, webhooks, rate limits, faults)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', intOption('port', 0, 65535), 0)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--companies <n>', 'companies to seed into the default portal', intOption('companies', 0, 1_000_000), 0)
    .option('--contacts <n>', 'contacts to seed into the default portal', intOption('contacts', 0, 3_000_000), 0)
    .option('--client-id <id>', 'OAuth client id of the registered app')
    .option('--client-secret <secret>', 'OAuth client secret of the registered app')
    .option('--webhook-url <url>', "where HubSpot webhook batches are sent (the backend's /hubspot/webhooks)")
    .option('--no-rate-limit', 'turn HubSpot rate limits off')
    .option('--json', 'print one JSON line when ready')
    .action(async (opts) => {
      const emu = await startEmulator({
        port: opts.port, host: opts.host, companies: opts.companies, contacts: opts.contacts,
        clientId: opts.clientId, clientSecret: opts.clientSecret, webhookTargetUrl: opts.webhookUrl,
      });
      if (opts.rateLimit === false) emu.state.settings.rateLimit.enabled = false;
      const ready = { url: emu.url, portalId: emu.portalId, clientId: emu.clientId, clientSecret: emu.clientSecret };
      emit(!!opts.json, ready, () =>
        [
          `Local HubSpot listening on ${emu.url}`,
          `  portal ${emu.portalId}: ${opts.companies} companies, ${opts.contacts} contacts`,
          `  OAuth app client_id ${emu.clientId}`,
          `  admin API: ${emu.url}/_emulator/   (Ctrl-C to stop)`,
        ].join('\n'),
      );
      await untilSignal();
      await emu.close();
    });
}
