// The worker's pino logger. Activities log through `activityLog`, which adds the app, namespace, revision,
// sync id and wave they work on; keys that may hold credentials are redacted and messages scrubbed.
import { Context } from '@temporalio/activity';
import pino, { Logger } from 'pino';
import { logFieldsFromWorkflowId, redactPaths, scrubSecrets } from '../domain/logging';

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino({
    name: 'sluice-worker',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: redactPaths(), censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>);
      },
    },
    // The Temporal worker logs a failed activity's error as `error`: a plain object with its message (scrubbed),
    // or the redaction would copy the Error without its message (it is not enumerable) and log `"message": ""`.
    serializers: { error: (value: unknown) => (value instanceof Error ? { ...value, name: value.name, message: scrubSecrets(value.message) } : value) },
    formatters: {
      log: (object) => (typeof object.err === 'string' ? { ...object, err: scrubSecrets(object.err) } : object),
    },
  }, options.destination);
}

// Silent until the worker installs its logger (engine-level tests run activities without one).
let base: Logger = pino({ level: 'silent' });

export function installLogger(logger: Logger): void {
  base = logger;
}

export interface SyncLogFields {
  app: { namespace: string; name: string };
  revision?: string;
  operationId?: string;
  wave?: number;
  phase?: string;
}

/** A logger for the running activity: its workflow and attempt, plus the app, revision, sync id and wave. */
export function activityLog(fields: SyncLogFields): Logger {
  let activity: Record<string, unknown> = {};
  try {
    const info = Context.current().info;
    activity = { activity: info.activityType, attempt: info.attempt, workflowId: info.workflowExecution?.workflowId, ...logFieldsFromWorkflowId(info.workflowExecution?.workflowId) };
  } catch {
    // Not inside an activity (a direct call in a test).
  }
  return base.child({
    ...activity,
    app: fields.app.name, namespace: fields.app.namespace,
    ...(fields.revision ? { revision: fields.revision } : {}),
    ...(fields.operationId ? { syncId: fields.operationId } : {}),
    ...(fields.phase ? { phase: fields.phase } : {}),
    ...(fields.wave !== undefined ? { wave: fields.wave } : {}),
  });
}
