import { fluxDoneAt, median, parseFleetLog, sluiceDoneAt, summarise, summariseSteady } from '../../bench/fleet-log';

// Lines as bench/fleet.ts prints them (a 100-app run with every contender, and a 1,000-app run where Flux ran out of time).
const FULL = `fleet of 100 apps from one repo (worker compiled, idle RSS 141 MiB)
  stack CPU-s during kubectl: kube-apiserver 6.1, etcd 1.7, temporal 0.1, kube-controller-manager 2.0, kwok 1.0
kubectl apply --server-side + wait: 40.8 s
  8s: 2/100 Kustomizations Ready
  stack CPU-s during Flux: kube-apiserver 14.1, etcd 2.2, temporal 0.3, kube-controller-manager 2.5, kwok 1.1
flux: 35.2 s (0.86× kubectl); source-controller + kustomize-controller 19.5 CPU-s (0.20 per app), peak RSS 244 MiB (summed)
  32s: 100/100 Synced and Healthy
  stack CPU-s during Sluice: kube-apiserver 16.4, etcd 3.3, temporal 19.2, kube-controller-manager 2.4, kwok 1.2
  at the highest RSS sampled (215 MiB): main-thread V8 heap 60 used / 90 MiB total, external 6 MiB; the other 119 MiB native
sluice: 31.8 s (0.78× kubectl); worker 16.6 CPU-s (0.17 per app), peak RSS 218 MiB
sluice / flux: 0.90× time, 0.85× CPU-s, 0.89× peak RSS
  sluice_kube_request_total: 3563
  sluice_kube_request_total.GET: 2030
  sluice_git_fetch_total: 1
steady state over 120s: 0.61 CPU-s/min, RSS 212 MiB
  sluice_kube_request_total: 20.0/min
  sluice_kube_request_total.PATCH: 0.5/min
steady state Temporal work: 28.5 refreshes/min; per refresh 1.02 workflow tasks, 1.00 local activities, 0.00 activities, 1.04 requests to Temporal
`;
const UNFINISHED = `fleet of 1000 apps from one repo (worker compiled, idle RSS 145 MiB)
kubectl apply --server-side + wait: NaN s
  410s: 520/1000 Kustomizations Ready
  425s: 541/1000 Kustomizations Ready
  flux until stopped: source-controller + kustomize-controller 391.5 CPU-s, peak RSS 262 MiB (summed)
flux: only 783/1000 Kustomizations Ready after 600 s (--limit)
  360s: 580/1000 Synced and Healthy
  419s: 1000/1000 Synced and Healthy
sluice: 419.6 s (NaN× kubectl); worker 220.1 CPU-s (0.22 per app), peak RSS 760 MiB
  stack CPU-s during Sluice: kube-apiserver 262.9, etcd 36.1, temporal 166.7, kube-controller-manager 9.0, kwok 5.0
  sluice_kube_request_total: 44163
`;

describe('bench fleet log', () => {
  test('reads every contender, the stack, the counters and the steady state of a run', () => {
    const r = parseFleetLog(FULL);
    expect(r.kubectl).toBe(40.8);
    expect(r.flux).toEqual({ seconds: 35.2, cpu: 19.5, peakMiB: 244 });
    expect(r.sluice).toEqual({ seconds: 31.8, cpu: 16.6, peakMiB: 218 });
    expect(r.stackDuringSluice).toMatchObject({ 'kube-apiserver': 16.4, etcd: 3.3, temporal: 19.2 });
    expect(r.stackDuringFlux['kube-apiserver']).toBe(14.1);
    // The counters are the run's, not the steady state's per-minute rates printed after it.
    expect(r.counters).toEqual({ sluice_kube_request_total: 3563, 'sluice_kube_request_total.GET': 2030, sluice_git_fetch_total: 1 });
    expect(r.steady).toEqual({
      cpuPerMinute: 0.61, rssMiB: 212, perMinute: { sluice_kube_request_total: 20, 'sluice_kube_request_total.PATCH': 0.5 },
      temporal: { refreshesPerMinute: 28.5, perRefresh: { 'workflow tasks': 1.02, 'local activities': 1, activities: 0, 'requests to Temporal': 1.04 } },
    });
  });

  test('the steady state of several runs, with medians; nothing when no run had one', () => {
    const a = parseFleetLog(FULL);
    const b = parseFleetLog(FULL.replace('0.61 CPU-s/min, RSS 212', '0.81 CPU-s/min, RSS 230').replace('20.0/min', '24.0/min'));
    const c = parseFleetLog(FULL.replace('0.61 CPU-s/min, RSS 212', '0.71 CPU-s/min, RSS 220').replace('1.02 workflow tasks', '1.10 workflow tasks'));
    const table = summariseSteady([a, b, c]).split('\n');
    expect(table[2]).toBe('| 1 | 0.61 | 212 | 20.0 | 0.5 | 28.5 | 1.02 / 1.00 / 0.00 / 1.04 |');
    expect(table.at(-1)).toBe('| **median** | 0.71 | 220 | 20.0 | 0.5 | 28.5 | 1.02 / 1.00 / 0.00 / 1.04 |');
    expect(summariseSteady([parseFleetLog(UNFINISHED)])).toBe('');
  });

  test('a Flux that ran out of time is recorded as how far it got, and bounds the ratio', () => {
    const r = parseFleetLog(UNFINISHED);
    expect(r.kubectl).toBeUndefined(); // --no-kubectl
    expect(r.flux).toEqual({ unfinished: 'only 783/1000 Kustomizations Ready after 600 s (--limit)', seconds: 600, cpu: 391.5, peakMiB: 262 });
    const table = summarise([r]);
    // Flux's CPU-s per app it finished (391.5 / 783), Sluice's per app (220.1 / 1000); Flux's peak is a lower bound.
    expect(table).toContain('| 1 | — s | 600.0 s (only 783/1000 Kustomizations Ready after 600 s (--limit); Sluice then: 1000 done; Flux when Sluice was done: 520) | 419.6 s | ≤ 0.70× | —× | 0.50 / 0.22 (0.44×) | ≥ 262 / 760 (≤ 2.90×) |');
    expect(sluiceDoneAt(r, 400)).toBe(580);
    expect(sluiceDoneAt(r, 10)).toBe(0);
    expect(fluxDoneAt(r, 430)).toBe(541);
    expect(table).toMatch(/\| \*\*median\*\* .*\| ≤ 0\.70× \|/);
  });

  test.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[5, NaN, undefined, 1], 3],
    [[], NaN],
  ])('median of %p is %p', (values, expected) => {
    expect(median(values as Array<number | undefined>)).toEqual(expected);
  });

  test('the median row takes each figure and each ratio over the runs', () => {
    const a = parseFleetLog(FULL);
    const b = parseFleetLog(FULL.replace('sluice: 31.8 s', 'sluice: 40.0 s').replace('peak RSS 218 MiB', 'peak RSS 300 MiB'));
    const c = parseFleetLog(FULL.replace('sluice: 31.8 s', 'sluice: 30.0 s'));
    const lines = summarise([a, b, c]).split('\n');
    expect(lines).toHaveLength(2 + 3 + 1);
    expect(lines[5]).toMatch(/^\| \*\*median\*\* \| 40\.8 s \| 35\.2 s \| 31\.8 s \| 0\.90× \| 0\.78× \| 0\.20 \/ 0\.17 \(0\.85×\) \| 244 \/ 218 \(0\.89×\) \| 35\.8 \/ 55\.5 \| 3563 \|$/);
  });
});
