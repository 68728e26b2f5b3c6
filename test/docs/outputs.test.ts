/** Every stack output is documented where docs/deploy.md lists them, so an operator can look each one up. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OUTPUTS } from '../../lib/xmpp-s3-upload-stack.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEPLOY = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');

describe('docs/deploy.md', () => {
  it.each(Object.values(OUTPUTS))('names the output %s in the first cell of a row', (name) => {
    expect(DEPLOY).toMatch(new RegExp(`^\\| [^|]*\`${name}\`[^|]*\\|`, 'm'));
  });
});
