// The Kubernetes-native front: watches Application CRs and, for each creation, spec change or deletion,
// signal-with-starts the app's workflow. Workflow ids make this safe with many replicas: a second start
// of the same id only delivers the signal.
import * as k8s from '../activities/cluster/k8s';
import { Client, WorkflowIdConflictPolicy } from '@temporalio/client';
import type { Logger } from 'pino';
import { AppGroup, AppRef, applicationWorkflowId, KindRef, TASK_QUEUE } from '../domain/operation/types';
import { applicationWorkflow, ApplicationOptions, refreshSignal } from '../workflows/application';
import { SA } from '../workflows/search-attributes';

export interface ControllerOptions {
  kubeConfig: k8s.KubeConfig;
  client: Client;
  groups: AppGroup[];
  logger: Logger;
  /** Only Applications matching this label selector are handled (e.g. one environment, or one test run). */
  labelSelector?: string;
  taskQueue?: string;
  /** Told of every Application event: the kinds its status lists (for drift watches) and its source (for webhooks). */
  onApplication?: (app: AppRef, seen: { kinds: KindRef[]; repoURL?: string; targetRevision?: string; destination?: { server?: string; name?: string } }, deleted: boolean) => void;
  workflowOptions?: ApplicationOptions;
}

export class ApplicationController {
  private readonly requests: Array<{ abort(): void }> = [];
  private readonly generations = new Map<string, number>();
  private stopped = false;

  constructor(private readonly options: ControllerOptions) {}

  async start(): Promise<void> {
    for (const group of this.options.groups) await this.watch(group);
  }

  stop(): void {
    this.stopped = true;
    for (const r of this.requests) r.abort();
  }

  /** Starts the app's workflow if it is not running, and asks it to refresh. */
  async kick(app: AppRef, project: string): Promise<void> {
    await this.options.client.workflow.signalWithStart(applicationWorkflow, {
      workflowId: applicationWorkflowId(app),
      taskQueue: this.options.taskQueue ?? TASK_QUEUE,
      args: [{ app, options: this.options.workflowOptions }],
      signal: refreshSignal,
      signalArgs: [],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      ...(this.options.workflowOptions?.searchAttributes === false ? {} : {
        typedSearchAttributes: [{ key: SA.application, value: app.name }, { key: SA.namespace, value: app.namespace }, { key: SA.project, value: project }, { key: SA.kind, value: 'Application' }],
      }),
    });
  }

  private async watch(group: AppGroup): Promise<void> {
    if (this.stopped) return;
    const path = `/apis/${group}/v1alpha1/applications`;
    const watch = new k8s.Watch(this.options.kubeConfig);
    const restart = (error?: unknown) => {
      if (this.stopped) return;
      if (error) this.options.logger.warn({ err: String(error), group }, 'application watch ended; restarting');
      setTimeout(() => void this.watch(group), 1000).unref();
    };
    const query = this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {};
    type AppObject = { metadata: { name: string; namespace: string; generation?: number; deletionTimestamp?: string }; spec?: { project?: string; source?: { repoURL?: string; targetRevision?: string }; destination?: { server?: string; name?: string } }; status?: { resources?: Array<{ group?: string; version?: string; kind: string }> } };
    const request = await watch.watch(path, query, (type: string, obj: AppObject) => {
      const app: AppRef = { group, namespace: obj.metadata.namespace, name: obj.metadata.name };
      const id = applicationWorkflowId(app);
      const kinds = (obj.status?.resources ?? []).filter((r) => r.version).map((r) => ({ apiVersion: r.group ? `${r.group}/${r.version}` : r.version!, kind: r.kind }));
      this.options.onApplication?.(app, { kinds, repoURL: obj.spec?.source?.repoURL, targetRevision: obj.spec?.source?.targetRevision, destination: obj.spec?.destination }, type === 'DELETED');
      // Status updates bump no generation: only creation, spec changes and deletion wake the workflow.
      if (type === 'MODIFIED' && this.generations.get(id) === obj.metadata.generation && !obj.metadata.deletionTimestamp) return;
      this.generations.set(id, obj.metadata.generation ?? 0);
      if (type === 'DELETED') this.generations.delete(id);
      this.kick(app, obj.spec?.project ?? 'default').catch((err: unknown) => this.options.logger.error({ err: String(err), app: app.name, namespace: app.namespace }, 'could not signal the application workflow'));
    }, restart);
    this.requests.push(request);
  }
}
