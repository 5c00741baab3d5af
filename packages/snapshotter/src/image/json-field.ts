import { InvalidArgumentError } from '@layerctl/sys';
import { parseDigest, type Digest } from '../content/digest.ts';
import { errorMessage } from '../error-message.ts';

/**
 * One value inside a JSON document from outside, with the way to it, so that a failed check
 * names the document and the field: "manifest sha256:ab…: layers[2].digest: not a sha256 digest".
 *
 * Validators walk documents with it instead of casting, and build typed values from what it
 * returns; nothing unchecked reaches the rest of the code.
 */
export class JsonField {
  readonly document: string;
  readonly path: string;
  readonly value: unknown;

  constructor(document: string, value: unknown, path = '') {
    this.document = document;
    this.value = value;
    this.path = path;
  }

  /** Parses a small document's bytes; a syntax error becomes an InvalidArgumentError naming the document. */
  static parse(document: string, bytes: Buffer): JsonField {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new InvalidArgumentError(`${document}: not valid JSON: ${errorMessage(err)}`, { cause: err });
    }
    return new JsonField(document, value);
  }

  fail(problem: string): never {
    const where = this.path === '' ? this.document : `${this.document}: ${this.path}`;
    throw new InvalidArgumentError(`${where}: ${problem}`);
  }

  get isMissing(): boolean {
    return this.value === undefined || this.value === null;
  }

  /** The member `key` of this object (missing members have the value undefined). */
  get(key: string): JsonField {
    const object = this.object();
    const value: unknown = Object.hasOwn(object, key) ? Reflect.get(object, key) : undefined;
    const path = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${this.path}${this.path === '' ? '' : '.'}${key}` : `${this.path}[${JSON.stringify(key)}]`;
    return new JsonField(this.document, value, path);
  }

  object(): object {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) this.fail('not a JSON object');
    return this.value;
  }

  /** The names of this object's members. */
  keys(): string[] {
    return Object.keys(this.object());
  }

  array(): JsonField[] {
    if (!Array.isArray(this.value)) this.fail('not a JSON array');
    return this.value.map((item: unknown, i) => new JsonField(this.document, item, `${this.path}[${i}]`));
  }

  /** The array's items, or [] when the field is absent or null. */
  optionalArray(): JsonField[] {
    return this.isMissing ? [] : this.array();
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail('not a string');
    return this.value;
  }

  optionalString(): string | undefined {
    return this.isMissing ? undefined : this.string();
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail('not a boolean');
    return this.value;
  }

  optionalBoolean(): boolean | undefined {
    return this.isMissing ? undefined : this.boolean();
  }

  /** A byte count or other count: a non-negative safe integer. */
  size(): number {
    if (typeof this.value !== 'number' || !Number.isSafeInteger(this.value) || this.value < 0) {
      this.fail('not a non-negative integer');
    }
    return this.value;
  }

  integer(): number {
    if (typeof this.value !== 'number' || !Number.isSafeInteger(this.value)) this.fail('not an integer');
    return this.value;
  }

  digest(): Digest {
    return parseDigest(this.string(), this.path === '' ? this.document : `${this.document}: ${this.path}`);
  }

  /** Exactly `expected`, for fixed values such as schemaVersion. */
  equal<T extends string | number>(expected: T): T {
    if (this.value !== expected) this.fail(`must be ${JSON.stringify(expected)}, not ${JSON.stringify(this.value)}`);
    return expected;
  }

  /** An object whose every value is a string (annotations, labels), or undefined when absent. */
  optionalStringMap(): Record<string, string> | undefined {
    if (this.isMissing) return undefined;
    const result: Record<string, string> = {};
    for (const key of this.keys()) result[key] = this.get(key).string();
    return result;
  }

  /** An array of strings, or undefined when absent or null (Docker writes null for an empty Cmd). */
  optionalStringArray(): string[] | undefined {
    return this.isMissing ? undefined : this.array().map((item) => item.string());
  }

  /** The keys of an object of empty objects, Docker's set notation (ExposedPorts, Volumes). */
  optionalKeySet(): Record<string, Record<string, never>> | undefined {
    if (this.isMissing) return undefined;
    const result: Record<string, Record<string, never>> = {};
    for (const key of this.keys()) {
      this.get(key).object();
      result[key] = {};
    }
    return result;
  }
}
