import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One POST as the receiver saw it, and what it made of it. */
export interface ReceivedDelivery {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  path: string;
  /** Webhook.verify passed with one of the secrets the receiver holds. */
  verified: boolean;
  answered: number | 'hung';
}

export interface WebhookEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown> & { site: string; user: { id?: string; username?: string } };
}

/**
 * A webhook receiver as an application would write one (node:http on
 * loopback): every request is checked with standardwebhooks' Webhook.verify
 * against the secrets it was given, and the events are de-duplicated by
 * webhook-id. `failFirst` answers 500 to the first attempt of every message
 * (so each event is only seen after a retry); `hang` never answers.
 */
export async function startReceiver(options: { failFirst?: boolean } = {}) {
  const secrets: string[] = [];
  const deliveries: ReceivedDelivery[] = [];
  const events = new Map<string, WebhookEvent>();
  const attempted = new Set<string>();
  let hang = false;
  const hanging = new Set<IncomingMessage>();
  const waiters = new Set<() => void>();

  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(request.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
    };
    const payload = secrets.map((secret) => {
      try {
        return new Webhook(secret).verify(body, headers) as Omit<WebhookEvent, 'id'>;
      } catch {
        return undefined;
      }
    });
    const verified = payload.find((value) => value !== undefined);
    const delivery: ReceivedDelivery = {
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      body,
      path: request.url ?? '',
      verified: verified !== undefined,
      answered: 200,
    };
    deliveries.push(delivery);
    if (hang) {
      delivery.answered = 'hung';
      hanging.add(request);
      return;
    }
    const first = !attempted.has(delivery.id);
    attempted.add(delivery.id);
    if (!verified) delivery.answered = 401;
    else if (options.failFirst && first) delivery.answered = 500;
    else if (!events.has(delivery.id)) events.set(delivery.id, { id: delivery.id, ...verified });
    response.writeHead(delivery.answered as number, { 'content-type': 'text/plain' }).end(String(delivery.answered));
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;

  return {
    url: (path = '/hooks') => `http://127.0.0.1:${port}${path}`,
    secrets,
    deliveries,
    events,
    /** Stops answering (requests are held open) until `answer()`. */
    hang() {
      hang = true;
    },
    answer() {
      hang = false;
      for (const request of hanging) request.socket.destroy();
      hanging.clear();
    },
    /** The first accepted event matching, waiting for it (the outbox retries with backoff). */
    async waitFor(match: (event: WebhookEvent) => boolean, timeoutMs = 20_000): Promise<WebhookEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = [...events.values()].find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching webhook event within ${timeoutMs} ms; received ${[...events.values()].map((e) => e.type).join(', ')}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          setTimeout(wake, 200);
        });
      }
    },
    /** The attempts of one message, in order. */
    attemptsOf: (id: string) => deliveries.filter((delivery) => delivery.id === id),
    close: () =>
      new Promise<void>((resolve) => {
        for (const request of hanging) request.socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
