// Argo CD's resources finalizer comes in three spellings: the bare name (foreground), /foreground and /background.
// Each must prune on deletion; before, only the bare names did, and an app with a suffixed one was left Terminating.
import { finalizerPropagation, RESOURCE_FINALIZERS } from '../../../domain/operation/types';

test.each([
  ['resources-finalizer.argocd.argoproj.io', true],
  ['resources-finalizer.argocd.argoproj.io/foreground', true],
  ['resources-finalizer.argocd.argoproj.io/background', true],
  ['sluice.dev/resources-finalizer', true],
  ['sluice.dev/resources-finalizer/background', true],
  ['resources-finalizer.argocd.argoproj.io/sideways', false],
  ['kubernetes', false],
])('%s prunes on deletion: %s', (finalizer, prunes) => {
  expect(RESOURCE_FINALIZERS.includes(finalizer)).toBe(prunes);
});

test.each([
  [['resources-finalizer.argocd.argoproj.io'], 'foreground'],
  [['resources-finalizer.argocd.argoproj.io/foreground'], 'foreground'],
  [['resources-finalizer.argocd.argoproj.io/background'], 'background'],
  [['sluice.dev/resources-finalizer/background', 'resources-finalizer.argocd.argoproj.io/background'], 'background'],
  [['resources-finalizer.argocd.argoproj.io/background', 'sluice.dev/resources-finalizer'], 'foreground'],
  [['kubernetes', 'resources-finalizer.argocd.argoproj.io/background'], 'background'],
  [[], 'foreground'],
])('finalizers %j delete in the %s', (finalizers, policy) => {
  expect(finalizerPropagation(finalizers)).toBe(policy);
});
