// The clusters generator (Argo CD's cluster.go): one parameter set per registered cluster whose labels match
// `selector`. Params: name, nameNormalized, server, project, the Secret's labels and annotations (flat
// `metadata.labels.<key>` without goTemplate, a nested `metadata` map with it) and `values`, each templated with
// the cluster's own parameters. The built-in in-cluster entry (no Secret) comes last, and only without a selector.
import { GenerateOptions, sanitizeName, valueRenderer, withValues } from './params';
import { isEmptySelector, selectorMatches } from './selector';
import { ClusterGenerator, GeneratorCluster, Params } from './types';

export function clusterParams(generator: ClusterGenerator, field: string, clusters: GeneratorCluster[], options: GenerateOptions): Params[] {
  const selector = generator.selector ?? {};
  const withSecret = clusters.filter((cluster) => cluster.secret !== undefined && selectorMatches(selector, cluster.labels));
  const builtIn = isEmptySelector(selector) ? clusters.filter((cluster) => cluster.secret === undefined) : [];
  const render = valueRenderer(field, options.renderNested);
  return [...withSecret.map((cluster) => secretParams(cluster, options.goTemplate)), ...builtIn.map(builtInParams)].map((params) =>
    withValues(params, generator.values, { goTemplate: options.goTemplate, render: render(params) }),
  );
}

function secretParams(cluster: GeneratorCluster, goTemplate: boolean): Params {
  const params: Params = { name: cluster.name, nameNormalized: sanitizeName(cluster.name), server: cluster.server, project: cluster.project ?? '' };
  if (goTemplate) {
    const metadata: Params = {};
    if (Object.keys(cluster.annotations).length > 0) metadata.annotations = { ...cluster.annotations };
    if (Object.keys(cluster.labels).length > 0) metadata.labels = { ...cluster.labels };
    params.metadata = metadata;
    return params;
  }
  for (const [key, value] of Object.entries(cluster.annotations)) params[`metadata.annotations.${key}`] = value;
  for (const [key, value] of Object.entries(cluster.labels)) params[`metadata.labels.${key}`] = value;
  return params;
}

function builtInParams(cluster: GeneratorCluster): Params {
  return { name: cluster.name, nameNormalized: sanitizeName(cluster.name), server: cluster.server, project: '' };
}
