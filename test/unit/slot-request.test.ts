import { describe, expect, it } from 'vitest';
import { SlotError } from '../../lambda/core/errors.ts';
import { encodeKey, objectKey } from '../../lambda/core/keys.ts';
import { isContentType, isTypeAllowed } from '../../lambda/core/mime.ts';
import { checkContentType, checkFilename, checkSize, MAX_FILENAME_BYTES } from '../../lambda/core/slot-request.ts';

const conditionOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof SlotError ? error.condition : `not a SlotError: ${String(error)}`;
  }
  return undefined;
};

describe('checkFilename', () => {
  it.each([
    ['photo.jpg', 'photo.jpg'],
    ['my holiday + friends.png', 'my holiday + friends.png'],
    ['übung.pdf', 'übung.pdf'],
    ['e\u0301te\u0301.txt', 'été.txt'],
    ['.profile', '.profile'],
    ['...', '...'],
  ])('accepts %j as %j', (name, expected) => {
    expect(checkFilename(name)).toBe(expected);
  });

  it.each([
    [''],
    ['.'],
    ['..'],
    ['invalid/filename.dat'],
    ['..\\..\\etc\\passwd'],
    ['a\u0000b'],
    ['line\nbreak.txt'],
    ['tab\t.txt'],
    ['evil\u202egnp.exe'],
    [42],
    [undefined],
  ])('rejects %j with bad-request', (name) => {
    expect(conditionOf(() => checkFilename(name))).toBe('bad-request');
  });

  it('shortens a long stem to the byte limit and keeps the extension', () => {
    const name = `${'ä'.repeat(300)}.jpeg`;

    const kept = checkFilename(name);

    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
    expect(kept.endsWith('ä.jpeg')).toBe(true);
    expect(kept.length).toBe(125 + 5);
  });

  it('never splits a surrogate pair when shortening', () => {
    const kept = checkFilename(`${'😀'.repeat(100)}.png`);

    expect(kept).toMatch(/^(😀)+\.png$/u);
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
  });

  it('treats an absurdly long extension as part of the stem', () => {
    const kept = checkFilename(`a.${'x'.repeat(400)}`);

    expect(Buffer.byteLength(kept)).toBe(MAX_FILENAME_BYTES);
    expect(kept.startsWith('a.x')).toBe(true);
  });
});

describe('checkSize', () => {
  it.each([
    ['0', 0],
    ['1234', 1234],
    [1234, 1234],
    ['10000000000', 10_000_000_000],
    ['99999999999999999999999', Number.POSITIVE_INFINITY],
  ])('reads %j as %d', (value, expected) => {
    expect(checkSize(value)).toBe(expected);
  });

  it.each([['-1'], [-1], ['1.5'], [1.5], ['0x10'], ['1e3'], [' 5'], [''], [undefined], [null], [{}], ['١٢٣']])(
    'rejects %j with bad-request',
    (value) => {
      expect(conditionOf(() => checkSize(value))).toBe('bad-request');
    },
  );
});

describe('checkContentType', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['image/png', 'image/png'],
    ['text/plain; charset=utf-8', 'text/plain; charset=utf-8'],
    [
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
    ['multipart/mixed; boundary="a b"', 'multipart/mixed; boundary="a b"'],
  ])('accepts %j', (value, expected) => {
    expect(checkContentType(value)).toBe(expected);
  });

  it.each([['image'], ['image/png\r\nX-Evil: 1'], ['image/ png'], ['/png'], ['text/plain; charset'], [7]])(
    'rejects %j with bad-request',
    (value) => {
      expect(conditionOf(() => checkContentType(value))).toBe('bad-request');
    },
  );

  it('refuses values longer than 255 characters', () => {
    expect(isContentType(`text/${'x'.repeat(120)}; a=${'y'.repeat(200)}`)).toBe(false);
  });
});

describe('isTypeAllowed', () => {
  it.each([
    ['image/png', [], true],
    [undefined, [], true],
    [undefined, ['image/*'], false],
    ['image/png', ['image/*'], true],
    ['IMAGE/PNG; x=y', ['image/png'], true],
    ['imagex/png', ['image/*'], false],
    ['text/html', ['image/*', 'text/plain'], false],
  ])('%j against %j is %s', (type, allowed, expected) => {
    expect(isTypeAllowed(type, allowed)).toBe(expected);
  });
});

describe('objectKey and encodeKey', () => {
  const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';

  it.each([
    ['message', `uploads/message/${uuid}/a b.jpg`],
    ['profile', `uploads/profile/${uuid}/a b.jpg`],
    ['permanent', `uploads/permanent/${uuid}/a b.jpg`],
  ] as const)('puts a %s upload under a UUID folder below its purpose prefix', (purpose, key) => {
    expect(objectKey('uploads/', uuid, 'a b.jpg', { purpose })).toBe(key);
  });

  it('puts an ephemeral upload under its expiry in Unix seconds, then the UUID folder', () => {
    const expireBefore = new Date('2026-12-24T18:00:00.999Z');

    expect(objectKey('uploads/', uuid, 'a.jpg', { purpose: 'ephemeral', expireBefore })).toBe(`uploads/ephemeral/1798135200/${uuid}/a.jpg`);
  });

  it('refuses an ephemeral key without its expiry', () => {
    expect(() => objectKey('uploads/', uuid, 'a.jpg', { purpose: 'ephemeral' })).toThrow(/expiry/);
  });

  it('refuses anything but a UUID v4 as the folder', () => {
    expect(() => objectKey('uploads/', '../../etc', 'x', { purpose: 'message' })).toThrow(/UUID/);
  });

  it.each([
    ['uploads/x/a b+c.jpg', 'uploads/x/a%20b%2Bc.jpg'],
    ['uploads/x/ü#?.txt', 'uploads/x/%C3%BC%23%3F.txt'],
    ["uploads/x/it's (1)*!.txt", 'uploads/x/it%27s%20%281%29%2A%21.txt'],
    ['uploads/x/100%.txt', 'uploads/x/100%25.txt'],
  ])('encodes %j once as %j', (key, encoded) => {
    expect(encodeKey(key)).toBe(encoded);
    expect(decodeURIComponent(encoded)).toBe(key);
  });
});
