// Paths and reference values shared by the plot tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../../", import.meta.url));
/** R's values (test/plots/fixtures/plots-reference.R) */
export const ref = JSON.parse(readFileSync(`${root}test/plots/fixtures/plots-reference.json`, "utf8"));
