import type { Account } from '@hub/config';
import { Errors, isHubError } from '@hub/errors';
import {
  encodeCancelRsp,
  encodeReplaceRsp,
  encodeRsErrorFor,
  encodeSubmitRsp,
  type MimeEntity,
  type Mm7EncodeContext,
  type Mm7Envelope,
} from '@hub/mm7';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { bodyLimitFor, type Mm7Decision, type Mm7Gateway } from './gateway.js';
import type { Mm7Logger } from './ports.js';

/** Options of {@link buildMm7App}. */
export interface Mm7AppOptions {
  readonly gateway: Mm7Gateway;
  /** The one POST route, e.g. `/mm7` (`listeners.mm7.path`). */
  readonly path: string;
  readonly log: Mm7Logger;
  /**
   * Largest HTTP body fastify buffers, for every account (default: the largest account limit with base64
   * and SOAP slack, at least 1 MiB). The per-account limit is checked again after authentication.
   */
  readonly bodyLimit?: number;
  /** PEM contents: serve HTTPS. */
  readonly https?: {
    readonly key: string | Buffer;
    readonly cert: string | Buffer;
    readonly ca?: string | Buffer;
  };
  /**
   * HTTP status of an RSErrorRsp SOAP Fault (default 500, as SOAP 1.1 §6.2 requires for faults; set 200 for
   * VASP stacks that only read bodies of 200 answers). Authentication failures always answer 401.
   */
  readonly faultHttpStatus?: number;
  /** Trust X-Forwarded-For for the client address (behind a load balancer; default false). */
  readonly trustProxy?: boolean;
}

const accountOf = new WeakMap<FastifyRequest, Account>();

function send(reply: FastifyReply, status: number, entity: MimeEntity): FastifyReply {
  return reply.code(status).header('content-type', entity.contentType).send(entity.body);
}

function echo(env: Mm7Envelope | undefined): Mm7EncodeContext | undefined {
  return env === undefined
    ? undefined
    : { transactionId: env.transactionId, namespace: env.namespace, version: env.version };
}

function encodeDecision(ctx: Mm7EncodeContext, d: Mm7Decision): MimeEntity {
  switch (d.type) {
    case 'SubmitRsp':
      return encodeSubmitRsp(ctx, { messageId: d.messageId });
    case 'CancelRsp':
      return encodeCancelRsp(ctx);
    case 'ReplaceRsp':
      return encodeReplaceRsp(ctx);
  }
}

// fastify's own request errors, turned into the MM7 status a VASP understands.
function fromFastifyError(err: { code?: string; message: string; statusCode?: number }): unknown {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new Errors.HUB_ERR_GATEWAY_MM7_CONTENT_TOO_LARGE('request body above the endpoint limit');
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new Errors.HUB_ERR_MM7_SOAP_INVALID(err.message, { details: { reason: err.message } });
  }
  return err;
}

/**
 * The MM7 endpoint as a fastify app (not listening: call `listen`, or `inject` in tests). One POST route
 * at `path` takes SOAP 1.1 with attachments (`multipart/related`) or a bare envelope (`text/xml`,
 * `application/soap+xml`, anything else is handed to the codec, which dispatches on the body).
 *
 * Every answer is MM7: the …Rsp with HTTP 200, or an RSErrorRsp inside a SOAP Fault with HTTP 500
 * (`faultHttpStatus`), 401 plus `WWW-Authenticate` for missing or wrong credentials. Responses echo the
 * request's namespace, MM7Version and TransactionID whenever the body could be decoded. No error escapes
 * as an HTML page or an unanswered request.
 */
export function buildMm7App(opts: Mm7AppOptions): FastifyInstance {
  const { gateway, log } = opts;
  const faultStatus = opts.faultHttpStatus ?? 500;
  const bodyLimit = opts.bodyLimit ?? Math.max(1024 * 1024, bodyLimitFor(gateway.accounts.maxContentBytes()));
  const app = Fastify({
    logger: false,
    bodyLimit,
    trustProxy: opts.trustProxy ?? false,
    ...(opts.https === undefined ? {} : { https: { ...opts.https } }),
  }) as unknown as FastifyInstance;

  const fault = (reply: FastifyReply, err: unknown, env?: Mm7Envelope): FastifyReply => {
    if (!isHubError(err)) log.error({ err }, 'mm7 request failed unexpectedly');
    else if (err.recovery === 'temporary')
      log.warn({ err: { code: err.code, message: err.message } }, 'mm7 request failed');
    const status = isHubError(err) && err.spec.http === 401 ? 401 : faultStatus;
    if (status === 401) reply.header('www-authenticate', 'Basic realm="hub-mm7", charset="UTF-8"');
    try {
      return send(reply, status, encodeRsErrorFor(err, echo(env)));
    } catch (encodeErr) {
      // Only an unusable echoed namespace can get here: answer without echoing.
      log.error({ err: encodeErr }, 'encoding the MM7 fault failed');
      return send(reply, status, encodeRsErrorFor(err));
    }
  };

  app.removeAllContentTypeParsers();
  const asBuffer = (
    _req: FastifyRequest,
    body: Buffer,
    done: (err: Error | null, body?: Buffer) => void,
  ): void => done(null, body);
  for (const t of ['multipart/related', 'text/xml', 'application/soap+xml', 'application/xml']) {
    app.addContentTypeParser(t, { parseAs: 'buffer', bodyLimit }, asBuffer);
  }
  // Any other type (multipart/mixed, a missing or odd header): the codec dispatches on the body itself.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, asBuffer);

  app.setErrorHandler((err, _req, reply) =>
    fault(reply, fromFastifyError(err as { code?: string; message: string; statusCode?: number })),
  );

  app.post(opts.path, {
    // Credentials are checked before the body is read: unauthenticated clients cannot make Hub buffer it.
    onRequest: async (req, reply) => {
      try {
        accountOf.set(req, await gateway.authenticate(req.headers.authorization, req.ip));
      } catch (err) {
        if (isHubError(err) && err.spec.http === 401) log.warn({ ip: req.ip }, 'mm7 authentication failed');
        return fault(reply, err);
      }
    },
    handler: async (req, reply) => {
      const account = accountOf.get(req);
      if (account === undefined) return fault(reply, new Errors.HUB_ERR_GATEWAY_MM7_AUTH_REQUIRED());
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const contentType = req.headers['content-type'];
      let env: Mm7Envelope | undefined;
      try {
        const decoded = gateway.decode(account, contentType, body);
        env = decoded.envelope;
        const decision = await gateway.handle(account, decoded, { remoteAddress: req.ip });
        if (decision.type === 'SubmitRsp')
          log.info(
            { account: account.id, id: decision.messageId, tx: env.transactionId },
            'mm7 submit accepted',
          );
        return send(reply, 200, encodeDecision(echo(env) ?? {}, decision));
      } catch (err) {
        return fault(reply, err, env);
      }
    },
  });
  return app;
}
