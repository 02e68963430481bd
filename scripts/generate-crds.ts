// Writes deploy/crds/: the Application CRD for sluice.dev and, for Argo CD compatibility mode, the same
// schema under argoproj.io. One schema, two groups: `npm run generate:crds`. A test checks the files are current.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { ARGOCD_GROUP, SLUICE_GROUP } from '../domain/application/types';

type Schema = Record<string, unknown>;
const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const int: Schema = { type: 'integer' };
const strings: Schema = { type: 'array', items: str };
const stringMap: Schema = { type: 'object', additionalProperties: str };
const obj = (properties: Record<string, Schema>, required?: string[]): Schema => ({ type: 'object', properties, ...(required ? { required } : {}) });
const anything: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

// Argo CD's ApplicationSourceJsonnet: extVars and tlas are {name, value, code}; libs are paths from the repo root.
const jsonnetVar = obj({ name: str, value: str, code: bool }, ['name']);
const jsonnet = obj({ extVars: { type: 'array', items: jsonnetVar }, tlas: { type: 'array', items: jsonnetVar }, libs: strings });

const source = obj({
  repoURL: str, targetRevision: str, path: str, chart: str, sourceType: { type: 'string', enum: ['Directory', 'Kustomize', 'Helm'] },
  directory: obj({ recurse: bool, include: str, exclude: str, jsonnet }),
  kustomize: obj({
    namePrefix: str, nameSuffix: str, images: strings, commonLabels: stringMap, commonAnnotations: stringMap, namespace: str,
    patches: { type: 'array', items: obj({ path: str, patch: str, target: stringMap, options: { type: 'object', additionalProperties: bool } }) },
  }),
  helm: obj({
    releaseName: str, valueFiles: strings, values: str, valuesObject: anything, namespace: str, skipCrds: bool,
    parameters: { type: 'array', items: obj({ name: str, value: str, forceString: bool }, ['name']) },
  }),
  plugin: anything,
}, ['repoURL']);

const spec = obj({
  project: str,
  source,
  sources: { type: 'array', items: source },
  destination: obj({ server: str, name: str, namespace: str }),
  syncPolicy: obj({
    automated: obj({ prune: bool, selfHeal: bool, allowEmpty: bool }),
    syncOptions: strings,
    retry: obj({ limit: int, refresh: bool, backoff: obj({ duration: str, factor: { type: 'number' }, maxDuration: str }) }),
    approval: obj({ required: bool, approvers: strings, timeout: str, separationOfDuties: bool, authorIdentities: stringMap }),
    stepTimeout: str,
  }),
  ignoreDifferences: { type: 'array', items: obj({ group: str, kind: str, name: str, namespace: str, jsonPointers: strings, jqPathExpressions: strings, managedFieldsManagers: strings }, ['kind']) },
  revisionHistoryLimit: int,
  info: { type: 'array', items: obj({ name: str, value: str }) },
}, ['destination']);

const resourceStatus = obj({ group: str, version: str, kind: str, namespace: str, name: str, status: str, health: obj({ status: str, message: str }), requiresPruning: bool });
const status = obj({
  sync: obj({ status: str, revision: str, comparedTo: anything }),
  health: obj({ status: str, message: str }),
  operationState: obj({
    phase: str, message: str, startedAt: str, finishedAt: str, retryCount: int, operation: anything,
    syncResult: obj({
      revision: str,
      resourcesCount: { type: 'integer', description: 'How many resources the sync has; resources lists at most 1,000 of them (Sluice).' },
      resources: { type: 'array', items: obj({ group: str, version: str, kind: str, namespace: str, name: str, status: str, message: str, hookPhase: str, syncPhase: str, syncWave: int }) },
    }),
  }),
  history: { type: 'array', items: obj({ id: int, revision: str, deployedAt: str, deployStartedAt: str, initiatedBy: obj({ username: str, automated: bool }), approvedBy: str, source: anything }) },
  conditions: { type: 'array', items: obj({ type: str, message: str, lastTransitionTime: str }) },
  resources: { type: 'array', items: resourceStatus },
  approval: obj({
    state: str, revision: str, diffDigest: str, requestedAt: str, decidedBy: str, decidedAt: str, comment: str, approvers: strings, summary: anything, commands: strings,
    refused: { type: 'array', items: obj({ user: str, reason: str, at: str }) },
    authors: { type: 'array', items: obj({ commit: str, email: str, user: str }) },
  }),
  resourcesCount: { type: 'integer', description: 'How many resources the app has; resources lists at most 5,000 of them (Sluice).' },
  reconciledAt: str,
  sourceType: str,
  observedGeneration: int,
});

