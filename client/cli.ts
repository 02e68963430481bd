// The `sluice` CLI: Argo CD's `argocd app ...` verbs over Application CRs and their Temporal workflows.
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { validateApplication } from '../domain/application/validate';
import { maskShownHelmValues } from '../domain/application/helm-values';
import { AppRef, applicationWorkflowId, SyncMemo, SyncProgress } from '../domain/operation/types';
import { publishedDiff, SYNC_DIFF_API, SyncDiffSpec } from '../domain/operation/sync-diff';
import { processStackTools } from '../config/kubeconfig';
import { diffDigest } from '../activities/sync';
import { KubeObject } from '../domain/resource/types';
import { refreshSignal, rollbackUpdate, StartedOperation, syncUpdate, terminateUpdate } from '../workflows/application';
import { syncProgressQuery, syncWorkflow } from '../workflows/sync';
import { listClusters } from './clusters';
import { APP_HEADER, GeneratedApp, generatedRows, promotionLines, SET_HEADER, SetObject, setRow } from './appsets';
import { CliError, GlobalOptions, kubeClient, KubeSession, openKubeSession, openSession, Session, temporalUnreachable, whoAmI } from './connection';
import { decideThroughKubernetes, decideThroughTemporal, PendingApp } from './approvals';
import { LiveView } from './live-view';
import { colourDiff, Format, render, useColour } from './output';
import { taskQueuePollers, versionLines, versionReport } from './version';
import { TASK_QUEUE } from '../domain/operation/types';
import { describeApp } from './app-view';
import { approvalPreview, ShownDiff } from './approval-view';
import { bashCompletion, zshCompletion } from './completion';
import { EXIT, exitCodeFor } from './exit-codes';
import { callerEngine, previewFor, previewPending, refOf } from './preview';
import { confirm, page } from './terminal';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CR status is read field by field, as kubectl users do.
type AppObject = KubeObject & { spec: any; status?: any };
const API = 'sluice.dev/v1alpha1';
const UI = process.env.SLUICE_TEMPORAL_UI ?? 'http://127.0.0.1:8233';

/** Argo CD compatibility mode: resources of argoproj.io are Sluice's too, where that group is installed. */
const ARGO_API = 'argoproj.io/v1alpha1';
const inArgoGroup = <T>(read: () => Promise<T>, fallback: T) => read().catch(() => fallback);

/** A resource of either group, sluice.dev first. */
async function getEither(s: KubeSession, kind: string, name: string): Promise<unknown> {
  return (await s.kube.get(API, kind, s.namespace, name)) ?? (await inArgoGroup(() => s.kube.get(ARGO_API, kind, s.namespace, name), undefined));
}

/** Every resource of a kind in both groups. */
async function listBoth(s: KubeSession, kind: string, allNamespaces?: boolean): Promise<unknown[]> {
  const options = allNamespaces ? {} : { namespace: s.namespace };
  return [...(await s.kube.list(API, kind, options)), ...(await inArgoGroup(() => s.kube.list(ARGO_API, kind, options), []))];
}

async function getApp(s: KubeSession, name: string): Promise<AppObject> {
  const app = (await getEither(s, 'Application', name)) as AppObject | undefined;
  if (!app) throw new CliError(`no Application ${name} in namespace ${s.namespace}`, 'try `sluice app list -A`');
  return app;
}

const ref = (s: Session, name: string): AppRef => ({ group: 'sluice.dev', namespace: s.namespace, name });
const short = (sha?: string) => (sha ?? '-').slice(0, 8);

function row(app: AppObject): string[] {
  const st = app.status ?? {};
  const lastSync = st.history?.[st.history.length - 1]?.deployedAt ?? '-';
  return [app.metadata.namespace ?? '', app.metadata.name ?? '', st.sync?.status ?? 'Unknown', st.health?.status ?? 'Unknown', short(st.sync?.revision), lastSync, st.approval?.state === 'Pending' ? `Pending (${short(st.approval.revision)})` : '-'];
}

/**
 * `call`, asked again for as long as Temporal is unreachable: a sync goes on while its server restarts, and so
 * does the CLI following it (it says so on stderr, and when it is back).
 */
