// Watches ApplicationSet CRs and, for each creation, spec change or deletion, signal-with-starts the set's workflow
// (workflows/appset.ts). The set's Applications are then the ApplicationController's, like any other.
import * as k8s from '../activities/cluster/k8s';
import { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { AppGroup, TASK_QUEUE } from '../domain/operation/types';
import type { SetRef } from '../activities/appset';
import { applicationSetWorkflow, applicationSetWorkflowId, ApplicationSetInput, setRefreshSignal } from '../workflows/appset';
import { SA } from '../workflows/search-attributes';
import { applicationSetWorkflowMetadata } from '../domain/summary/workflows';
import { CrController, startOrSignal, WatchedObject } from './cr-watch';
import type { Leadership } from './leader-election';

export interface SetControllerOptions {
  kubeConfig: k8s.KubeConfig;
  client: Client;
  groups: AppGroup[];
  logger: Logger;
  labelSelector?: string;
  taskQueue?: string;
  workflowOptions?: ApplicationSetInput['options'] & { searchAttributes?: boolean };
  /** Told of every set event with what its generators read: git repositories (for webhooks) and clusters (for cluster Secret changes). */
  onSet?: (set: SetRef, reads: SetReads, deleted: boolean) => void;
  /** Whether this replica leads (starts and signals set workflows); absent, it always does. */
  leadership?: Leadership;
}

type SetObject = WatchedObject & { spec?: { generators?: unknown[] } };

type GeneratorNode = { git?: { repoURL?: unknown }; clusters?: unknown; matrix?: { generators?: unknown[] }; merge?: { generators?: unknown[] } };

/** Every generator of a set, those nested in matrix and merge included. */
function allGenerators(generators: unknown[] = []): GeneratorNode[] {
  return generators
    .filter((g): g is GeneratorNode => !!g && typeof g === 'object')
    .flatMap((g) => [g, ...allGenerators([...(g.matrix?.generators ?? []), ...(g.merge?.generators ?? [])])]);
}

/** The repoURLs of a set's git generators, nested ones included. */
export function gitRepos(generators: unknown[] = []): string[] {
  return [...new Set(allGenerators(generators).flatMap((g) => (typeof g.git?.repoURL === 'string' ? [g.git.repoURL] : [])))];
}

/** Whether a set reads the registered clusters (a clusters generator, nested ones included): a cluster Secret's change regenerates it. */
export function readsClusters(generators: unknown[] = []): boolean {
  return allGenerators(generators).some((g) => g.clusters !== undefined && g.clusters !== null);
}

/** What a set's generators read, so the worker can tell it when that changes. */
export interface SetReads {
  repoURLs: string[];
  clusters: boolean;
}

export class ApplicationSetController extends CrController<SetObject> {
  constructor(private readonly options: SetControllerOptions) {
    super(options, { plural: 'applicationsets', kind: 'ApplicationSet' });
  }

  /** Starts the set's workflow if it is not running, and asks it to reconcile. */
  async kick(set: SetRef): Promise<void> {
    const { searchAttributes, ...options } = this.options.workflowOptions ?? {};
    await startOrSignal(this.options.client, applicationSetWorkflow, {
      workflowId: applicationSetWorkflowId(set), taskQueue: this.options.taskQueue ?? TASK_QUEUE, args: [{ set, options }], signal: setRefreshSignal, metadata: applicationSetWorkflowMetadata(set),
      searchAttributes: searchAttributes === false ? undefined : [{ key: SA.application, value: set.name }, { key: SA.namespace, value: set.namespace }, { key: SA.kind, value: 'ApplicationSet' }],
    });
  }

  /**
   * Asks a running set workflow to reconcile; a set with no workflow (not ours, or gone) is left alone. What the
   * controllers see (an owned app's change, a cluster Secret's) asks through the leader only (`refreshIfLeading`);
   * a webhook, which reaches one replica, asks here.
   */
  async refresh(set: Pick<SetRef, 'namespace' | 'name'>): Promise<void> {
    await this.options.client.workflow.getHandle(applicationSetWorkflowId(set)).signal(setRefreshSignal).catch(() => undefined);
  }

  /** `refresh`, from the leader only: for what every replica's watches see. */
  async refreshIfLeading(set: Pick<SetRef, 'namespace' | 'name'>): Promise<void> {
    if (!this.leading) return;
    this.counted('applicationset');
    await this.refresh(set);
  }

  protected onEvent(group: AppGroup, type: string, obj: SetObject): void {
    const set: SetRef = { group, namespace: obj.metadata.namespace, name: obj.metadata.name };
    this.options.onSet?.(set, { repoURLs: gitRepos(obj.spec?.generators), clusters: readsClusters(obj.spec?.generators) }, type === 'DELETED');
    if (!this.watch.wakes(applicationSetWorkflowId(set), type, obj) || !this.leading) return;
    this.counted('applicationset');
    this.kick(set).catch((err: unknown) => this.options.logger.error({ err: String(err), applicationSet: set.name, namespace: set.namespace }, 'could not signal the applicationset workflow'));
  }
}
