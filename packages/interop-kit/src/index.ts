export type { DlrSink, KannelBoxes, KannelOptions, SendsmsAnswer } from './kannel.js';
export { findKannel, Kannel, startDlrSink } from './kannel.js';
export type { PerlLine, PerlPeer } from './perl.js';
export { PERL_LIB, runPerl } from './perl.js';
export { findExecutable, hasNetSmpp, killGroup, poll, tail, within } from './process.js';
export type { Frame, SmBody } from './wire.js';
export { parseSm, parseTlvs, WireTap } from './wire.js';
