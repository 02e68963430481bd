// The figures of one bench/fleet.ts run, read back from its output, and a table of several runs with their medians
// (bench/fleet-runs.ts). Pure: test/unit/bench-fleet-log.test.ts reads real output lines.

export interface FleetFigures {
  apps: number;
  kubectl?: number;
  /** Flux's seconds until every Kustomization was Ready; or, when it did not get there, how far it got. */
  flux?: { seconds: number; cpu: number; peakMiB: number } | { unfinished: string; seconds: number; cpu?: number; peakMiB?: number };
  sluice?: { seconds: number; cpu: number; peakMiB: number };
  /** What the stack's processes spent during each contender (CPU-s by process name). */
  stackDuringFlux: Record<string, number>;
  stackDuringSluice: Record<string, number>;
  /** The worker's counters over Sluice's run (sluice_kube_request_total and the like). */
  counters: Record<string, number>;
  steady?: {
    cpuPerMinute: number;
    rssMiB: number;
    /** The worker's counters during the steady state, per minute. */
    perMinute: Record<string, number>;
    /** Temporal's work: refreshes per minute, and the SDK's counters per refresh by label ("workflow tasks", ...). */
    temporal?: { refreshesPerMinute: number; perRefresh: Record<string, number> };
  };
  /** Each contender's progress as printed: [seconds, apps Synced and Healthy] and [seconds, Kustomizations Ready]. */
  sluiceProgress: Array<[number, number]>;
  fluxProgress: Array<[number, number]>;
}

/** The last count printed at most `seconds` into a run. */
const doneAt = (progress: Array<[number, number]>, seconds: number) => progress.filter(([t]) => t <= seconds).at(-1)?.[1] ?? 0;

/** How many apps Sluice had Synced and Healthy `seconds` into its run. */
export const sluiceDoneAt = (figures: FleetFigures, seconds: number) => doneAt(figures.sluiceProgress, seconds);

/** How many Kustomizations Flux had Ready `seconds` into its run. */
export const fluxDoneAt = (figures: FleetFigures, seconds: number) => doneAt(figures.fluxProgress, seconds);

const num = (s: string | undefined) => (s === undefined ? NaN : Number(s.replace(/,/g, '')));

function stackLine(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/([a-z-]+) (-?[0-9.]+|NaN)/g)) out[m[1]] = num(m[2]);
  return out;
}

