// The `sluice` CLI: Argo CD's `argocd app ...` verbs over Application CRs and their Temporal workflows.
import { Command, Option } from 'commander';
import fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { Engine } from '../activities/engine';
import { validateApplication } from '../domain/application/validate';
import { maskShownHelmValues } from '../domain/application/helm-values';
import { AppRef, applicationWorkflowId, SyncMemo, SyncProgress } from '../domain/operation/types';
import { KubeObject } from '../domain/resource/types';
import { refreshSignal, rollbackUpdate, StartedOperation, syncUpdate, terminateUpdate } from '../workflows/application';
import { syncProgressQuery, syncWorkflow } from '../workflows/sync';
import { listClusters } from './clusters';
import { APP_HEADER, GeneratedApp, generatedRows, promotionLines, SET_HEADER, SetObject, setRow } from './appsets';
import { CliError, GlobalOptions, kubeClient, KubeSession, openKubeSession, openSession, Session, temporalUnreachable, whoAmI } from './connection';
import { decideThroughKubernetes, decideThroughTemporal, PendingApp } from './approvals';
import { LiveView } from './live-view';
import { colourDiff, Format, render } from './output';
import { taskQueuePollers, versionLines, versionReport } from './version';
import { TASK_QUEUE } from '../domain/operation/types';

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

/**
 * Follows the sync workflow a request started, to its result: the live view is fed from its progress query, and
 * the result itself is awaited, so a sync that is over before the first poll is reported all the same. An outage
 * of Temporal does not end it: the result is asked for again until the server answers.
 */
async function follow(s: Session, workflowId: string): Promise<SyncProgress> {
  const handle = s.temporal.workflow.getHandle<typeof syncWorkflow>(workflowId);
  const view = new LiveView();
  let over = false;
  const result = throughOutages(() => handle.result()).finally(() => {
    over = true;
  });
  result.catch(() => undefined);
  while (!over) {
    const progress = await handle.query(syncProgressQuery).catch(() => undefined);
    if (progress && !over) view.update(progress);
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500))]);
  }
  try {
    const { progress } = await result;
    view.update(progress);
    return progress;
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    throw new CliError(`sync ${workflowId} did not finish: ${cause?.message ?? (error as Error).message}`, `see ${UI}/namespaces/${s.temporal.options.namespace}/workflows/${encodeURIComponent(workflowId)}`, 1);
  }
}

