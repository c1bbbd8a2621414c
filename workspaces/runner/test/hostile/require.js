// expect: imports are not available
// CommonJS require of a host module.
const fs = require('node:fs');
export default () => {
  fs.writeFileSync(MARKER, 'escaped via require');
  return 0;
};
