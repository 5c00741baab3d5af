import { InvalidArgumentError } from '@layerctl/sys';
import type { Dockerfile, Stage } from '../dockerfile/instructions.ts';

/** A stage the build needs, with the stages it reads (FROM an earlier stage, COPY --from). */
export interface PlannedStage {
  stage: Stage;
  /** Indices of the stages that must be built first. */
  dependsOn: number[];
}

/**
 * The stages that the target needs, in file order: the target (the last stage unless --target
 * names one) and, transitively, every stage it builds FROM or copies --from. Stages nothing needs
 * are skipped, as BuildKit does. `stageRef` resolves a word of FROM or --from (after expansion)
 * to a stage, or undefined when it names an image.
 */
export function planStages(dockerfile: Dockerfile, target: string | undefined, references: (stage: Stage) => string[]): PlannedStage[] {
  const targetStage = findTarget(dockerfile, target);
  const dependsOn = new Map<number, number[]>();
  const visit = (stage: Stage): void => {
    if (dependsOn.has(stage.index)) return;
    const deps = references(stage)
      .map((word) => stageRef(dockerfile, word, stage.index))
      .filter((dep): dep is Stage => dep !== undefined)
      .map((dep) => dep.index);
    dependsOn.set(stage.index, [...new Set(deps)]);
    for (const dep of deps) {
      const depStage = dockerfile.stages[dep];
      if (depStage !== undefined) visit(depStage);
    }
  };
  visit(targetStage);
  return dockerfile.stages.filter((stage) => dependsOn.has(stage.index)).map((stage) => ({ stage, dependsOn: dependsOn.get(stage.index) ?? [] }));
}

function findTarget(dockerfile: Dockerfile, target: string | undefined): Stage {
  if (target === undefined) {
    const last = dockerfile.stages.at(-1);
    if (last === undefined) throw new InvalidArgumentError(`${dockerfile.file}: no FROM instruction; a Dockerfile needs at least one stage`);
    return last;
  }
  const found = dockerfile.stages.find((stage) => stage.name === target.toLowerCase());
  if (found === undefined) {
    const names = dockerfile.stages.flatMap((stage) => (stage.name === undefined ? [] : [stage.name]));
    throw new InvalidArgumentError(`--target ${target}: ${dockerfile.file} has no stage of that name (stages: ${names.join(', ') || 'none named'})`);
  }
  return found;
}

/**
 * The stage a FROM or COPY --from word names, seen from stage `from`: a stage name (compared
 * lower-case, as Docker does) or a stage's index, always of an EARLIER stage; anything else is
 * an image.
 */
export function stageRef(dockerfile: Dockerfile, word: string, from: number): Stage | undefined {
  const lower = word.toLowerCase();
  const byName = dockerfile.stages.find((stage) => stage.name === lower && stage.index < from);
  if (byName !== undefined) return byName;
  if (/^\d+$/.test(word)) {
    const index = Number(word);
    const stage = dockerfile.stages[index];
    if (stage === undefined || index >= from) throw new InvalidArgumentError(`--from=${word}: there is no earlier stage ${index} (stage ${from} is reading it)`);
    return stage;
  }
  return undefined;
}
