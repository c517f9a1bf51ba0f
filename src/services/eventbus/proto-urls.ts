/** Type URLs of the payload messages (events.proto), shared by the engine and the protobufjs loader. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';
const PKG = 'jimbot.events.v1';

export const TYPE_URLS = {
  struct: `${TYPE_URL_PREFIX}google.protobuf.Struct`,
  value: `${TYPE_URL_PREFIX}google.protobuf.Value`,
  gameState: `${TYPE_URL_PREFIX}${PKG}.GameStateEvent`,
  decisionRequest: `${TYPE_URL_PREFIX}${PKG}.LearningDecisionRequest`,
  decisionResponse: `${TYPE_URL_PREFIX}${PKG}.LearningDecisionResponse`,
  error: `${TYPE_URL_PREFIX}${PKG}.ErrorEvent`,
  deadLetter: `${TYPE_URL_PREFIX}${PKG}.DeadLetter`,
  command: `${TYPE_URL_PREFIX}${PKG}.Command`,
} as const;
