import { parsePayloadKeys, payloadKeysFromEnv } from '../../../config/payload-keys';

const keyA = Buffer.alloc(32, 1).toString('base64');
const keyB = Buffer.alloc(32, 2).toString('base64');

describe('parsePayloadKeys', () => {
  test.each([
    ['one key', `a:${keyA}`, ['a']],
    ['the first is current, commas', `b:${keyB},a:${keyA}`, ['b', 'a']],
    ['newlines, blanks, comments and spaces (a mounted Secret file)', `# rotated 2026-12\n b : ${keyB} \n\na:${keyA}\n`, ['b', 'a']],
    ['ids with dots, dashes and underscores', `2026-12_v1.0:${keyA}`, ['2026-12_v1.0']],
  ])('%s', (_, text, ids) => {
    const keys = parsePayloadKeys(text, 'SLUICE_PAYLOAD_KEYS');
    expect(keys.map((k) => k.id)).toEqual(ids);
    expect(keys.every((k) => k.key.length === 32)).toBe(true);
  });

  test.each([
    ['nothing', ' , \n', 'SLUICE_PAYLOAD_KEYS: no keys'],
    ['no colon', `a:${keyA},${keyB}`, 'SLUICE_PAYLOAD_KEYS: entry 2 is not <id>:<base64 key>'],
    ['an empty id', `:${keyA}`, 'SLUICE_PAYLOAD_KEYS: entry 1: the key id "" must be 1 to 64 of'],
    ['an id with a space', `my key:${keyA}`, 'the key id "my key" must be'],
    ['not base64', 'a:not*base64!', 'SLUICE_PAYLOAD_KEYS: entry 1: key "a" is not standard base64'],
    ['an empty key', 'a:', 'key "a" is not standard base64'],
    ['a 16-byte key', `a:${Buffer.alloc(16).toString('base64')}`, 'key "a" is 16 bytes; AES-256 needs 32 (make one with: openssl rand -base64 32)'],
    ['a duplicate id', `a:${keyA},a:${keyB}`, 'SLUICE_PAYLOAD_KEYS: key id "a" appears twice'],
  ])('%s is refused', (_, text, message) => {
    expect(() => parsePayloadKeys(text, 'SLUICE_PAYLOAD_KEYS')).toThrow(message);
  });

  test('an error never shows the key material', () => {
    const short = Buffer.alloc(31, 7).toString('base64');
    expect(() => parsePayloadKeys(`a:${short}`, 'X')).toThrow(expect.objectContaining({ message: expect.not.stringContaining(short) }));
    expect(() => parsePayloadKeys(keyA, 'X')).toThrow(expect.objectContaining({ message: expect.not.stringContaining(keyA) }));
  });
});

describe('payloadKeysFromEnv', () => {
  const files: Record<string, string> = { '/secret/keys': `b:${keyB}\na:${keyA}\n` };
  const read = (file: string) => {
    if (!(file in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return files[file];
  };

  test.each([
    ['nothing set: no encryption', {}, undefined],
    ['blank is unset', { SLUICE_PAYLOAD_KEYS: ' ' }, undefined],
    ['inline', { SLUICE_PAYLOAD_KEYS: `a:${keyA}` }, ['a']],
    ['a file', { SLUICE_PAYLOAD_KEYS_FILE: '/secret/keys' }, ['b', 'a']],
  ])('%s', (_, env, ids) => {
    expect(payloadKeysFromEnv(env, read)?.map((k) => k.id)).toEqual(ids);
  });

  test.each([
    [{ SLUICE_PAYLOAD_KEYS: `a:${keyA}`, SLUICE_PAYLOAD_KEYS_FILE: '/secret/keys' }, 'set SLUICE_PAYLOAD_KEYS or SLUICE_PAYLOAD_KEYS_FILE, not both'],
    [{ SLUICE_PAYLOAD_KEYS_FILE: '/secret/missing' }, 'SLUICE_PAYLOAD_KEYS_FILE: cannot read /secret/missing: ENOENT'],
  ])('%j is refused', (env, message) => {
    expect(() => payloadKeysFromEnv(env, read)).toThrow(message);
  });

  test('a bad file names the variable and the file', () => {
    files['/secret/bad'] = 'a:short';
    expect(() => payloadKeysFromEnv({ SLUICE_PAYLOAD_KEYS_FILE: '/secret/bad' }, read)).toThrow('SLUICE_PAYLOAD_KEYS_FILE (/secret/bad): entry 1: key "a" is not standard base64');
  });
});
