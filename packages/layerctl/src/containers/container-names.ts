import { randomInt } from 'node:crypto';
import { InvalidArgumentError } from '@layerctl/sys';

/** Docker's rule for a container name given with --name. */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A short list in the spirit of Docker's namesgenerator: adjective_noun, never boring_wozniak. */
const ADJECTIVES = [
  'admiring', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'bold', 'brave', 'busy', 'charming',
  'clever', 'compassionate', 'confident', 'cool', 'dazzling', 'determined', 'eager', 'ecstatic', 'elegant', 'epic',
  'festive', 'focused', 'friendly', 'gallant', 'gifted', 'happy', 'hopeful', 'jolly', 'keen', 'kind',
  'laughing', 'lucid', 'modest', 'nice', 'optimistic', 'peaceful', 'quirky', 'relaxed', 'serene', 'sharp',
  'stoic', 'tender', 'trusting', 'upbeat', 'vibrant', 'wizardly', 'youthful', 'zealous',
];
const NOUNS = [
  'agnesi', 'albattani', 'archimedes', 'babbage', 'bardeen', 'bell', 'bohr', 'booth', 'cerf', 'curie',
  'darwin', 'dijkstra', 'einstein', 'euler', 'fermat', 'feynman', 'gauss', 'goldwasser', 'hamilton', 'hopper',
  'hypatia', 'kepler', 'knuth', 'lamport', 'liskov', 'lovelace', 'mayer', 'mccarthy', 'meitner', 'napier',
  'newton', 'noether', 'pascal', 'pike', 'ritchie', 'shannon', 'stallman', 'tesla', 'thompson', 'torvalds',
  'turing', 'volhard', 'wiles', 'wing', 'wright', 'yalow', 'yonath',
];

/** A name like Docker's: `adjective_noun`, with a digit appended after `attempt` collisions. */
export function randomContainerName(attempt = 0): string {
  const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NOUNS[randomInt(NOUNS.length)]}`;
  return attempt === 0 ? name : `${name}${randomInt(10)}`;
}

/** Checks a --name value. */
export function checkContainerName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new InvalidArgumentError(`--name ${JSON.stringify(name)}: a container name starts with a letter or digit and holds only [a-zA-Z0-9_.-]`);
  }
  return name;
}
