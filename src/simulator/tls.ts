// Certificates: an EC CA and a leaf for 127.0.0.1/localhost (EC keys generate in milliseconds, so
// start stays fast), and on request an RSA certificate per tenant for client-assertion login.

import { X509Certificate, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';
import type { SimCertificate } from './types.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface ServerCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export async function serverCredentials(): Promise<ServerCredentials> {
  const ca = await generate([{ name: 'commonName', value: 'o365-audit simulator CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 86400_000),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private };
}

/** An RSA-2048 self-signed certificate, as a tenant would register for its app. */
export async function clientCertificate(cn: string): Promise<SimCertificate> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const pems = await generate([{ name: 'commonName', value: cn }], {
    algorithm: 'sha256',
    keyPair: { publicKey, privateKey },
    notAfterDate: new Date(Date.now() + 365 * 86400_000),
  });
  const x = new X509Certificate(pems.cert);
  return {
    certPem: pems.cert,
    privateKeyPem: privateKey,
    thumbprintSha1: x.fingerprint.replace(/:/g, ''),
    thumbprintSha256: x.fingerprint256.replace(/:/g, ''),
  };
}
