import { createHash, createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invokeRoute } from '../../local/serve/api-gateway.js';

export interface IamPrincipal {
  secretAccessKey: string;
  /** What API Gateway puts in `requestContext.identity.userArn` for this caller. */
  arn: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Stands in for API Gateway's IAM authorization on 127.0.0.1: recomputes the SigV4 signature
 * of each request by hand (canonical request, string to sign, derived key), written from the
 * Signature Version 4 specification and independent of the SDK signer the CLI uses, refuses
 * with 403 what does not verify, and hands the verified principal to the same route table as
 * `cachegate serve`.
 */
export async function startSigV4Gateway(
  principals: ReadonlyMap<string, IamPrincipal>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const principal = verify(req.method ?? '', req.url ?? '/', req.headers, body, principals);
      const answer = principal
        ? invokeRoute({
            method: req.method ?? 'POST',
            // The stage (`/v1`) is part of the URL, not of the route.
            path: new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/v1(?=\/)/, ''),
            headers: Object.fromEntries(
              Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
            ),
            body: body.toString('utf8'),
            identity: { iamArn: principal.arn },
          })
        : Promise.resolve({
            statusCode: 403,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ message: 'The request signature we calculated does not match' }),
          });
      void answer.then((response) => {
        res.writeHead(response.statusCode, response.headers);
        res.end(response.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function verify(
  method: string,
  url: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  principals: ReadonlyMap<string, IamPrincipal>,
): IamPrincipal | undefined {
  const authorization = headers.authorization;
  const amzDate = headers['x-amz-date'];
  if (typeof authorization !== 'string' || typeof amzDate !== 'string') return undefined;
  const match =
    /^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)\/(?<date>\d{8})\/(?<region>[^/]+)\/(?<service>[^/]+)\/aws4_request, SignedHeaders=(?<signed>[^,]+), Signature=(?<signature>[0-9a-f]{64})$/.exec(
      authorization,
    )?.groups;
  if (!match || match.service !== 'execute-api' || !amzDate.startsWith(match.date as string))
    return undefined;
  const principal = principals.get(match.key as string);
  if (!principal) return undefined;
  const signedHeaders = (match.signed as string).split(';');
  if (!signedHeaders.includes('host')) return undefined;
  const { pathname, searchParams } = new URL(url, 'http://localhost');
  const canonicalRequest = [
    method,
    pathname,
    [...searchParams]
      .sort()
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&'),
    ...signedHeaders.map((name) => `${name}:${String(headers[name] ?? '').trim()}`),
    '',
    match.signed,
    sha256(body),
  ].join('\n');
  const scope = `${match.date}/${match.region}/${match.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${principal.secretAccessKey}`, match.date as string);
  for (const part of [match.region, match.service, 'aws4_request']) key = hmac(key, part as string);
  return createHmac('sha256', key).update(stringToSign).digest('hex') === match.signature
    ? principal
    : undefined;
}
