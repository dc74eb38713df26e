// Copies the Envoy v3 API .proto files that Envoy.Api compiles, with every file they import,
// from the pinned npm package @grpc/grpc-js-xds into an output folder that Grpc.Tools reads.
//
// Usage: node prepare-protos.mjs <package-deps-folder> <output-folder>
//
// The package's protoc-gen-validate/validate/validate.proto is older than the `ignore_empty`
// string rule (field 26 of validate.StringRules upstream) that
// envoy/config/core/v3/protocol.proto and a few other files use, so protoc rejects them as shipped.
// The copy made here adds that one field to StringRules. The option only annotates fields for
// Envoy's own validator, so adding it changes no generated message.
import fs from "node:fs";
import path from "node:path";

const [depsFolder, outputFolder] = process.argv.slice(2);
if (!depsFolder || !outputFolder) {
  console.error("usage: node prepare-protos.mjs <package-deps-folder> <output-folder>");
  process.exit(2);
}

// The API surface the product serves and reads. Their imports are added below.
const roots = [
  "envoy/service/discovery/v3/ads.proto",
  "envoy/service/discovery/v3/discovery.proto",
  "envoy/service/cluster/v3/cds.proto",
  "envoy/service/endpoint/v3/eds.proto",
  "envoy/service/listener/v3/lds.proto",
  "envoy/service/route/v3/rds.proto",
  "envoy/service/status/v3/csds.proto",
  "envoy/config/bootstrap/v3/bootstrap.proto",
  "envoy/config/cluster/v3/cluster.proto",
  "envoy/config/endpoint/v3/endpoint.proto",
  "envoy/config/listener/v3/listener.proto",
  "envoy/config/route/v3/route.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto",
  "envoy/extensions/filters/network/redis_proxy/v3/redis_proxy.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/health_checkers/redis/v3/redis.proto",
  "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
];

// Search order for imports, as protoc's -I flags would give it.
const includeFolders = ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((name) =>
  path.join(depsFolder, name),
);

function findSource(relativePath) {
  for (const folder of includeFolders) {
    const candidate = path.join(folder, relativePath);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

const importPattern = /^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm;
const pending = [...roots];
const copied = new Set();

while (pending.length > 0) {
  const relativePath = pending.pop();
  // The well-known types ship with Grpc.Tools and Google.Protobuf.
  if (copied.has(relativePath) || relativePath.startsWith("google/protobuf/")) continue;

  const source = findSource(relativePath);
  if (source === null) {
    console.error(`prepare-protos: ${relativePath} was not found under ${depsFolder}`);
    process.exit(1);
  }

  let text = fs.readFileSync(source, "utf8");
  if (relativePath === "validate/validate.proto") text = addIgnoreEmptyRule(text);

  const target = path.join(outputFolder, relativePath);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  writeIfChanged(target, text);
  copied.add(relativePath);

  for (const match of text.matchAll(importPattern)) pending.push(match[1]);
}

console.log(`prepare-protos: ${copied.size} files in ${outputFolder}`);

function addIgnoreEmptyRule(text) {
  if (/\bignore_empty\s*=\s*26\b/.test(text)) return text;
  const strictRule = /(\n\s*optional bool strict\s*=\s*25[^;]*;\r?\n)/;
  if (!strictRule.test(text)) {
    console.error("prepare-protos: validate.proto has no StringRules.strict field to add ignore_empty after");
    process.exit(1);
  }
  return text.replace(strictRule, "$1\n  // Added by prepare-protos.mjs: skip the string rules when the value is empty.\n  optional bool ignore_empty = 26;\n");
}

// Rewriting an unchanged file would make Grpc.Tools regenerate and recompile everything.
function writeIfChanged(target, text) {
  if (fs.existsSync(target) && fs.readFileSync(target, "utf8") === text) return;
  fs.writeFileSync(target, text);
}
