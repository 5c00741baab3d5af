/**
 * What a build tells its watchers, in order. The builder emits these and never draws anything:
 * the tty (Ink), plain and json displays of packages/layerctl all read the same events.
 *
 * Steps are numbered across the whole build (1..total) in the order they are planned; a step's
 * `name` is the instruction as written, prefixed with its stage ("[build 2/4] RUN make").
 */
export type BuildEvent =
  | { type: 'build-started'; total: number; at: number }
  /** Steps planned once the build was under way (a base image's ONBUILD triggers). */
  | { type: 'steps-added'; count: number; at: number }
  | { type: 'step-started'; step: number; name: string; at: number }
  | { type: 'step-cached'; step: number; name: string; at: number }
  | { type: 'step-log'; step: number; stream: 'stdout' | 'stderr'; line: string; at: number }
  /** A step made a layer: its DiffID and the bytes of its uncompressed tar. */
  | { type: 'layer-written'; step: number; diffId: string; size: number; at: number }
  | { type: 'step-done'; step: number; at: number; ms: number }
  | { type: 'step-failed'; step: number; at: number; message: string }
  | { type: 'build-done'; imageId: string; names: string[]; at: number; ms: number };

/** Receives events as they happen; must not throw and must not block. */
export type BuildEventSink = (event: BuildEvent) => void;
