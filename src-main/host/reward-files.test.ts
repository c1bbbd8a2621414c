// `reward.file` from an untrusted spec: only regular files of at most 1 MB inside the spec's folder or the
// workspace are read, and no error message carries any of a file's content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpApi } from '@creditlab/api/http-client';
import { ApiError } from '@creditlab/api';
import { Host } from './host';
import { readRewardFile, readRewardFileSync, type RewardFilePolicy } from './reward-files';
import { startWebHost } from './web-host';

const tmp = mkdtempSync(join(tmpdir(), 'creditlab-rewardfile-'));
const specDir = join(tmp, 'specs');
const workspace = join(tmp, 'ws');
const outside = join(tmp, 'outside');
for (const d of [specDir, workspace, outside]) mkdirSync(d, { recursive: true });
const SECRET = 'SECRET-CONTENT-7f3a: this text must never appear in an error';
writeFileSync(join(outside, 'secret.ts'), `${SECRET}\n`);
writeFileSync(join(specDir, 'ok.reward.ts'), 'export default (ctx: RewardContext) => ctx.envReward;\n');
writeFileSync(join(workspace, 'ws.reward.ts'), 'export default () => 0;\n');
mkdirSync(join(specDir, 'sub'));
writeFileSync(join(specDir, 'sub', 'nested.reward.ts'), 'export default () => 1;\n');
symlinkSync(join(outside, 'secret.ts'), join(specDir, 'link-out.ts'));
symlinkSync(join(specDir, 'ok.reward.ts'), join(specDir, 'link-in.ts'));
writeFileSync(join(specDir, 'big.ts'), Buffer.alloc(1024 * 1024 + 1, 0x20));
const haveMkfifo = spawnSync('mkfifo', [join(specDir, 'pipe.ts')]).status === 0;

const policy: RewardFilePolicy = { specDir, roots: [workspace] };

const spec = (file: string) => ({
  version: 1,
  name: 'reward-file',
  seeds: [0],
  budget: { steps: 256 },
  base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numEnvs: 1, numSteps: 32 }, reward: { file } },
  arms: [{ name: 'a' }],
});

test('files inside the spec folder or the workspace are read; symlinks count where they lead', async () => {
  for (const read of [readRewardFile, async (p: string, pol: RewardFilePolicy) => readRewardFileSync(p, pol)]) {
    assert.match((await read('ok.reward.ts', policy)).code, /ctx\.envReward/);
    assert.equal((await read('sub/nested.reward.ts', policy)).filename, 'nested.reward.ts');
    assert.equal((await read(join(workspace, 'ws.reward.ts'), policy)).code, 'export default () => 0;\n');
    assert.equal((await read('link-in.ts', policy)).filename, 'ok.reward.ts');
  }
});

test('paths leaving the allowed folders, non-regular files and large files are refused without content', async () => {
  const refused: [string, RegExp][] = [
    ['/etc/passwd', /outside the spec's folder/],
    ['../outside/secret.ts', /outside the spec's folder/],
    [join(outside, 'secret.ts'), /outside the spec's folder/],
    ['link-out.ts', /outside the spec's folder/],
    ['sub', /a folder/],
    ['big.ts', /1025 KB; a reward file may be at most 1 MB/],
    ['missing.ts', /no such file/],
  ];
  if (haveMkfifo) refused.push(['pipe.ts', /a FIFO; a reward file must be a regular file/]);
  else console.log('# mkfifo unavailable: the FIFO case is skipped');
  for (const [p, why] of refused) {
    for (const read of [readRewardFile, async (q: string, pol: RewardFilePolicy) => readRewardFileSync(q, pol)]) {
      const err = await read(p, policy).then(
        () => assert.fail(`${p} was read`),
        (e: Error) => e,
      );
      assert.match(err.message, why, p);
      assert.doesNotMatch(err.message, /SECRET-CONTENT|root:/, p);
    }
  }
  // /dev/zero is a device even when reached from an allowed folder.
  symlinkSync('/dev/zero', join(workspace, 'zero.ts'));
  await assert.rejects(readRewardFile(join(workspace, 'zero.ts'), { specDir, roots: [workspace, '/dev'] }), /a device/);
  // A file picked in a dialog is allowed wherever it is.
  const picked = { ...policy, picked: new Set([join(outside, 'secret.ts')]) };
  assert.equal((await readRewardFile(join(outside, 'secret.ts'), picked)).code, `${SECRET}\n`);
});

test('over the web API, reward.file /etc/passwd is refused with its JSON path and nothing stored or leaked', async () => {
  const host = new Host({ workspace: join(tmp, 'ws-api'), workers: 1 });
  const web = await startWebHost({ api: host, port: 0, rendererDir: tmp });
  const api = createHttpApi(web.baseUrl, { token: web.token });
  try {
    for (const file of ['/etc/passwd', '../../../../../../etc/passwd']) {
      const v = await api.validateSpec(spec(file));
      assert.equal(v.ok, false);
      const errors = v.ok ? [] : v.errors;
      assert.equal(errors[0].path, 'arms[0].reward.file');
      assert.match(errors[0].message, /outside/);
      assert.doesNotMatch(JSON.stringify(v), /root:|nologin|\/bin\/(ba)?sh/);

      const e = await api.startExperiment(spec(file)).then(
        () => assert.fail('started'),
        (x: unknown) => x,
      );
      assert.ok(e instanceof ApiError);
      assert.doesNotMatch(JSON.stringify({ m: e.message, d: e.errors }), /root:|nologin|\/bin\/(ba)?sh/);
      assert.match(JSON.stringify(e.errors), /arms\[0\]\.reward\.file/);
    }
    if (haveMkfifo) {
      // A FIFO would have blocked the host's event loop for every client; now it is refused at once.
      const fifo = join(host.store.root, 'pipe.ts');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const v = await api.validateSpec(spec(fifo));
      assert.match(JSON.stringify(v), /a FIFO/);
    }
    assert.deepEqual(await api.listExperiments(), []);
    // Electron: a file the user picked in a dialog may be named from anywhere.
    assert.equal((await api.validateSpec(spec(join(outside, 'secret.ts')))).ok, false);
    host.allowPickedRewardFile(join(outside, 'secret.ts'));
    assert.equal((await api.validateSpec(spec(join(outside, 'secret.ts')))).ok, true);
    const index = readFileSync(join(host.store.root, 'index.sqlite'));
    assert.ok(!index.includes('root:x:0:0'));
  } finally {
    await web.close();
    await host.close();
  }
});

test('creditlab validate refuses /etc/passwd with exit 2, the JSON path and no content', () => {
  const bin = new URL('../../bin/creditlab.mjs', import.meta.url).pathname;
  const f = join(specDir, 'passwd.json');
  writeFileSync(f, JSON.stringify(spec('/etc/passwd')));
  const r = spawnSync(process.execPath, [bin, 'validate', f, '--workspace', workspace], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /arms\[0\]\.reward\.file: cannot read "\/etc\/passwd": it is outside the spec's folder/);
  assert.doesNotMatch(r.stderr + r.stdout, /root:|nologin/);
  writeFileSync(f, JSON.stringify(spec('ok.reward.ts')));
  const ok = spawnSync(process.execPath, [bin, 'validate', f, '--workspace', workspace], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(ok.status, 0, ok.stderr);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
