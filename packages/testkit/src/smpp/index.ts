/**
 * SMPP simulators for end-to-end tests and benchmarks, built on node-smpp and independent of Hub's own
 * SMPP session layer: {@link SmscSimulator} (an upstream SMSC), {@link EsmeClient} (a client ESME) and
 * {@link rawSocket} (raw bytes for malformed-input tests).
 */
export { SmppSimError, type SmppSimErrorKind } from './errors.js';
export * from './esme.js';
export type { NodeSmppPdu } from './node-smpp.js';
export { type RawMessageFields, readMessagePdu } from './raw-pdu.js';
export * from './raw-socket.js';
export * from './smsc.js';
