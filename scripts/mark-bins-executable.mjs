// Part of `npm run build`: make the package's commands (package.json "bin") executable, so
// dist/cli/cback.js runs through its shebang, with its node options, as the installed
// `cback` does (npm sets the same bits when it installs the package).
import { chmodSync, readFileSync } from "node:fs";

const { bin = {} } = JSON.parse(readFileSync("package.json", "utf8"));
for (const path of Object.values(bin)) chmodSync(path, 0o755);
