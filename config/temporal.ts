// How Sluice reaches Temporal; the worker and the CLI share it, so it belongs to neither. Flags first, then
// the Temporal CLI's own environment variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS,
// TEMPORAL_TLS_CA_PATH, TEMPORAL_TLS_CERT_PATH, TEMPORAL_TLS_KEY_PATH, TEMPORAL_TLS_SERVER_NAME,
// TEMPORAL_API_KEY), then the local stack's defaults. An API key or any TLS file turns TLS on, as
// Temporal Cloud expects.
import fs from 'node:fs';

export interface TemporalFlags {
  temporalAddress?: string;
  temporalNamespace?: string;
  temporalTls?: boolean;
  temporalTlsCaPath?: string;
  temporalTlsCertPath?: string;
  temporalTlsKeyPath?: string;
  temporalTlsServerName?: string;
  temporalApiKey?: string;
}

export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

export interface TemporalConnectionOptions {
  address: string;
  namespace: string;
  tls?: TemporalTls | boolean;
  apiKey?: string;
}

export function temporalOptions(flags: TemporalFlags = {}, env: NodeJS.ProcessEnv = process.env): TemporalConnectionOptions {
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const ca = pick(flags.temporalTlsCaPath, 'TEMPORAL_TLS_CA_PATH');
  const cert = pick(flags.temporalTlsCertPath, 'TEMPORAL_TLS_CERT_PATH');
  const key = pick(flags.temporalTlsKeyPath, 'TEMPORAL_TLS_KEY_PATH');
  const serverName = pick(flags.temporalTlsServerName, 'TEMPORAL_TLS_SERVER_NAME');
  const apiKey = pick(flags.temporalApiKey, 'TEMPORAL_API_KEY');
  if (!!cert !== !!key) throw new Error('a Temporal client certificate needs both --temporal-tls-cert-path and --temporal-tls-key-path');
  const explicit = flags.temporalTls ?? (env.TEMPORAL_TLS ? env.TEMPORAL_TLS === 'true' : undefined);
  const wanted = explicit ?? !!(ca || cert || serverName || apiKey);
  if (explicit === false && (ca || cert)) throw new Error('TLS files were given but TLS is turned off (TEMPORAL_TLS=false)');
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new Error(`cannot read the Temporal ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const tls: TemporalTls | undefined = wanted
    ? {
        ...(serverName ? { serverNameOverride: serverName } : {}),
        ...(ca ? { serverRootCACertificate: read(ca, 'CA certificate') } : {}),
        ...(cert && key ? { clientCertPair: { crt: read(cert, 'client certificate'), key: read(key, 'client key') } } : {}),
      }
    : undefined;
  return {
    address: pick(flags.temporalAddress, 'TEMPORAL_ADDRESS') ?? '127.0.0.1:7233',
    namespace: pick(flags.temporalNamespace, 'TEMPORAL_NAMESPACE') ?? 'default',
    ...(tls ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

/** For messages: where and how, never the key itself. */
export function describeTemporal(o: TemporalConnectionOptions): string {
  return `${o.address}${o.tls ? ' (TLS)' : ''}${o.apiKey ? ' with an API key' : ''}`;
}
