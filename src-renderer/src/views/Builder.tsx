// Experiment builder: a spec (JSON, schema-aware) and a reward (TypeScript against the reward API),
// validated continuously by the host, started with Ctrl+Enter.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Preset, RewardMethodInfo } from '@creditlab/api';
import type { SpecError } from '@creditlab/spec';
import { ApiError } from '@creditlab/api';
import { api } from '../api';
import { CodeEditor, getOrCreateModel } from '../components/CodeEditor';
import { monaco, REWARD_MODEL_URI, SPEC_MODEL_URI } from '../lib/monaco';
import { indexJson, locatePath } from '../lib/json-locate';
import { REWARD_TEMPLATES } from '../lib/templates';
import { insertMethod, sectionOf, type EntryTarget } from '../lib/method-templates';
import { TemplateMenu } from '../components/TemplateMenu';
import {
  armNames,
  composeSpec,
  extractReward,
  parseJson,
  prettyJson,
  targetFromKey,
  targetKey,
  type RewardTarget,
} from '../lib/spec-text';
import { refreshExperiments } from '../lib/live';
import { onMenuCommand, openRewardFile } from '../lib/desktop';
import { navigate } from '../router';
import { RewardVersions } from './RewardVersions';
import { TryEpisode } from './TryEpisode';

const BLANK_SPEC = {
  version: 1,
  name: 'cartpole-shaping',
  description: 'Does potential-based shaping speed up PPO on CartPole?',
  seeds: [0, 1, 2],
  budget: { steps: 50000 },
  base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } },
  arms: [{ name: 'baseline' }, { name: 'shaped' }],
};

interface Problem {
  source: 'spec' | 'json' | 'reward';
  where: string;
  message: string;
  /** Model offset (spec) or line/column (reward) to reveal. */
  offset?: number;
  line?: number;
  column?: number;
}

type Status =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'ok'; runs: number; arms: string[] }
  | { kind: 'invalid'; count: number }
  | { kind: 'error'; message: string };

const LOAD_EVENT = 'creditlab:load-spec';
/** Opens a spec in the builder (duplicate an experiment, load a preset from elsewhere). */
export function openInBuilder(spec: unknown): void {
  window.dispatchEvent(new CustomEvent(LOAD_EVENT, { detail: spec }));
  navigate('#/new');
}

