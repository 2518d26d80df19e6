/**
 * The one source of truth is the Helm chart. The kustomize trees hold renderings of it: deploy/base/clue.yaml is
 * the chart with its default (production) values, deploy/overlays/dev/clue.yaml the chart with values-dev.yaml.
 * This module defines those renderings and produces their exact file contents.
 */
import { helmTemplate } from './render.js';

/** A generated kustomize resource file, and the kustomization that must equal the chart rendering. */
export interface GeneratedRendering {
  /** The file (relative to the repo) holding `helm template` output. */
  readonly file: string;
  /** Values files passed to helm (relative to the repo). */
  readonly valuesFiles: readonly string[];
  /** The kustomization directory whose `kubectl kustomize` output must equal the chart rendering (plus the Namespace). */
  readonly kustomization: string;
}

/** Every generated file. `deploy/` (what `kubectl apply -k deploy/` applies) is the production overlay over the base. */
export const GENERATED: readonly GeneratedRendering[] = [
  { file: 'deploy/base/clue.yaml', valuesFiles: [], kustomization: 'deploy' },
  { file: 'deploy/overlays/dev/clue.yaml', valuesFiles: ['helm/clue/values-dev.yaml'], kustomization: 'deploy/overlays/dev' },
];

/** The command that regenerates the files. */
export const RENDER_COMMAND = 'npm run build && npm run render:deploy';

/** The exact content a generated file must have. */
export function generatedText(r: GeneratedRendering): string {
  const values = ['helm/clue/values.yaml', ...r.valuesFiles].join(' + ');
  const header =
    `# GENERATED from the Helm chart helm/clue (values: ${values}) by \`${RENDER_COMMAND}\`.\n` +
    '# Do not edit: change the chart or its values and regenerate (the deploy tests fail while this file is stale).\n';
  return header + helmTemplate({ valuesFiles: r.valuesFiles });
}
