// The figures of one bench/fleet.ts run, read back from its output, and a table of several runs with their medians
// (bench/fleet-runs.ts). Pure: test/unit/bench-fleet-log.test.ts reads real output lines.

export interface FleetFigures {
  kubectl?: number;
  /** Flux's seconds until every Kustomization was Ready; or, when it did not get there, how far it got. */
  flux?: { seconds: number; cpu: number; peakMiB: number } | { unfinished: string; seconds: number };
  sluice?: { seconds: number; cpu: number; peakMiB: number };
  /** What the stack's processes spent during each contender (CPU-s by process name). */
  stackDuringFlux: Record<string, number>;
  stackDuringSluice: Record<string, number>;
  /** The worker's counters over Sluice's run (sluice_kube_request_total and the like). */
  counters: Record<string, number>;
  steady?: { cpuPerMinute: number; rssMiB: number };
}

const num = (s: string | undefined) => (s === undefined ? NaN : Number(s.replace(/,/g, '')));

function stackLine(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/([a-z-]+) (-?[0-9.]+|NaN)/g)) out[m[1]] = num(m[2]);
  return out;
}

export function parseFleetLog(output: string): FleetFigures {
  const figures: FleetFigures = { stackDuringFlux: {}, stackDuringSluice: {}, counters: {} };
  let steady = false;
  for (const line of output.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^kubectl apply --server-side \+ wait: ([0-9.]+) s/.exec(line))) figures.kubectl = num(m[1]);
    else if ((m = /^flux: ([0-9.]+) s .*?; source-controller \+ kustomize-controller ([0-9.]+) CPU-s .*peak RSS ([0-9]+) MiB/.exec(line))) {
      figures.flux = { seconds: num(m[1]), cpu: num(m[2]), peakMiB: num(m[3]) };
    } else if ((m = /^flux: ((?:only|stalled at) .*?after ([0-9]+) s.*)$/.exec(line))) figures.flux = { unfinished: m[1], seconds: num(m[2]) };
    else if ((m = /^sluice: ([0-9.]+) s .*?; worker ([0-9.]+) CPU-s .*peak RSS ([0-9]+) MiB/.exec(line))) {
      figures.sluice = { seconds: num(m[1]), cpu: num(m[2]), peakMiB: num(m[3]) };
    } else if ((m = /^ {2}stack CPU-s during Flux: (.*)$/.exec(line))) figures.stackDuringFlux = stackLine(m[1]);
    else if ((m = /^ {2}stack CPU-s during Sluice: (.*)$/.exec(line))) figures.stackDuringSluice = stackLine(m[1]);
    else if ((m = /^steady state over [0-9]+s: ([0-9.]+) CPU-s\/min, RSS ([0-9]+) MiB/.exec(line))) {
      figures.steady = { cpuPerMinute: num(m[1]), rssMiB: num(m[2]) };
      steady = true;
    } else if (!steady && (m = /^ {2}(sluice_[a-z_]+(?:\.[A-Z]+)?): ([0-9.]+)$/.exec(line))) figures.counters[m[1]] = num(m[2]);
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
const finished = (flux: FleetFigures['flux']) => (flux && 'cpu' in flux ? flux : undefined);

/** One row per run and the medians, as a markdown table; Flux unfinished shows how far it got, and Sluice's time against it as an upper bound. */
export function summarise(runs: FleetFigures[]): string {
  const sum = (r: Record<string, number>, ...names: string[]) => names.reduce((a, n) => a + (r[n] ?? NaN), 0);
  const row = (r: FleetFigures) => {
    const flux = finished(r.flux);
    const sluice = r.sluice;
    const vsFlux = !sluice || !r.flux ? NaN : sluice.seconds / r.flux.seconds;
    return {
      kubectl: r.kubectl ?? NaN,
      flux: r.flux?.seconds ?? NaN,
      fluxNote: r.flux && !flux ? ` (${(r.flux as { unfinished: string }).unfinished})` : '',
      sluice: sluice?.seconds ?? NaN,
      vsFlux, vsFluxBound: !!r.flux && !flux,
      vsKubectl: sluice && r.kubectl ? sluice.seconds / r.kubectl : NaN,
      fluxCpu: flux?.cpu ?? NaN, sluiceCpu: sluice?.cpu ?? NaN,
      cpuRatio: flux && sluice ? sluice.cpu / flux.cpu : NaN,
      fluxPeak: flux?.peakMiB ?? NaN, sluicePeak: sluice?.peakMiB ?? NaN,
      peakRatio: flux && sluice ? sluice.peakMiB / flux.peakMiB : NaN,
      fluxSystem: flux ? flux.cpu + sum(r.stackDuringFlux, 'kube-apiserver', 'etcd') : NaN,
      sluiceSystem: sluice ? sluice.cpu + sum(r.stackDuringSluice, 'temporal', 'kube-apiserver', 'etcd') : NaN,
      requests: r.counters.sluice_kube_request_total ?? NaN,
    };
  };
  const rows = runs.map(row);
  const med = Object.fromEntries(Object.keys(rows[0] ?? {}).map((k) => [k, median(rows.map((x) => x[k as keyof typeof x] as number))])) as Record<string, number>;
  const header = '| run | kubectl | Flux | Sluice | Sluice / Flux time | Sluice / kubectl | CPU-s Flux / Sluice (ratio) | peak RSS MiB Flux / Sluice (ratio) | whole system CPU-s Flux / Sluice | Sluice API requests |\n|---|---|---|---|---|---|---|---|---|---|';
  const line = (label: string, x: Record<string, number | string | boolean>, note = '') =>
    `| ${label} | ${f(x.kubectl as number)} s | ${f(x.flux as number)} s${note} | ${f(x.sluice as number)} s | ${x.vsFluxBound ? '≤ ' : ''}${f(x.vsFlux as number, 2)}× | ${f(x.vsKubectl as number, 2)}× | ${f(x.fluxCpu as number)} / ${f(x.sluiceCpu as number)} (${f(x.cpuRatio as number, 2)}×) | ${f(x.fluxPeak as number, 0)} / ${f(x.sluicePeak as number, 0)} (${f(x.peakRatio as number, 2)}×) | ${f(x.fluxSystem as number)} / ${f(x.sluiceSystem as number)} | ${f(x.requests as number, 0)} |`;
  const anyBound = rows.some((x) => x.vsFluxBound);
  return [header, ...rows.map((x, i) => line(String(i + 1), x, x.fluxNote)), line('**median**', { ...med, vsFluxBound: anyBound })].join('\n');
}
