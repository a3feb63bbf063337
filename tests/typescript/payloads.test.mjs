// Payloads the way language models write them get the verdict written down in
// tests/samples/llm_payloads.json from the generated Zod schemas, as from the
// pydantic models and the jsonschema library (tests/test_generated_package.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const pkg = await import(`${process.env.STEPGEN_TS_BUILD}/index.js`);
const payloads = JSON.parse(
  readFileSync(new URL("../samples/llm_payloads.json", import.meta.url), "utf8"),
);

for (const { stage, why, valid, data } of payloads) {
  test(`${stage}: ${why}`, () => {
    assert.equal(pkg.VALIDATORS[stage].output.safeParse(data).success, valid);
  });
}
