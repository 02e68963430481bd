// Validation of an Application manifest. Every problem names the field it is about, so a person can fix
// the manifest from the message alone. Unsupported sources are reported apart from invalid ones: they are
// valid Argo CD, just not something Sluice renders, and must never be rendered as "empty".
import semver from 'semver';
import { jqPaths, JqPathError } from '../diff/paths';
import { parseDuration } from '../duration';
import { MAX_STEP_TIMEOUT_MS } from '../plan/step-deadline';
import { parseSyncOptions, SyncOptionError } from './sync-options';
import { APPLICATION_VERSION, ARGOCD_GROUP, Application, ApplicationSource, SLUICE_GROUP } from './types';

export type ProblemReason = 'InvalidSpec' | 'UnsupportedSource';

export interface SpecProblem {
  field: string;
  message: string;
  reason: ProblemReason;
}

export class InvalidApplicationError extends Error {
  constructor(readonly application: string, readonly problems: SpecProblem[]) {
    super(`Application ${application}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SPEC_FIELDS = new Set(['project', 'source', 'sources', 'destination', 'syncPolicy', 'ignoreDifferences', 'revisionHistoryLimit', 'info']);

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `ref` is a legal git ref name (git check-ref-format), a short or full SHA, or HEAD. */
export function isValidRefName(ref: string): boolean {
  if (ref.length === 0 || ref.length > 255) return false;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return false;
  if (ref.includes('..') || ref.includes('@{') || ref.includes('//')) return false;
  if (ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.') || ref.endsWith('.lock') || ref === '@') return false;
  return ref.split('/').every((part) => !part.startsWith('.'));
}

/** A semver constraint over tags ("1.x", ">=1.2.0 <2"); an exact version is a tag name, not a constraint. */
export function isSemverConstraint(revision: string): boolean {
  return semver.valid(revision) === null && semver.validRange(revision) !== null && /[\sx*^~<>=|]/i.test(revision);
}

export function isValidRevision(revision: string): boolean {
  return isValidRefName(revision) || isSemverConstraint(revision);
}

class Problems {
  readonly list: SpecProblem[] = [];
  invalid(field: string, message: string): void {
    this.list.push({ field, message, reason: 'InvalidSpec' });
  }
  unsupported(field: string, message: string): void {
    this.list.push({ field, message, reason: 'UnsupportedSource' });
  }
}

function checkDuration(problems: Problems, field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || parseDuration(value) === undefined) {
    problems.invalid(field, `${JSON.stringify(value)} is not a duration such as "5s", "3m" or "1h" (negative durations are not allowed)`);
  }
}

function checkJsonnet(problems: Problems, field: string, jsonnet: unknown): void {
  if (!isObject(jsonnet)) {
    problems.invalid(field, 'must be an object with extVars, tlas and libs');
    return;
  }
  for (const list of ['extVars', 'tlas'] as const) {
    const vars = jsonnet[list];
    if (vars === undefined) continue;
    if (!Array.isArray(vars)) {
      problems.invalid(`${field}.${list}`, 'must be a list of {name, value, code}');
      continue;
    }
    vars.forEach((v, i) => {
      if (!isObject(v) || typeof v.name !== 'string' || v.name === '') problems.invalid(`${field}.${list}[${i}].name`, 'is required');
      else if (typeof (v.value ?? '') !== 'string') problems.invalid(`${field}.${list}[${i}].value`, 'must be a string (Jsonnet code when code is true)');
      else if (v.code !== undefined && typeof v.code !== 'boolean') problems.invalid(`${field}.${list}[${i}].code`, 'must be true or false');
    });
  }
  const libs = jsonnet.libs;
  if (libs !== undefined && (!Array.isArray(libs) || libs.some((l) => typeof l !== 'string'))) problems.invalid(`${field}.libs`, 'must be a list of paths in the repository');
}

function checkSource(problems: Problems, field: string, source: unknown): void {
  if (!isObject(source)) {
    problems.invalid(field, 'must be an object with repoURL, path and targetRevision');
    return;
  }
  const s = source as Partial<ApplicationSource>;
  if (typeof s.repoURL !== 'string' || s.repoURL === '') {
    problems.invalid(`${field}.repoURL`, 'is required');
  } else if (!/^https?:\/\//.test(s.repoURL)) {
    problems.unsupported(`${field}.repoURL`, `${s.repoURL}: only http(s) git repositories are supported (not SSH or OCI)`);
  }
  if (s.targetRevision !== undefined && (typeof s.targetRevision !== 'string' || !isValidRevision(s.targetRevision))) {
    problems.invalid(`${field}.targetRevision`, `${JSON.stringify(s.targetRevision)} is neither a branch, tag, commit SHA nor a semver constraint`);
  }
  if (s.chart !== undefined) problems.unsupported(`${field}.chart`, 'Helm chart repositories (including OCI) are not supported; point path at a chart in git');
  if (s.plugin !== undefined) problems.unsupported(`${field}.plugin`, 'config management plugins are not supported');
  if (isObject(s.directory) && s.directory.jsonnet !== undefined) checkJsonnet(problems, `${field}.directory.jsonnet`, s.directory.jsonnet);
  if (s.path !== undefined) {
    if (typeof s.path !== 'string') problems.invalid(`${field}.path`, 'must be a string');
    else if (s.path.startsWith('/') || s.path.split('/').includes('..')) problems.invalid(`${field}.path`, `${s.path}: must be relative to the repository root, without ".."`);
  } else if (s.chart === undefined) {
    problems.invalid(`${field}.path`, 'is required');
  }
  if (s.sourceType !== undefined && !['Directory', 'Kustomize', 'Helm'].includes(s.sourceType)) {
    problems.invalid(`${field}.sourceType`, `${JSON.stringify(s.sourceType)} must be Directory, Kustomize or Helm`);
  }
  const sourceKinds = ['directory', 'kustomize', 'helm'].filter((k) => (s as Obj)[k] !== undefined);
  if (sourceKinds.length > 1) problems.invalid(field, `only one of ${sourceKinds.join(', ')} may be set`);
  if (isObject(s.helm)) {
    // Whether each file stays inside the repository is checked when rendering, against the checkout.
    if (s.helm.valueFiles !== undefined && (!Array.isArray(s.helm.valueFiles) || s.helm.valueFiles.some((f) => typeof f !== 'string'))) {
      problems.invalid(`${field}.helm.valueFiles`, 'must be a list of paths inside the repository');
    }
  }
}

function checkDestination(problems: Problems, destination: unknown): void {
  if (!isObject(destination)) {
    problems.invalid('spec.destination', 'is required');
    return;
  }
  const { server, name, namespace } = destination;
  if (server !== undefined && name !== undefined) problems.invalid('spec.destination', 'set either server or name, not both');
  if (server === undefined && name === undefined) problems.invalid('spec.destination', 'one of server or name is required');
  if (server !== undefined && (typeof server !== 'string' || !/^https?:\/\//.test(server))) problems.invalid('spec.destination.server', `${JSON.stringify(server)} must be an https URL`);
  if (namespace !== undefined && (typeof namespace !== 'string' || !DNS_LABEL.test(namespace))) problems.invalid('spec.destination.namespace', `${JSON.stringify(namespace)} is not a valid namespace name`);
}

function checkSyncPolicy(problems: Problems, policy: unknown): void {
  if (policy === undefined) return;
  if (!isObject(policy)) {
    problems.invalid('spec.syncPolicy', 'must be an object');
    return;
  }
  if (policy.automated !== undefined && policy.automated !== null) {
    if (!isObject(policy.automated)) problems.invalid('spec.syncPolicy.automated', 'must be an object');
    else for (const flag of ['prune', 'selfHeal', 'allowEmpty']) {
      const v = policy.automated[flag];
      if (v !== undefined && typeof v !== 'boolean') problems.invalid(`spec.syncPolicy.automated.${flag}`, 'must be true or false');
    }
  }
  if (policy.syncOptions !== undefined) {
    if (!Array.isArray(policy.syncOptions)) problems.invalid('spec.syncPolicy.syncOptions', 'must be a list of "Key=value" strings');
    else policy.syncOptions.forEach((option, i) => {
      try {
        parseSyncOptions([String(option)]);
      } catch (error) {
        if (error instanceof SyncOptionError) problems.invalid(`spec.syncPolicy.syncOptions[${i}]`, error.message);
        else throw error;
      }
    });
  }
  const retry = policy.retry;
  if (retry !== undefined) {
    if (!isObject(retry)) problems.invalid('spec.syncPolicy.retry', 'must be an object');
    else {
      if (retry.limit !== undefined && !Number.isInteger(retry.limit)) problems.invalid('spec.syncPolicy.retry.limit', 'must be an integer (0: no retries, negative: unlimited)');
      if (retry.backoff !== undefined) {
        if (!isObject(retry.backoff)) problems.invalid('spec.syncPolicy.retry.backoff', 'must be an object');
        else {
          checkDuration(problems, 'spec.syncPolicy.retry.backoff.duration', retry.backoff.duration);
          checkDuration(problems, 'spec.syncPolicy.retry.backoff.maxDuration', retry.backoff.maxDuration);
          const factor = retry.backoff.factor;
          if (factor !== undefined && (typeof factor !== 'number' || !(factor >= 1))) problems.invalid('spec.syncPolicy.retry.backoff.factor', `${JSON.stringify(factor)} must be a number of at least 1`);
        }
      }
    }
  }
  checkDuration(problems, 'spec.syncPolicy.stepTimeout', policy.stepTimeout);
  const stepTimeout = typeof policy.stepTimeout === 'string' ? parseDuration(policy.stepTimeout) : undefined;
  if (stepTimeout !== undefined && (stepTimeout <= 0 || stepTimeout > MAX_STEP_TIMEOUT_MS)) {
    problems.invalid('spec.syncPolicy.stepTimeout', `${JSON.stringify(policy.stepTimeout)} must be more than 0 and at most 2h`);
  }
  const approval = policy.approval;
  if (approval !== undefined) {
    if (!isObject(approval)) problems.invalid('spec.syncPolicy.approval', 'must be an object');
    else {
      if (approval.required !== undefined && typeof approval.required !== 'boolean') problems.invalid('spec.syncPolicy.approval.required', 'must be true or false');
      if (approval.approvers !== undefined && (!Array.isArray(approval.approvers) || approval.approvers.some((a) => typeof a !== 'string' || a.trim() === ''))) {
        problems.invalid('spec.syncPolicy.approval.approvers', 'must be a list of user names or "group:<name>" entries');
      }
      if (approval.required === true && (!Array.isArray(approval.approvers) || approval.approvers.length === 0)) {
        problems.invalid('spec.syncPolicy.approval.approvers', 'at least one approver is required when approval is required');
      }
      checkDuration(problems, 'spec.syncPolicy.approval.timeout', approval.timeout);
      if (approval.separationOfDuties !== undefined && typeof approval.separationOfDuties !== 'boolean') problems.invalid('spec.syncPolicy.approval.separationOfDuties', 'must be true or false');
      const identities = approval.authorIdentities;
      if (identities !== undefined && (!isObject(identities) || Object.values(identities).some((u) => typeof u !== 'string' || u.trim() === ''))) {
        problems.invalid('spec.syncPolicy.approval.authorIdentities', 'must map commit author emails to Kubernetes user names');
      }
    }
  }
}

function checkIgnoreDifferences(problems: Problems, rules: unknown): void {
  if (rules === undefined) return;
  if (!Array.isArray(rules)) {
    problems.invalid('spec.ignoreDifferences', 'must be a list');
    return;
  }
  rules.forEach((rule, i) => {
    const field = `spec.ignoreDifferences[${i}]`;
    if (!isObject(rule) || typeof rule.kind !== 'string' || rule.kind === '') {
      problems.invalid(`${field}.kind`, 'is required');
      return;
    }
    const pointers = rule.jsonPointers;
    if (pointers !== undefined && (!Array.isArray(pointers) || pointers.some((p) => typeof p !== 'string' || !p.startsWith('/')))) {
      problems.invalid(`${field}.jsonPointers`, 'each pointer must start with "/" (RFC 6901)');
    }
    const jq = rule.jqPathExpressions;
    if (jq !== undefined && (!Array.isArray(jq) || jq.some((p) => typeof p !== 'string' || !p.trim().startsWith('.')))) {
      problems.invalid(`${field}.jqPathExpressions`, 'each expression must be a jq path starting with "."');
    } else {
      (jq ?? []).forEach((expression, j) => {
        // Parsed now, so an expression outside the supported subset is a problem on the spec, not a failing diff.
        try {
          jqPaths({}, expression as string);
        } catch (error) {
          if (error instanceof JqPathError) problems.invalid(`${field}.jqPathExpressions[${j}]`, error.message);
          else throw error;
        }
      });
    }
  });
}

/** Checks an Application manifest; returns every problem found (an empty list means valid). */
export function validateApplication(manifest: unknown): SpecProblem[] {
  const problems = new Problems();
  if (!isObject(manifest)) {
    problems.invalid('(root)', 'an Application must be a YAML/JSON object');
    return problems.list;
  }
  const [group, version] = String(manifest.apiVersion ?? '').split('/');
  if (![SLUICE_GROUP, ARGOCD_GROUP].includes(group) || version !== APPLICATION_VERSION) {
    problems.invalid('apiVersion', `${JSON.stringify(manifest.apiVersion)} must be ${SLUICE_GROUP}/${APPLICATION_VERSION} (or ${ARGOCD_GROUP}/${APPLICATION_VERSION})`);
  }
  if (manifest.kind !== 'Application') problems.invalid('kind', `${JSON.stringify(manifest.kind)} must be Application`);
  const metadata = isObject(manifest.metadata) ? manifest.metadata : {};
  if (typeof metadata.name !== 'string' || !DNS_SUBDOMAIN.test(metadata.name)) problems.invalid('metadata.name', `${JSON.stringify(metadata.name)} is not a valid name`);
  const spec = manifest.spec;
  if (!isObject(spec)) {
    problems.invalid('spec', 'is required');
    return problems.list;
  }
  for (const key of Object.keys(spec)) if (!SPEC_FIELDS.has(key)) problems.invalid(`spec.${key}`, 'unknown field');
  if (spec.sources !== undefined) problems.unsupported('spec.sources', 'multiple sources are not supported; use spec.source');
  else if (spec.source === undefined) problems.invalid('spec.source', 'is required');
  else checkSource(problems, 'spec.source', spec.source);
  checkDestination(problems, spec.destination);
  checkSyncPolicy(problems, spec.syncPolicy);
  checkIgnoreDifferences(problems, spec.ignoreDifferences);
  const limit = spec.revisionHistoryLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 0)) problems.invalid('spec.revisionHistoryLimit', 'must be a non-negative integer');
  return problems.list;
}

/** Validates and narrows; throws InvalidApplicationError naming every bad field. */
export function parseApplication(manifest: unknown): Application {
  const problems = validateApplication(manifest);
  if (problems.length > 0) {
    const meta = isObject(manifest) && isObject(manifest.metadata) ? manifest.metadata : {};
    throw new InvalidApplicationError(`${meta.namespace ?? 'default'}/${meta.name ?? '(unnamed)'}`, problems);
  }
  return manifest as unknown as Application;
}
