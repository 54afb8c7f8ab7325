import { parseArgs } from 'node:util';
import { openBackends } from '../compose.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { DIRECTORY_PLUGINS } from '../connectors.ts';
import { adminAdd, adminList, adminRemove } from './admin-role.ts';
import { clientAdd } from './client-add.ts';
import { CliError, type Command } from './command.ts';
import { createCommandContext } from './context.ts';
import { keysRotate } from './keys-rotate.ts';
import { userAdd } from './user-add.ts';

const commands: Record<string, Command> = {
  'user add': userAdd,
  'client add': clientAdd,
  'keys rotate': keysRotate,
  'admin add': adminAdd,
  'admin remove': adminRemove,
  'admin list': adminList,
};

const usage = `Usage: admit <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  admit ${name.padEnd(12)} ${command.summary}`)
  .join('\n')}

Run \`admit <command> --help\` for a command's options. admit reads the same
configuration and store as the server: ADMIT_CONFIG, ADMIT_STORE, ADMIT_SECRET.
`;

async function main(argv: string[]): Promise<number> {
  const name = argv.slice(0, 2).join(' ');
  const command = commands[name];
  if (!command) {
    const asked = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
    (asked ? process.stdout : process.stderr).write(asked ? usage : `admit: unknown command "${argv.join(' ')}"\n\n${usage}`);
    return asked ? 0 : 2;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv.slice(2), options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`admit ${name}: ${(error as Error).message}\n\n${command.help}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  const config = loadConfig(DIRECTORY_PLUGINS);
  const { store, masterSecret } = await openBackends(config);
  try {
    const output = await command.run(values, createCommandContext(config, store, masterSecret));
    process.stdout.write(`${output}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof CliError || error instanceof ConfigError;
    process.stderr.write(`admit: ${known ? (error as Error).message : `failed: ${(error as Error).message}`}\n`);
    process.exit(1);
  },
);
