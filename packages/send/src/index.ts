/**
 * `hub send`: one message, or a campaign from a CSV or Excel file, sent through Hub's SMPP interface like
 * any client (`SmppClient` from `@hub/smpp`): templates with `{column}` fields, automatic GSM 7-bit /
 * UCS-2 coding with long-message split, a rate limit, a window, receipts, a summary and a CSV report.
 */
export type { SmppAddr } from './address.js';
export { looksLikeNumber, parseDestination, parseSource } from './address.js';
export type {
  CampaignOptions,
  CampaignResult,
  Progress,
  ReceiptInfo,
  RowResult,
  SubmitOutcome,
  Summary,
} from './campaign.js';
export { Campaign, idKey, readReceipt, rowStat } from './campaign.js';
export type { MessagePlan, PlanInput } from './plan.js';
export { planMessage } from './plan.js';
export type { RateClock } from './rate.js';
export { RateLimiter } from './rate.js';
export type { CampaignColumns, Recipient } from './recipients.js';
export { recipientsFromTable, singleRecipient } from './recipients.js';
export {
  formatProgress,
  formatSummary,
  REPORT_COLUMNS,
  reportCsv,
  submitStatus,
  writeReport,
} from './report.js';
export type { ReadTableOptions, Table } from './table.js';
export { cellText, columnLetter, detectDelimiter, readTable, toTable } from './table.js';
export type { Template } from './template.js';
export { bindTemplate, parseTemplate, renderTemplate } from './template.js';
export type { SmppTarget } from './url.js';
export { DEFAULT_PORTS, parseSmppUrl, redact } from './url.js';
