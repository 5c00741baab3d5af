import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { parseDockerfile } from './parse-dockerfile.ts';
import { DockerfileError } from './dockerfile-error.ts';

// Golden cases: testdata/<case>/Dockerfile parses to testdata/<case>/expected.json, and
// testdata/bad/<case>/Dockerfile fails with the one line in testdata/bad/<case>/error.txt.
// LAYERCTL_UPDATE_GOLDEN=1 rewrites the expected files; read the diff before committing it.

const TESTDATA = path.join(import.meta.dirname, 'testdata');
const BAD = path.join(TESTDATA, 'bad');
const UPDATE = process.env.LAYERCTL_UPDATE_GOLDEN === '1';

function cases(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory() && entry.name !== 'bad').map((entry) => entry.name).sort();
}

for (const name of cases(TESTDATA)) {
  test(`golden ${name}: the Dockerfile parses to expected.json`, (t) => {
    const text = fs.readFileSync(path.join(TESTDATA, name, 'Dockerfile'), 'utf8');
    const actual = `${JSON.stringify(parseDockerfile(text, 'Dockerfile'), null, 2)}\n`;
    const expectedFile = path.join(TESTDATA, name, 'expected.json');
    if (UPDATE) fs.writeFileSync(expectedFile, actual);
    t.is(actual, fs.readFileSync(expectedFile, 'utf8'));
  });
}

for (const name of cases(BAD)) {
  test(`golden bad/${name}: the Dockerfile is refused with error.txt`, (t) => {
    const text = fs.readFileSync(path.join(BAD, name, 'Dockerfile'), 'utf8');
    const err = t.throws(() => parseDockerfile(text, 'Dockerfile'), { instanceOf: DockerfileError });
    const errorFile = path.join(BAD, name, 'error.txt');
    if (UPDATE) fs.writeFileSync(errorFile, `${err.message}\n`);
    t.is(`${err.message}\n`, fs.readFileSync(errorFile, 'utf8'));
  });
}
