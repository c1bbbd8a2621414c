// Stable arm colours: an arm keeps its colour across views and exports because it is keyed by the arm's
// position in the experiment spec. Tableau 10, which reads on light and dark backgrounds.
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function armColor(arms: readonly string[], arm: string): string {
  const i = arms.indexOf(arm);
  return PALETTE[(i < 0 ? hashIndex(arm) : i) % PALETTE.length];
}

function hashIndex(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}

export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
