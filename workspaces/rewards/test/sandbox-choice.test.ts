// Which engine runs reward code: isolated-vm by default, QuickJS when isolated-vm does not load (an addon
// built for another ABI, as under Electron without a rebuild) or when CREDITLAB_SANDBOX asks for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRewardModule, prepareSandbox, sandboxChoice, sandboxStatus, SANDBOX_ENV } from '../src/sandbox';

const abiMismatch = new URL('./fixtures/abi-mismatch.cjs', import.meta.url).pathname;

async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) if (x === undefined) delete process.env[k];
    else process.env[k] = x;
  };
  set(vars);
  try {
    return await body();
  } finally {
    set(before);
  }
}

const ctx = { obs: [1], nextObs: [2], action: 0, envReward: 1, terminated: false, truncated: false, info: {}, t: 0, envId: 'x', events: [], copy: 0, episode: { index: 0, return: 0, envReturn: 0 } };

test('isolated-vm is the default where it loads', () =>
  withEnv({ [SANDBOX_ENV]: undefined, CREDITLAB_ISOLATED_VM: undefined }, async () => {
    assert.deepEqual(await prepareSandbox(), { name: 'isolated-vm', reason: 'default' });
    const m = compileRewardModule({ filename: 'a.ts', code: 'export default (c: any) => c.envReward * 2' });
    assert.equal(m.sandbox, 'isolated-vm');
    assert.equal(m.reward(ctx), 2);
    m.dispose();
  }));

test('QuickJS is chosen, and works, when isolated-vm does not load', () =>
  withEnv({ [SANDBOX_ENV]: undefined, CREDITLAB_ISOLATED_VM: abiMismatch }, async () => {
    const choice = await prepareSandbox();
    assert.equal(choice.name, 'quickjs');
    assert.match(choice.reason, /^isolated-vm does not load here: .*NODE_MODULE_VERSION 130/);
    const m = compileRewardModule({ filename: 'a.ts', code: 'export default (c: any) => c.envReward * 2' });
    assert.equal(m.sandbox, 'quickjs');
    assert.equal(m.reward(ctx), 2);
    m.dispose();
    const status = await sandboxStatus();
    assert.equal(status.isolatedVm.ok, false);
    assert.equal(status.quickjs.ok, true);
  }));

test('CREDITLAB_SANDBOX forces an engine, and a wrong value is named', () =>
  withEnv({ [SANDBOX_ENV]: 'quickjs', CREDITLAB_ISOLATED_VM: undefined }, async () => {
    assert.deepEqual(await prepareSandbox(), { name: 'quickjs', reason: 'CREDITLAB_SANDBOX=quickjs' });
    assert.equal(compileRewardModule({ filename: 'a.ts', code: 'export default () => 1' }).sandbox, 'quickjs');
    process.env[SANDBOX_ENV] = 'v8';
    assert.throws(() => sandboxChoice(), /CREDITLAB_SANDBOX must be one of isolated-vm, quickjs \(got "v8"\)/);
    process.env[SANDBOX_ENV] = 'isolated-vm';
    process.env.CREDITLAB_ISOLATED_VM = abiMismatch;
    // Forced but not loadable: the module fails to compile with the reason, it does not fall back silently.
    assert.throws(() => compileRewardModule({ filename: 'a.ts', code: 'export default () => 1' }), /the sandbox could not start: isolated-vm does not load here/);
  }));

test('inside the Electron app QuickJS is the default; the variable still forces isolated-vm', () =>
  withEnv({ [SANDBOX_ENV]: undefined, CREDITLAB_ISOLATED_VM: undefined }, async () => {
    Object.defineProperty(process.versions, 'electron', { value: '39.0.0', configurable: true });
    try {
      const choice = sandboxChoice();
      assert.equal(choice.name, 'quickjs');
      assert.match(choice.reason, /^Electron: /);
      process.env[SANDBOX_ENV] = 'isolated-vm';
      assert.deepEqual(sandboxChoice(), { name: 'isolated-vm', reason: 'CREDITLAB_SANDBOX=isolated-vm' });
    } finally {
      delete (process.versions as Record<string, string | undefined>).electron;
    }
    assert.deepEqual(sandboxChoice(), { name: 'isolated-vm', reason: 'CREDITLAB_SANDBOX=isolated-vm' });
    delete process.env[SANDBOX_ENV];
    assert.equal(sandboxChoice().name, 'isolated-vm');
  }));
