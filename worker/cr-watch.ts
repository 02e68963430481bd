// A watch on one custom resource across the served groups, restarted when it ends, and the one rule both
// controllers apply to its events: only creation, a spec change (a new generation) and deletion wake a workflow.
// The watch runs on every replica (webhooks and drift watches need to know the apps); what a controller does
// about an event only the leader does (worker/leader-election.ts), and a replica that becomes the leader first
// lists every object and acts on each, as if it had just been created: whatever changed while nobody led is seen.
import * as k8s from '../activities/cluster/k8s';
import type { Logger } from 'pino';
import { Client, WorkflowIdConflictPolicy } from '@temporalio/client';
import type { SearchAttributePair, SignalDefinition } from '@temporalio/common';
import { KubeApiError, KubeClient } from '../activities/cluster/kube-client';
import { metrics } from '../activities/metrics';
import { AppGroup } from '../domain/operation/types';
import { ALWAYS_LEADING, Leadership } from './leader-election';
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

export interface CrControllerOptions {
  kubeConfig: k8s.KubeConfig;
  logger: Logger;
  labelSelector?: string;
  groups: AppGroup[];
  /** Whether this replica leads; absent, it always does (one replica, or a test). */
  leadership?: Leadership;
}

const RESYNC_RETRY_MS = 2000;

/** A controller of one custom resource: its watch over the served groups, and what it does with each event. */
export abstract class CrController<T extends WatchedObject> {
  protected readonly watch: CrWatch<T>;
  private readonly groups: AppGroup[];
  private readonly leadership: Leadership;
  private stopped = false;

  constructor(private readonly crOptions: CrControllerOptions, private readonly resource: { plural: string; kind: string }) {
    this.watch = new CrWatch<T>(crOptions, resource.plural, (group, type, obj) => this.onEvent(group, type, obj));
    this.groups = crOptions.groups;
    this.leadership = crOptions.leadership ?? ALWAYS_LEADING;
    // Heard from construction on: a replica that becomes the leader while its watch is still starting lists anyway.
    this.leadership.onChange((leading) => {
      if (leading && !this.stopped) void this.resync();
    });
  }

  start(): Promise<void> {
    return this.watch.start(this.groups);
  }

  stop(): void {
    this.stopped = true;
    this.watch.stop();
  }

  /** Whether this replica acts on events now: the leader-only half of every controller asks first. */
  protected get leading(): boolean {
    return this.leadership.leading && !this.stopped;
  }

  /** Counts one action of this controller (sluice_controller_actions_total): only a leader's grow. */
  protected counted(controller: string): void {
    metrics.controllerActions.inc({ controller });
  }

  /** Lists every object and handles each as newly seen; retried while this replica leads, until it goes through. */
  async resync(): Promise<void> {
    const kube = new KubeClient(this.crOptions.kubeConfig);
    for (const group of this.groups) {
      try {
        const items = await kube.list(`${group}/v1alpha1`, this.resource.kind, { labelSelector: this.crOptions.labelSelector });
        if (!this.leading) return;
        for (const obj of items) this.onEvent(group, 'ADDED', obj as unknown as T);
        this.crOptions.logger.info({ group, resource: this.resource.plural, objects: items.length }, 'leader: every object listed and acted on');
      } catch (error) {
        if (!this.leading) return;
        // A group whose CRD is not installed has nothing to list (its watch says so too).
        if (error instanceof KubeApiError && error.code === 404) continue;
        this.crOptions.logger.warn({ err: String(error), group, resource: this.resource.plural }, 'leader: could not list; retrying');
        setTimeout(() => void this.resync(), RESYNC_RETRY_MS).unref();
        return;
      }
    }
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
