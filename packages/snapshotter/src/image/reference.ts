import { InvalidArgumentError } from '@layerctl/sys';
import { parseDigest, type Digest } from '../content/digest.ts';

/**
 * Image references as Docker spells them (distribution/reference, reference.go):
 *
 *   reference      := name [ ":" tag ] [ "@" digest ]
 *   name           := [domain "/"] path-component ["/" path-component]*
 *   domain         := host [":" port]         (the first component, when it has "." or ":" or is "localhost")
 *   path-component := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag            := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * Names are stored fully spelled ("docker.io/library/busybox:latest", as the metadata schema
 * fixes), so "busybox", "library/busybox" and "docker.io/library/busybox" name the same image and
 * a lookup compares strings; familiarName() gives the short form Docker shows.
 */
export interface ImageReference {
  /** The repository, fully spelled: "docker.io/library/busybox", "ghcr.io/org/app". */
  repository: string;
  /** The tag; undefined only when the reference has a digest and no tag. */
  tag: string | undefined;
  /** The manifest digest after "@", if any. */
  digest: Digest | undefined;
}

export const DEFAULT_TAG = 'latest';
/** The registry a name without a domain belongs to, and the namespace of its one-component names. */
export const DEFAULT_DOMAIN = 'docker.io';
export const OFFICIAL_NAMESPACE = 'library';
/** Docker Hub's old name, still accepted and stored as DEFAULT_DOMAIN. */
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** Docker refuses longer names, so no registry can serve them. */
const MAX_NAME_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A bare 64-hex name would read as an image id, so Docker refuses it as a repository. */
const FULL_HEX = /^[0-9a-f]{64}$/;

/** Parses "name[:tag][@sha256:…]"; the tag defaults to "latest" unless a digest is given. */
export function parseReference(text: string): ImageReference {
  const bad = (problem: string): never => {
    throw new InvalidArgumentError(`invalid image reference ${JSON.stringify(text)}: ${problem}`);
  };
  if (text === '') bad('empty');
  let rest = text;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = parseDigest(rest.slice(at + 1), `image reference ${JSON.stringify(text)}`);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(`tag ${JSON.stringify(tag)} must be 1 to 128 of [A-Za-z0-9_.-], not starting with . or -`);
  }
  const repository = fullRepository(rest, bad);
  return { repository, tag: tag ?? (digest === undefined ? DEFAULT_TAG : undefined), digest };
}

/** "docker.io/library/name:tag", the stored form, for commands that name an image to create; refuses digests. */
export function normalizeName(text: string): string {
  const ref = parseReference(text);
  if (ref.digest !== undefined || ref.tag === undefined) {
    throw new InvalidArgumentError(`invalid image name ${JSON.stringify(text)}: a name to give cannot carry a digest`);
  }
  return `${ref.repository}:${ref.tag}`;
}

/** normalizeName for a name an archive gives; a bad one is refused naming where it stood. */
export function nameFromArchive(text: string, place: string): string {
  try {
    return normalizeName(text);
  } catch (err) {
    throw err instanceof InvalidArgumentError ? new InvalidArgumentError(`${place}: ${err.message}`, { cause: err }) : err;
  }
}

/** Splits a stored "repository:tag" back into its parts. */
export function splitName(name: string): { repository: string; tag: string } {
  const ref = parseReference(name);
  return { repository: ref.repository, tag: ref.tag ?? DEFAULT_TAG };
}

/** The short form Docker shows and writes in RepoTags: "busybox:latest", "user/app:1", "ghcr.io/org/app:v1". */
export function familiarName(name: string): string {
  const { repository, tag } = splitName(name);
  return `${familiarRepository(repository)}:${tag}`;
}

/** "docker.io/library/busybox" → "busybox", "docker.io/user/app" → "user/app"; other registries stay. */
export function familiarRepository(repository: string): string {
  const official = `${DEFAULT_DOMAIN}/${OFFICIAL_NAMESPACE}/`;
  if (repository.startsWith(official) && !repository.slice(official.length).includes('/')) return repository.slice(official.length);
  if (repository.startsWith(`${DEFAULT_DOMAIN}/`)) return repository.slice(DEFAULT_DOMAIN.length + 1);
  return repository;
}

function fullRepository(text: string, bad: (problem: string) => never): string {
  if (text.length > MAX_NAME_LENGTH) bad(`longer than ${MAX_NAME_LENGTH} characters`);
  const components = text.split('/');
  let domain: string | undefined;
  if (components.length > 1 && isDomain(components[0] ?? '')) {
    domain = components.shift();
    if (domain === undefined || !DOMAIN.test(domain)) bad(`bad registry domain ${JSON.stringify(domain)}`);
  }
  for (const component of components) {
    if (component !== component.toLowerCase()) bad(`repository name must be lowercase (${JSON.stringify(component)})`);
    if (!PATH_COMPONENT.test(component)) {
      bad(`name component ${JSON.stringify(component)} must be lowercase letters and digits, separated by ".", "_", "__" or "-"`);
    }
  }
  if (domain === undefined && components.length === 1 && FULL_HEX.test(components[0] ?? '')) {
    bad('a 64-character hexadecimal name would be taken for an image id');
  }
  return fullForm(domain, components);
}

/** Docker Hub's names get their domain, and its one-component names the "library/" namespace. */
function fullForm(domain: string | undefined, components: string[]): string {
  if (domain === undefined || domain === DEFAULT_DOMAIN || domain === LEGACY_DEFAULT_DOMAIN) {
    const path = components.length === 1 ? [OFFICIAL_NAMESPACE, ...components] : components;
    return [DEFAULT_DOMAIN, ...path].join('/');
  }
  return [domain, ...components].join('/');
}

/** Docker's rule for telling a registry from a first path component. */
function isDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}
