// The Kubernetes-native front: watches Application CRs and, for each creation, spec change or deletion,
// signal-with-starts the app's workflow. Every replica watches (and tells the worker what each app tracks); only
// the leader starts and signals. Workflow ids make a second start harmless (it only delivers the signal), but N
// replicas doing each start N times is the cost leader election saves.
import * as k8s from '../activities/cluster/k8s';
import { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { AppGroup, AppRef, applicationWorkflowId, KindRef, TASK_QUEUE } from '../domain/operation/types';
import { applicationWorkflow, ApplicationOptions, refreshSignal } from '../workflows/application';
import { SA } from '../workflows/search-attributes';
import { applicationWorkflowMetadata } from '../domain/summary/workflows';
import { CrController, startOrSignal, WatchedObject } from './cr-watch';
import type { Leadership } from './leader-election';

export interface ControllerOptions {
  kubeConfig: k8s.KubeConfig;
  client: Client;
  groups: AppGroup[];
  logger: Logger;
  /** Only Applications matching this label selector are handled (e.g. one environment, or one test run). */
  labelSelector?: string;
  taskQueue?: string;
  /** Told of every Application event: the kinds its status lists (for drift watches) and its source (for webhooks). */
  onApplication?: (app: AppRef, seen: { kinds: KindRef[]; project?: string; repoURL?: string; targetRevision?: string; destination?: { server?: string; name?: string }; ownerSet?: string; state?: string }, deleted: boolean) => void;
  workflowOptions?: ApplicationOptions;
  /** Whether this replica leads (starts and signals workflows); absent, it always does. */
  leadership?: Leadership;
}

type AppObject = WatchedObject & {
  metadata: { ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> };
  spec?: { project?: string; source?: { repoURL?: string; targetRevision?: string }; destination?: { server?: string; name?: string } };
  status?: { resources?: Array<{ group?: string; version?: string; kind: string }>; sync?: { status?: string; revision?: string }; health?: { status?: string } };
};

export class ApplicationController extends CrController<AppObject> {
  constructor(private readonly options: ControllerOptions) {
    super(options, { plural: 'applications', kind: 'Application' });
  }

  /** Starts the app's workflow if it is not running, and asks it to refresh. */
  async kick(app: AppRef, project: string): Promise<void> {
    await startOrSignal(this.options.client, applicationWorkflow, {
      workflowId: applicationWorkflowId(app), taskQueue: this.options.taskQueue ?? TASK_QUEUE, args: [{ app, options: this.options.workflowOptions }], signal: refreshSignal,
      metadata: applicationWorkflowMetadata(app),
      searchAttributes: this.options.workflowOptions?.searchAttributes === false ? undefined
        : [{ key: SA.application, value: app.name }, { key: SA.namespace, value: app.namespace }, { key: SA.project, value: project }, { key: SA.kind, value: 'Application' }],
    });
  }

  protected onEvent(group: AppGroup, type: string, obj: AppObject): void {
    const app: AppRef = { group, namespace: obj.metadata.namespace, name: obj.metadata.name };
    const kinds = (obj.status?.resources ?? []).filter((r) => r.version).map((r) => ({ apiVersion: r.group ? `${r.group}/${r.version}` : r.version!, kind: r.kind }));
    const ownerSet = obj.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'ApplicationSet')?.name;
    // What an owning set shows of the app: its sync, health and revision.
    const state = `${obj.status?.sync?.status}/${obj.status?.health?.status}/${obj.status?.sync?.revision}`;
    this.options.onApplication?.(app, { kinds, project: obj.spec?.project, repoURL: obj.spec?.source?.repoURL, targetRevision: obj.spec?.source?.targetRevision, destination: obj.spec?.destination, ownerSet, state }, type === 'DELETED');
    if (!this.watch.wakes(applicationWorkflowId(app), type, obj) || !this.leading) return;
    this.counted('application');
    this.kick(app, obj.spec?.project ?? 'default').catch((err: unknown) => this.options.logger.error({ err: String(err), app: app.name, namespace: app.namespace }, 'could not signal the application workflow'));
  }
}
