// deploy/monitoring is checked with Prometheus's own promtool: the PrometheusRule's alerts, their unit tests
// (rules.test.yaml), and every PromQL expression on the Grafana dashboard, which must also only name metrics
// Sluice's registry (activities/metrics.ts) exports. promtool is required: set SLUICE_PROMTOOL to its path
// when it is not on PATH.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { registry } from '../../activities/metrics';

const monitoring = path.join(__dirname, '../../deploy/monitoring');
const promtool = process.env.SLUICE_PROMTOOL ?? 'promtool';

const rule = parse(fs.readFileSync(path.join(monitoring, 'prometheus-rule.yaml'), 'utf8'));
const ruleTests = parse(fs.readFileSync(path.join(monitoring, 'rules.test.yaml'), 'utf8'));
const dashboard = JSON.parse(fs.readFileSync(path.join(monitoring, 'grafana-dashboard.json'), 'utf8'));

interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: { expr?: string }[] }
interface AlertRule { alert?: string; record?: string; expr: string }
const panels: Panel[] = dashboard.panels;
const alerts: AlertRule[] = rule.spec.groups.flatMap((g: { rules: AlertRule[] }) => g.rules);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-monitoring-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs promtool and throws with its output unless it exits 0. A missing promtool fails the test too. */
function promtoolRun(...args: string[]): string {
  const result = spawnSync(promtool, args, { encoding: 'utf8' });
  if (result.error) {
    throw new Error(`cannot run promtool as "${promtool}" (${result.error.message}); install Prometheus's promtool or set SLUICE_PROMTOOL to its path`);
  }
  if (result.status !== 0) throw new Error(`promtool ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

function writeTemp(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The PrometheusRule's spec is a plain rule file; rules.test.yaml loads it as sluice.rules.yaml from its own dir. */
function extractRules(): string {
  return writeTemp('sluice.rules.yaml', stringify(rule.spec));
}

// Grafana variables, replaced by something PromQL parses. Unknown ones fail the test.
const grafanaVariables: Record<string, string> = { __rate_interval: '5m', __interval: '1m', __range: '1h', namespace: '.*' };
function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (all, braced: string | undefined, bare: string | undefined) => {
    const value = grafanaVariables[braced ?? bare ?? ''];
    if (value === undefined) throw new Error(`unknown Grafana variable ${all} in ${expr}`);
    return value;
  });
}

// A regex over identifiers that start with sluice_ is enough to find the metric names: every Sluice metric has
// that prefix, and label values and recording-rule names (sluice:...) in these files do not.
const metricNames = (expr: string): string[] => expr.match(/\bsluice_\w+/g) ?? [];

async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

const dashboardExprs = (): { panel: Panel; n: number; expr: string }[] =>
  panels.flatMap((panel) => (panel.targets ?? []).map((target, n) => ({ panel, n, expr: target.expr ?? '' })));

test('promtool is available', () => {
  expect(promtoolRun('--version')).toMatch(/promtool, version/);
});

test('the PrometheusRule is a valid Prometheus rule file (promtool check rules)', () => {
  expect(rule).toMatchObject({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'sluice', namespace: 'sluice', labels: { 'app.kubernetes.io/part-of': 'sluice' } },
  });
  expect(rule.spec.groups.map((g: { name: string }) => g.name)).toEqual(['sluice']);
  expect(alerts.map((a) => a.alert)).toEqual(expect.arrayContaining(['SluiceSyncFailing', 'SluiceAppDegraded', 'SluiceApprovalWaiting']));
  expect(promtoolRun('check', 'rules', extractRules())).toMatch(/SUCCESS/);
});

test('the alerts pass their promtool unit tests (deploy/monitoring/rules.test.yaml)', () => {
  extractRules();
  fs.copyFileSync(path.join(monitoring, 'rules.test.yaml'), path.join(tmp, 'rules.test.yaml'));
  expect(promtoolRun('test', 'rules', path.join(tmp, 'rules.test.yaml'))).toMatch(/SUCCESS/);
});

test('every alert has unit tests where it fires and where it does not', () => {
  const cases: { alertname: string; exp_alerts?: unknown[] }[] = ruleTests.tests.flatMap((t: { alert_rule_test?: unknown[] }) => t.alert_rule_test ?? []);
  for (const { alert } of alerts) {
    const own = cases.filter((c) => c.alertname === alert);
    expect({ alert, fires: own.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({ alert, fires: true });
    expect({ alert, quiet: own.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, quiet: true });
  }
});

test('a failing promtool check fails the test', () => {
  const broken = writeTemp('broken.rules.yaml', stringify({ groups: [{ name: 'broken', rules: [{ alert: 'Broken', expr: 'sum(sluice_approvals_pending' }] }] }));
  expect(() => promtoolRun('check', 'rules', broken)).toThrow(/exited 1:[\s\S]*broken\.rules\.yaml/);
});

test('the dashboard has its variables, unique panel ids, targets, and panels that do not overlap', () => {
  expect(dashboard).toMatchObject({ uid: 'sluice', title: 'Sluice' });
  const variables = Object.fromEntries(dashboard.templating.list.map((v: { name: string }) => [v.name, v]));
  expect(variables.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
  expect(variables.namespace).toMatchObject({ type: 'query', query: { query: 'label_values(sluice_app_info, namespace)' } });

  const ids = panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const panel of panels) {
    expect({ panel: panel.title, targets: (panel.targets ?? []).filter((t) => t.expr).length > 0 }).toEqual({ panel: panel.title, targets: true });
    const { x, w } = panel.gridPos;
    expect({ panel: panel.title, fits: x >= 0 && w > 0 && x + w <= 24 }).toEqual({ panel: panel.title, fits: true });
  }
  const overlaps: string[] = [];
  panels.forEach((a, i) => panels.slice(i + 1).forEach((b) => {
    const [p, q] = [a.gridPos, b.gridPos];
    if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h) overlaps.push(`${a.title} / ${b.title}`);
  }));
  expect(overlaps).toEqual([]);
});

test('every PromQL expression names only metrics Sluice exports, and each of them is on the dashboard', async () => {
  const exported = await exportedMetricNames();
  const used = [...dashboardExprs().map((e) => e.expr), ...alerts.map((a) => a.expr)].flatMap(metricNames);
  expect(used.length).toBeGreaterThan(0);
  expect([...new Set(used)].filter((name) => !exported.has(name))).toEqual([]);

  const onDashboard = new Set(dashboardExprs().flatMap((e) => metricNames(e.expr)).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
  const sluiceMetrics = (await registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('sluice_'));
  expect(sluiceMetrics.filter((n) => !onDashboard.has(n))).toEqual([]);
});

test('every dashboard expression is valid PromQL (promtool check rules on them as recording rules)', () => {
  const rules = dashboardExprs().map(({ panel, n, expr }) => ({ record: `sluice:dashboard:panel_${panel.id}_${n}`, expr: withoutGrafanaVariables(expr) }));
  const file = writeTemp('dashboard.rules.yaml', stringify({ groups: [{ name: 'sluice-dashboard', rules }] }));
  expect(promtoolRun('check', 'rules', file)).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
});
