import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { LiveView, renderFrame, renderLine } from '../../client/live-view';
import { temporalOptions } from '../../config/temporal';
import { SyncProgress } from '../../domain/operation/types';

const progress = (phase: SyncProgress['phase'], step: string, statuses: string[]): SyncProgress => ({
  operationId: '1-abc', revision: '0123456789abcdef', attempt: 2, phase, step, startedAt: '2026-01-01T00:00:00Z',
  tasks: [
    { subject: 'Job/ns/migrate', action: 'hook', phase: 'PreSync', wave: 0, status: statuses[0] as never },
    { subject: 'Deployment/ns/web', action: 'apply', phase: 'Sync', wave: 2, status: statuses[1] as never, message: statuses[1] === 'Degraded' ? 'ProgressDeadlineExceeded' : undefined },
  ],
});

test('a frame shows the phase, step, attempt and revision, then one row per task with phase, wave, kind, resource and status', () => {
  const frame = renderFrame(progress('Running', 'Sync/2', ['Healthy', 'Running']));
  expect(frame[0]).toBe('Running  step Sync/2  attempt 2  revision 01234567');
  expect(frame[1]).toMatch(/^PHASE\s+WAVE\s+KIND\s+RESOURCE\s+STATUS\s+MESSAGE$/);
  expect(frame[2]).toMatch(/^PreSync\s+0\s+Job \(hook\)\s+ns\/migrate\s+Healthy$/);
  expect(frame[3]).toMatch(/^Sync\s+2\s+Deployment\s+ns\/web\s+Running$/);
  const failed = renderFrame({ ...progress('Failed', 'Done', ['Healthy', 'Degraded']), message: 'Deployment/ns/web is Degraded' }, { colour: true });
  expect(failed[3]).toContain('\x1b[31mDegraded\x1b[0m  ProgressDeadlineExceeded');
  expect(failed[failed.length - 1]).toBe('Deployment/ns/web is Degraded');
});

class Sink extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += String(chunk);
    done();
  }
}

test('on a terminal the view moves back over its last frame and redraws; in a pipe it prints a line per change', () => {
  const tty = new Sink(true);
  const view = new LiveView(tty as unknown as NodeJS.WriteStream, true);
  view.update(progress('Running', 'PreSync/0', ['Running', 'Pending']));
  expect(tty.text).not.toMatch(/\x1b\[\d+F/);
  view.update(progress('Running', 'Sync/2', ['Healthy', 'Running']));
  expect(tty.text).toContain('\x1b[4F\x1b[0J');
  const pipe = new Sink(false);
  const plain = new LiveView(pipe as unknown as NodeJS.WriteStream, false);
  plain.update(progress('Running', 'PreSync/0', ['Running', 'Pending']));
  plain.update(progress('Running', 'PreSync/0', ['Running', 'Pending']));
  plain.update(progress('Succeeded', 'Done', ['Healthy', 'Healthy']));
  expect(pipe.text.trim().split('\n')).toEqual([
    renderLine(progress('Running', 'PreSync/0', ['Running', 'Pending'])),
    'Succeeded Done attempt 2: Job/ns/migrate=Healthy Deployment/ns/web=Healthy',
    ...renderFrame(progress('Succeeded', 'Done', ['Healthy', 'Healthy'])),
  ]);
  expect(pipe.text).not.toContain('\x1b[');
});

test('Temporal connection options: flags over TEMPORAL_* variables over local defaults; an API key or a CA turns TLS on', () => {
  expect(temporalOptions({}, {})).toEqual({ address: '127.0.0.1:7233', namespace: 'default' });
  expect(temporalOptions({ temporalAddress: 'a:1' }, { TEMPORAL_ADDRESS: 'b:2', TEMPORAL_NAMESPACE: 'prod' })).toEqual({ address: 'a:1', namespace: 'prod' });
  expect(temporalOptions({}, { TEMPORAL_API_KEY: 'k' })).toEqual({ address: '127.0.0.1:7233', namespace: 'default', tls: {}, apiKey: 'k' });
  expect(temporalOptions({}, { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).tls).toBeUndefined();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tls-'));
  try {
    fs.writeFileSync(path.join(dir, 'ca.pem'), 'CA');
    fs.writeFileSync(path.join(dir, 'c.pem'), 'CRT');
    fs.writeFileSync(path.join(dir, 'c.key'), 'KEY');
    const o = temporalOptions({ temporalTlsCertPath: path.join(dir, 'c.pem'), temporalTlsKeyPath: path.join(dir, 'c.key'), temporalTlsServerName: 'temporal.internal' }, { TEMPORAL_TLS_CA_PATH: path.join(dir, 'ca.pem') });
    expect(o.tls).toEqual({ serverNameOverride: 'temporal.internal', serverRootCACertificate: Buffer.from('CA'), clientCertPair: { crt: Buffer.from('CRT'), key: Buffer.from('KEY') } });
    expect(() => temporalOptions({ temporalTlsCertPath: path.join(dir, 'c.pem') }, {})).toThrow('needs both --temporal-tls-cert-path and --temporal-tls-key-path');
    expect(() => temporalOptions({}, { TEMPORAL_TLS_CA_PATH: path.join(dir, 'missing.pem') })).toThrow(/cannot read the Temporal CA certificate .*missing.pem: ENOENT/);
    expect(() => temporalOptions({}, { TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA_PATH: path.join(dir, 'ca.pem') })).toThrow('TLS is turned off');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
