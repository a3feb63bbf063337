// Prints the verdict of the compiled conformance package's Zod schemas for every
// test of every case: node verdicts.mjs PACKAGE_DIR CASES_JSON > VERDICTS_JSON
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [packageDir, casesFile] = process.argv.slice(2);
const pkg = await import(pathToFileURL(`${packageDir}/index.js`).href);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const verdicts = {};
for (const { stage, data } of cases) {
  const schema = pkg.VALIDATORS[stage].output;
  verdicts[stage] = data.map((value) => schema.safeParse({ value }).success);
}
process.stdout.write(JSON.stringify(verdicts));
