// expect: memory limit of 512 MB
// timeoutMs: 10000
// Holds 5 GB of Float64Arrays (typed arrays live outside the JS heap's own limit).
const keep = [];
export default () => {
  while (keep.length < 50) keep.push(new Float64Array(12_500_000)); // 100 MB each
  return keep.length;
};
