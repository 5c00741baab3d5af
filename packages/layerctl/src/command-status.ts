/**
 * The exit status a command reports that is neither success nor one of its errors: `run`'s is
 * its container's. Set by the command, read once by the command line when the command is done,
 * so that layerctl ends by returning, after stdout and stderr are flushed (process.exit could cut
 * a container's output short in a pipe).
 */
let status = 0;

export function setCommandStatus(code: number): void {
  status = code;
}

export function commandStatus(): number {
  return status;
}
