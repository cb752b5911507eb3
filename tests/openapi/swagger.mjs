// SPDX-License-Identifier: Apache-2.0
// swagger-parser: the document is valid OpenAPI (against the 3.1 schema) and
// every $ref in it resolves.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  const ops = Object.values(api.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  console.log(`swagger-parser: ${file}: valid OpenAPI ${api.openapi} (${api.info.title} ${api.info.version}, ${ops} operations)`);
} catch (e) {
  console.error(`swagger-parser: ${file}: ${e.message}`);
  process.exit(1);
}
