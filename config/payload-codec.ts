// Encrypts every payload Sluice sends to Temporal (workflow and activity arguments and results, signals, updates,
// queries, memos) with AES-256-GCM, in the shape of temporalio/samples-typescript's encryption sample: metadata
// `encoding: binary/encrypted` and `encryption-key-id: <id>`; data = 12-byte IV, ciphertext, 16-byte tag, of the
// original payload (metadata included) as a length-delimited Payload message. The worker, the CLI and the codec
// endpoint (worker/codec-server.ts) share it, configured by config/payload-keys.ts.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DataConverter, METADATA_ENCODING_KEY, Payload, PayloadCodec, ValueError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { PayloadKey, PayloadKeys } from './payload-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export class EncryptionCodec implements PayloadCodec {
  private readonly current: PayloadKey;
  private readonly byId: Map<string, Buffer>;

  constructor(keys: PayloadKeys) {
    this.current = keys[0];
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, this.current.key, iv, { authTagLength: TAG_BYTES });
      const plain = temporal.api.common.v1.Payload.encodeDelimited(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: utf8(this.current.id) }, data: new Uint8Array(data) };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    // Payloads written before encryption was turned on pass through unchanged.
    return payloads.map((payload) => (text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const id = text(payload.metadata?.[METADATA_KEY_ID]);
    if (!id) throw new ValueError(`an encrypted payload has no ${METADATA_KEY_ID} metadata`);
    const key = this.byId.get(id);
    if (!key) throw new ValueError(`a payload is encrypted with key "${id}", which is not configured (configured: ${[...this.byId.keys()].join(', ')}); add it to SLUICE_PAYLOAD_KEYS after the current key`);
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError(`a payload encrypted with key "${id}" is too short (${data.length} bytes)`);
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new ValueError(`a payload encrypted with key "${id}" does not decrypt with the configured key "${id}" (wrong key material, or the payload was altered)`);
    }
    return temporal.api.common.v1.Payload.decodeDelimited(plain) as Payload;
  }
}

/**
 * The data converter for a Temporal Client or Worker: with keys, the codec, and failure messages encoded so that it
 * encrypts them (config/failure-converter.ts); without, the SDK's default.
 */
export function payloadDataConverter(keys: PayloadKeys | undefined, codec = keys && new EncryptionCodec(keys)): DataConverter | undefined {
  return codec ? { payloadCodecs: [codec], failureConverterPath: require.resolve('./failure-converter') } : undefined;
}