export function Builder({ active, supportReady, methods }: { active: boolean; supportReady: boolean; methods: RewardMethodInfo[] }) {
  const specModel = useMemo(() => getOrCreateModel(SPEC_MODEL_URI, 'json', prettyJson(BLANK_SPEC)), []);
  const rewardModel = useMemo(() => getOrCreateModel(REWARD_MODEL_URI, 'typescript', REWARD_TEMPLATES[2].code), []);
  const specEditor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const rewardEditor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const [presets, setPresets] = useState<Preset[]>([]);
  const [target, setTarget] = useState<RewardTarget>({ kind: 'arm', name: 'shaped' });
  const [specText, setSpecText] = useState(() => specModel.getValue());
  const [rewardVersion, setRewardVersion] = useState(0);
  const [specProblems, setSpecProblems] = useState<Problem[]>([]);
  const [tsProblems, setTsProblems] = useState<Problem[]>([]);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const validationSeq = useRef(0);
  const [dock, setDock] = useState<'problems' | 'versions' | 'try'>('problems');
  const [fileNote, setFileNote] = useState<string | null>(null);

  useEffect(() => {
    api.listPresets().then(setPresets, () => setPresets([]));
  }, []);

  useEffect(() => {
    const a = specModel.onDidChangeContent(() => setSpecText(specModel.getValue()));
    const b = rewardModel.onDidChangeContent(() => setRewardVersion((v) => v + 1));
    return () => {
      a.dispose();
      b.dispose();
    };
  }, [specModel, rewardModel]);

  // TypeScript diagnostics come from the TS worker as markers on the reward model.
  useEffect(() => {
    const read = () => {
      // Only the TS worker's markers: the episode panel's runtime-error marker must not block Start.
      const markers = monaco.editor.getModelMarkers({ resource: REWARD_MODEL_URI }).filter((m) => m.owner === 'typescript');
      setTsProblems(
        markers
          .filter((m) => m.severity === monaco.MarkerSeverity.Error)
          .map((m) => ({ source: 'reward', where: `${m.startLineNumber}:${m.startColumn}`, message: m.message, line: m.startLineNumber, column: m.startColumn })),
      );
    };
    read();
    const d = monaco.editor.onDidChangeMarkers((uris) => {
      if (uris.some((u) => u.toString() === REWARD_MODEL_URI.toString())) read();
    });
    return () => d.dispose();
  }, []);

  const parsed = useMemo(() => parseJson(specText), [specText]);
  const arms = useMemo(() => (parsed.ok ? armNames(parsed.value) : []), [parsed]);

  const loadSpec = useCallback(
    (spec: unknown) => {
      const { spec: rest, code, target: t } = extractReward(spec);
      specModel.pushEditOperations([], [{ range: specModel.getFullModelRange(), text: prettyJson(rest) }], () => null);
      if (code !== null) rewardModel.pushEditOperations([], [{ range: rewardModel.getFullModelRange(), text: code }], () => null);
      setTarget(code !== null ? t : { kind: 'none' });
    },
    [specModel, rewardModel],
  );

  useEffect(() => {
    const h = (e: Event) => loadSpec((e as CustomEvent).detail);
    window.addEventListener(LOAD_EVENT, h);
    return () => window.removeEventListener(LOAD_EVENT, h);
  }, [loadSpec]);

  const composed = useCallback((): { spec: unknown } | { jsonError: Problem } => {
    if (!parsed.ok) return { jsonError: { source: 'json', where: 'JSON', message: parsed.message, offset: parsed.offset } };
    return { spec: composeSpec(parsed.value, rewardModel.getValue(), target) };
  }, [parsed, rewardModel, target]);

  const toProblems = useCallback(
    (errors: SpecError[]): Problem[] => {
      const text = specModel.getValue();
      const index = indexJson(text);
      return errors.map((e) => {
        const onReward = /\.reward\.code$/.test(e.path) && target.kind !== 'none';
        return { source: onReward ? 'reward' : 'spec', where: e.path || '(root)', message: e.message, offset: onReward ? undefined : locatePath(text, e.path, index).start };
      });
    },
    [specModel, target],
  );

  const validate = useCallback(async (): Promise<{ ok: boolean; spec?: unknown }> => {
    const seq = ++validationSeq.current;
    const c = composed();
    if ('jsonError' in c) {
      setSpecProblems([c.jsonError]);
      setStatus({ kind: 'invalid', count: 1 });
      return { ok: false };
    }
    setStatus({ kind: 'checking' });
    try {
      const r = await api.validateSpec(c.spec);
      if (seq !== validationSeq.current) return { ok: false };
      if (r.ok) {
        setSpecProblems([]);
        setStatus({ kind: 'ok', runs: r.runs, arms: r.arms });
        return { ok: true, spec: c.spec };
      }
      setSpecProblems(toProblems(r.errors));
      setStatus({ kind: 'invalid', count: r.errors.length });
      return { ok: false };
    } catch (e) {
      if (seq === validationSeq.current) setStatus({ kind: 'error', message: (e as Error).message });
      return { ok: false };
    }
  }, [composed, toProblems]);

  // Validate as the user types, once they pause.
  useEffect(() => {
    if (!supportReady) return;
    const t = setTimeout(() => void validate(), 450);
    return () => clearTimeout(t);
  }, [specText, rewardVersion, target, supportReady, validate]);

  // Spec errors as markers at their JSON path, so they show in the gutter and on hover.
  useEffect(() => {
    monaco.editor.setModelMarkers(
      specModel,
      'creditlab',
      specProblems
        .filter((p) => p.offset !== undefined)
        .map((p) => {
          const pos = specModel.getPositionAt(p.offset!);
          const line = specModel.getLineContent(pos.lineNumber);
          return {
            severity: monaco.MarkerSeverity.Error,
            message: p.source === 'json' ? p.message : `${p.where}: ${p.message}`,
            startLineNumber: pos.lineNumber,
            startColumn: pos.column,
            endLineNumber: pos.lineNumber,
            endColumn: Math.max(pos.column + 1, line.length + 1),
          };
        }),
    );
  }, [specProblems, specModel]);

  const problems = useMemo(() => [...specProblems, ...(target.kind === 'none' ? [] : tsProblems)], [specProblems, tsProblems, target]);

  const start = useCallback(async () => {
    setStartError(null);
    const v = await validate();
    if (!v.ok) return;
    if (target.kind !== 'none' && tsProblems.length > 0) {
      setStartError('Fix the reward’s type errors first (or set the reward to “not used”).');
      return;
    }
    setStarting(true);
    try {
      const { experimentId } = await api.startExperiment(v.spec);
      await refreshExperiments();
      navigate(`#/exp/${experimentId}`);
    } catch (e) {
      if (e instanceof ApiError && e.errors) setSpecProblems(toProblems(e.errors));
      setStartError((e as Error).message);
    } finally {
      setStarting(false);
    }
  }, [validate, target, tsProblems, toProblems]);

  // Ctrl/Cmd+Enter starts, Ctrl/Cmd+S validates, from anywhere in the builder including the editors.
  useEffect(() => {
    if (!active) return;
    const h = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      if (e.key === 'Enter') {
        e.preventDefault();
        void start();
      } else if (e.key === 's') {
        e.preventDefault();
        void validate();
      }
    };
    window.addEventListener('keydown', h, true);
    return () => window.removeEventListener('keydown', h, true);
  }, [active, start, validate]);

  const reveal = (p: Problem) => {
    if (p.source === 'reward' && rewardEditor.current) {
      const ed = rewardEditor.current;
      if (p.line) {
        ed.revealLineInCenter(p.line);
        ed.setPosition({ lineNumber: p.line, column: p.column ?? 1 });
      }
      ed.focus();
    } else if (specEditor.current && p.offset !== undefined) {
      const pos = specModel.getPositionAt(p.offset);
      specEditor.current.revealLineInCenter(pos.lineNumber);
      specEditor.current.setPosition(pos);
      specEditor.current.focus();
    }
  };

  const openFile = useCallback(async () => {
    const f = await openRewardFile();
    if (!f) return;
    rewardModel.pushEditOperations([], [{ range: rewardModel.getFullModelRange(), text: f.content }], () => null);
    setFileNote(f.filename);
  }, [rewardModel]);
  useEffect(
    () =>
      onMenuCommand('open-reward-file', () => {
        navigate('#/new');
        void openFile();
      }),
    [openFile],
  );

  // Quick fields edit the JSON in place (one undoable edit) so the text stays the source of truth.
  const patchSpec = (fn: (s: Record<string, unknown>) => void) => {
    if (!parsed.ok || !parsed.value || typeof parsed.value !== 'object') return;
    const next = structuredClone(parsed.value) as Record<string, unknown>;
    fn(next);
    specModel.pushEditOperations([], [{ range: specModel.getFullModelRange(), text: prettyJson(next) }], () => null);
  };
  const spec = parsed.ok && parsed.value && typeof parsed.value === 'object' ? (parsed.value as Record<string, unknown>) : null;

  const insertMethodEntry = (m: RewardMethodInfo, into: EntryTarget) => {
    if (!parsed.ok) {
      setStartError('Fix the spec’s JSON before inserting a template.');
      return;
    }
    const next = insertMethod(parsed.value, m, into);
    if (!next) return;
    const text = prettyJson(next);
    specModel.pushEditOperations([], [{ range: specModel.getFullModelRange(), text }], () => null);
    // Show the new entry, so its defaults are the next thing the user reads and edits.
    const holder = into.kind === 'base' ? (next.base as Record<string, unknown>) : (next.arms as Record<string, unknown>[]).find((a) => a.name === into.name)!;
    const list = (holder.reward as Record<string, unknown[]>)[sectionOf(m)];
    const prefix = into.kind === 'base' ? 'base' : `arms[${(next.arms as unknown[]).indexOf(holder)}]`;
    const at = locatePath(text, `${prefix}.reward.${sectionOf(m)}[${list.length - 1}]`);
    const ed = specEditor.current;
    if (ed) {
      const pos = specModel.getPositionAt(at.start);
      ed.revealLineInCenter(pos.lineNumber);
      ed.setPosition(pos);
    }
  };
  const seedsCount = Array.isArray(spec?.seeds) ? spec.seeds.length : '';
  const steps = (spec?.budget as { steps?: unknown } | undefined)?.steps;

  const targetOptions = [
    { key: 'none', label: 'not used (env reward only)' },
    { key: 'base', label: 'all arms (base.reward.code)' },
    ...arms.map((a) => ({ key: `arm:${a}`, label: `arm “${a}” only` })),
  ];
  const tKey = targetKey(target);
  const specName = typeof spec?.name === 'string' && spec.name ? spec.name : 'reward';
  const versionName = target.kind === 'arm' ? `${specName}/${target.name}` : specName;
  if (!targetOptions.some((o) => o.key === tKey)) targetOptions.push({ key: tKey, label: `arm “${(target as { name: string }).name}” (missing)` });

  return (
    <div className="view builder" hidden={!active}>
      <header className="view-header">
        <div className="title-block">
          <h1>New experiment</h1>
          <StatusPill status={status} problems={problems.length} />
        </div>
        <div className="toolbar">
          <label className="field">
            <span>Preset</span>
            <select
              aria-label="Preset"
              value=""
              onChange={(e) => {
                const p = presets.find((x) => x.id === e.target.value);
                if (p) loadSpec(p.spec);
                else if (e.target.value === '__blank') loadSpec(BLANK_SPEC);
              }}
            >
              <option value="">Load…</option>
              <option value="__blank">Blank: 2 arms × 3 seeds</option>
              {presets.map((p) => (
                <option key={p.id} value={p.id} title={p.description}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Seeds</span>
            <input
              aria-label="Seeds"
              type="number"
              min={1}
              max={100}
              value={seedsCount}
              disabled={!spec}
              onChange={(e) => {
                const n = Math.max(1, Math.min(100, Math.floor(Number(e.target.value)) || 1));
                patchSpec((s) => (s.seeds = Array.from({ length: n }, (_, i) => i)));
              }}
            />
          </label>
          <label className="field">
            <span>Steps / run</span>
            <input
              aria-label="Steps per run"
              type="number"
              min={1}
              step={1024}
              value={typeof steps === 'number' ? steps : ''}
              disabled={!spec}
              onChange={(e) => {
                const n = Math.floor(Number(e.target.value));
                if (n > 0) patchSpec((s) => (s.budget = { ...(s.budget as object), steps: n }));
              }}
            />
          </label>
          <span className="toolbar-gap" />
          <button type="button" onClick={() => void validate()} title="Validate (Ctrl+S)">
            Validate
          </button>
          <button type="button" className="primary" onClick={() => void start()} disabled={starting} title="Validate and start (Ctrl+Enter)">
            {starting ? 'Starting…' : 'Start'} <kbd>Ctrl ↵</kbd>
          </button>
        </div>
      </header>
      <div className="builder-panes">
        <section className="pane">
          <div className="pane-head">
            <span className="pane-title">Spec</span>
            <span className="pane-file">experiment.json</span>
            <span className="pane-hint">Ctrl+Space completes fields from the spec schema</span>
          </div>
          <CodeEditor model={specModel} name="spec" label="Experiment spec (JSON)" onMount={(e) => (specEditor.current = e)} />
        </section>
        <section className="pane">
          <div className="pane-head">
            <span className="pane-title">Reward</span>
            <span className="pane-file">reward.ts</span>
            <label className="field compact">
              <span>Applies to</span>
              <select aria-label="Reward applies to" value={tKey} onChange={(e) => setTarget(targetFromKey(e.target.value))}>
                {targetOptions.map((o) => (
                  <option key={o.key} value={o.key}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
            <TemplateMenu
              codeTemplates={REWARD_TEMPLATES}
              methods={methods}
              arms={arms}
              defaultTarget={target.kind === 'arm' ? target : { kind: 'base' }}
              onCode={(t) => rewardModel.pushEditOperations([], [{ range: rewardModel.getFullModelRange(), text: t.code }], () => null)}
              onMethod={insertMethodEntry}
            />
            <button type="button" className="small-btn" onClick={() => void openFile()} title={fileNote ? `Loaded from ${fileNote}` : 'Replace the editor’s code with a .ts/.js file (undo with Ctrl+Z)'}>
              Open…
            </button>
          </div>
          <div className={target.kind === 'none' ? 'editor-dim' : undefined}>
            <CodeEditor model={rewardModel} name="reward" label="Reward code (TypeScript)" onMount={(e) => (rewardEditor.current = e)} />
          </div>
        </section>
      </div>
      <section className={`problems dock dock-${dock}`} aria-label="Problems, reward versions and episode replay">
        <div className="problems-head">
          <nav className="dock-tabs" role="tablist" aria-label="Builder panels">
            <button type="button" role="tab" aria-selected={dock === 'problems'} className={dock === 'problems' ? 'active' : undefined} onClick={() => setDock('problems')}>
              Problems
              <span className={`pcount ${problems.length ? 'bad' : 'good'}`} data-testid="problem-count">
                {problems.length}
              </span>
            </button>
            <button type="button" role="tab" aria-selected={dock === 'versions'} className={dock === 'versions' ? 'active' : undefined} onClick={() => setDock('versions')}>
              Versions
            </button>
            <button type="button" role="tab" aria-selected={dock === 'try'} className={dock === 'try' ? 'active' : undefined} onClick={() => setDock('try')}>
              Try on episode
            </button>
          </nav>
          {status.kind === 'ok' && problems.length === 0 && (
            <span className="muted" data-testid="run-summary">
              {status.arms.length} arm{status.arms.length === 1 ? '' : 's'} × {status.runs / Math.max(1, status.arms.length)} seed
              {status.runs / Math.max(1, status.arms.length) === 1 ? '' : 's'} = {status.runs} run{status.runs === 1 ? '' : 's'}
              {typeof steps === 'number' ? ` · ${steps.toLocaleString()} steps each` : ''}
            </span>
          )}
          {status.kind === 'error' && <span className="error-text">host: {status.message}</span>}
          {startError && <span className="error-text">{startError}</span>}
        </div>
        <ul className="problem-list" data-testid="problems" hidden={dock !== 'problems'}>
          {problems.map((p, i) => (
            <li key={i}>
              <button type="button" className="problem" onClick={() => reveal(p)}>
                <span className="sev" aria-hidden>
                  ●
                </span>
                <span className={`src src-${p.source}`}>{p.source === 'reward' ? 'reward.ts' : 'spec'}</span>
                <code className="where">{p.where}</code>
                <span className="msg">{p.message}</span>
              </button>
            </li>
          ))}
          {problems.length === 0 && <li className="muted empty">No problems. Start with Ctrl+Enter.</li>}
        </ul>
        {dock === 'versions' && <RewardVersions rewardModel={rewardModel} defaultName={versionName} active={active && dock === 'versions'} />}
        <div className="dock-keep" hidden={dock !== 'try'}>
          <TryEpisode active={active && dock === 'try'} spec={parsed.ok ? parsed.value : null} rewardModel={rewardModel} rewardVersion={rewardVersion} target={target} />
        </div>
      </section>
    </div>
  );
}

function StatusPill({ status, problems }: { status: Status; problems: number }) {
  if (problems > 0 && status.kind !== 'checking') return <span className="pill bad">{problems} problem{problems === 1 ? '' : 's'}</span>;
  switch (status.kind) {
    case 'ok':
      return <span className="pill ok">valid · {status.runs} runs</span>;
    case 'checking':
      return <span className="pill">checking…</span>;
    case 'error':
      return <span className="pill bad">host error</span>;
    default:
      return null;
  }
}
