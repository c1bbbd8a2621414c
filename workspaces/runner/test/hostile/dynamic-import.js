// expect: not allowed|imports are not available|promises and async functions are not available
// import() of a host module.
export default async function () {
  const fs = await import('node:fs');
  fs.writeFileSync(MARKER, 'escaped via import()');
  return 0;
}
