import { ApplicationFailure, defaultPayloadConverter, METADATA_ENCODING_KEY, Payload } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError, encodeErrorToFailure, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { ENCRYPTED_ENCODING, EncryptionCodec, METADATA_KEY_ID, payloadDataConverter } from '../../../config/payload-codec';
import { PayloadKeys } from '../../../config/payload-keys';

const key = (id: string, fill: number) => ({ id, key: Buffer.alloc(32, fill) });
const A = key('a', 1);
const B = key('b', 2);
const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? []).toString('utf8');
const marker = 'marker-3f9c';
const plain = (): Payload => defaultPayloadConverter.toPayload({ spec: { helm: { values: `secret: ${marker}` } } });

describe('EncryptionCodec', () => {
  test('encrypts with the current key, hides the content, and decodes back to the same payload', async () => {
    const codec = new EncryptionCodec([A]);
    const [encrypted] = await codec.encode([plain()]);
    expect(text(encrypted.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted.metadata?.[METADATA_KEY_ID])).toBe('a');
    expect(text(encrypted.data)).not.toContain(marker);
    const [decoded] = await codec.decode([encrypted]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ spec: { helm: { values: `secret: ${marker}` } } });
    expect(text(decoded.metadata?.[METADATA_ENCODING_KEY])).toBe('json/plain');
  });

  test('every encryption uses a fresh IV', async () => {
    const codec = new EncryptionCodec([A]);
    const [one, two] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(one.data!).equals(Buffer.from(two.data!))).toBe(false);
  });

  test('rotation: new payloads use the first key, old ones still decode', async () => {
    const [old] = await new EncryptionCodec([A]).encode([plain()]);
    const rotated = new EncryptionCodec([B, A]);
    expect(rotated.currentKeyId).toBe('b');
    const [fresh] = await rotated.encode([plain()]);
    expect(text(fresh.metadata?.[METADATA_KEY_ID])).toBe('b');
    const decoded = await rotated.decode([old, fresh]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ spec: { helm: { values: `secret: ${marker}` } } }, { spec: { helm: { values: `secret: ${marker}` } } }]);
  });

  test('payloads written before encryption was on pass through', async () => {
    const before = plain();
    expect(await new EncryptionCodec([A]).decode([before])).toEqual([before]);
  });

  test.each<[string, PayloadKeys, (p: Payload) => Payload, string]>([
    ['an unknown key id names it', [B], (p) => p, 'a payload is encrypted with key "a", which is not configured (configured: b)'],
    ['the wrong key material under the same id', [key('a', 9)], (p) => p, 'a payload encrypted with key "a" does not decrypt with the configured key "a"'],
    ['altered data', [A], (p) => ({ ...p, data: Buffer.from(p.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) }), 'or the payload was altered'],
    ['no key id', [A], (p) => ({ ...p, metadata: { [METADATA_ENCODING_KEY]: p.metadata![METADATA_ENCODING_KEY] } }), 'an encrypted payload has no encryption-key-id metadata'],
    ['truncated data', [A], (p) => ({ ...p, data: p.data!.subarray(0, 10) }), 'a payload encrypted with key "a" is too short (10 bytes)'],
  ])('%s', async (_, keys, alter, message) => {
    const [encrypted] = await new EncryptionCodec([A]).encode([plain()]);
    await expect(new EncryptionCodec(keys).decode([alter(encrypted)])).rejects.toThrow(message);
  });
});

describe('payloadDataConverter', () => {
  test('no keys: the SDK default (no codec)', () => {
    expect(payloadDataConverter(undefined)).toBeUndefined();
  });

  test('keys: one encryption codec, and failure messages encoded for it', () => {
    const converter = payloadDataConverter([A]);
    expect(converter?.payloadCodecs).toEqual([expect.any(EncryptionCodec)]);
  });

  test('a failure message travels encrypted and comes back whole', async () => {
    const converter = loadDataConverter(payloadDataConverter([A]));
    const failure = await encodeErrorToFailure(converter, ApplicationFailure.nonRetryable(`helm value ${marker} refused`, 'InvalidManifest'));
    expect(failure.message).toBe('Encoded failure');
    expect(JSON.stringify(failure)).not.toContain(marker);
    expect(text(failure.encodedAttributes?.metadata?.[METADATA_KEY_ID])).toBe('a');
    const error = await decodeOptionalFailureToOptionalError(converter, failure);
    expect(error).toMatchObject({ message: `helm value ${marker} refused`, type: 'InvalidManifest' });
  });
});
