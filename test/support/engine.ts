// Drives the engine through one sync in plan order, without Temporal: enough for engine-level tests.
// The durable version of this loop is the sync workflow.
import { applyObjects, Change, dryRunAll } from '../../activities/cluster/apply';
import { probeHealth, HealthReport } from '../../activities/cluster/health';
import { KubeClient } from '../../activities/cluster/kube-client';
import { KindRef, pruneObjects } from '../../activities/cluster/prune';
import { AppRef, Engine } from '../../activities/engine';
import { RepoCache } from '../../activities/git/repository';
import { RenderedStore } from '../../activities/render';
import { parseSyncOptions } from '../../domain/application/sync-options';
import { ApplicationSpec } from '../../domain/application/types';
import { keyOf, keyString, subjectOf } from '../../domain/resource/identity';
import { splitByDiff } from '../../activities/cluster/diff';
import { planSync } from '../../domain/plan/plan';
import { KubeObject } from '../../domain/resource/types';
import { eventually } from './kube';
import { stackEnv } from './stack';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function testEngine(): { engine: Engine; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-engine-'));
  const client = KubeClient.fromFile(stackEnv().KUBECONFIG);
  const engine = new Engine(client, { repos: new RepoCache(path.join(dir, 'repos'), { revisionTtlMs: 0 }), rendered: new RenderedStore(path.join(dir, 'rendered')), controlNamespace: 'default' });
  return { engine, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function syncOnce(engine: Engine, app: AppRef, spec: ApplicationSpec, prune = false, previousKinds: KindRef[] = []): Promise<{ changes: Change[]; objects: KubeObject[] }> {
  const state = await engine.desired(app, spec);
  const orphans = await engine.orphans(app, state.objects, previousKinds);
  const options = parseSyncOptions(spec.syncPolicy?.syncOptions);
  const plan = planSync({ desired: state.objects, orphans, prune, options, operationId: state.revision.sha });
  const byKey = new Map([...state.objects, ...orphans].map((o) => [keyString(keyOf(o)), o]));
  await dryRunAll(engine.client, state.objects, options);
  const changes: Change[] = [];
  for (const step of plan.steps) {
    const pick = (action: string) => step.tasks.filter((t) => t.action === action).map((t) => byKey.get(keyString(t.key))!);
    changes.push(...(await pruneObjects(engine.client, pick('prune'), options.prunePropagationPolicy)));
    let applies = pick('apply');
    if (options.applyOutOfSyncOnly) {
      const split = await splitByDiff(engine.client, applies, spec.ignoreDifferences);
      changes.push(...split.inSync.map((o) => ({ subject: subjectOf(keyOf(o)), action: 'skipped' as const })));
      applies = split.outOfSync;
    }
    changes.push(...(await applyObjects(engine.client, [...applies, ...pick('hook')], options)));
  }
  return { changes, objects: state.objects };
}

export async function waitForHealth(engine: Engine, objects: KubeObject[], status = 'Healthy', timeoutMs = 60_000): Promise<HealthReport> {
  return eventually(`resources to become ${status}`, async () => {
    const report = await probeHealth(engine.client, objects);
    return report.status === status ? report : undefined;
  }, timeoutMs);
}
