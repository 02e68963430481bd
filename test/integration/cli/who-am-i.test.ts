// Who the CLI acts as, against the real API server (1.33, which answers SelfSubjectReviews): the cluster's
// answer, never --as naming someone else. A server that serves no review API (here a loopback one answering
// every path with the API server's own "404 page not found") is the one place --as is taken.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '../../../activities/cluster/kube-client';
import { CliError, whoAmI } from '../../../client/connection';
import { stackEnv } from '../../support/stack';

const env = stackEnv();
const admin = KubeClient.fromFile(env.KUBECONFIG);
const restricted = KubeClient.fromFile(env.SLUICE_RESTRICTED_KUBECONFIG);

const refusal = async (promise: Promise<unknown>): Promise<CliError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected whoAmI to refuse');
};

test('the API server says who the caller is; --as may repeat it, and is refused naming both when it names another', async () => {
  expect(await whoAmI(admin)).toEqual({ user: 'sluice-admin', groups: expect.arrayContaining(['system:masters', 'system:authenticated']) });
  expect(await whoAmI(restricted)).toEqual({ user: 'sluice-restricted', groups: expect.arrayContaining(['sluice:restricted']) });
  expect(await whoAmI(admin, 'sluice-admin')).toEqual(await whoAmI(admin));

  const refused = await refusal(whoAmI(admin, 'carol'));
  expect(refused.message).toBe('--as carol refused: the cluster says you are sluice-admin (SelfSubjectReview), and --as is only for clusters without SelfSubjectReview');
  expect(refused.hint).toContain('drop --as to act as sluice-admin');
  // The restricted user cannot pass as the admin either.
  expect((await refusal(whoAmI(restricted, 'sluice-admin'))).message).toContain('the cluster says you are sluice-restricted');
});

test('a cluster that serves no SelfSubjectReview API: --as is taken (with no groups), and without it the CLI says what to do', async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      // client-node refuses a plain-HTTP server unless TLS verification is off (there is no TLS to verify).
      clusters: [{ name: 'old', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }], contexts: [{ name: 'old', cluster: 'old', user: 'u' }], currentContext: 'old',
    });
    const old = new KubeClient(kc);
    expect(await whoAmI(old, 'carol')).toEqual({ user: 'carol', groups: [] });
    const refused = await refusal(whoAmI(old));
    expect(refused.message).toBe('cannot tell who you are: this cluster serves no SelfSubjectReview API');
    expect(refused.hint).toContain('pass --as <user>');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
