import { type Bus, Queues } from '@hub/bus';
import { buildReport, type HubMessage, type IdGenerator, type ReportFacts, reportOwed } from '@hub/message';

/**
 * Enqueues the report `msg`'s sender is owed for `facts.state`, if any, on its account's outbox. Returns
 * whether one was enqueued.
 *
 * The job id is `r-<message id>-<state>` (the router uses the same form), so a job retried after a crash,
 * or two receipts for segments of one message racing each other, enqueue it once while the first copy is
 * still queued; reports enqueued in the same turn share a batch job instead (`Bus.enqueueBatched`), where
 * that deduplication does not apply (at least once: a rare duplicate report, never a lost one). Callers enqueue the report *before* recording the state change: a crash in between then
 * repeats the report (at least once) instead of losing it.
 *
 * Throws the bus's errors (`HUB_ERR_BUS_ENQUEUE_FAILED`, temporary): let the job retry.
 */
export async function enqueueReport(
  bus: Bus,
  ids: IdGenerator,
  msg: HubMessage,
  facts: ReportFacts,
): Promise<boolean> {
  if (!reportOwed(msg, facts.state) || msg.origin.account === undefined) return false;
  const report = buildReport(msg, facts, ids.next());
  // Built here from a validated message: the outbox worker validates it again on dequeue.
  // Reports built in the same turn (a burst of receipts) share one job; alone, it keeps its job id.
  await bus.enqueueBatched(Queues.outbox(msg.origin.account), report, {
    jobId: `r-${msg.id}-${facts.state}`,
    validate: false,
  });
  return true;
}
