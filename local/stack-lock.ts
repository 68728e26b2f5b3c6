/**
 * One local stack per data folder. Two stacks on one `.local-data` collide on dynalite's LevelDB
 * lock, and the second died with dynalite's "Database is closed" stack trace; so `npm start`
 * claims the folder first, by creating its record exclusively (`wx`), and refuses at once, naming
 * the stack that holds it. A record whose process is gone (killed, crashed) is stale: it is
 * replaced, with a note.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { LOCAL_STACK_FILE, type LocalStackRecord, readLocalStack } from '../bin/cli-common.ts';

export type Claim =
  | { readonly ok: true; readonly replaced?: LocalStackRecord }
  | { readonly ok: false; readonly holder: LocalStackRecord; readonly text: string };

/** Claims the data folder for this process; a running stack's record is never touched. */
export function claimDataDir(file = LOCAL_STACK_FILE): Claim {
  let replaced: LocalStackRecord | undefined;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid } satisfies LocalStackRecord), { flag: 'wx' });
      return replaced === undefined ? { ok: true } : { ok: true, replaced };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = readLocalStack(file);
    if (found?.running === true && found.record.pid !== process.pid) {
      const where = found.record.endpoint === undefined ? 'still starting' : found.record.endpoint;
      const text =
        `a local stack is already running on this data folder (pid ${found.record.pid}, ${where}). ` +
        `Use that one, stop it first (Ctrl-C in its terminal, or kill ${found.record.pid}), or start this one in another folder.`;
      return { ok: false, holder: found.record, text };
    }
    replaced = found?.record;
    rmSync(file, { force: true });
  }
  // Another `npm start` claimed the folder between our removal and our second try.
  const holder = readLocalStack(file)?.record ?? { pid: 0 };
  return { ok: false, holder, text: `another local stack (pid ${holder.pid}) claimed this data folder at the same moment` };
}

/** Completes the claimed record with what the CLI commands need to find the stack. */
export function recordStack(record: Omit<LocalStackRecord, 'pid'>, file = LOCAL_STACK_FILE): void {
  writeFileSync(file, JSON.stringify({ pid: process.pid, ...record } satisfies LocalStackRecord));
}

/** Removes the record, if it is still this process's own. */
export function releaseDataDir(file = LOCAL_STACK_FILE): void {
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as LocalStackRecord;
    if (pid === process.pid) rmSync(file, { force: true });
  } catch {
    // gone or unreadable: nothing of ours to remove
  }
}
