// What GET /readyz answers (worker/http-server.ts), the Deployment's readiness probe: a replica counts as ready,
// and its Service sends it webhooks, only once every check passes (its Temporal worker polls, its controllers
// watch). Until then, and again from the moment it shuts down, it answers 503 naming what it waits for.
export type ReadinessChecks = Record<string, () => boolean>;

export interface Readiness {
  ready: boolean;
  /** The checks that do not pass yet, by name. */
  waiting: string[];
}

export function readiness(checks: ReadinessChecks): Readiness {
  const waiting = Object.entries(checks).filter(([, passes]) => !passes()).map(([name]) => name);
  return { ready: waiting.length === 0, waiting };
}
