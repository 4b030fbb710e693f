import { relative } from "node:path";
import { updateDoc } from "@botyard/host";
import { REPO, docTargets } from "./doc-targets.js";

// `pnpm docs`: rewrites the generated reference sections of docs/ from the schemas.
for (const { file, reference } of docTargets()) {
  const changed = updateDoc(file, reference);
  console.log(`${changed ? "updated" : "up to date"}  ${relative(REPO, file)}`);
}
