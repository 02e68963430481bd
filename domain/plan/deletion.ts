// What deleting an app (its resources finalizer) deletes, as Argo CD's shouldBeDeleted
// (controller/appcontroller.go): never a CRD (that would delete every custom resource of its kind in
// the cluster), nor an object marked Delete=false or Helm's resource-policy keep.
import { SyncOptions } from '../application/sync-options';
import { groupOf } from '../resource/identity';
import { KubeObject } from '../resource/types';
import { resourceSyncOptions } from './annotations';

const HELM_RESOURCE_POLICY = 'helm.sh/resource-policy';

/** Whether `obj` is deleted with its app; `appOptions` are the app's spec.syncPolicy.syncOptions. */
export function deletedWithApp(obj: KubeObject, appOptions: SyncOptions): boolean {
  if (obj.kind === 'CustomResourceDefinition' && groupOf(obj.apiVersion) === 'apiextensions.k8s.io') return false;
  if (obj.metadata.annotations?.[HELM_RESOURCE_POLICY] === 'keep') return false;
  return resourceSyncOptions(obj, appOptions).delete;
}
