import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  to: string[];
  raw: Buffer;
  mail: ParsedMail;
}

/**
 * A real SMTP server on 127.0.0.1 (random port) that keeps what it receives. `reject` makes it
 * refuse RCPT TO for the given addresses (a permanent 550), to exercise failed deliveries.
 */
export async function startSmtpSink(): Promise<{ url: string; received: Received[]; reject: Set<string>; close(): Promise<void> }> {
  const received: Received[] = [];
  const reject = new Set<string>();
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (reject.has(address.address.toLowerCase())) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        // keepCidLinks: look at the HTML as sent, not with images inlined as data: URLs.
        simpleParser(raw, { keepCidLinks: true })
          .then((mail) => {
            received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, mail });
            cb();
          })
          .catch((err: Error) => cb(err));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, received, reject, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
