import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { parseDockerfile } from '../dockerfile/parse-dockerfile.ts';
import type { Stage } from '../dockerfile/instructions.ts';
import { planStages } from './stage-graph.ts';

const DOCKERFILE = `FROM busybox AS base
FROM base AS build
RUN make
FROM busybox AS docs
RUN make docs
FROM busybox AS test
COPY --from=build /out /out
FROM scratch
COPY --from=build /out /bin/app
COPY --from=0 /etc/passwd /etc/passwd
`;

/** What a stage reads: its FROM word and its COPY --from words, unexpanded. */
function references(stage: Stage): string[] {
  return [stage.from.image, ...stage.instructions.flatMap((i) => (i.kind === 'COPY' && i.from !== undefined ? [i.from] : []))];
}

test('the default target needs only the stages it builds from or copies from; others are skipped', (t) => {
  const plan = planStages(parseDockerfile(DOCKERFILE, 'Dockerfile'), undefined, references);
  t.deepEqual(
    plan.map((p) => [p.stage.index, p.dependsOn]),
    [
      [0, []],
      [1, [0]],
      [4, [1, 0]],
    ],
  );
});

test('--target picks a stage by name, case-insensitively, with what it needs', (t) => {
  const plan = planStages(parseDockerfile(DOCKERFILE, 'Dockerfile'), 'DOCS', references);
  t.deepEqual(plan.map((p) => p.stage.name), ['docs']);
});

test('an unknown --target is refused, naming the stages there are', (t) => {
  const err = t.throws(() => planStages(parseDockerfile(DOCKERFILE, 'Dockerfile'), 'nope', references), { instanceOf: InvalidArgumentError });
  t.regex(err?.message ?? '', /--target nope: .* base, build, docs, test/);
});

test('a stage index that is not an earlier stage is refused', (t) => {
  const file = parseDockerfile('FROM busybox\nCOPY --from=1 /a /b\nFROM busybox\nCOPY --from=0 /a /b\n', 'Dockerfile');
  t.throws(() => planStages(file, undefined, (stage) => [stage.index === 0 ? '1' : '0']), { instanceOf: InvalidArgumentError, message: /--from=1: there is no earlier stage 1/ });
  t.notThrows(() => planStages(file, undefined, (stage) => (stage.index === 1 ? ['0'] : [])));
});
