// expect: '?FinalizationRegistry'? is not defined
// A FinalizationRegistry callback that never returns; it runs whenever the garbage collector decides.
let registry = null;
export default () => {
  registry ??= new FinalizationRegistry(() => { for (;;) {} });
  for (let i = 0; i < 50; i++) registry.register({ junk: new Array(200).fill(i) }, i);
  return 0;
};
