/**
 * The service's .proto files, loaded with protobufjs at start-up: the reference codec
 * (typed payloads, gRPC messages, protobuf request bodies) and the service definition
 * the gRPC server is built from.
 */
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

const PROTO_DIR = fileURLToPath(new URL('./proto/', import.meta.url));
const FILES = ['jimbot/events/v1/events.proto', 'jimbot/events/v1/event_bus.proto'];
const PKG = 'jimbot.events.v1';

export { TYPE_URL_PREFIX, TYPE_URLS } from './proto-urls.ts';
import { TYPE_URL_PREFIX } from './proto-urls.ts';

export interface ProtoTypes {
  root: protobuf.Root;
  Event: protobuf.Type;
  EventBatch: protobuf.Type;
  GameStateEvent: protobuf.Type;
  LearningDecisionRequest: protobuf.Type;
  LearningDecisionResponse: protobuf.Type;
  ErrorEvent: protobuf.Type;
  DeadLetter: protobuf.Type;
  Command: protobuf.Type;
  PublishResponse: protobuf.Type;
  SubscribeRequest: protobuf.Type;
  CommandRequest: protobuf.Type;
  CommandResponse: protobuf.Type;
  EventType: protobuf.Enum;
  EventBus: protobuf.Service;
  /** Message type for a payload type URL, if the schema has it. */
  byTypeUrl(url: string): protobuf.Type | null;
}

let loaded: ProtoTypes | null = null;

export function loadProtos(): ProtoTypes {
  if (loaded) return loaded;
  const root = new protobuf.Root();
  // google/protobuf/* come from protobufjs's bundled well-known types.
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : PROTO_DIR + target);
  root.loadSync(FILES, { keepCase: true });
  root.resolveAll();
  const t = (name: string): protobuf.Type => root.lookupType(`${PKG}.${name}`);
  const types: ProtoTypes = {
    root,
    Event: t('Event'),
    EventBatch: t('EventBatch'),
    GameStateEvent: t('GameStateEvent'),
    LearningDecisionRequest: t('LearningDecisionRequest'),
    LearningDecisionResponse: t('LearningDecisionResponse'),
    ErrorEvent: t('ErrorEvent'),
    DeadLetter: t('DeadLetter'),
    Command: t('Command'),
    PublishResponse: t('PublishResponse'),
    SubscribeRequest: t('SubscribeRequest'),
    CommandRequest: t('CommandRequest'),
    CommandResponse: t('CommandResponse'),
    EventType: root.lookupEnum(`${PKG}.EventType`),
    EventBus: root.lookupService(`${PKG}.EventBus`),
    byTypeUrl(url) {
      if (!url.startsWith(TYPE_URL_PREFIX)) return null;
      try {
        return root.lookupType(url.slice(TYPE_URL_PREFIX.length));
      } catch {
        return null;
      }
    },
  };
  loaded = types;
  return types;
}

/** protobufjs → plain JSON-able object: enums by name, 64-bit integers as numbers. */
export const TO_OBJECT: protobuf.IConversionOptions = { enums: String, longs: Number, bytes: String, defaults: false, arrays: false, objects: false };
