/**
 * Reads the file `cdk deploy --outputs-file FILE` writes: `{ "<StackName>": { "<OutputKey>": "value" } }`.
 * Output keys are those of `OUTPUTS` (lib/xmpp-s3-upload-stack.ts).
 */
import { readFileSync } from 'node:fs';

type Outputs = Record<string, Record<string, unknown>>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The outputs of one stack; with a single stack in the file its name may be omitted.
 * @throws Error saying which file, stack or shape is wrong.
 */
export function readStackOutputs(file: string, stackName?: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the outputs file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON: write it with "cdk deploy --outputs-file ${file}"`);
  }
  if (!isRecord(parsed) || !Object.values(parsed).every(isRecord)) {
    throw new Error(`${file} is not a cdk outputs file ({ "<StackName>": { "<OutputKey>": "value" } })`);
  }
  const stacks = parsed as Outputs;
  const names = Object.keys(stacks);
  let name = stackName;
  if (name === undefined) {
    if (names.length !== 1) {
      throw new Error(`${file} holds ${names.length === 0 ? 'no stack' : `the stacks ${names.join(', ')}`}: name one with --stack`);
    }
    name = names[0] as string;
  }
  const outputs = stacks[name];
  if (outputs === undefined) throw new Error(`${file} has no stack "${name}" (it has: ${names.join(', ') || 'none'})`);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(outputs)) if (typeof value === 'string') result[key] = value;
  return result;
}

/** One output's value. @throws Error naming the missing key and the stack. */
export function requireOutput(outputs: Record<string, string>, key: string, file: string): string {
  const value = outputs[key];
  if (value === undefined || value === '')
    throw new Error(`${file} has no output ${key}: is it the outputs file of an xmpp-s3-upload stack?`);
  return value;
}
