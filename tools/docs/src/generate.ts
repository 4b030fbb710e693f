import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { updateDoc } from "@botyard/host";
import { REPO, docTargets, fileTargets } from "./doc-targets.js";

// `pnpm run docs`: rewrites the generated reference sections of docs/ from the schemas.
for (const { file, reference } of docTargets()) {
  const changed = updateDoc(file, reference);
  console.log(`${changed ? "updated" : "up to date"}  ${relative(REPO, file)}`);
}
for (const { file, content } of fileTargets()) {
  const changed = !existsSync(file) || readFileSync(file, "utf8") !== content;
  if (changed) writeFileSync(file, content);
  console.log(`${changed ? "updated" : "up to date"}  ${relative(REPO, file)}`);
}
