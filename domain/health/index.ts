// Health per kind, picked from a table by group/kind, with a kstatus fallback.
import { groupOf } from '../resource/identity';
import { KubeObject } from '../resource/types';
import { apiServiceHealth } from './apiservice';
import { horizontalPodAutoscalerHealth } from './autoscaling';
import { daemonSetHealth } from './daemonset';
import { deploymentHealth } from './deployment';
import { jobHealth } from './job';
import { kstatusHealth } from './kstatus';
import { ingressHealth, serviceHealth } from './networking';
import { podHealth } from './pod';
import { replicaSetHealth } from './replicaset';
import { statefulSetHealth } from './statefulset';
import { persistentVolumeClaimHealth } from './storage';
import { Health, HealthCheck } from './types';

export * from './types';

const CHECKS = new Map<string, HealthCheck>([
  ['apps/Deployment', deploymentHealth],
  ['apps/StatefulSet', statefulSetHealth],
  ['apps/DaemonSet', daemonSetHealth],
  ['apps/ReplicaSet', replicaSetHealth],
  ['batch/Job', jobHealth],
  ['/Pod', podHealth],
  ['/Service', serviceHealth],
  ['/PersistentVolumeClaim', persistentVolumeClaimHealth],
  ['networking.k8s.io/Ingress', ingressHealth],
  ['extensions/Ingress', ingressHealth],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerHealth],
  ['apiregistration.k8s.io/APIService', apiServiceHealth],
]);

/** The health of a live object; undefined (not found) is Missing. */
export function healthOf(obj: KubeObject | undefined): Health {
  if (!obj) return { status: 'Missing', message: 'the resource does not exist' };
  if (obj.metadata.deletionTimestamp) return { status: 'Progressing', message: 'Pending deletion' };
  const check = CHECKS.get(`${groupOf(obj.apiVersion)}/${obj.kind}`) ?? kstatusHealth;
  return check(obj);
}
