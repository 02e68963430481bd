// How Sluice names itself to the servers it calls, so their logs (Kubernetes audit, git server access) tell
// it apart: `sluice/<version> (<component>)`. A process is one component; its entry point names it once.
import { version } from '../package.json';

/** This build's version (package.json). */
export const SLUICE_VERSION = version;

export type Component = 'worker' | 'cli';

let component: Component | undefined;

export function identifyAs(name: Component): void {
  component = name;
}

export function userAgent(): string {
  return component ? `sluice/${version} (${component})` : `sluice/${version}`;
}
