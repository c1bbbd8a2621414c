// Puts the comparison's figure on screen with Plotly, in the pieces figurePieces chooses, one task each
// with a painted frame between them, so no single task keeps the page's thread for long.
import { Plotly, type Figure } from '../../lib/plotly';
import { figurePieces, hideGroups } from './figure';

export const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['select2d', 'lasso2d', 'toImage'] };

/** After the browser has painted: a task queued from an animation frame runs once that frame is done. */
const afterPaint = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

export interface FigureDrawer {
  /** Draws `fig`; resolves when drawn, or early when a newer draw or cancel() supersedes it. */
  draw(fig: Figure, logY: boolean): Promise<void>;
  /** Drops the rest of a draw in progress (the element is going away). */
  cancel(): void;
}

/** What Plotly keeps on the element it draws into. */
type PlotElement = HTMLElement & {
  data?: unknown[];
  layout?: { uirevision?: unknown };
  _fullLayout?: unknown;
  _fullData?: { visible?: unknown; legendgroup?: string }[];
};

/** Legend groups whose traces the user hid with a legend click, while the figure keeps its uirevision. */
function hiddenGroups(el: PlotElement, fig: Figure): Set<string> {
  if (el.layout?.uirevision !== fig.layout.uirevision) return new Set();
  return new Set((el._fullData ?? []).flatMap((d) => (d.visible === 'legendonly' && d.legendgroup ? [d.legendgroup] : [])));
}

export function figureDrawer(el: PlotElement): FigureDrawer {
  let generation = 0;
  return {
    async draw(fig, logY) {
      const mine = ++generation;
      const pieces = figurePieces(hideGroups(fig, hiddenGroups(el, fig)), logY, { layout: el._fullLayout !== undefined, traces: el.data?.length ?? 0 });
      for (const piece of pieces) {
        // Every piece in a task of its own, the first one too: the caller's task (a worker's message, a
        // React commit) has done work of its own already.
        await afterPaint();
        if (mine !== generation) return;
        // react() diffs against what is drawn and keeps zoom and pan (uirevision).
        await Plotly.react(el, piece.data, piece.layout, PLOT_CONFIG);
      }
    },
    cancel() {
      generation++;
    },
  };
}
