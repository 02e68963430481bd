// Whether patches/ is in effect in the packages this process loads. An install that could not apply them (Sluice
// installed as another project's dependency; scripts/apply-patches.js) runs all the same, and the worker says at
// start what each missing patch costs.
import fs from 'node:fs';
import path from 'node:path';

interface SdkPatch {
  packageName: string;
  /** The patched file, inside the package. */
  file: string;
  applied(source: string): boolean;
  /** What running without it means. */
  without: string;
}

export const SDK_PATCHES: SdkPatch[] = [
  {
    packageName: '@kubernetes/client-node', file: 'dist/config.js',
    applied: (source) => !source.includes("from './gen/index.js'"),
    without: 'KubeConfig loads every generated API client (about 32 MiB more idle memory)',
  },
  {
    packageName: '@temporalio/worker', file: 'lib/workflow/vm-shared.js',
    applied: (source) => source.includes('SLUICE_WORKFLOW_STACK_TRACES'),
    without: 'workflow stack traces are recorded whatever SLUICE_WORKFLOW_STACK_TRACES says (about 13 % of the CPU of a fleet\'s sync)',
  },
];

/** The patches not in effect, each as `package: what that costs`; `packageDir` finds where a package is installed. */
export function missingPatches(packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`))): string[] {
  return SDK_PATCHES.filter((patch) => !patch.applied(fs.readFileSync(path.join(packageDir(patch.packageName), patch.file), 'utf8')))
    .map((patch) => `${patch.packageName}: ${patch.without}`);
}
