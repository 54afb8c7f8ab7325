import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The Message-ID header (admit's outbox puts its message id there). */
  messageId: string;
}

export interface TestSmtpServer {
  url: string;
  received: ReceivedMail[];
  /** Connections that broke in the middle of a mail transaction (a sender killed mid-way), kept instead of thrown. */
  broken: Error[];
  /** A port that accepts TCP and never answers, for timeout tests. */
  silentPort: number;
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

/** A real SMTP server in the test process, on loopback, that keeps every message it receives. */
export async function startSmtpServer(options: { rejects?: Set<string> } = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // A recipient in `rejects` (it may change while running) is refused with 550, as a mailbox that does not exist.
    onRcptTo(address, _session, callback) {
      if (options.rejects?.has(address.address))
        return callback(Object.assign(new Error(`550 5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((parsed) => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          messageId: parsed.messageId ?? '',
        });
        for (const wake of waiters.splice(0)) wake();
        callback();
      }, callback);
    },
  });
  // smtp-server re-emits a reset that comes inside a transaction (after MAIL FROM) as the server's 'error';
  // with no listener that is an uncaught exception in the test process, when a test kills admit mid-delivery on purpose.
  const broken: Error[] = [];
  server.on('error', (error) => broken.push(error));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  // It keeps every connection open and silent; a client giving up resets it, which is expected here.
  const muted = new Set<Socket>();
  const silent: TcpServer = createTcpServer((socket) => {
    muted.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => muted.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  const silentPort = (silent.address() as { port: number }).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    broken,
    silentPort,
    async waitFor(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching email within ${timeoutMs} ms; received: ${received.map((m) => `${m.to} ${m.subject}`).join('; ')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of muted) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    },
  };
}
