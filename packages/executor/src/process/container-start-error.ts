import { LayerctlError } from '@layerctl/sys';

/**
 * The container's program never ran: the init failed (exit status 125), the program was not found
 * (127) or could not be executed (126), as Docker reports them. The command line exits with
 * `exitCode`, so `layerctl run IMAGE nosuch` ends with 127 as `docker run` does.
 */
export class ContainerStartError extends LayerctlError {
  readonly #exitCode: number;

  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.#exitCode = exitCode;
  }

  override get code(): string {
    return 'CONTAINER_START';
  }

  override get exitCode(): number {
    return this.#exitCode;
  }
}
