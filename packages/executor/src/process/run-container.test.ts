import test from 'ava';
import { testBundle } from '../testing/test-container.ts';
import { runContainer } from './run-container.ts';
import { startContainer } from './start-container.ts';

test('a container exits with its program status', async (t) => {
  const { bundle, id } = testBundle(t, { args: ['sh', '-c', 'exit 3'] });
  t.like(await runContainer({ id, bundle }), { code: 3, oomKilled: false });
});

test('the program is PID 1 and sees only its own processes in /proc', async (t) => {
  const { bundle, id } = testBundle(t, { args: ['sh', '-c', 'echo $$; ls /proc | grep "^[0-9]"'] });
  const container = await startContainer({ id, bundle, stdout: 'pipe' });
  let out = '';
  container.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  t.like(await container.wait(), { code: 0 });
  const [self, ...pids] = out.trim().split('\n').map(Number);
  t.is(self, 1);
  // PID 1 (sh), and ls and grep of the pipeline: nothing of the host's hundreds of processes.
  t.true(pids.includes(1));
  t.true(pids.length <= 3, `pids seen: ${pids.join(' ')}`);
});
