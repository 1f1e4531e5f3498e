# Shared bash stand-in for the PM2 ecosystem corpus (same behaviour as report.js).
# A case's .sh script sources this file: `. "<dir>/standin/report.sh"`; $0 is the case's script.
if [ -n "$PBM_CORPUS_REPORTS" ]; then
  STANDIN_SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")" \
  STANDIN_PID="$$" STANDIN_PPID="$PPID" \
  node -e '
    const fs = require("fs"), path = require("path");
    const env = Object.assign({}, process.env);
    const pid = Number(env.STANDIN_PID), ppid = Number(env.STANDIN_PPID), script = env.STANDIN_SCRIPT;
    delete env.STANDIN_PID; delete env.STANDIN_PPID; delete env.STANDIN_SCRIPT;
    const name = (env.name || "app").replace(/[^A-Za-z0-9._-]/g, "_");
    const inst = env.NODE_APP_INSTANCE || "0";
    const dir = env.PBM_CORPUS_REPORTS;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name + "-" + inst + "-" + pid + ".json"), JSON.stringify({
      pid, ppid, argv: ["bash", script].concat(process.argv.slice(1)), execArgv: [],
      cwd: process.cwd(), env, script, runtime: "bash", startedAt: Date.now() }, null, 2));
  ' -- "$@"
fi
echo "standin: started"
while true; do sleep 60; done
