/**
 * Pure SMPP codec layer: charsets, data_coding, UDH and segmentation, delivery receipts, SMPP time
 * strings, PDU bit fields, status and command tables, header framing check. No I/O.
 */
export * from './bits.js';
export * from './charsets.js';
export * from './dcs.js';
export * from './header.js';
export * from './receipt.js';
export * from './segmentation.js';
export * from './status.js';
export * from './time.js';
export * from './udh.js';
