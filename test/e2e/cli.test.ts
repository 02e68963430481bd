// The CLI shows what a person needs to decide (issue 15), against the real stack: `app get` as a detail view of
// a synced app, `app approve` showing the commit, the plan and the diff its digest names (paged and asked on a
// terminal, refused unasked without one), `app diff --revision` giving the same diff, and argocd's exit codes.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { wavesApp } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { repoRoot, runDir } from '../support/stack';

const run = new E2eRun(19100);
const { scenario, waitForOperation, refreshed, pendingApproval, sluice, sluiceAsync, kube, scratch } = run;
const CLI = path.join(repoRoot, 'client/bin/sluice');
/** A port of this suite's range that nothing listens on. */
const DEAD_PORT = 19199;

beforeAll(() => run.start());
afterAll(() => run.stop());

/** The CLI on a real terminal (a pty from util-linux `script`), with `input` typed into it. */
function onTerminal(args: string[], input: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  const command = [CLI, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const child = execFile('script', ['-q', '-e', '-c', command, '/dev/null'], {
      encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, KUBECONFIG: run.env.KUBECONFIG, TEMPORAL_ADDRESS: run.env.TEMPORAL_ADDRESS, SLUICE_NAMESPACE: run.workerEnv.SLUICE_NAMESPACE, TERM: 'xterm', COLUMNS: '200', ...env },
    }, (error, stdout) => resolve({ code: error ? Number(error.code ?? -1) : 0, out: stdout.replace(/\r/g, '') }));
    child.stdin!.write(input);
  });
}

test('`app get` is a detail view of a synced app: source, destination, policy, the last operation and a resource table; -o wide, json and yaml', async () => {
  const { namespace, name, repo } = await scenario('get', wavesApp());
  const app = await waitForOperation(namespace, name, 'Succeeded');
  const revision = app.status.operationState.syncResult.revision;
  await eventually('the Deployment Healthy in status.resources', async () => ((await run.application(namespace, name))?.status?.resources?.find((r: any) => r.kind === 'Deployment')?.health?.status === 'Healthy' ? true : undefined));

  const view = sluice(namespace, 'app', 'get', name);
  expect(view.code).toBe(0);
  expect(view.out).toContain(`Name:               ${namespace}/${name}`);
  expect(view.out).toContain(`- Repo:             ${repo.url}\n  Target:           main\n  Path:             app`);
  expect(view.out).toContain(`Namespace:          ${namespace}`);
  expect(view.out).toContain('Sync Policy:        Automated (Prune, SelfHeal)');
  expect(view.out).toContain(`Sync Status:        Synced to main (${revision.slice(0, 7)})`);
  expect(view.out).toMatch(/Operation:\s+Sync\nSync Revision:\s+\w{40}\nPhase:\s+Succeeded/);
  expect(view.out).toContain('Initiated By:       automated sync policy');
  expect(view.out).toMatch(/GROUP\s+KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HEALTH\s+HOOK\s+MESSAGE/);
  expect(view.out).toMatch(new RegExp(`batch\\s+Job\\s+${namespace}\\s+migrate\\s+Healthy\\s+PreSync`));
  expect(view.out).toMatch(new RegExp(`\\n\\s+ConfigMap\\s+${namespace}\\s+settings\\s+Synced\\s+Healthy`));
  expect(view.out).toMatch(new RegExp(`apps\\s+Deployment\\s+${namespace}\\s+web\\s+Synced\\s+Healthy`));

  const wide = sluice(namespace, 'app', 'get', name, '-o', 'wide');
  expect(wide.out).toMatch(/GROUP\s+KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HEALTH\s+HOOK\s+MESSAGE\s+PHASE\s+WAVE\s+REVISION/);
  expect(wide.out).toMatch(new RegExp(`apps\\s+Deployment\\s+${namespace}\\s+web\\s+Synced\\s+Healthy\\s+.*Sync\\s+2\\s+${revision.slice(0, 7)}`));
  expect(parse(sluice(namespace, 'app', 'get', name, '-o', 'yaml').out).spec.source.repoURL).toBe(repo.url);
  expect(JSON.parse(sluice(namespace, 'app', 'get', name, '-o', 'json').out).status.operationState.phase).toBe('Succeeded');

  // The README's `npx sluice app get` with nothing set (no KUBECONFIG, no ~/.kube/config): the local stack's.
  const home = fs.mkdtempSync(path.join(scratch, 'home-'));
  const bare = await sluiceAsync({ KUBECONFIG: '', HOME: home, SLUICE_RUN_DIR: runDir }, 'app', 'get', name, '-n', namespace);
  expect(bare).toMatchObject({ code: 0, out: expect.stringContaining(`Name:               ${namespace}/${name}`) });
});

