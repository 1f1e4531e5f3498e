// Writes the pbm variables it was started with to WORK_DIR/env-N.json, then idles.
const fs = require('fs');
const path = require('path');
const vars = {};
for (const k of ['PBM_APP', 'PBM_INSTANCE', 'NODE_APP_INSTANCE', 'PBM_ID', 'GREETING']) vars[k] = process.env[k] ?? null;
vars.argv = process.argv.slice(2);
vars.cwd = process.cwd();
fs.writeFileSync(path.join(process.env.WORK_DIR, `env-${process.env.PBM_INSTANCE}.json`), JSON.stringify(vars));
setInterval(() => {}, 1000);
