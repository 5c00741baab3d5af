import type { BuildEvent } from '@layerctl/builder';
import { humanSize } from '../output/human-size.ts';

/**
 * `--progress plain`: one line per event, in BuildKit's plain shape, stable for CI logs and
 * scripts: `#N` is the step number, output lines carry the seconds since the build started.
 *
 *   #2 [2/4] COPY app.sh /app/
 *   #2 layer sha256:… 4.1kB
 *   #2 DONE 0.1s
 *   #3 CACHED [3/4] RUN chmod +x /app/app.sh
 *   #4 0.412 compiling
 */
export function plainBuildFormatter(): (event: BuildEvent) => string {
  let startedAt: number | undefined;
  return (event) => {
    startedAt ??= event.at;
    switch (event.type) {
      case 'build-started':
        return `#0 building ${event.total} steps`;
      case 'steps-added':
        return `#0 ${event.count} more steps (ONBUILD triggers)`;
      case 'step-started':
        return `#${event.step} ${event.name}`;
      case 'step-cached':
        return `#${event.step} CACHED ${event.name}`;
      case 'step-log':
        return `#${event.step} ${seconds(event.at - startedAt, 3)} ${event.line}`;
      case 'layer-written':
        return `#${event.step} layer ${event.diffId} ${humanSize(event.size)}`;
      case 'step-done':
        return `#${event.step} DONE ${seconds(event.ms, 1)}s`;
      case 'step-failed':
        return `#${event.step} ERROR ${event.message}`;
      case 'build-done':
        return `#0 DONE image ${event.imageId}${event.names.length > 0 ? ` ${event.names.join(' ')}` : ''} in ${seconds(event.ms, 1)}s`;
    }
  };
}

function seconds(ms: number, digits: number): string {
  return (ms / 1000).toFixed(digits);
}