test('`app approve` shows the commit, the plan and the diff the digest names, pages and asks on a terminal, refuses unasked without one; `app diff --revision` shows the same diff', async () => {
  const { namespace, name } = await scenario('approve', wavesApp(), { approval: { approvers: ['sluice-admin'] } });
  const pending = (await pendingApproval(namespace, name)).status.approval;
  const { revision, diffDigest } = pending;

  // No terminal and no --yes: nothing is decided.
  const unasked = sluice(namespace, 'app', 'approve', name);
  expect(unasked).toMatchObject({ code: 2, out: expect.stringContaining('pass --yes to approve without the question') });
  expect(unasked.out).not.toContain('syncapproval');

  // The same diff for that revision, with the digest the request names.
  const diff = sluice(namespace, 'app', 'diff', name, '--revision', revision);
  expect(diff.code).toBe(1);
  expect(diff.out).toContain(`commit ${revision.slice(0, 12)} by Sluice Test <test@sluice.dev>`);
  expect(diff.out).toContain(`+++ Deployment/${namespace}/web (desired)`);
  expect(diff.out).toContain(`${name}: OutOfSync at ${revision.slice(0, 8)} (diff ${diffDigest})`);
  expect(sluice(namespace, 'app', 'diff', name, '--revision', revision, '--no-exit-code').code).toBe(0);
  expect(sluice(namespace, 'app', 'diff', name, '--diff-exit-code', '3').code).toBe(3);

  // On a terminal: paged (through $PAGER), coloured, then asked; "n" decides nothing.
  const paged = path.join(scratch, 'paged.txt');
  const declined = await onTerminal(['app', 'approve', name, '-n', namespace], 'n\n', { PAGER: `cat > '${paged}'` });
  expect(declined).toMatchObject({ code: 0, out: expect.stringContaining('cancelled: nothing was decided') });
  expect(declined.out).toMatch(/Approve \S+ at \w{8}\? \[y\/N\]/);
  const shown = fs.readFileSync(paged, 'utf8');
  expect(shown).toContain(`Approving ${name} at ${revision} as sluice-admin`);
  expect(shown).toContain('\x1b[32m+');
  expect(shown).toContain(`This is the diff of the pending request (${diffDigest}), as the worker published it (syncdiff.sluice.dev/${name}).`);
  expect((await run.application(namespace, name)).status.approval.state).toBe('Pending');

  // --yes: shown, not asked, decided with the pending digest. With no SyncDiff (an older worker's request), the
  // CLI computes the same diff with the caller's credentials.
  expect(await kube.delete('sluice.dev/v1alpha1', 'SyncDiff', namespace, name)).toBe(true);
  const approved = await sluiceAsync({}, 'app', 'approve', name, '-n', namespace, '--yes');
  expect(approved.code).toBe(0);
  expect(approved.out).toContain(`Approving ${name} at ${revision} as sluice-admin`);
  expect(approved.out).toContain(`Commit:    ${revision.slice(0, 12)} by Sluice Test <test@sluice.dev>`);
  expect(approved.out).toContain('Message:   initial');
  expect(approved.out).toContain('Plan:\n  PreSync/0: Job/migrate (hook)\n  Sync/1: ConfigMap/settings\n  Sync/2: Deployment/web\n  PostSync/0: Job/smoke (hook)\n  SyncFail: Job/notify-failure (hook)');
  expect(approved.out).toContain(`+++ Deployment/${namespace}/web (desired)`);
  expect(approved.out).toContain(`This is the diff of the pending request (${diffDigest}).`);
  expect(approved.out).toContain('Approved by sluice-admin');
  const decisions = (await kube.list('sluice.dev/v1alpha1', 'SyncApproval', { namespace })) as unknown as Array<{ spec: { diffDigest: string; revision: string } }>;
  expect(decisions.map((d) => d.spec)).toEqual([expect.objectContaining({ revision, diffDigest })]);
  await waitForOperation(namespace, name, 'Succeeded', revision);
  expect(sluice(namespace, 'app', 'get', name).out).toMatch(/Approval:\s+Approved by sluice-admin/);
});

