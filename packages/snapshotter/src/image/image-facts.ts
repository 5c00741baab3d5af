import type { DatabaseSync } from 'node:sqlite';
import { FailedPreconditionError } from '@layerctl/sys';
import type { Digest } from '../content/digest.ts';
import type { Root } from '../root.ts';
import { ImageStore } from './image-store.ts';

/**
 * What a sweep (gc, releasing layers) must know of every recorded image before it removes
 * anything: read from the content store, which is asynchronous, so it cannot happen inside the
 * synchronous write transaction that removes. readNew() reads outside it; inside it, current()
 * gives the facts of every image recorded now, or undefined when one was recorded since, and the
 * caller reads again and retries. An image is read once however many retries it takes.
 */
export class ImageFacts<T> {
  readonly #root: Root;
  readonly #read: (manifestDigest: Digest) => Promise<T>;
  readonly #purpose: string;
  readonly #known = new Map<Digest, T>();

  /** `purpose` names the sweep in errors ("gc"); `read` gets the facts of one image from its manifest digest. */
  constructor(root: Root, purpose: string, read: (manifestDigest: Digest) => Promise<T>) {
    this.#root = root;
    this.#purpose = purpose;
    this.#read = read;
  }

  /** Reads the images recorded now that were not read yet. */
  async readNew(): Promise<void> {
    for (const record of new ImageStore(this.#root.metadata).list()) {
      const digest = record.manifestDigest;
      if (this.#known.has(digest)) continue;
      try {
        this.#known.set(digest, await this.#read(digest));
      } catch (err) {
        throw new FailedPreconditionError(
          `${this.#purpose}: the image ${digest} cannot be read, so what it uses is unknown; remove that image first`,
          { cause: err },
        );
      }
    }
  }

  /** Inside the write transaction: the facts of every image recorded in `db`, or undefined when one is not read yet. */
  current(db: DatabaseSync): T[] | undefined {
    const facts: T[] = [];
    for (const record of ImageStore.all(db)) {
      const known = this.#known.get(record.manifestDigest);
      if (known === undefined) return undefined;
      facts.push(known);
    }
    return facts;
  }
}
