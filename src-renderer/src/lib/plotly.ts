// The cartesian partial bundle of Plotly (no CDN, no geo/gl3d), typed for the calls we make.
import PlotlyModule from 'plotly.js-cartesian-dist-min';

export type Datum = Record<string, unknown>;
export type Layout = Record<string, unknown>;
export interface Figure {
  data: Datum[];
  layout: Layout;
}
export interface ImageOptions {
  format: 'png' | 'svg';
  width: number;
  height: number;
  scale?: number;
  filename?: string;
}

interface PlotlyApi {
  react(el: HTMLElement, data: Datum[], layout: Layout, config?: Record<string, unknown>): Promise<HTMLElement>;
  purge(el: HTMLElement): void;
  toImage(fig: HTMLElement | Figure, opts: ImageOptions): Promise<string>;
  Plots: { resize(el: HTMLElement): void };
}

export const Plotly = PlotlyModule as PlotlyApi;
