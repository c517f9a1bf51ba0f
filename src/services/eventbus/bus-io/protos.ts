/** The components' .proto files (knowledge, learning, resources), loaded with protobufjs beside the bus's own. */
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

const PROTO_DIR = fileURLToPath(new URL('../proto/', import.meta.url));
const FILES = ['jimbot/knowledge/v1/knowledge.proto', 'jimbot/learning/v1/learning.proto', 'jimbot/resources/v1/resources.proto'];

let root: protobuf.Root | null = null;

export function componentProtos(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : PROTO_DIR + target);
  r.loadSync(FILES, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

/** protobufjs message → plain object: enums by name, 64-bit integers as numbers, defaults filled. */
export const DECODE: protobuf.IConversionOptions = { enums: String, longs: Number, defaults: true, arrays: true, objects: true };
