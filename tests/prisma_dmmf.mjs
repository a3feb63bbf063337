// Prints the enums of Prisma schemas as Prisma's own parser reads them:
// node prisma_dmmf.mjs FILE... > {"FILE": {"Enum": {"dbName": ..., "values": [[name, dbName]]}}}
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const wasm = require("@prisma/prisma-schema-wasm");
const result = {};
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: [["schema.prisma", text]] })));
  result[file] = Object.fromEntries(
    dmmf.datamodel.enums.map((item) => [
      item.name,
      { dbName: item.dbName, values: item.values.map((value) => [value.name, value.dbName]) },
    ]),
  );
}
process.stdout.write(JSON.stringify(result));
