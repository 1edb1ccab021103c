export type {
  DlrSink,
  Frame,
  KannelBoxes,
  KannelOptions,
  PerlLine,
  PerlPeer,
  SendsmsAnswer,
  SmBody,
} from '@hub/interop-kit';
export {
  findExecutable,
  findKannel,
  hasNetSmpp,
  Kannel,
  killGroup,
  PERL_LIB,
  parseSm,
  parseTlvs,
  poll,
  runPerl,
  startDlrSink,
  tail,
  WireTap,
  within,
} from '@hub/interop-kit';
export type { RedisServerOptions } from '@hub/redis-process';
export { freePort, hasRedisServer, RedisServer } from '@hub/redis-process';
export type { MtSmsFields } from './messages.js';
export { mtSms } from './messages.js';
export * from './smpp/index.js';
export type { SmtpMail } from './smtp.js';
export { SmtpPeer } from './smtp.js';
export type { WaitOptions } from './wait.js';
export { once, waitFor } from './wait.js';
