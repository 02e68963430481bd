// A manifest's sync annotations (hook, hook-delete-policy, sync-wave, sync-options) are part of its input:
// they are read when the source is rendered, so a bad value is reported on the app at refresh, naming the
// file and the annotation, instead of failing the sync later.
import { DEFAULT_SYNC_OPTIONS, parseResourceSyncOptions } from '../application/sync-options';
import { InputError } from '../errors';
import { deletePolicies, hookInfo, syncWave } from '../plan/annotations';
import { KubeObject } from '../resource/types';

const SYNC_OPTIONS_ANNOTATIONS = ['sluice.dev/sync-options', 'argocd.argoproj.io/sync-options'];

/** Throws the first annotation problem as an InputError whose field is the annotation. */
export function checkSyncAnnotations(obj: KubeObject): void {
  hookInfo(obj);
  deletePolicies(obj);
  syncWave(obj);
  const annotation = SYNC_OPTIONS_ANNOTATIONS.find((a) => obj.metadata.annotations?.[a] !== undefined);
  if (!annotation) return;
  try {
    parseResourceSyncOptions(obj.metadata.annotations![annotation], DEFAULT_SYNC_OPTIONS);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(`${annotation}: ${error.message}`, { field: `metadata.annotations["${annotation}"]` });
  }
}