interface CrdKind {
  kind: string;
  plural: string;
  shortNames: string[];
  printerColumns: Array<Record<string, unknown>>;
  properties: Record<string, Schema>;
}

function crdFor(group: string, k: CrdKind): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${group}`, labels: { 'app.kubernetes.io/part-of': 'sluice' } },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, singular: k.kind.toLowerCase(), ...(k.shortNames.length ? { shortNames: k.shortNames } : {}) },
      versions: [{
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: k.printerColumns,
        schema: { openAPIV3Schema: obj({ apiVersion: str, kind: str, metadata: { type: 'object' }, ...k.properties }, ['metadata', 'spec']) },
      }],
    },
  };
}

const crd = (group: string) => crdFor(group, {
  kind: 'Application', plural: 'applications', shortNames: ['app', 'apps'],
  printerColumns: [
    { name: 'Sync Status', type: 'string', jsonPath: '.status.sync.status' },
    { name: 'Health Status', type: 'string', jsonPath: '.status.health.status' },
    { name: 'Revision', type: 'string', jsonPath: '.status.sync.revision', priority: 10 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  properties: { spec, status, operation: anything },
});

// ApplicationSet: generators and the template hold `{{...}}` in any field (a templated number, say), so their
// schema is open here; domain/appset/validate.ts checks them and names the field on the set's status.
const setCondition = obj({ type: str, status: str, reason: str, message: str, lastTransitionTime: str });
const setStatus = obj({
  conditions: { type: 'array', items: setCondition },
  resources: { type: 'array', items: obj({ apiVersion: str, kind: str, name: str, namespace: str, status: str, health: obj({ status: str, message: str }) }) },
  conflicts: { type: 'array', items: obj({ application: str, ownedBy: str, message: str }) },
  applicationStatus: { type: 'array', items: anything },
  promotion: anything,
  reconciledAt: str,
});
const setSpec = obj({
  goTemplate: bool,
  goTemplateOptions: strings,
  generators: { type: 'array', items: anything },
  template: anything,
  templatePatch: str,
  syncPolicy: obj({ preserveResourcesOnDeletion: bool, applicationsSync: { type: 'string', enum: ['create-only', 'create-update', 'create-delete', 'sync'] } }),
  strategy: anything,
  applyNestedSelectors: bool,
}, ['generators', 'template']);

const setCrd = (group: string) => crdFor(group, {
  kind: 'ApplicationSet', plural: 'applicationsets', shortNames: ['appset', 'appsets'],
  printerColumns: [
    { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="ResourcesUpToDate")].reason' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  properties: { spec: setSpec, status: setStatus },
});

// AppProject: Argo CD's field names for what a project's Applications may deploy (domain/project/project.ts).
// Roles, sync windows and signature keys are Argo CD fields Sluice does not act on; they are refused by the schema.
const groupKinds = { type: 'array', items: obj({ group: str, kind: str }, ['kind']) };
const projectSpec = obj({
  description: str,
  sourceRepos: strings,
  destinations: { type: 'array', items: obj({ server: str, name: str, namespace: str }) },
  clusterResourceWhitelist: groupKinds,
  clusterResourceBlacklist: groupKinds,
  namespaceResourceWhitelist: groupKinds,
  namespaceResourceBlacklist: groupKinds,
  sourceNamespaces: strings,
  destinationServiceAccounts: { type: 'array', items: obj({ server: str, namespace: str, defaultServiceAccount: str }, ['defaultServiceAccount']) },
});

const projectCrd = (group: string) => crdFor(group, {
  kind: 'AppProject', plural: 'appprojects', shortNames: ['appproj', 'appprojs'],
  printerColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
  properties: { spec: projectSpec, status: anything },
});

// SyncApproval: one decision on one pending sync, by the identity the API server authenticated (deploy/admission
// admits it only when spec.approver and spec.approverGroups are the caller's own). Its spec never changes once
// created; the worker forwards it to the sync and writes the outcome to its status. sluice.dev only: it names an
// Application of either group in its own namespace.
const approvalSpec = {
  ...obj({
    application: str, revision: str, diffDigest: str, decision: { type: 'string', enum: ['Approve', 'Reject'] }, comment: str,
    approver: str, approverGroups: strings,
  }, ['application', 'revision', 'diffDigest', 'decision', 'approver']),
  'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'a SyncApproval\'s spec is immutable: create a new one' }],
};
const approvalStatus = obj({ outcome: { type: 'string', enum: ['Accepted', 'Refused'] }, message: str, decidedAt: str, state: str, operationId: str, approverGroups: strings });

const approvalCrd = (group: string) => crdFor(group, {
  kind: 'SyncApproval', plural: 'syncapprovals', shortNames: ['approval', 'approvals'],
  printerColumns: [
    { name: 'Application', type: 'string', jsonPath: '.spec.application' },
    { name: 'Decision', type: 'string', jsonPath: '.spec.decision' },
    { name: 'Approver', type: 'string', jsonPath: '.spec.approver' },
    { name: 'Outcome', type: 'string', jsonPath: '.status.outcome' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  properties: { spec: approvalSpec, status: approvalStatus },
});

// SyncDiff: the redacted diff of a sync waiting for approval (domain/operation/sync-diff.ts), written by the
// worker, one per Application and owned by it, read by approvers (deploy/rbac/approver) who may not read the
// destination. The CLI checks its resources against the pending request's digest before it shows them.
const diffCrd = (group: string) => crdFor(group, {
  kind: 'SyncDiff', plural: 'syncdiffs', shortNames: [],
  printerColumns: [
    { name: 'Application', type: 'string', jsonPath: '.spec.application' },
    { name: 'Revision', type: 'string', jsonPath: '.spec.revision' },
    { name: 'Digest', type: 'string', jsonPath: '.spec.diffDigest' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  properties: {
    spec: obj({
      application: str, applicationGroup: str, operationId: str, revision: str, diffDigest: str, omitted: str,
      resources: { type: 'array', items: obj({ subject: str, status: str, diff: str }, ['subject', 'status', 'diff']) },
    }, ['application', 'revision', 'diffDigest', 'resources']),
  },
});

export function crdDocuments(): Record<string, string> {
  const header = '# Generated by scripts/generate-crds.ts; do not edit by hand.\n';
  return {
    [`application.${SLUICE_GROUP}.yaml`]: header + stringify(crd(SLUICE_GROUP), { aliasDuplicateObjects: false }),
    [`application.${ARGOCD_GROUP}.yaml`]: header + '# Argo CD compatibility mode: install only on clusters with no Argo CD controller.\n' + stringify(crd(ARGOCD_GROUP), { aliasDuplicateObjects: false }),
    [`applicationset.${SLUICE_GROUP}.yaml`]: header + stringify(setCrd(SLUICE_GROUP), { aliasDuplicateObjects: false }),
    [`applicationset.${ARGOCD_GROUP}.yaml`]: header + '# Argo CD compatibility mode: install only on clusters with no Argo CD controller.\n' + stringify(setCrd(ARGOCD_GROUP), { aliasDuplicateObjects: false }),
    [`appproject.${SLUICE_GROUP}.yaml`]: header + stringify(projectCrd(SLUICE_GROUP), { aliasDuplicateObjects: false }),
    [`appproject.${ARGOCD_GROUP}.yaml`]: header + '# Argo CD compatibility mode: install only on clusters with no Argo CD controller.\n' + stringify(projectCrd(ARGOCD_GROUP), { aliasDuplicateObjects: false }),
    [`syncapproval.${SLUICE_GROUP}.yaml`]: header + '# Install with deploy/admission, which authenticates spec.approver.\n' + stringify(approvalCrd(SLUICE_GROUP), { aliasDuplicateObjects: false }),
    [`syncdiff.${SLUICE_GROUP}.yaml`]: header + stringify(diffCrd(SLUICE_GROUP), { aliasDuplicateObjects: false }),
  };
}

if (require.main === module) {
  const dir = path.join(__dirname, '..', 'deploy', 'crds');
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(crdDocuments())) fs.writeFileSync(path.join(dir, file), text);
  console.log(`wrote ${Object.keys(crdDocuments()).join(', ')} to ${dir}`);
}
