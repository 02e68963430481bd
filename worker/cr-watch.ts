// A watch on one custom resource across the served groups, restarted when it ends, and the one rule both
// controllers apply to its events: only creation, a spec change (a new generation) and deletion wake a workflow.
import * as k8s from '../activities/cluster/k8s';
import type { Logger } from 'pino';
import { Client, WorkflowIdConflictPolicy } from '@temporalio/client';
import type { SearchAttributePair, SignalDefinition } from '@temporalio/common';
import { AppGroup } from '../domain/operation/types';
import type { WorkflowMetadata } from '../domain/summary/workflows';

export interface WatchedObject {
  metadata: { name: string; namespace: string; generation?: number; deletionTimestamp?: string };
}

export class CrWatch<T extends WatchedObject> {
  private readonly requests: Array<{ abort(): void }> = [];
  private readonly generations = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly options: { kubeConfig: k8s.KubeConfig; logger: Logger; labelSelector?: string },
    /** The plural resource name, e.g. `applications`. */
    private readonly plural: string,
    private readonly onEvent: (group: AppGroup, type: string, obj: T) => void,
  ) {}

  async start(groups: AppGroup[]): Promise<void> {
    for (const group of groups) await this.watch(group);
  }

  stop(): void {
    this.stopped = true;
    for (const r of this.requests) r.abort();
  }

  /** Whether an event should wake the object's workflow (`id`): status-only updates bump no generation. */
  wakes(id: string, type: string, obj: T): boolean {
    if (type === 'MODIFIED' && this.generations.get(id) === obj.metadata.generation && !obj.metadata.deletionTimestamp) return false;
    if (type === 'DELETED') this.generations.delete(id);
    else this.generations.set(id, obj.metadata.generation ?? 0);
    return true;
  }

  private async watch(group: AppGroup): Promise<void> {
    if (this.stopped) return;
    const watch = new k8s.Watch(this.options.kubeConfig);
    const restart = (error?: unknown) => {
      if (this.stopped) return;
      if (error) this.options.logger.warn({ err: String(error), group, resource: this.plural }, `${this.plural} watch ended; restarting`);
      setTimeout(() => void this.watch(group), 1000).unref();
    };
    const query = this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {};
    const request = await watch.watch(`/apis/${group}/v1alpha1/${this.plural}`, query, (type: string, obj: T) => this.onEvent(group, type, obj), restart);
    this.requests.push(request);
  }
}

/** A controller of one custom resource: its watch over the served groups, and what it does with each event. */
export abstract class CrController<T extends WatchedObject> {
  protected readonly watch: CrWatch<T>;
  private readonly groups: AppGroup[];

  constructor(options: { kubeConfig: k8s.KubeConfig; logger: Logger; labelSelector?: string; groups: AppGroup[] }, plural: string) {
    this.watch = new CrWatch<T>(options, plural, (group, type, obj) => this.onEvent(group, type, obj));
    this.groups = options.groups;
  }

  start(): Promise<void> {
    return this.watch.start(this.groups);
  }

  stop(): void {
    this.watch.stop();
  }

  protected abstract onEvent(group: AppGroup, type: string, obj: T): void;
}

/**
 * Starts the resource's workflow if it is not running, and delivers `signal` to it (to the running one if it is).
 * `metadata` is what the Temporal UI shows for a workflow this starts.
 */
export async function startOrSignal<A extends unknown[]>(
  client: Client,
  workflow: (...args: A) => Promise<unknown>,
  o: { workflowId: string; taskQueue: string; args: A; signal: SignalDefinition<[]>; searchAttributes?: SearchAttributePair[]; metadata: WorkflowMetadata },
): Promise<void> {
  await client.workflow.signalWithStart(workflow, {
    workflowId: o.workflowId, taskQueue: o.taskQueue, args: o.args, signal: o.signal, signalArgs: [],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING, ...o.metadata,
    ...(o.searchAttributes ? { typedSearchAttributes: o.searchAttributes } : {}),
  });
}
