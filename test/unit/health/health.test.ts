// Table test over YAML fixtures named <kind>-<state>[-detail].yaml: the file name says the expected health.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { healthOf, HealthStatus, worst } from '../../../domain/health';
import { KubeObject } from '../../../domain/resource/types';

const dir = path.join(__dirname, 'fixtures');
const STATES: Record<string, HealthStatus> = {
  healthy: 'Healthy', progressing: 'Progressing', degraded: 'Degraded', suspended: 'Suspended', missing: 'Missing', unknown: 'Unknown',
};
const cases = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((file) => {
  const expected = STATES[file.split('-')[1].replace('.yaml', '')];
  return [file, expected] as const;
});

test.each(cases)('%s is %s', (file, expected) => {
  expect(expected).toBeDefined();
  const obj = parse(readFileSync(path.join(dir, file), 'utf8')) as KubeObject;
  expect(healthOf(obj).status).toBe(expected);
});

test('a missing object is Missing, and an object being deleted is Progressing', () => {
  expect(healthOf(undefined).status).toBe('Missing');
  const deleting = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', deletionTimestamp: '2026-01-01T00:00:00Z' } };
  expect(healthOf(deleting).status).toBe('Progressing');
});

test('app health is the worst child', () => {
  expect(worst([])).toBe('Healthy');
  expect(worst(['Healthy', 'Suspended'])).toBe('Suspended');
  expect(worst(['Healthy', 'Progressing', 'Suspended'])).toBe('Progressing');
  expect(worst(['Missing', 'Degraded', 'Progressing'])).toBe('Degraded');
  expect(worst(['Degraded', 'Unknown'])).toBe('Unknown');
});
