// The generated Zod schemas give the expected verdict on the sample artifacts of
// every stage (tests/samples/outputs.json), and the step definitions they ship with
// match the step-definition schema.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const packageDir = process.env.STEPGEN_TS_BUILD;
assert.ok(packageDir, "STEPGEN_TS_BUILD must name the compiled package (see the Makefile)");
const pkg = await import(`${packageDir}/index.js`);
const samples = JSON.parse(
  readFileSync(new URL("../samples/outputs.json", import.meta.url), "utf8"),
);

for (const [stage, cases] of Object.entries(samples)) {
  test(`${stage}: valid samples pass`, () => {
    for (const sample of cases.valid) {
      const result = pkg.VALIDATORS[stage].output.safeParse(sample);
      assert.ok(result.success, JSON.stringify(result.error?.issues));
    }
  });

  test(`${stage}: invalid samples fail`, () => {
    for (const { why, data } of cases.invalid) {
      assert.equal(pkg.VALIDATORS[stage].output.safeParse(data).success, false, why);
    }
  });
}

test("the nine stages are in order, with their sources and dependents", () => {
  assert.deepEqual(
    pkg.STEPS.map((step) => step.stage),
    ["PLAN", "OUTLINE", "STORYBOARD", "NARRATION", "PAGES", "TTS", "RENDER", "MERGE", "DONE"],
  );
  assert.deepEqual(pkg.sourcesOf("MERGE"), ["RENDER", "TTS"]);
  assert.deepEqual(pkg.dependentsOf("STORYBOARD"), ["NARRATION", "PAGES"]);
  assert.throws(() => pkg.getStep("UPLOAD"), /no step for stage UPLOAD/);
});

test("every step definition matches the step-definition schema", () => {
  for (const step of pkg.STEPS) {
    const result = pkg.StepDefinitionSchema.safeParse(step);
    assert.ok(result.success, `${step.stage}: ${JSON.stringify(result.error?.issues)}`);
  }
  const merge = pkg.getStep("MERGE");
  assert.deepEqual(merge.execution.retryPolicy, { maxAttempts: 2, backoffMs: 5000, maxBackoffMs: 20000 });
  assert.equal(merge.config.model, undefined);
  assert.equal("model" in merge.config, false);
  assert.equal(pkg.getStep("PAGES").config.temperature, 0.5);
});

test("inputs are checked too: a stage input needs its sources and job values", () => {
  const plan = samples.PLAN.valid[0];
  assert.ok(pkg.VALIDATORS.OUTLINE.input.safeParse({ plan, markdown: "# Lesson" }).success);
  assert.equal(pkg.VALIDATORS.OUTLINE.input.safeParse({ plan }).success, false);
});

test("integers beyond the safe range are refused, as on the Python side", () => {
  const sample = { ...samples.MERGE.valid[0], sourceRenderVersion: 2 ** 53 };
  assert.equal(pkg.VALIDATORS.MERGE.output.safeParse(sample).success, false);
  sample.sourceRenderVersion = 2 ** 53 - 1;
  assert.ok(pkg.VALIDATORS.MERGE.output.safeParse(sample).success);
});

test("a default fills an absent field, as the Python model does", () => {
  const parsed = pkg.VALIDATORS.PLAN.output.parse({
    estimatedPages: 3,
    estimatedDurationSec: 60,
    style: "plain",
  });
  assert.deepEqual(parsed.questions, []);
});
