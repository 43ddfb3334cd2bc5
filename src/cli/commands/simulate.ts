import type { Command } from 'commander';
import { ConfigError, BreakevenError, errorMessage } from '../../errors.ts';
import { runCommand, withGlobalOptions } from '../output.ts';

interface SimulateOptions {
  portBase: string;
  scenario: string;
  config?: string;
  json?: boolean;
}

/**
 * `breakeven simulate [--port-base N] [--scenario demo]`: the demo's source simulators in the
 * foreground on fixed ports, so `worker`, `backfill` and every `ingest` can be pointed at them
 * with a few exported variables. SIGINT/SIGTERM close them and exit 0.
 */
export function registerSimulate(program: Command): void {
  withGlobalOptions(
    program
      .command('simulate')
      .description('run the built-in simulators of every source on 127.0.0.1, ports N..N+4 (default 4010–4014), and print the environment that points breakeven at them; Ctrl-C stops them')
      .option('--port-base <n>', 'port of the first simulator; the others follow it', '4010')
      .option('--scenario <name>', 'the company the simulators play (demo: the one breakeven.config.example.yaml describes)', 'demo'),
  ).action((opts: SimulateOptions) =>
    runCommand(opts, async (io) => {
      const [{ SIMULATORS, SCENARIOS, startAllSimulators }, { systemClock }, { EXAMPLE_CONFIG_PATH }] = await Promise.all([
        import('../../simulators/start-all.ts'),
        import('../../clock.ts'),
        import('../../config/load.ts'),
      ]);
      const portBase = Number(opts.portBase);
      const last = portBase + SIMULATORS.length - 1;
      if (!Number.isInteger(portBase) || portBase < 1024 || last > 65535) {
        throw new ConfigError(`--port-base must be a whole number from 1024 to ${65535 - SIMULATORS.length + 1} (${SIMULATORS.length} simulators take consecutive ports), got "${opts.portBase}"`);
      }
      if (!(SCENARIOS as readonly string[]).includes(opts.scenario)) {
        throw new ConfigError(`--scenario: unknown scenario "${opts.scenario}"; expected one of ${SCENARIOS.join(', ')}`);
      }
      let sims: Awaited<ReturnType<typeof startAllSimulators>>;
      try {
        sims = await startAllSimulators({ clock: systemClock, portBase });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'EADDRINUSE') throw new BreakevenError(`a port from ${portBase} to ${last} is already in use (another \`breakeven simulate\`?): stop it or pass --port-base`);
        throw err;
      }
      // The simulated data is the demo company's: the example config's features, rules and deployments.
      const env = { ...sims.env, BREAKEVEN_CONFIG: EXAMPLE_CONFIG_PATH };
      if (io.json) {
        process.stdout.write(`${JSON.stringify({ scenario: opts.scenario, servers: sims.servers, env })}\n`);
      } else {
        io.print(`# breakeven simulators, scenario "${opts.scenario}" (fake credentials only; nothing leaves this machine):`);
        for (const s of sims.servers) io.print(`#   ${s.name.padEnd(11)} ${s.url}`);
        io.print('# In another terminal, export these (the config is the company the simulators play):');
        for (const [k, v] of Object.entries(env)) io.print(`export ${k}=${shellQuote(v)}`);
      }
      io.note(`simulators running on 127.0.0.1:${portBase}–${last}; Ctrl-C stops them`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      try {
        await sims.close();
      } catch (err) {
        throw new BreakevenError(`stopping the simulators: ${errorMessage(err)}`);
      }
      io.note(`simulators stopped (${signal})`);
      return undefined;
    }),
  );
}

/** A value safe to paste after `export K=` in a POSIX shell. */
function shellQuote(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}
