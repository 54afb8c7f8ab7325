import { composeAdmit } from './compose.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { DIRECTORY_PLUGINS } from './connectors.ts';
import { ensureDemoUser } from './demo-user.ts';
import { createLogger } from './logger.ts';
import { serve } from './serve.ts';

/** admit's entry point: read the config, compose, listen, and stop cleanly on SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig(DIRECTORY_PLUGINS);
  const logger = createLogger(config.logging.level);
  const admit = await composeAdmit(config, logger);
  const demo = await ensureDemoUser(config, admit.store);
  const server = await serve(admit, config, logger);
  printWelcome(config.server.issuer, demo);

  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await server.shutdown(config.server.shutdownGraceSeconds * 1000);
    await admit.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

function printWelcome(issuer: string, demo: Awaited<ReturnType<typeof ensureDemoUser>>): void {
  const lines = [
    '',
    `admit is ready at ${issuer}`,
    `  discovery: ${issuer}/.well-known/openid-configuration`,
    '  sample relying application: run `npm run example:rp` and open http://localhost:3001',
  ];
  if (demo?.password) lines.push(`  demo sign-in: User Name "${demo.username}", Password "${demo.password}", Log on to "${demo.site}" (shown once)`);
  else if (demo)
    lines.push(
      `  demo sign-in: User Name "${demo.username}" on "${demo.site}" (its password was printed at first start; or add a user with \`npx admit user add\`)`,
    );
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `admit could not start: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
