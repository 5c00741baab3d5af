import type { BuildEvent } from '@layerctl/builder';

/** How many output lines of a running step the display keeps. */
export const LOG_LINES_KEPT = 6;

export type StepStatus = 'running' | 'cached' | 'done' | 'failed';

export interface StepView {
  step: number;
  name: string;
  status: StepStatus;
  startedAt: number;
  /** Running time once finished. */
  ms?: number;
  /** The last LOG_LINES_KEPT output lines. */
  logs: string[];
  /** Bytes of the layer it committed. */
  layerSize?: number;
  error?: string;
}

/** What the build display shows, folded from the builder's events by buildViewReducer. */
export interface BuildView {
  startedAt: number | undefined;
  total: number;
  /** Steps by number, in the order they started. */
  steps: StepView[];
  finished?: { imageId: string; names: string[]; ms: number };
}

export const EMPTY_BUILD_VIEW: BuildView = { startedAt: undefined, total: 0, steps: [] };

/** Steps that finished (cached, done or failed), in the order they started. */
export function finishedSteps(view: BuildView): StepView[] {
  return view.steps.filter((step) => step.status !== 'running');
}

export function doneCount(view: BuildView): number {
  return view.steps.filter((step) => step.status === 'cached' || step.status === 'done').length;
}

/** A pure fold: the view after one more event. */
export function buildViewReducer(view: BuildView, event: BuildEvent): BuildView {
  switch (event.type) {
    case 'build-started':
      return { ...view, startedAt: event.at, total: event.total };
    case 'steps-added':
      return { ...view, total: view.total + event.count };
    case 'step-started':
      return { ...view, steps: [...view.steps, { step: event.step, name: event.name, status: 'running', startedAt: event.at, logs: [] }] };
    case 'step-cached':
      return { ...view, steps: [...view.steps, { step: event.step, name: event.name, status: 'cached', startedAt: event.at, logs: [] }] };
    case 'step-log':
      return updateStep(view, event.step, (step) => ({ ...step, logs: [...step.logs, event.line].slice(-LOG_LINES_KEPT) }));
    case 'layer-written':
      return updateStep(view, event.step, (step) => ({ ...step, layerSize: event.size }));
    case 'step-done':
      return updateStep(view, event.step, (step) => ({ ...step, status: 'done', ms: event.ms }));
    case 'step-failed':
      return updateStep(view, event.step, (step) => ({ ...step, status: 'failed', ms: event.at - step.startedAt, error: event.message }));
    case 'build-done':
      return { ...view, finished: { imageId: event.imageId, names: event.names, ms: event.ms } };
  }
}

function updateStep(view: BuildView, number: number, change: (step: StepView) => StepView): BuildView {
  return { ...view, steps: view.steps.map((step) => (step.step === number ? change(step) : step)) };
}
