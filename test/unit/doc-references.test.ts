/**
 * Every Markdown file named in code, comments and docs, and every relative link in the docs,
 * must exist in the repository: a clone has nothing outside it, so a reference to a file that is
 * not here (a design document kept elsewhere, a renamed doc) is a dead end for the reader.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TEXT = /\.(ts|js|mjs|md|lua|sh|yml|json|service)$/;
const SELF = relative(ROOT, fileURLToPath(import.meta.url));
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((file) => TEXT.test(file) && file !== 'package-lock.json' && file !== SELF && existsSync(join(ROOT, file)));

/** A reference resolves relative to the file that makes it, or to the repository root. */
function resolves(file: string, target: string): boolean {
  const path = target.split('#')[0] ?? '';
  if (path === '') return true;
  return existsSync(join(ROOT, dirname(file), path)) || existsSync(join(ROOT, path));
}

/** `name.md` mentions outside URLs. */
function mdMentions(text: string): string[] {
  const withoutUrls = text.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ');
  return [...withoutUrls.matchAll(/(?<![\w/.-])((?:\.{1,2}\/)?[\w.-]+(?:\/[\w.-]+)*\.md)\b/g)].map((m) => m[1] ?? '');
}

/** Relative link targets of Markdown links and images. */
function relativeLinks(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((target) => !/^([a-z][a-z0-9+.-]*:|#|<)/i.test(target));
}

describe('references between files', () => {
  it('finds files to check', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/architecture.md');
  });

  it('names only Markdown files that exist in the repository', () => {
    const dead: string[] = [];
    for (const file of files) {
      for (const mention of mdMentions(readFileSync(join(ROOT, file), 'utf8'))) {
        if (!resolves(file, mention)) dead.push(`${file}: ${mention}`);
      }
    }
    expect(dead).toEqual([]);
  });

  it('links, in every Markdown file, only to paths that exist', () => {
    const dead: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.md'))) {
      for (const link of relativeLinks(readFileSync(join(ROOT, file), 'utf8'))) {
        if (!resolves(file, decodeURI(link))) dead.push(`${file}: ${link}`);
      }
    }
    expect(dead).toEqual([]);
  });

  it('catches a dead reference (the checks can fail)', () => {
    expect(mdMentions('see NOWHERE.md, docs/x.md and https://example.org/README.md')).toEqual(['NOWHERE.md', 'docs/x.md']);
    expect(resolves('lambda/core/x.ts', 'NOWHERE.md')).toBe(false);
    expect(relativeLinks('[a](docs/a.md) [b](https://x/y.md) [c](#top)')).toEqual(['docs/a.md']);
    expect(files).not.toContain(SELF);
  });
});