async function throughOutages<T>(call: () => Promise<T>): Promise<T> {
  let lostAt: number | undefined;
  for (;;) {
    try {
      const value = await call();
      if (lostAt !== undefined) console.error(`Temporal answers again, after ${Math.round((Date.now() - lostAt) / 1000)}s`);
      return value;
    } catch (error) {
      if (!temporalUnreachable(error)) throw error;
      if (lostAt === undefined) {
        lostAt = Date.now();
        console.error(`Temporal is unreachable (${((error as { cause?: Error }).cause ?? (error as Error)).message.split('\n')[0]}); still following, the sync goes on meanwhile`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Seconds, as --timeout takes them: a whole number above zero. */
function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a whole number of seconds, above 0');
  return n;
}

/** An exit code a user picks (`--diff-exit-code`): 0 to 255. */
function exitCodeArgument(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new InvalidArgumentError('an exit code, 0 to 255');
  return n;
}

/**
 * Follows the sync workflow a request started, to its result: the live view is fed from its progress query, and
 * the result itself is awaited, so a sync that is over before the first poll is reported all the same. An outage
 * of Temporal does not end it: the result is asked for again until the server answers. With `timeoutSeconds`,
 * it stops following then (exit 20, as argocd's --timeout); the sync itself goes on.
 */
async function follow(s: Session, workflowId: string, timeoutSeconds?: number): Promise<SyncProgress> {
  const handle = s.temporal.workflow.getHandle<typeof syncWorkflow>(workflowId);
  const link = `see ${UI}/namespaces/${s.temporal.options.namespace}/workflows/${encodeURIComponent(workflowId)}`;
  const view = new LiveView();
  const deadline = timeoutSeconds === undefined ? Infinity : Date.now() + timeoutSeconds * 1000;
  let over = false;
  const result = throughOutages(() => handle.result()).finally(() => {
    over = true;
  });
  result.catch(() => undefined);
  while (!over) {
    if (Date.now() >= deadline) throw new CliError(`timed out after ${timeoutSeconds}s following ${workflowId}; the sync goes on`, `${link}, or stop it with \`sluice app terminate-op\``, EXIT.api);
    const progress = await handle.query(syncProgressQuery).catch(() => undefined);
    if (progress && !over) view.update(progress);
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(500, deadline - Date.now()))))]);
  }
  try {
    const { progress } = await result;
    view.update(progress);
    return progress;
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    throw new CliError(`sync ${workflowId} did not finish: ${cause?.message ?? (error as Error).message}`, link, EXIT.failed);
  }
}

/** Prints what a request started; unless `async`, follows it and fails (exit 1) when it did not succeed. */
async function report(s: Session, verb: string, started: StartedOperation, options: { async?: boolean; timeout?: number }): Promise<void> {
  console.log(`${verb} started: operation ${started.operationId} at ${short(started.revision)}, workflow ${started.workflowId}`);
  if (options.async) return;
  const progress = await follow(s, started.workflowId, options.timeout);
  // The view has shown the final frame, message included.
  if (progress.phase !== 'Succeeded') throw new CliError(`${verb} ${progress.phase}: ${progress.message ?? ''}`, undefined, EXIT.failed);
}

interface HistoryEntry { id: number; revision: string; deployedAt: string; deployStartedAt?: string }

interface SyncRow { id?: number; operationId: string; revision?: string; initiatedBy: string; result: string; message?: string; duration: string; approvedBy?: string; started: string; link: string }

/**
 * One row per sync workflow, from its memo (set by Sluice at start and end): syncs that failed, were rejected or
 * are still running are listed too. A succeeded sync gets the id of its status.history entry, which is what
 * `app rollback` takes.
 */
