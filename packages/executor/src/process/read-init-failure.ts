import type { Readable } from 'node:stream';
import { MAX_FAILURE_BYTES } from '../init/init-protocol.ts';

/**
 * Reads the init's error pipe to its end: '' when it closed without a word (the program was
 * exec'd), else what the init wrote, capped.
 */
export function readInitFailure(pipe: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      if (text.length < MAX_FAILURE_BYTES) text += chunk;
    });
    pipe.once('end', () => resolve(text));
    pipe.once('error', reject);
  });
}
