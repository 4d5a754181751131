// Build a V8 code cache for the CLI bundle (dist/bundle/glmm-cli.cjs.cache): load the bundle,
// run three small fits so the functions of the common path are compiled, and save V8's cached data.
// bin/glmm.js hands it to vm.Script, which then skips most parsing and compiling (~25 ms of every
// command). A cache from another Node/V8 is rejected by V8 and costs nothing but the time saved.
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const file = path.resolve(__dirname, "..", "dist", "bundle", "glmm-cli.cjs");
const data = path.resolve(__dirname, "..", "test", "fixtures", "data");
const script = new vm.Script(Module.wrap(fs.readFileSync(file, "latin1")), { filename: file });
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
(async () => {
  try {
    await mod.exports.main(["fit", "--data", path.join(data, "cbpp.csv"), "--family", "binomial", "--formula", "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "--format", "json"]);
    await mod.exports.main(["fit", "--data", path.join(data, "sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject)", "--format", "json"]);
    // a count model: the negative binomial's kernels and observed-information path
    await mod.exports.main(["fit", "--data", path.join(data, "owls.csv"), "--family", "negative_binomial", "--formula", "SiblingNegotiation ~ FoodTreatment * SexParent + offset(log(BroodSize)) + (1 | Nest)", "--format", "json"]);
  } finally {
    process.stdout.write = write;
  }
  fs.writeFileSync(file + ".cache", script.createCachedData());
})();