test('exit codes as argocd\'s: 2 for a bad flag, 20 for an unreachable Temporal or API server and for a timeout, 1 for a failed sync', async () => {
  const [failing, held] = await Promise.all([
    scenario('exit-fail', wavesApp({ failPreSync: true }), { automated: false }),
    scenario('exit-held', wavesApp(), { automated: false, approval: { approvers: ['nobody'] } }),
  ]);
  await Promise.all([refreshed(failing.namespace, failing.name), refreshed(held.namespace, held.name)]);

  expect(sluice(failing.namespace, 'app', 'list', '--bogus')).toMatchObject({ code: 2, out: expect.stringContaining("unknown option '--bogus'") });
  expect(sluice(failing.namespace, 'app', 'wait', failing.name, '--timeout', 'soon')).toMatchObject({ code: 2 });
  expect(sluice(failing.namespace, 'app')).toMatchObject({ code: 2 });

  const noTemporal = await sluiceAsync({ TEMPORAL_ADDRESS: `127.0.0.1:${DEAD_PORT}` }, 'app', 'get', failing.name, '-n', failing.namespace);
  expect(noTemporal).toMatchObject({ code: 20, out: expect.stringContaining(`cannot reach Temporal at 127.0.0.1:${DEAD_PORT}`) });
  const kubeconfig = parse(fs.readFileSync(run.env.KUBECONFIG, 'utf8'));
  for (const c of kubeconfig.clusters) c.cluster.server = `https://127.0.0.1:${DEAD_PORT}`;
  const deadKubeconfig = path.join(scratch, 'dead-kubeconfig');
  fs.writeFileSync(deadKubeconfig, stringify(kubeconfig));
  const noKube = await sluiceAsync({ KUBECONFIG: deadKubeconfig }, 'app', 'list', '-n', failing.namespace);
  expect(noKube).toMatchObject({ code: 20, out: expect.stringContaining('ECONNREFUSED') });

  const failed = sluice(failing.namespace, 'app', 'sync', failing.name);
  expect(failed).toMatchObject({ code: 1, out: expect.stringMatching(/sync of \S+ by sluice-admin Failed/) });

  // A sync waiting for an approval outlasts --timeout: the CLI stops following (20), the sync goes on.
  const followed = sluice(held.namespace, 'app', 'sync', held.name, '--timeout', '3');
  expect(followed).toMatchObject({ code: 20, out: expect.stringContaining('timed out after 3s following') });
  expect((await pendingApproval(held.namespace, held.name)).status.approval.state).toBe('Pending');
  expect(sluice(held.namespace, 'app', 'wait', held.name, '--sync', '--timeout', '2')).toMatchObject({ code: 20, out: expect.stringContaining('timed out after 2s') });
  expect(sluice(held.namespace, 'app', 'terminate-op', held.name).code).toBe(0);
});
