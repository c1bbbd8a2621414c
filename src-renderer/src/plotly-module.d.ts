declare module 'plotly.js-cartesian-dist-min' {
  // The partial bundle ships no types and @types/plotly.js is not installed; lib/plotly.ts narrows this.
  const Plotly: unknown;
  export default Plotly;
}