function syncRows(syncs: Array<{ workflowId: string; status: { name: string }; startTime: Date; closeTime?: Date; memo?: Record<string, unknown> }>, history: HistoryEntry[], ui: string): SyncRow[] {
  const unclaimed = [...history];
  return syncs.map((w) => {
    const memo = (w.memo?.sluice ?? {}) as Partial<SyncMemo>;
    const running = w.status.name === 'RUNNING';
    const result = running ? 'Running' : memo.outcome ?? (w.status.name === 'COMPLETED' ? 'Completed' : w.status.name);
    let id: number | undefined;
    if (memo.outcome === 'Succeeded') {
      // The history entry of the same revision whose deploy ended closest to this workflow's close.
      const close = w.closeTime?.getTime() ?? 0;
      const match = unclaimed.filter((h) => h.revision === memo.revision).sort((a, b) => Math.abs(Date.parse(a.deployedAt) - close) - Math.abs(Date.parse(b.deployedAt) - close))[0];
      if (match) {
        id = match.id;
        unclaimed.splice(unclaimed.indexOf(match), 1);
      }
    }
    const seconds = ((w.closeTime ?? new Date()).getTime() - w.startTime.getTime()) / 1000;
    return {
      id, operationId: w.workflowId.split('/').pop() ?? '', revision: memo.revision, initiatedBy: memo.initiatedBy ?? '-', result, message: memo.message,
      duration: `${Math.round(seconds)}s`, approvedBy: memo.approvedBy, started: w.startTime.toISOString().replace(/\.\d+Z$/, 'Z'), link: `${ui}${encodeURIComponent(w.workflowId)}`,
    };
  });
}

interface DecideOptions { comment?: string; as?: string; yes?: boolean; timeout: number }

/**
 * The pending request's diff: the SyncDiff the worker published for it (checked against its digest), which an
 * approver who cannot read the destination may read; otherwise as the caller can compute it; why not, when neither.
 */
async function pendingDiff(s: KubeSession, app: AppObject, approval: { revision: string; diffDigest: string }): Promise<ShownDiff> {
  let unpublished: string;
  try {
    const object = await s.kube.get(SYNC_DIFF_API, 'SyncDiff', s.namespace, app.metadata.name!) as { spec?: Partial<SyncDiffSpec> } | undefined;
    const published = publishedDiff(object, { group: refOf(app).group, name: app.metadata.name!, ...approval }, diffDigest);
    if (!('unusable' in published)) return { ...published, source: `the worker published it (syncdiff.sluice.dev/${app.metadata.name})` };
    unpublished = published.unusable;
  } catch (error) {
    if (temporalUnreachable(error)) throw error;
    unpublished = `the SyncDiff could not be read: ${(error as Error).message}`;
  }
  try {
    const preview = await previewPending(s, app, approval.revision);
    return { resources: preview.diff.resources, digest: preview.diffDigest };
  } catch (error) {
    if (temporalUnreachable(error)) throw error;
    return { error: `${unpublished}; and computing it with your credentials failed: ${(error as Error).message}` };
  }
}

/**
 * Shows what is pending (revision, commit, plan, and the redacted diff, recomputed as its digest was), paged on a
 * terminal, and asks; `--yes` does not ask, and without a terminal nothing is decided unasked. The decision carries
 * the pending request's digest: it goes through Kubernetes, or with --as through Temporal.
 */
async function decide(s: KubeSession, name: string, approve: boolean, opts: DecideOptions, temporal?: Session): Promise<void> {
  if (!opts.yes && !process.stdin.isTTY) throw new CliError(`not ${approve ? 'approving' : 'rejecting'} ${name} unasked: there is no terminal to ask on`, `pass --yes to ${approve ? 'approve' : 'reject'} without the question`);
  const app = await getApp(s, name);
  const approval = app.status?.approval;
  if (approval?.state !== 'Pending') throw new CliError(`Application ${name} has no pending approval${approval?.state ? ` (the last request is ${approval.state})` : ''}`);
  const who = await whoAmI(s.kube, opts.as);
  const shown = await pendingDiff(s, app, approval);
  const preview = approvalPreview({ verb: approve ? 'Approving' : 'Rejecting', name, approval, user: who.user, shown, colour: useColour() });
  await page(preview.text);
  if (preview.matches === false) console.error(`warning: the diff shown is not the pending request's (${approval.diffDigest})`);
  // Declined is not a failure (argocd exits 0 when a question is answered no).
  if (!opts.yes && !(await confirm(`${approve ? 'Approve' : 'Reject'} ${name} at ${short(approval.revision)}?`))) return console.log('cancelled: nothing was decided');
  const decision = { approve, user: who.user, groups: who.groups, comment: opts.comment };
  const pending = app as AppObject & PendingApp;
  if (temporal) await decideThroughTemporal(temporal, pending, decision);
  else await decideThroughKubernetes(s, pending, decision, opts.timeout * 1000);
}

