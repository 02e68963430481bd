// What a log line may carry: the fields that tie it to an app and a sync, and the scrubbing that keeps
// credentials out. Pure: the pino instance lives in activities/log.ts.

/** Log fields of a Sluice workflow id, so even the Temporal SDK's own lines name the app and the sync. */
export function logFieldsFromWorkflowId(workflowId: string | undefined): { app?: string; namespace?: string; syncId?: string } {
  const parts = workflowId?.split('/') ?? [];
  if (parts[0] === 'sluice-app' && parts.length === 3) return { namespace: parts[1], app: parts[2] };
  if ((parts[0] === 'sluice-sync' || parts[0] === 'sluice-notify') && parts.length >= 4) {
    return { namespace: parts[1], app: parts[2], ...(parts[0] === 'sluice-sync' ? { syncId: parts.slice(3).join('/') } : {}) };
  }
  return {};
}

/** Object keys whose values are never logged, at any depth up to two levels (pino redact paths). */
export const REDACTED_KEYS = ['password', 'token', 'secret', 'authorization', 'apiKey', 'bearerToken', 'webhookSecret', 'url', 'stringData', 'data'];

export function redactPaths(): string[] {
  return REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi;
const BEARER = /\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const SLACK_HOOK = /https:\/\/hooks\.slack\.com\/[^\s"']+/gi;

/** Removes credentials from free text (error messages): user:password@ in URLs, bearer tokens, Slack hooks. */
export function scrubSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1$2:***@').replace(BEARER, '$1 ***').replace(SLACK_HOOK, 'https://hooks.slack.com/***');
}

/**
 * `text` with every spelling of a secret URL replaced by `name`. A notification service's URL is its credential
 * (a token in the path or query, as Slack's and most webhooks' are), and HTTP clients put the URL in their errors
 * ("request to <url> failed", "network timeout at: <url>"), which would reach history, logs and status.
 */
export function concealUrl(text: string, url: string, name: string): string {
  const spellings = new Set([url]);
  try {
    const parsed = new URL(url);
    spellings.add(parsed.href);
    spellings.add(`${parsed.origin}${parsed.pathname}`);
  } catch {
    // Not a URL: only its literal text is concealed.
  }
  let result = text;
  // Longest first, so a URL's prefix does not leave its query behind.
  for (const spelling of [...spellings].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) result = result.split(spelling).join(name);
  return result;
}
