import { createServer, type Socket } from 'node:net';
import { BerReader, BerWriter, BindRequest, type Change, ModifyRequest, PresenceFilter, SearchRequest } from 'ldapts';

/**
 * A loopback stand-in for Active Directory that answers with AD's exact wire
 * values, for what slapd cannot show: bind sub-codes in the diagnostic
 * message, binary objectGUID, unicodePwd writes and their refusals. Test
 * support only; it speaks just enough LDAP for the connector.
 */
export interface FakeAdUser {
  sAMAccountName: string;
  password: string;
  /** Little-endian objectGUID bytes, as AD stores them. */
  objectGUID: Buffer;
  displayName?: string;
  memberOf?: string[];
  /** AD's answer to the right password: a sub-code such as '533' (disabled) or '775' (locked). */
  subCode?: string;
}

export interface FakeAdOptions {
  baseDn: string;
  serviceDn: string;
  servicePassword: string;
  users: FakeAdUser[];
  /** The answer to a modify; success when it returns undefined. */
  onModify?: (dn: string, changes: Change[]) => { code: number; diagnostic: string } | undefined;
}

const bindDiagnostic = (subCode: string) => `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ${subCode}, v4563\u0000`;

export async function startFakeActiveDirectory(options: FakeAdOptions) {
  const dnOf = (user: FakeAdUser) => `CN=${user.displayName ?? user.sAMAccountName},OU=Staff,${options.baseDn}`;
  const modifications: { dn: string; changes: Change[] }[] = [];
  /** Every bind DN, in order (the service account's included). */
  const binds: string[] = [];
  const sockets = new Set<Socket>();

  function answer(socket: Socket, messageId: number, tag: number, body: (writer: BerWriter) => void): void {
    const writer = new BerWriter();
    writer.startSequence();
    writer.writeInt(messageId);
    writer.startSequence(tag);
    body(writer);
    writer.endSequence();
    writer.endSequence();
    socket.write(writer.buffer);
  }
  const result =
    (code: number, diagnostic = '') =>
    (writer: BerWriter) => {
      writer.writeEnumeration(code);
      writer.writeString('');
      writer.writeString(diagnostic);
    };

  function bind(socket: Socket, id: number, request: BindRequest): void {
    binds.push(request.dn);
    const user = options.users.find((candidate) => dnOf(candidate) === request.dn);
    if (request.dn === options.serviceDn && request.password === options.servicePassword) {
      answer(socket, id, 0x61, result(0));
      return;
    }
    // Like AD: the reason is told only to whoever knows the password; otherwise 52e.
    const subCode = user && user.password === request.password ? user.subCode : '52e';
    answer(socket, id, 0x61, subCode ? result(49, bindDiagnostic(subCode)) : result(0));
  }

  function search(socket: Socket, id: number, request: SearchRequest): void {
    const matches =
      request.baseDN === ''
        ? []
        : options.users.filter((user) => request.filter.matches({ objectcategory: 'person', objectclass: 'user', samaccountname: user.sAMAccountName }));
    for (const user of matches) {
      answer(socket, id, 0x64, (writer) => {
        writer.writeString(dnOf(user));
        writer.startSequence();
        const attributes: [string, (string | Buffer)[]][] = [
          ['sAMAccountName', [user.sAMAccountName]],
          ['objectGUID', [user.objectGUID]],
          ['displayName', user.displayName ? [user.displayName] : []],
          ['memberOf', user.memberOf ?? []],
        ];
        for (const [type, values] of attributes) {
          if (values.length === 0) continue;
          writer.startSequence();
          writer.writeString(type);
          writer.startSequence(0x31);
          for (const value of values) {
            if (Buffer.isBuffer(value)) writer.writeBuffer(value, 0x04);
            else writer.writeString(value);
          }
          writer.endSequence();
          writer.endSequence();
        }
        writer.endSequence();
      });
    }
    answer(socket, id, 0x65, result(0));
  }

  function modify(socket: Socket, id: number, request: ModifyRequest): void {
    modifications.push({ dn: request.dn, changes: request.changes });
    const refusal = options.onModify?.(request.dn, request.changes);
    answer(socket, id, 0x67, refusal ? result(refusal.code, refusal.diagnostic) : result(0));
  }

  function handle(socket: Socket, message: Buffer): void {
    const reader = new BerReader(message);
    reader.readSequence();
    const id = reader.readInt() ?? 0;
    const operation = reader.readSequence();
    if (operation === 0x60) {
      const request = new BindRequest({ messageId: id });
      request.parseMessage(reader);
      bind(socket, id, request);
    } else if (operation === 0x63) {
      const request = new SearchRequest({ messageId: id, filter: new PresenceFilter() });
      request.parseMessage(reader);
      search(socket, id, request);
    } else if (operation === 0x66) {
      const request = new ModifyRequest({ messageId: id, dn: '', changes: [] });
      request.parseMessage(reader);
      modify(socket, id, request);
    } else {
      socket.end(); // unbind, or anything this fake does not speak
    }
  }

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true); // several small answers per request: do not wait for delayed ACKs
    socket.on('close', () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Split the stream into whole LDAPMessages: tag, BER length, content.
      for (let size = messageSize(pending); size !== undefined && pending.length >= size; size = messageSize(pending)) {
        handle(socket, pending.subarray(0, size));
        pending = pending.subarray(size);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `ldap://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    dnOf,
    modifications,
    binds,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function messageSize(buffer: Buffer): number | undefined {
  if (buffer.length < 2) return undefined;
  const first = buffer[1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (buffer.length < 2 + count) return undefined;
  return 2 + count + buffer.subarray(2, 2 + count).reduce((length, byte) => length * 256 + byte, 0);
}