export function parseFleetLog(output: string): FleetFigures {
  const figures: FleetFigures = { apps: NaN, stackDuringFlux: {}, stackDuringSluice: {}, counters: {}, sluiceProgress: [], fluxProgress: [] };
  let steady = false;
  for (const line of output.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^fleet of ([0-9]+) apps/.exec(line))) figures.apps = num(m[1]);
    else if ((m = /^ {2}([0-9]+)s: ([0-9]+)\/[0-9]+ Synced and Healthy$/.exec(line))) figures.sluiceProgress.push([num(m[1]), num(m[2])]);
    else if ((m = /^ {2}([0-9]+)s: ([0-9]+)\/[0-9]+ Kustomizations Ready$/.exec(line))) figures.fluxProgress.push([num(m[1]), num(m[2])]);
    else if ((m = /^kubectl apply --server-side \+ wait: ([0-9.]+) s/.exec(line))) figures.kubectl = num(m[1]);
    else if ((m = /^flux: ([0-9.]+) s .*?; source-controller \+ kustomize-controller ([0-9.]+) CPU-s .*peak RSS ([0-9]+) MiB/.exec(line))) {
      figures.flux = { seconds: num(m[1]), cpu: num(m[2]), peakMiB: num(m[3]) };
    } else if ((m = /^flux: ((?:only|stalled at) .*?after ([0-9]+) s.*)$/.exec(line))) figures.flux = { ...figures.flux, unfinished: m[1], seconds: num(m[2]) };
    else if ((m = /^ {2}flux until stopped: .* ([0-9.]+) CPU-s, peak RSS ([0-9]+) MiB/.exec(line))) figures.flux = { unfinished: '', seconds: NaN, ...figures.flux, cpu: num(m[1]), peakMiB: num(m[2]) };
    else if ((m = /^sluice: ([0-9.]+) s .*?; worker ([0-9.]+) CPU-s .*peak RSS ([0-9]+) MiB/.exec(line))) {
      figures.sluice = { seconds: num(m[1]), cpu: num(m[2]), peakMiB: num(m[3]) };
    } else if ((m = /^ {2}stack CPU-s during Flux: (.*)$/.exec(line))) figures.stackDuringFlux = stackLine(m[1]);
    else if ((m = /^ {2}stack CPU-s during Sluice: (.*)$/.exec(line))) figures.stackDuringSluice = stackLine(m[1]);
    else if ((m = /^steady state over [0-9]+s: ([0-9.]+) CPU-s\/min, RSS ([0-9]+) MiB/.exec(line))) {
      figures.steady = { cpuPerMinute: num(m[1]), rssMiB: num(m[2]), perMinute: {} };
      steady = true;
    } else if (!steady && (m = /^ {2}(sluice_[a-z_]+(?:\.[A-Z]+)?): ([0-9.]+)$/.exec(line))) figures.counters[m[1]] = num(m[2]);
    else if (figures.steady && (m = /^ {2}(sluice_[a-z_]+(?:\.[A-Z]+)?): ([0-9.]+)\/min$/.exec(line))) figures.steady.perMinute[m[1]] = num(m[2]);
    else if (figures.steady && (m = /^steady state Temporal work: ([0-9.]+) refreshes\/min; per refresh (.*)$/.exec(line))) {
      const perRefresh = Object.fromEntries([...m[2].matchAll(/([0-9.]+) ([a-zA-Z ]+?)(?:,|$)/g)].map((x) => [x[2].trim(), num(x[1])]));
      figures.steady.temporal = { refreshesPerMinute: num(m[1]), perRefresh };
    }
  }
  return figures;
}

