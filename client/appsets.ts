// `sluice appset list` and `sluice appset get NAME`: each set with its state (from its conditions), and each
// generated Application with its cluster, sync and health, as `argocd appset get` shows them.
export interface SetObject {
  metadata: { name: string; namespace?: string; uid?: string };
  status?: {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    resources?: Array<{ name: string; status?: string; health?: { status?: string } }>;
    promotion?: { revision: string; phase: string; message?: string; steps?: Array<{ index: number; apps: string[]; state: string; message?: string }> };
  };
}

export interface GeneratedApp {
  metadata: { name: string; namespace?: string; ownerReferences?: Array<{ kind: string; uid: string; controller?: boolean }> };
  spec?: { destination?: { server?: string; name?: string; namespace?: string } };
  status?: { sync?: { status?: string; revision?: string }; health?: { status?: string } };
}

/** One word for a set: Error (with the message), Progressing (waiting on deletions), or UpToDate. */
export function setState(set: SetObject): { state: string; message: string } {
  const conditions = set.status?.conditions ?? [];
  const error = conditions.find((c) => c.type === 'ErrorOccurred' && c.status === 'True');
  if (error) return { state: 'Error', message: error.message ?? '' };
  const upToDate = conditions.find((c) => c.type === 'ResourcesUpToDate');
  if (!upToDate) return { state: 'Unknown', message: 'not reconciled yet' };
  return upToDate.status === 'True' ? { state: 'UpToDate', message: '' } : { state: 'Progressing', message: upToDate.message ?? '' };
}

export const SET_HEADER = ['NAMESPACE', 'NAME', 'APPS', 'SYNCED', 'HEALTHY', 'STATUS', 'MESSAGE'];

export function setRow(set: SetObject): string[] {
  const resources = set.status?.resources ?? [];
  const { state, message } = setState(set);
  return [set.metadata.namespace ?? '', set.metadata.name, String(resources.length), String(resources.filter((r) => r.status === 'Synced').length), String(resources.filter((r) => r.health?.status === 'Healthy').length), state, message];
}

export const APP_HEADER = ['APPLICATION', 'CLUSTER', 'NAMESPACE', 'SYNC', 'HEALTH', 'REVISION'];

/** The set's own Applications (by its uid), one row each, sorted by name. */
export function generatedRows(set: SetObject, apps: GeneratedApp[]): string[][] {
  return apps
    .filter((a) => a.metadata.ownerReferences?.some((o) => o.kind === 'ApplicationSet' && o.controller && o.uid === set.metadata.uid))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((a) => [
      a.metadata.name, a.spec?.destination?.name ?? a.spec?.destination?.server ?? '', a.spec?.destination?.namespace ?? '',
      a.status?.sync?.status ?? 'Unknown', a.status?.health?.status ?? 'Unknown', (a.status?.sync?.revision ?? '').slice(0, 8) || '-',
    ]);
}

/** The RollingSync promotion under way (or the last one): its commit and phase, then each step with its apps. */
export function promotionLines(set: SetObject): string[] {
  const p = set.status?.promotion;
  if (!p) return [];
  const lines = [`promotion ${p.revision.slice(0, 8)}  ${p.phase}${p.message ? `  ${p.message}` : ''}`];
  for (const step of p.steps ?? []) lines.push(`  step ${step.index + 1}  ${step.state.padEnd(16)}  ${step.apps.join(', ') || '-'}${step.message ? `  ${step.message}` : ''}`);
  return lines;
}
