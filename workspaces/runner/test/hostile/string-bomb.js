// expect: memory limit|Invalid string length|string too long
// timeoutMs: 10000
// Builds ever larger strings and keeps them.
const keep = [];
export default () => {
  let s = 'x';
  for (;;) {
    s = s + s + String(keep.length);
    keep.push(s);
  }
};