export function program(): Command {
  // Commander's errors are thrown, not exited on, so that main() gives them argocd's usage code (2).
  const root = new Command('sluice').description('GitOps with durable Temporal workflows').showHelpAfterError().exitOverride();
  root
    .option('--temporal-address <host:port>', 'Temporal frontend (default: $TEMPORAL_ADDRESS or 127.0.0.1:7233)')
    .option('--temporal-namespace <ns>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE or default)')
    .option('--temporal-tls', 'connect to Temporal with TLS (implied by the options below; $TEMPORAL_TLS)')
    .option('--temporal-tls-ca-path <file>', 'CA certificate that signed the Temporal server\'s ($TEMPORAL_TLS_CA_PATH)')
    .option('--temporal-tls-cert-path <file>', 'client certificate for mTLS ($TEMPORAL_TLS_CERT_PATH)')
    .option('--temporal-tls-key-path <file>', 'client key for mTLS ($TEMPORAL_TLS_KEY_PATH)')
    .option('--temporal-tls-server-name <name>', 'server name to verify instead of the address\'s host ($TEMPORAL_TLS_SERVER_NAME)')
    .option('--temporal-api-key <key>', 'API key sent as a bearer token; prefer $TEMPORAL_API_KEY, which stays out of shell history')
    .option('--context <name>', 'kubeconfig context (default: the current one; KUBECONFIG selects the file)');
  const app = root.command('app').description('manage Applications');
  const withSession = <A extends unknown[]>(fn: (s: Session, ...args: A) => Promise<void>) => async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const s = await openSession({ ...(root.opts() as GlobalOptions), namespace: command.opts().namespace });
    try {
      await fn(s, ...args);
    } catch (error) {
      // The SDK's words for a payload this CLI holds no key for.
      if (/Unknown encoding: binary\/encrypted/.test((error as Error).message)) throw new CliError('Temporal holds encrypted payloads and this CLI has no key', 'set SLUICE_PAYLOAD_KEYS or SLUICE_PAYLOAD_KEYS_FILE as the worker has them');
      throw error;
    } finally {
      await s.close();
    }
  };
  const ns = new Option('-n, --namespace <ns>', 'the Applications\' namespace');
  const output = new Option('-o, --output <format>', 'table, json or yaml').choices(['table', 'json', 'yaml']).default('table');
  const header = ['NAMESPACE', 'NAME', 'SYNC', 'HEALTH', 'REVISION', 'LAST SYNC', 'APPROVAL'];

  app.command('list').addOption(ns).option('-A, --all-namespaces', 'every namespace').addOption(output).action(withSession(async (s, opts: { allNamespaces?: boolean; output: Format }) => {
    const apps = (await listBoth(s, 'Application', opts.allNamespaces)) as AppObject[];
    console.log(render(apps.map(maskShownHelmValues), opts.output, () => [header, ...apps.map(row)]));
  }));

  app.command('get <name>').description('source, destination, sync policy, conditions, last operation, pending approval and resources')
    .addOption(ns).addOption(new Option('-o, --output <format>', 'table (the detail view), wide (more columns), json or yaml (the CR)').choices(['table', 'wide', 'json', 'yaml']).default('table'))
    .action(withSession(async (s, name: string, opts: { output: Format | 'wide' }) => {
      const a = await getApp(s, name);
      if (opts.output === 'json' || opts.output === 'yaml') return console.log(render(maskShownHelmValues(a), opts.output, () => []));
      const ui = `${UI}/namespaces/${s.temporal.options.namespace}/workflows/${encodeURIComponent(applicationWorkflowId(ref(s, name)))}`;
      console.log(describeApp(a, { wide: opts.output === 'wide', ui }));
    }));

  app.command('diff <name>').description('what a sync would change: the redacted diff per resource, as an approval computes it (exit 1 when there is one)')
    .addOption(ns).option('--revision <rev>', 'a branch, tag or commit (default: the app\'s targetRevision)')
    .option('--no-prune', 'leave out what a sync would prune (as a sync without --prune)')
    .option('--no-exit-code', 'exit 0 even when there is a diff').option('--diff-exit-code <code>', 'the exit code when there is a diff', exitCodeArgument, 1)
    .action(withSession(async (s, name: string, opts: { revision?: string; prune: boolean; exitCode: boolean; diffExitCode: number }) => {
      const a = await getApp(s, name);
      const resolved = await callerEngine(s).resolve(a.spec, opts.revision);
      const preview = await previewFor(s, a, { revision: resolved.sha, operationId: 'diff', prune: opts.prune });
      const commit = preview.summary.commit;
      if (commit) console.log(`commit ${commit.sha.slice(0, 12)} by ${commit.author} at ${commit.date}: ${commit.message.split('\n')[0]}`);
      for (const r of preview.diff.resources.filter((x) => x.status === 'OutOfSync')) console.log(colourDiff(r.diff));
      console.log(`${name}: ${preview.diff.status} at ${short(resolved.sha)} (diff ${preview.diffDigest})`);
      if (preview.diff.status === 'OutOfSync' && opts.exitCode) process.exitCode = opts.diffExitCode;
    }));

  app.command('sync <name>').addOption(ns).option('--revision <rev>').option('--prune').option('--resource <kind/name...>').option('--async', 'do not follow the sync').option('--as <user>')
    .option('--timeout <seconds>', 'stop following after this long (exit 20); the sync goes on', seconds)
    .action(withSession(async (s, name: string, opts: { revision?: string; prune?: boolean; resource?: string[]; async?: boolean; as?: string; timeout?: number }) => {
      await getApp(s, name);
      const who = await whoAmI(s.kube, opts.as);
      const handle = s.temporal.workflow.getHandle(applicationWorkflowId(ref(s, name)));
      let started: StartedOperation;
      try {
        started = await handle.executeUpdate(syncUpdate, { args: [{ revision: opts.revision, prune: opts.prune, resources: opts.resource, initiatedBy: who.user }] });
      } catch (error) {
        throw new CliError(`sync refused: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`, undefined, EXIT.usage, { cause: error });
      }
      await report(s, `sync of ${name} by ${who.user}`, started, opts);
    }));

  app.command('wait <name>').addOption(ns).option('--health').option('--sync').option('--timeout <seconds>', 'give up after this long (exit 20)', seconds, 300)
    .action(withSession(async (s, name: string, opts: { health?: boolean; sync?: boolean; timeout: number }) => {
      const deadline = Date.now() + opts.timeout * 1000;
      for (;;) {
        const st = (await getApp(s, name)).status ?? {};
        const healthy = !opts.health || st.health?.status === 'Healthy';
        const synced = !opts.sync || st.sync?.status === 'Synced';
        if (healthy && synced && (opts.health || opts.sync || st.operationState?.phase !== 'Running')) return console.log(`${name}: ${st.sync?.status} ${st.health?.status}`);
        if (Date.now() > deadline) throw new CliError(`timed out after ${opts.timeout}s: ${name} is ${st.sync?.status} and ${st.health?.status}`, undefined, EXIT.api);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }));

  app.command('history <name>').description('every sync: revision, initiator, result, duration, approver, Temporal UI link').addOption(ns).addOption(output)
    .action(withSession(async (s, name: string, opts: { output: Format }) => {
      const history: HistoryEntry[] = (await getApp(s, name)).status?.history ?? [];
      const syncs = [];
      for await (const wf of s.temporal.workflow.list({ query: `WorkflowId STARTS_WITH 'sluice-sync/${s.namespace}/${name}/'` })) syncs.push(wf);
      syncs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
      const operations = syncRows(syncs, history, `${UI}/namespaces/${s.temporal.options.namespace}/workflows/`);
      console.log(render({ history, operations }, opts.output, () => [
        ['ID', 'REVISION', 'INITIATED BY', 'RESULT', 'DURATION', 'APPROVED BY', 'STARTED', 'TEMPORAL UI'],
        ...operations.map((o) => [o.id === undefined ? '-' : String(o.id), short(o.revision), o.initiatedBy, o.result, o.duration, o.approvedBy ?? '-', o.started, o.link]),
      ]));
    }));

  app.command('rollback <name> [id]').addOption(ns).option('--as <user>').option('--async', 'do not follow the rollback')
    .option('--timeout <seconds>', 'stop following after this long (exit 20); the rollback goes on', seconds)
    .action(withSession(async (s, name: string, id: string | undefined, opts: { as?: string; async?: boolean; timeout?: number }) => {
      const history = (await getApp(s, name)).status?.history ?? [];
      const target = id !== undefined ? Number(id) : history[history.length - 2]?.id;
      if (target === undefined) throw new CliError(`${name} has no earlier history entry to roll back to`);
      const who = await whoAmI(s.kube, opts.as);
      let started: StartedOperation;
      try {
        started = await s.temporal.workflow.getHandle(applicationWorkflowId(ref(s, name))).executeUpdate(rollbackUpdate, { args: [{ id: target, initiatedBy: who.user }] });
      } catch (error) {
        throw new CliError(`rollback refused: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`, undefined, EXIT.usage, { cause: error });
      }
      await report(s, `rollback of ${name} to history ${target}`, started, opts);
    }));

  app.command('refresh <name>').addOption(ns).action(withSession(async (s, name: string) => {
    await getApp(s, name);
    await s.temporal.workflow.getHandle(applicationWorkflowId(ref(s, name))).signal(refreshSignal);
    console.log(`refresh of ${name} requested`);
  }));

  app.command('terminate-op <name>').addOption(ns).option('--as <user>').action(withSession(async (s, name: string, opts: { as?: string }) => {
    const who = await whoAmI(s.kube, opts.as);
    try {
      const r = await s.temporal.workflow.getHandle(applicationWorkflowId(ref(s, name))).executeUpdate(terminateUpdate, { args: [{ initiatedBy: who.user }] });
      console.log(`terminated ${r.terminated}${r.escalated ? ' (it did not stop within 30s of being cancelled, so its workflow was terminated)' : ''}`);
    } catch (error) {
      throw new CliError(`${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`);
    }
  }));

  // A SyncApproval by default (Kubernetes authenticates the approver); --as takes the privileged Temporal path.
  for (const [verb, approve] of [['approve', true], ['reject', false]] as const) {
    app.command(`${verb} <name>`).addOption(ns).option('--comment <text>')
      .option('--as <user>', 'decide as this user through Temporal directly, for clusters with no SelfSubjectReview (needs Temporal access: privileged)')
      .option('--timeout <seconds>', 'how long to wait for the worker\'s outcome', seconds, 60).option('-y, --yes', 'do not ask for confirmation (needed where there is no terminal)')
      .action(async (name: string, opts: DecideOptions, command: Command) => {
        const global = { ...(root.opts() as GlobalOptions), namespace: command.opts().namespace };
        if (!opts.as) return decide(openKubeSession(global), name, approve, opts);
        const s = await openSession(global);
        try {
          await decide(s, name, approve, opts, s);
        } finally {
          await s.close();
        }
      });
  }

  app.command('create').requiredOption('-f, --file <file>').addOption(ns).action(withSession(async (s, opts: { file: string }) => {
    for (const doc of parseAllDocuments(fs.readFileSync(opts.file, 'utf8'))) {
      const manifest = doc.toJS() as AppObject;
      const problems = validateApplication(manifest);
      if (problems.length) throw new CliError(`${opts.file}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
      manifest.metadata.namespace ??= s.namespace;
      await s.kube.create(manifest);
      console.log(`application.sluice.dev/${manifest.metadata.name} created`);
    }
  }));

  const cluster = root.command('cluster').description('clusters registered by Secrets (Argo CD\'s cluster Secrets)');
  cluster.command('list').description('every registered cluster, probed for its version with its own credentials')
    .option('-n, --namespace <ns>', 'where the cluster Secrets are (default: $SLUICE_NAMESPACE or sluice)').addOption(output)
    .action(async (opts: { namespace?: string; output: Format }) => {
      const rows = await listClusters(kubeClient(root.opts() as GlobalOptions), opts.namespace ?? process.env.SLUICE_NAMESPACE ?? 'sluice');
      console.log(render(rows, opts.output, () => [['SERVER', 'NAME', 'VERSION', 'STATUS', 'MESSAGE'], ...rows.map((r) => [r.server, r.name, r.version, r.status, r.message])]));
    });

  const appset = root.command('appset').description('ApplicationSets and the Applications they generate');
  appset.command('list').addOption(ns).option('-A, --all-namespaces', 'every namespace').addOption(output).action(withSession(async (s, opts: { allNamespaces?: boolean; output: Format }) => {
    const sets = (await listBoth(s, 'ApplicationSet', opts.allNamespaces)) as SetObject[];
    console.log(render(sets.map(maskShownHelmValues), opts.output, () => [SET_HEADER, ...sets.map(setRow)]));
  }));
  appset.command('get <name>').description('the set\'s state, and each generated Application with its cluster, sync and health').addOption(ns).addOption(output)
    .action(withSession(async (s, name: string, opts: { output: Format }) => {
      const set = (await getEither(s, 'ApplicationSet', name)) as SetObject | undefined;
      if (!set) throw new CliError(`ApplicationSet ${name} not found in namespace ${s.namespace}`);
      const apps = (await listBoth(s, 'Application')) as GeneratedApp[];
      if (opts.output !== 'table') return console.log(render({ ...maskShownHelmValues(set), applications: apps.filter((a) => generatedRows(set, [a]).length).map(maskShownHelmValues) }, opts.output, () => []));
      console.log(render(set, 'table', () => [SET_HEADER, setRow(set)]));
      console.log('');
      console.log(render(apps, 'table', () => [APP_HEADER, ...generatedRows(set, apps)]));
      const promotion = promotionLines(set);
      if (promotion.length) console.log(['', ...promotion].join('\n'));
    }));

  root.command('version').description('the CLI\'s version, and that of each worker polling the task queue, as read from Temporal')
    .option('--client', 'the CLI\'s version only: nothing is contacted')
    .option('--task-queue <name>', 'the workers\' task queue (default: $SLUICE_TASK_QUEUE or sluice)')
    .addOption(output)
    .action(async (opts: { client?: boolean; taskQueue?: string; output: Format }) => {
      const taskQueue = opts.taskQueue ?? process.env.SLUICE_TASK_QUEUE ?? TASK_QUEUE;
      let pollers;
      let namespace = '';
      if (!opts.client) {
        const s = await openSession(root.opts() as GlobalOptions);
        try {
          namespace = s.temporal.options.namespace;
          pollers = await taskQueuePollers(s.temporal, taskQueue);
        } finally {
          await s.close();
        }
      }
      const report = versionReport(pollers, { taskQueue, namespace });
      console.log(opts.output === 'table' ? versionLines(report).join('\n') : render(report, opts.output, () => []));
    });

  root.command('completion').description('shell completion: `source <(sluice completion bash)`, or zsh').addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh'])).action((shell: 'bash' | 'zsh') => {
    process.stdout.write(shell === 'bash' ? bashCompletion(root) : zshCompletion(root));
  });

  app.command('delete <name>').addOption(ns).action(withSession(async (s, name: string) => {
    const app = await getApp(s, name);
    const group = (app.apiVersion ?? API).split('/')[0];
    await s.kube.request('DELETE', `/apis/${group}/v1alpha1/namespaces/${s.namespace}/applications/${name}`);
    console.log(`application.${group}/${name} deleted`);
  }));
  return root;
}

/** Runs the CLI; the exit code follows argocd's (client/exit-codes.ts). */
export async function main(argv: string[]): Promise<void> {
  // Render as the worker does: the stack's kustomize, helm and jsonnet when nothing else names them.
  Object.assign(process.env, processStackTools());
  try {
    await program().parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
    // Commander has written its own message (and the help) already.
    if (error instanceof CommanderError) return;
    const e = error as CliError;
    console.error(`error: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`);
  }
}
