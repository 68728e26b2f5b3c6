/**
 * `xmpp-s3-upload upload FILE`: gets a slot, PUTs the file as an XMPP client would (only
 * Content-Type and Content-Length), shows progress, and checks the result with a HEAD on the
 * GET URL.
 */
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, extname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { askService, ENDPOINT_HELP, ENDPOINT_OPTIONS, EXIT, parseFlags, printError } from './cli-common.ts';
import { progressLine } from './progress.ts';
import type { SlotAnswer } from './slot-command.ts';

const HELP = `Usage: xmpp-s3-upload upload FILE --jid JID [--type MIME] [--name NAME]

Uploads FILE through a slot requested as JID, then checks that the GET URL serves it, and
prints the GET URL. Progress (bytes, rate, ETA) goes to stderr.

Options:
  --jid JID        the uploader
  --type MIME      Content-Type to announce and send (default: guessed from the extension)
  --name NAME      the filename in the URL (default: FILE's own name)
${ENDPOINT_HELP}

Examples:
  xmpp-s3-upload upload ./cat.jpg --jid alice@example.org
  xmpp-s3-upload upload report.pdf --jid bob@example.org --name "Q3 report.pdf"`;

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.txt': 'text/plain',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.ogg': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.zip': 'application/zip',
};

export async function runUpload(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = { ...ENDPOINT_OPTIONS, jid: { type: 'string' }, type: { type: 'string' }, name: { type: 'string' } } as const;
  const parsed = parseFlags(argv, options, HELP, true);
  if (parsed === 'help') return EXIT.ok;
  if (parsed === undefined) return EXIT.usage;
  const [file] = parsed.positionals;
  const { jid } = parsed.values;
  if (file === undefined || jid === undefined || parsed.positionals.length > 1) {
    printError(`one FILE and --jid are required\n\n${HELP}`);
    return EXIT.usage;
  }
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    printError(`cannot read ${file}`);
    return EXIT.usage;
  }
  const contentType = parsed.values.type ?? TYPES[extname(file).toLowerCase()];
  const answer = await askService(parsed.values, env, '/v1/slots', {
    method: 'POST',
    body: { jid, filename: parsed.values.name ?? basename(file), size, contentType },
  });
  if ('code' in answer) return answer.code;
  const slot = answer.body as SlotAnswer;
  const status = await put(file, size, slot);
  if (status !== 200 && status !== 201) {
    printError(`the upload was refused: HTTP ${status}`);
    return EXIT.failed;
  }
  const check = await fetch(slot.get.url, { method: 'HEAD' }).catch(() => undefined);
  const length = Number(check?.headers.get('content-length'));
  if (check?.status !== 200 || length !== size) {
    printError(`uploaded, but the GET URL answers ${check?.status ?? 'nothing'} with ${length} bytes instead of 200 with ${size}`);
    return EXIT.failed;
  }
  console.log(slot.get.url);
  return EXIT.ok;
}

/** PUTs the file with exactly Content-Length (and Content-Type when signed); returns the status. */
async function put(file: string, size: number, slot: SlotAnswer): Promise<number> {
  const url = new URL(slot.put.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const started = performance.now();
  let sent = 0;
  let lastDraw = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      const now = performance.now();
      if (process.stderr.isTTY && now - lastDraw > 100) {
        lastDraw = now;
        process.stderr.write(`\r${progressLine(sent, size, (now - started) / 1000)}`);
      }
      done(null, chunk);
    },
  });
  return new Promise<number>((resolve, reject) => {
    const req = send(url, { method: 'PUT', headers: slot.put.headers }, (res) => {
      res.resume();
      res.on('end', () => {
        process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}${progressLine(sent, size, (performance.now() - started) / 1000)}\n`);
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject);
    pipeline(createReadStream(file), counter, req).catch(reject);
  });
}
