/**
 * Reads a secret from its file: the whole content without surrounding whitespace (an editor's final newline is
 * not part of it). Refuses an empty file and warns when others may read it.
 */
import { readFile, stat } from 'node:fs/promises';

export type SecretRead =
  | { readonly ok: true; readonly value: string; readonly warning?: string }
  | { readonly ok: false; readonly problem: string };

export async function readSecretFile(path: string, key: string): Promise<SecretRead> {
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mode)]);
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    return { ok: false, problem: `${key}: cannot read ${path} (${code})` };
  }
  const value = text.trim();
  if (value === '') return { ok: false, problem: `${key}: ${path} is empty` };
  if (/[\r\n]/.test(value)) return { ok: false, problem: `${key}: ${path} holds more than one line; put only the secret in it` };
  // Group or others may read it: the secret is then no better kept than in a world-readable config.
  const warning = (mode & 0o077) === 0 ? undefined : `${path} can be read by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`;
  return warning === undefined ? { ok: true, value } : { ok: true, value, warning };
}