/** Prints what a request started; unless `async`, follows it and fails (exit 1) when it did not succeed. */
async function report(s: Session, verb: string, started: StartedOperation, async?: boolean): Promise<void> {
  console.log(`${verb} started: operation ${started.operationId} at ${short(started.revision)}, workflow ${started.workflowId}`);
  if (async) return;
  const progress = await follow(s, started.workflowId);
  // The view has shown the final frame, message included.
  if (progress.phase !== 'Succeeded') throw new CliError(`${verb} ${progress.phase}: ${progress.message ?? ''}`, undefined, 1);
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

interface DecideOptions { comment?: string; as?: string; yes?: boolean; timeout: string }

/** Shows what is pending and asks to confirm; the decision then goes through Kubernetes, or with --as through Temporal. */
async function decide(s: KubeSession, name: string, approve: boolean, opts: DecideOptions, temporal?: Session): Promise<void> {
  const app = await getApp(s, name);
  const approval = app.status?.approval;
  if (approval?.state !== 'Pending') throw new CliError(`Application ${name} has no pending approval${approval?.state ? ` (the last request is ${approval.state})` : ''}`);
  const who = await whoAmI(s.kube, opts.as);
  console.log(`${approve ? 'Approving' : 'Rejecting'} ${name} at ${approval.revision} (diff ${approval.diffDigest}) as ${who.user}`);
  console.log(`plan: ${JSON.stringify(approval.summary)}`);
  if (!opts.yes && process.stdin.isTTY) {
    process.stdout.write('Proceed? [y/N] ');
    const answer = await new Promise<string>((resolve) => process.stdin.once('data', (d) => resolve(String(d).trim())));
    if (!/^y(es)?$/i.test(answer)) throw new CliError('cancelled');
  }
  const decision = { approve, user: who.user, groups: who.groups, comment: opts.comment };
  const pending = app as AppObject & PendingApp;
  if (temporal) await decideThroughTemporal(temporal, pending, decision);
  else await decideThroughKubernetes(s, pending, decision, Number(opts.timeout) * 1000);
}

export function program(): Command {
  const root = new Command('sluice').description('GitOps with durable Temporal workflows').showHelpAfterError();
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

  app.command('get <name>').addOption(ns).addOption(output).action(withSession(async (s, name: string, opts: { output: Format }) => {
    const a = await getApp(s, name);
    console.log(render(maskShownHelmValues(a), opts.output, () => [header, row(a)]));
  }));

  app.command('diff <name>').description('exit code 1 when out of sync').addOption(ns).action(withSession(async (s, name: string) => {
    const a = await getApp(s, name);
    const engine = new Engine(s.kube);
    const result = await engine.diff({ name, namespace: s.namespace }, a.spec);
    for (const r of result.resources.filter((x) => x.status === 'OutOfSync')) console.log(colourDiff(r.diff));
    console.log(`${name}: ${result.status} at ${short(result.revision.sha)}`);
    if (result.status === 'OutOfSync') process.exitCode = 1;
  }));

  app.command('sync <name>').addOption(ns).option('--revision <rev>').option('--prune').option('--resource <kind/name...>').option('--async', 'do not follow the sync').option('--as <user>')
    .action(withSession(async (s, name: string, opts: { revision?: string; prune?: boolean; resource?: string[]; async?: boolean; as?: string }) => {
      await getApp(s, name);
      const who = await whoAmI(s.kube, opts.as);
      const handle = s.temporal.workflow.getHandle(applicationWorkflowId(ref(s, name)));
      let started: StartedOperation;
      try {
        started = await handle.executeUpdate(syncUpdate, { args: [{ revision: opts.revision, prune: opts.prune, resources: opts.resource, initiatedBy: who.user }] });
      } catch (error) {
        throw new CliError(`sync refused: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`);
      }
      await report(s, `sync of ${name} by ${who.user}`, started, opts.async);
    }));

  app.command('wait <name>').addOption(ns).option('--health').option('--sync').option('--timeout <seconds>', 'give up after', '300')
    .action(withSession(async (s, name: string, opts: { health?: boolean; sync?: boolean; timeout: string }) => {
      const deadline = Date.now() + Number(opts.timeout) * 1000;
      for (;;) {
        const st = (await getApp(s, name)).status ?? {};
        const healthy = !opts.health || st.health?.status === 'Healthy';
        const synced = !opts.sync || st.sync?.status === 'Synced';
        if (healthy && synced && (opts.health || opts.sync || st.operationState?.phase !== 'Running')) return console.log(`${name}: ${st.sync?.status} ${st.health?.status}`);
        if (Date.now() > deadline) throw new CliError(`timed out: ${name} is ${st.sync?.status} and ${st.health?.status}`, undefined, 1);
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

  app.command('rollback <name> [id]').addOption(ns).option('--as <user>').option('--async', 'do not follow the rollback').action(withSession(async (s, name: string, id: string | undefined, opts: { as?: string; async?: boolean }) => {
    const history = (await getApp(s, name)).status?.history ?? [];
    const target = id !== undefined ? Number(id) : history[history.length - 2]?.id;
    if (target === undefined) throw new CliError(`${name} has no earlier history entry to roll back to`);
    const who = await whoAmI(s.kube, opts.as);
    let started: StartedOperation;
    try {
      started = await s.temporal.workflow.getHandle(applicationWorkflowId(ref(s, name))).executeUpdate(rollbackUpdate, { args: [{ id: target, initiatedBy: who.user }] });
    } catch (error) {
      throw new CliError(`rollback refused: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`);
    }
    await report(s, `rollback of ${name} to history ${target}`, started, opts.async);
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
      .option('--timeout <seconds>', 'how long to wait for the worker\'s outcome', '60').option('-y, --yes', 'do not ask for confirmation')
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

  app.command('delete <name>').addOption(ns).action(withSession(async (s, name: string) => {
    const app = await getApp(s, name);
    const group = (app.apiVersion ?? API).split('/')[0];
    await s.kube.request('DELETE', `/apis/${group}/v1alpha1/namespaces/${s.namespace}/applications/${name}`);
    console.log(`application.${group}/${name} deleted`);
  }));
  return root;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    const e = error as CliError;
    console.error(`error: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`);
    process.exitCode = e instanceof CliError ? e.exitCode : 2;
  }
}