/** The median of the numbers that are there (NaN when none is). */
export function median(values: Array<number | undefined>): number {
  const xs = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

const f = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** The apps a contender finished: all of them, or as many as an unfinished one's message says ("only 269/1000 ..."). */
const appsDone = (note: string, apps: number) => Number(/(\d+)\/\d+/.exec(note)?.[1] ?? apps);

/**
 * One row per run and the medians, as a markdown table. A Flux that did not finish shows how far it got and Sluice's
 * count at that moment; Sluice's time against it is then an upper bound (≤), its CPU-s per app are per app it
 * finished, and its peak RSS is a lower bound (≥) of what finishing would have taken.
 */
export function summarise(runs: FleetFigures[]): string {
  const sum = (r: Record<string, number>, ...names: string[]) => names.reduce((a, n) => a + (r[n] ?? NaN), 0);
  const row = (r: FleetFigures) => {
    const { apps, sluice } = r;
    const unfinished = r.flux && 'unfinished' in r.flux ? r.flux : undefined;
    const fluxDone = unfinished ? appsDone(unfinished.unfinished, apps) : apps;
    const fluxCpu = r.flux?.cpu ?? NaN;
    const fluxPerApp = fluxCpu / fluxDone;
    const sluicePerApp = (sluice?.cpu ?? NaN) / apps;
    return {
      kubectl: r.kubectl ?? NaN,
      flux: r.flux?.seconds ?? NaN,
      fluxNote: unfinished ? ` (${unfinished.unfinished}; Sluice then: ${sluiceDoneAt(r, unfinished.seconds)} done; Flux when Sluice was done: ${sluice ? fluxDoneAt(r, sluice.seconds) : '—'})` : '',
      sluice: sluice?.seconds ?? NaN,
      vsFlux: sluice && r.flux ? sluice.seconds / r.flux.seconds : NaN,
      vsKubectl: sluice && r.kubectl ? sluice.seconds / r.kubectl : NaN,
      fluxPerApp, sluicePerApp, cpuRatio: sluicePerApp / fluxPerApp,
      fluxPeak: r.flux?.peakMiB ?? NaN, sluicePeak: sluice?.peakMiB ?? NaN,
      peakRatio: (sluice?.peakMiB ?? NaN) / (r.flux?.peakMiB ?? NaN),
      fluxSystem: fluxCpu + sum(r.stackDuringFlux, 'kube-apiserver', 'etcd'),
      sluiceSystem: (sluice?.cpu ?? NaN) + sum(r.stackDuringSluice, 'temporal', 'kube-apiserver', 'etcd'),
      requests: r.counters.sluice_kube_request_total ?? NaN,
    };
  };
  const rows = runs.map(row);
  const bound = runs.some((r) => r.flux && 'unfinished' in r.flux);
  const [le, ge] = bound ? ['≤ ', '≥ '] : ['', ''];
  const med = Object.fromEntries(Object.keys(rows[0] ?? {}).map((k) => [k, median(rows.map((x) => x[k as keyof typeof x] as number))])) as Record<string, number>;
  const header = `| run | kubectl | Flux | Sluice | Sluice / Flux time | Sluice / kubectl | CPU-s per app${bound ? ' done' : ''} Flux / Sluice (ratio) | peak RSS MiB Flux / Sluice (ratio) | whole system CPU-s Flux / Sluice | Sluice API requests |\n|---|---|---|---|---|---|---|---|---|---|`;
  const line = (label: string, x: Record<string, number | string>, note = '') =>
    `| ${label} | ${f(x.kubectl as number)} s | ${f(x.flux as number)} s${note} | ${f(x.sluice as number)} s | ${le}${f(x.vsFlux as number, 2)}× | ${f(x.vsKubectl as number, 2)}× | ${f(x.fluxPerApp as number, 2)} / ${f(x.sluicePerApp as number, 2)} (${f(x.cpuRatio as number, 2)}×) | ${ge}${f(x.fluxPeak as number, 0)} / ${f(x.sluicePeak as number, 0)} (${le}${f(x.peakRatio as number, 2)}×) | ${f(x.fluxSystem as number)} / ${f(x.sluiceSystem as number)} | ${f(x.requests as number, 0)} |`;
  return [header, ...rows.map((x, i) => line(String(i + 1), x, x.fluxNote as string)), line('**median**', med)].join('\n');
}

/** The steady state of each run that has one, and the medians, as a markdown table; empty when none has. */
export function summariseSteady(runs: FleetFigures[]): string {
  const labels = ['workflow tasks', 'local activities', 'activities', 'requests to Temporal'];
  const rows = runs.filter((r) => r.steady).map((r) => {
    const st = r.steady!;
    return [st.cpuPerMinute, st.rssMiB, st.perMinute.sluice_kube_request_total ?? NaN, st.perMinute['sluice_kube_request_total.PATCH'] ?? NaN, st.temporal?.refreshesPerMinute ?? NaN, ...labels.map((l) => st.temporal?.perRefresh[l] ?? NaN)];
  });
  if (rows.length === 0) return '';
  const med = rows[0].map((_, i) => median(rows.map((x) => x[i])));
  const line = (label: string, x: number[]) => `| ${label} | ${f(x[0], 2)} | ${f(x[1], 0)} | ${f(x[2])} | ${f(x[3])} | ${f(x[4])} | ${x.slice(5).map((v) => f(v, 2)).join(' / ')} |`;
  return [
    `| run | worker CPU-s/min | RSS MiB | API requests/min | of them PATCH/min | refreshes/min | per refresh: ${labels.join(' / ')} |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map((x, i) => line(String(i + 1), x)), line('**median**', med),
  ].join('\n');
}
