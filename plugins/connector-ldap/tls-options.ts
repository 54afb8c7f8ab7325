import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

/**
 * TLS options for one server url. Certificates are always verified; a
 * private CA is trusted through `tlsCaFile`, never by turning checks off.
 */
export function tlsOptionsFor(url: string, settings: { tlsCaFile?: string }, readCa = readCaFile): ConnectionOptions {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const options: ConnectionOptions = {
    // StartTLS upgrades an existing socket: without `host` Node checks the certificate against "localhost".
    host,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  };
  // SNI takes names only; Node warns when given an IP address.
  if (!isIP(host)) options.servername = host;
  if (settings.tlsCaFile) options.ca = readCa(settings.tlsCaFile);
  return options;
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`directory.tlsCaFile: cannot read ${path}: ${(error as Error).message}`);
  }
}
