// What a bench line ran on and which code path did the arithmetic, so a figure is never read as a property of
// the code alone: the same commit measured 1.28× on one 2-core machine and 0.71× on another.
import { readFileSync } from 'node:fs';
import { cpus, availableParallelism, loadavg } from 'node:os';
import { version_core as tfjsVersion } from '@tensorflow/tfjs';
import { createSimdGemm } from '@creditlab/common/simd-gemm';

export interface MachineInfo {
  /** CPU model as the OS reports it (under a hypervisor often only the family, e.g. "AMD EPYC"). */
  cpu: string;
  /**
   * Linux: family/model/stepping and the vector extensions V8's code generators can use (a hypervisor's
   * model name often hides the generation); null elsewhere.
   */
  cpuId: string | null;
  /** Logical cores this process may use. */
  cores: number;
  node: string;
  v8: string;
  tfjs: string;
  /** 1, 5 and 15-minute load averages when the line was written. */
  load: number[];
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cpuId: linuxCpuId(),
    cores: availableParallelism(),
    node: process.version,
    v8: process.versions.v8,
    tfjs: tfjsVersion,
    load: loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function linuxCpuId(): string | null {
  let text: string;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1].trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const vector = ['sse4_1', 'sse4_2', 'avx', 'avx2', 'fma', 'avx512f'].filter((f) => flags.has(f));
  return `${field('vendor_id') ?? '?'} family ${field('cpu family') ?? '?'} model ${field('model') ?? '?'} stepping ${field('stepping') ?? '?'}, ${field('cpu MHz') ?? '?'} MHz; ${vector.join(' ') || 'no SSE4/AVX'}`;
}

/**
 * Whether the fused kernels' products run on the WebAssembly SIMD kernel here, decided the way gemm.ts
 * decides (CREDITLAB_SIMD=0, or a kernel that fails validation or its self-test, means the JS loop).
 */
function products(precision: 'f64' | 'f32'): string {
  if (process.env.CREDITLAB_SIMD === '0') return 'JS products (CREDITLAB_SIMD=0)';
  return createSimdGemm(precision) ? `WebAssembly SIMD ${precision === 'f64' ? 'f64x2' : 'f32x4'} products` : 'JS products (no WebAssembly SIMD)';
}

/** Discrete-action PPO (CartPole): fused JS kernels unless CREDITLAB_PPO_FUSED=0. */
export function ppoCompute(backend: string): string {
  return process.env.CREDITLAB_PPO_FUSED === '0' ? `tfjs (${backend})` : `fused (JS kernels, ${products('f64')})`;
}

/** The RLHF benchmark's policy update (PolicyGradientStep): fused unless CREDITLAB_GRU=tf. */
export function rlhfCompute(backend: string): string {
  return process.env.CREDITLAB_GRU === 'tf' ? `tfjs (${backend})` : `fused (sampling and the whole update in JS, ${products('f32')}; no tfjs ops)`;
}

/** A process's parent and CPU time (utime + stime, seconds) from /proc (Linux); undefined where that cannot be read. */
export function procStat(pid: number): { ppid: number; cpuSeconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 }; // clock ticks; USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in seconds; undefined where /proc cannot be read. */
export const procCpuSeconds = (pid: number): number | undefined => procStat(pid)?.cpuSeconds;
