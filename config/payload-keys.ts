// The AES-256 keys that encrypt Temporal payloads (config/payload-codec.ts), from the environment:
//   SLUICE_PAYLOAD_KEYS       "<id>:<base64 key>,<id>:<base64 key>" (commas or newlines between entries)
//   SLUICE_PAYLOAD_KEYS_FILE  a file holding the same list, e.g. a key of a mounted Secret
// The FIRST entry is the current key: new payloads are encrypted with it; the others only decrypt payloads written
// before a rotation. A key is 32 random bytes in standard base64 (`openssl rand -base64 32`). Errors name the
// variable, the entry and the key id, never the key material.
import fs from 'node:fs';

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** Keys in configuration order: `keys[0]` is current. Undefined means encryption is off. */
export type PayloadKeys = [PayloadKey, ...PayloadKey[]];

export const KEY_BYTES = 32;
const ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function parsePayloadKeys(text: string, source: string): PayloadKeys {
  const entries = text.split(/[,\n]/).map((e) => e.trim()).filter((e) => e && !e.startsWith('#'));
  if (!entries.length) throw new Error(`${source}: no keys (expected <id>:<base64 key>, comma- or newline-separated)`);
  const keys = entries.map((entry, index): PayloadKey => {
    const at = `${source}: entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${at} is not <id>:<base64 key>`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!ID.test(id)) throw new Error(`${at}: the key id ${JSON.stringify(id.slice(0, 80))} must be 1 to 64 of A-Z a-z 0-9 . _ -`);
    if (!encoded || !BASE64.test(encoded)) throw new Error(`${at}: key "${id}" is not standard base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`${at}: key "${id}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES} (make one with: openssl rand -base64 32)`);
    return { id, key };
  });
  const seen = new Set<string>();
  for (const { id } of keys) {
    if (seen.has(id)) throw new Error(`${source}: key id "${id}" appears twice`);
    seen.add(id);
  }
  return keys as PayloadKeys;
}

/** The configured keys, or undefined when neither variable is set (no encryption). */
export function payloadKeysFromEnv(env: NodeJS.ProcessEnv = process.env, readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): PayloadKeys | undefined {
  const inline = env.SLUICE_PAYLOAD_KEYS?.trim();
  const file = env.SLUICE_PAYLOAD_KEYS_FILE?.trim();
  if (inline && file) throw new Error('set SLUICE_PAYLOAD_KEYS or SLUICE_PAYLOAD_KEYS_FILE, not both');
  if (inline) return parsePayloadKeys(inline, 'SLUICE_PAYLOAD_KEYS');
  if (!file) return undefined;
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    throw new Error(`SLUICE_PAYLOAD_KEYS_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parsePayloadKeys(text, `SLUICE_PAYLOAD_KEYS_FILE (${file})`);
}
