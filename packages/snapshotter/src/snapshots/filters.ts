import { InvalidArgumentError } from '@layerctl/sys';
import type { SnapshotFilter, SnapshotInfo } from './snapshotter-api.ts';

/**
 * walk()'s filters, containerd's syntax (containerd/pkg/filters) for the fields a snapshot has:
 *
 *   filter    = selector *("," selector)        every selector must match (AND)
 *   selector  = fieldpath [ op value ]          no op: the field is present
 *   op        = "==" | "!=" | "~="              "~=" is a regular expression search
 *   fieldpath = segment *("." segment)          name, parent, kind, labels.<key>
 *   segment, value = bare word | "quoted string" (backslash escapes the next character)
 *
 * A label key with dots is quoted (`labels."a.b"==v`) or written bare (`labels.a.b==v`): the
 * segments after `labels` are joined with dots, as containerd does. Several filters match a
 * snapshot when any one does (OR); no filter matches everything.
 */
export type SnapshotPredicate = (info: SnapshotInfo) => boolean;

type Operator = '==' | '!=' | '~=';

interface Selector {
  field: 'name' | 'parent' | 'kind' | 'labels';
  /** The label key, for field 'labels'. */
  label: string;
  test: (value: string | undefined) => boolean;
}

const OPERATORS: readonly Operator[] = ['==', '!=', '~='];

/** Characters that end a bare segment of a field path. */
const FIELD_END = /[.,"=!~\s]/;

export function parseSnapshotFilters(filters: readonly SnapshotFilter[]): SnapshotPredicate {
  const alternatives = filters.map(parseFilter);
  if (alternatives.length === 0) return () => true;
  return (info) => alternatives.some((selectors) => selectors.every((selector) => selector.test(fieldValue(info, selector))));
}

function fieldValue(info: SnapshotInfo, selector: Selector): string | undefined {
  switch (selector.field) {
    case 'name':
      return info.name;
    case 'parent':
      return info.parent;
    case 'kind':
      return info.kind;
    case 'labels':
      return Object.hasOwn(info.labels, selector.label) ? info.labels[selector.label] : undefined;
  }
}

function parseFilter(filter: SnapshotFilter): Selector[] {
  const scanner = new Scanner(filter);
  const selectors: Selector[] = [];
  do {
    selectors.push(parseSelector(scanner));
  } while (scanner.take(','));
  if (!scanner.done()) throw scanner.error(`unexpected ${JSON.stringify(scanner.rest())}`);
  return selectors;
}

function parseSelector(scanner: Scanner): Selector {
  const path = [scanner.segment()];
  while (scanner.take('.')) path.push(scanner.segment());
  const { field, label } = fieldOf(scanner, path);
  const op = OPERATORS.find((candidate) => scanner.take(candidate));
  if (op === undefined) return { field, label, test: (value) => value !== undefined };
  return { field, label, test: tester(scanner, op, scanner.value()) };
}

function fieldOf(scanner: Scanner, path: string[]): Pick<Selector, 'field' | 'label'> {
  const [head, ...rest] = path;
  if (head === 'labels') {
    if (rest.length === 0) throw scanner.error('labels needs a key: labels."key"');
    return { field: 'labels', label: rest.join('.') };
  }
  if ((head === 'name' || head === 'parent' || head === 'kind') && rest.length === 0) return { field: head, label: '' };
  throw scanner.error(`unknown field ${JSON.stringify(path.join('.'))}; filters know name, parent, kind and labels.<key>`);
}

function tester(scanner: Scanner, op: Operator, expected: string): Selector['test'] {
  switch (op) {
    case '==':
      return (value) => value === expected;
    // containerd: an absent field differs from any value.
    case '!=':
      return (value) => value !== expected;
    case '~=': {
      const pattern = regexp(scanner, expected);
      return (value) => value !== undefined && pattern.test(value);
    }
  }
}

function regexp(scanner: Scanner, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw scanner.error(`${JSON.stringify(source)} is not a regular expression`, err);
  }
}

/** Reads one filter string left to right, skipping spaces between tokens. */
class Scanner {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  done(): boolean {
    this.#skipSpace();
    return this.#at >= this.#text.length;
  }

  rest(): string {
    return this.#text.slice(this.#at);
  }

  take(token: string): boolean {
    this.#skipSpace();
    if (!this.#text.startsWith(token, this.#at)) return false;
    this.#at += token.length;
    return true;
  }

  /** A field path segment: a bare word or a quoted string. */
  segment(): string {
    this.#skipSpace();
    if (this.#text[this.#at] === '"') return this.#quoted();
    const start = this.#at;
    while (this.#at < this.#text.length && !FIELD_END.test(this.#text.charAt(this.#at))) this.#at++;
    if (this.#at === start) throw this.error(this.done() ? 'a field name is missing at the end' : `expected a field name at ${JSON.stringify(this.rest())}`);
    return this.#text.slice(start, this.#at);
  }

  /** A value: a quoted string, or everything up to the next comma (trimmed). */
  value(): string {
    this.#skipSpace();
    if (this.#text[this.#at] === '"') return this.#quoted();
    const end = this.#text.indexOf(',', this.#at);
    const raw = this.#text.slice(this.#at, end === -1 ? undefined : end);
    if (raw.includes('"')) throw this.error(`a value with a quote must be quoted whole: ${JSON.stringify(raw)}`);
    this.#at += raw.length;
    const value = raw.trim();
    if (value === '') throw this.error('a value is missing after the operator');
    return value;
  }

  error(reason: string, cause?: unknown): InvalidArgumentError {
    return new InvalidArgumentError(`snapshot filter ${JSON.stringify(this.#text)}: ${reason}`, { cause });
  }

  #quoted(): string {
    let value = '';
    for (this.#at++; this.#at < this.#text.length; this.#at++) {
      const char = this.#text.charAt(this.#at);
      if (char === '"') {
        this.#at++;
        return value;
      }
      if (char === '\\') this.#at++;
      value += this.#text.charAt(this.#at);
    }
    throw this.error('a quoted string is not closed');
  }

  #skipSpace(): void {
    while (this.#at < this.#text.length && /\s/.test(this.#text.charAt(this.#at))) this.#at++;
  }
}
