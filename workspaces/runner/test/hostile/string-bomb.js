// expect: memory limit|Invalid string length
// Builds ever larger strings and keeps them.
const keep = [];
export default () => {
  let s = 'x';
  for (;;) {
    s = s + s + String(keep.length);
    keep.push(s);
  }
};
