/** @clue/common — names, records, proto loading, logging and test harnesses shared by the services. */
export * from './nats/names.js';
export * from './nats/layout.js';
export * from './records.js';
export * from './bertscore-record.js';
export * from './grpc/proto.js';
export * from './logging.js';
export * from './testing/nats-server.js';
export * from './grpc/messages.js';
