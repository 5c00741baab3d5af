/** How many hex digits of a digest listings show, as docker does. */
const SHORT_ID_LENGTH = 12;

/** "sha256:0123456789abcdef..." → "0123456789ab". */
export function shortId(digest: string): string {
  const hex = digest.slice(digest.indexOf(':') + 1);
  return hex.slice(0, SHORT_ID_LENGTH);
}
