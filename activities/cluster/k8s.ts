// The two parts of @kubernetes/client-node the worker and the CLI use, imported from their own modules. The
// package's index loads every generated API class and model (about 32 MiB of RSS) although our own client makes
// the requests; patches/@kubernetes+client-node+*.patch (applied by `npm install`) keeps config.js from loading them
// too. Tests that want the generated API clients import the package itself.
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { Watch } from '@kubernetes/client-node/dist/watch.js';
