// Source type detection, as Argo CD does it: Chart.yaml means Helm, a kustomization file means Kustomize,
// anything else is a plain directory. An explicit sourceType or a helm/kustomize/directory block wins.
import { ApplicationSource, SourceType } from '../application/types';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function detectSourceType(source: ApplicationSource, topLevelFiles: string[]): SourceType {
  if (source.sourceType) return source.sourceType;
  if (source.helm) return 'Helm';
  if (source.kustomize) return 'Kustomize';
  if (source.directory) return 'Directory';
  if (topLevelFiles.includes('Chart.yaml')) return 'Helm';
  if (KUSTOMIZATION_FILES.some((f) => topLevelFiles.includes(f))) return 'Kustomize';
  return 'Directory';
}
