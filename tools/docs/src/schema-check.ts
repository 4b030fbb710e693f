import AjvModule from "ajv";
import formatsModule from "ajv-formats";
import { parse } from "yaml";

const Ajv = AjvModule.default;
const addFormats = formatsModule.default;

/**
 * What an editor with the schema would flag in a bots.yaml, as written (before `${VAR}`
 * interpolation): each error as `/json/pointer: message`; none when the file is valid.
 */
export function schemaErrors(schema: object, yamlText: string): string[] {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (validate(parse(yamlText))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message}${e.params && "allowedValues" in e.params ? ` ${JSON.stringify(e.params.allowedValues)}` : ""}`);
}
