// Validates every JSON answer the API tests received (the file VERBATIM_CONTRACT_DUMP
// named, one {method, path, status, content_type, body} per line) against openapi.yaml
// with Ajv in strict mode, under JSON Schema 2020-12, the dialect of OpenAPI 3.1: a
// validator independent of the kin-openapi one the tests use, and the one generated
// clients, gateways and contract testers most often embed.
//
//   node .ci/ajv-responses.mjs openapi.json responses.ndjson
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [docPath, dumpPath] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(docPath, "utf8"));

// OpenAPI's own annotations, which JSON Schema does not define; strict mode refuses any
// keyword it does not know, so these are declared, and nothing else is let through.
const ajv = new Ajv2020({ strict: true, allErrors: true, strictTypes: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addVocabulary(["example", "discriminator", "xml", "externalDocs", "x-nullable"]);

// The component schemas become one schema resource; references into them are rewritten
// to point there.
const rewrite = (v) => {
  if (Array.isArray(v)) return v.map(rewrite);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = k === "$ref" && typeof x === "string" ? x.replace("#/components/schemas/", "verbatim#/$defs/") : rewrite(x);
    }
    return out;
  }
  return v;
};
ajv.addSchema({ $id: "verbatim", $defs: rewrite(doc.components.schemas) });

const compiled = new Map();
const validatorFor = (method, path, status, contentType) => {
  const key = `${method} ${path} ${status} ${contentType}`;
  if (compiled.has(key)) return compiled.get(key);
  const op = doc.paths?.[path]?.[method];
  const resp = op?.responses?.[String(status)] ?? op?.responses?.default;
  const schema = resp?.content?.[contentType]?.schema;
  const v = schema ? ajv.compile(rewrite(schema)) : null;
  compiled.set(key, v);
  return v;
};

let checked = 0;
const failures = [];
const undocumented = [];
for (const line of readFileSync(dumpPath, "utf8").split("\n")) {
  if (!line) continue;
  const r = JSON.parse(line);
  const validate = validatorFor(r.method, r.path, r.status, r.content_type);
  if (!validate) {
    undocumented.push(`${r.method.toUpperCase()} ${r.path} → ${r.status} ${r.content_type}`);
    continue;
  }
  checked++;
  if (!validate(r.body)) {
    failures.push(`${r.method.toUpperCase()} ${r.path} → ${r.status}: ${ajv.errorsText(validate.errors)}\n  ${JSON.stringify(r.body).slice(0, 300)}`);
  }
}
const unique = (a) => [...new Set(a)];
console.log(`ajv (strict, JSON Schema 2020-12): ${checked} answers checked against openapi.yaml, ${failures.length} failed, ${undocumented.length} without a documented schema`);
for (const f of unique(failures).slice(0, 20)) console.log("FAIL " + f);
for (const u of unique(undocumented).slice(0, 20)) console.log("UNDOCUMENTED " + u);
if (checked === 0) console.log("FAIL no answers to check: did the API tests run with VERBATIM_CONTRACT_DUMP set?");
process.exit(failures.length > 0 || undocumented.length > 0 || checked === 0 ? 1 : 0);
