// V8's explicit compile hint (Chromium 136 and later, so Electron 36 and later): a script whose text starts
// with this comment has all its functions compiled while it streams in, on a background thread, rather
// than each one on the page's thread the first time it is called. Plotly's first draws call thousands of
// its functions for the first time; without the hint their compilation is part of those draws. The
// renderer's build puts Plotly in a chunk of its own that starts with it (vite.config.ts), and the ui-plot
// benchmark serves Plotly the same way. Browsers without the feature read an ordinary comment.
export const COMPILE_ALL_FUNCTIONS = '//# allFunctionsCalledOnLoad';
