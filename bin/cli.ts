#!/usr/bin/env node
/**
 * `xmpp-s3-upload`: the local stack, the component bridge and the operator commands.
 * Each command lives in its own module and returns its exit code. Installed, this file runs as
 * `dist/bin/cli.js` with plain node; in a clone, `npm run cli --` runs it through tsx.
 */
import { EXIT, printError } from './cli-common.ts';

type Command = (argv: string[], env: NodeJS.ProcessEnv) => Promise<number>;

/** The local stack's embedded S3 and DynamoDB are development dependencies: an installed package has neither. */
const needsClone: Command = async () => {
  printError(
    '"local" runs from a clone of the xmpp-s3-upload repository, not from the installed package: its embedded S3 and ' +
      'DynamoDB (s3rver, dynalite) are development dependencies. In a clone: npm start',
  );
  return EXIT.usage;
};

async function loadLocal(): Promise<Command> {
  try {
    return (await import('../local/stack-command.ts')).runLocal;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return needsClone;
    throw error;
  }
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  local: { summary: 'run the local stack (slot endpoint, strict embedded S3 and DynamoDB; in a clone)', load: loadLocal },
  component: { summary: 'run the XEP-0114 component bridge', load: async () => (await import('./component-command.ts')).runComponent },
  slot: { summary: 'request a slot and print its PUT and GET URLs', load: async () => (await import('./slot-command.ts')).runSlot },
  upload: {
    summary: 'upload a file through a slot, with progress, and verify it',
    load: async () => (await import('./upload-command.ts')).runUpload,
  },
  info: { summary: "show the service's limits", load: async () => (await import('./info-command.ts')).runInfo },
  doctor: {
    summary: 'check a deployment (or the local stack) end to end: slot, PUT, GET, HEAD, CORS',
    load: async () => (await import('./doctor-command.ts')).runDoctor,
  },
  quota: { summary: 'show or reset the quota of a JID', load: async () => (await import('./quota-command.ts')).runQuota },
  files: {
    summary: 'who uploaded a file, list, delete (takedown) or purge the files of a JID',
    load: async () => (await import('./files-command.ts')).runFiles,
  },
};

const USAGE = `Usage: xmpp-s3-upload <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(10)} ${summary}`)
  .join('\n')}

Run "xmpp-s3-upload <command> --help" for a command's options and examples.

Exit codes: 0 done, 1 refused by the service (files: not found), 2 usage error, 3 service or
store unreachable, 4 upload or verification failed, 5 (files) no AWS credentials or right.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    printError(`unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  return (await command.load())(rest, process.env);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    printError(error instanceof Error ? error.message : String(error));
    process.exitCode = EXIT.unreachable;
  },
);
