export {};
export type * from './dockerfile/instructions.ts';
export { parseDockerfile } from './dockerfile/parse-dockerfile.ts';
export { DockerfileError } from './dockerfile/dockerfile-error.ts';
export { expandWord, expandWords, expandHeredoc, expandingIn, ExpansionError, EXPANDED_INSTRUCTIONS } from './dockerfile/expand.ts';
export type { Lookup, EscapeChar } from './dockerfile/expand.ts';
export { parseDuration } from './dockerfile/duration.ts';
