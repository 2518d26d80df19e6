/** @clue/common — names, records, proto loading, logging and test harnesses shared by the services. */
export * from './nats/names.js';
export * from './nats/layout.js';
export * from './records.js';
export * from './bertscore-record.js';
export * from './grpc/proto.js';
export * from './logging.js';
export * from './testing/nats-server.js';
export * from './grpc/messages.js';
export * from './security/certificates.js';
export * from './security/api-tokens.js';
export * from './security/nats-permissions.js';
export * from './security/nats-client.js';
export * from './security/local-bundle.js';
export * from './grpc/auth-guard.js';
export * from './grpc/credentials.js';
export * from './grpc/roles.js';
export * from './nats/connect.js';
