/**
 * `@hub/e2e` holds no library code: only end-to-end tests across Hub's apps (`src/*.test.ts`), run over
 * real sockets against a real redis-server, with test-kit SMSCs upstream and ESMEs as clients.
 */
export {};
