// Sluice's Prometheus metrics (prom-client), recorded where the work happens and served by the worker at
// /metrics. The Temporal SDK's own worker metrics are served separately (see worker/main.ts).
import client from 'prom-client';
import { observeKubeRequests } from './cluster/kube-client';
import { noteRequest } from './request-count';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const seconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

export const metrics = {
  appInfo: new client.Gauge({ name: 'sluice_app_info', help: 'One series per Application with its current sync and health status', labelNames: ['name', 'namespace', 'project', 'sync_status', 'health_status'], registers: [registry] }),
  syncTotal: new client.Counter({ name: 'sluice_app_sync_total', help: 'Finished sync operations by phase', labelNames: ['name', 'namespace', 'phase'], registers: [registry] }),
  syncDuration: new client.Histogram({ name: 'sluice_app_sync_duration_seconds', help: 'Sync operation duration', labelNames: ['phase'], buckets: seconds, registers: [registry] }),
  reconcileDuration: new client.Histogram({ name: 'sluice_app_reconcile_duration_seconds', help: 'Refresh (resolve, render, diff, health) duration', buckets: seconds, registers: [registry] }),
  gitDuration: new client.Histogram({ name: 'sluice_git_request_duration_seconds', help: 'Git revision resolution and fetch duration', buckets: seconds, registers: [registry] }),
  renderDuration: new client.Histogram({ name: 'sluice_render_duration_seconds', help: 'Rendering duration on a render-cache miss', labelNames: ['source_type'], buckets: seconds, registers: [registry] }),
  // Structure of the work (a refresh's cost must not grow with the fleet): tests and benchmarks assert on these.
  gitFetches: new client.Counter({ name: 'sluice_git_fetch_total', help: 'Git fetches, per repository', labelNames: ['repo'], registers: [registry] }),
  gitLsRemotes: new client.Counter({ name: 'sluice_git_ls_remote_total', help: 'Git ref listings (ls-remote), per repository', labelNames: ['repo'], registers: [registry] }),
  checkouts: new client.Counter({ name: 'sluice_checkout_total', help: 'Repository trees written to disk (checkouts materialised), per repository', labelNames: ['repo'], registers: [registry] }),
  renders: new client.Counter({ name: 'sluice_render_total', help: 'Desired-state requests by result: rendered (a renderer ran) or cache_hit', labelNames: ['result'], registers: [registry] }),
  kubeRequests: new client.Counter({ name: 'sluice_kube_request_total', help: 'Kubernetes API requests by verb and HTTP code', labelNames: ['verb', 'code'], registers: [registry] }),
  refreshKubeRequests: new client.Histogram({ name: 'sluice_app_reconcile_kube_requests', help: 'Kubernetes API requests made by one refresh', buckets: [0, 1, 2, 5, 10, 20, 50, 100, 200], registers: [registry] }),
  approvalWait: new client.Histogram({ name: 'sluice_approval_wait_seconds', help: 'Time from an approval request to its decision or expiry', labelNames: ['state'], buckets: [1, 10, 60, 300, 900, 3600, 14400, 86400], registers: [registry] }),
  approvalsPending: new client.Gauge({ name: 'sluice_approvals_pending', help: 'Approval requests waiting for a decision', registers: [registry] }),
  webhookRequests: new client.Counter({ name: 'sluice_webhook_requests_total', help: 'Webhook requests by provider and result', labelNames: ['provider', 'result'], registers: [registry] }),
  // Leader election (worker/leader-election.ts): only the leader runs the controllers, so only its actions grow.
  leader: new client.Gauge({ name: 'sluice_leader', help: '1 while this worker holds the controllers\' Lease (namespace/name; "" with leader election off), 0 otherwise', labelNames: ['lease'], registers: [registry] }),
  controllerActions: new client.Counter({ name: 'sluice_controller_actions_total', help: 'What the leader-only controllers did: workflows signal-with-started or signalled, approvals forwarded', labelNames: ['controller'], registers: [registry] }),
  leaseRequests: new client.Counter({ name: 'sluice_lease_requests_total', help: 'Kubernetes API requests of leader election (not in sluice_kube_request_total), by verb and HTTP code', labelNames: ['verb', 'code'], registers: [registry] }),
};

observeKubeRequests((verb, code) => {
  metrics.kubeRequests.inc({ verb, code: String(code) });
  noteRequest(verb);
});

const pending = new Set<string>();
const appSeries = new Map<string, Record<string, string>>();

export function recordAppStatus(labels: { name: string; namespace: string; project: string; sync_status: string; health_status: string }): void {
  const key = `${labels.namespace}/${labels.name}`;
  const previous = appSeries.get(key);
  if (previous) metrics.appInfo.remove(previous);
  metrics.appInfo.set(labels, 1);
  appSeries.set(key, labels);
}

export function recordApproval(key: string, state: string | undefined, requestedAt?: string, decidedAt?: string): void {
  if (state === 'Pending') pending.add(key);
  else if (pending.delete(key) && requestedAt) {
    metrics.approvalWait.observe({ state: state ?? 'unknown' }, Math.max(0, (Date.parse(decidedAt ?? new Date().toISOString()) - Date.parse(requestedAt)) / 1000));
  }
  metrics.approvalsPending.set(pending.size);
}

export async function timed<T>(histogram: client.Histogram<string>, labels: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const end = histogram.startTimer(labels);
  try {
    return await fn();
  } finally {
    end();
  }
}
