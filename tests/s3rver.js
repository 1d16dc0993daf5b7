// Test S3 server for tests/integration/s3_client.sh: s3rver (path-style,
// data in a scratch directory) behind a small front that checks AWS
// Signature Version 4 the way S3 and IBM COS do, because s3rver 3.x
// only checks that the access key id exists and accepts any V4
// signature. Both listen on 127.0.0.1, port 0; when ready the front's
// port is printed on stdout as "PORT <n>".
//
// Usage: node s3rver.js NODE_MODULES_DIR DATA_DIR BUCKET
//
// Fault injection for retry tests: a request whose path contains
// "__fail<STATUS>x<N>__" (e.g. __fail503x2__) is answered with STATUS for
// its first N arrivals (counted per method and URL), then passed on.
'use strict';

const crypto = require('crypto');
const http = require('http');
const path = require('path');

const [modules, dataDir, bucket] = process.argv.slice(2);
const S3rver = require(path.join(modules, 's3rver'));

// s3rver's built-in account.
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';

function sha256hex(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data).digest();
}

// AWS UriEncode: unreserved characters stay, every other UTF-8 byte
// becomes %XX with upper-case hex; '/' stays in paths.
function uriEncode(s, keepSlash) {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) {
      out += c;
    } else {
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

function canonicalQuery(raw) {
  if (!raw) return '';
  return raw.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? p : p.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(p.slice(eq + 1));
    return [uriEncode(name, false), uriEncode(value, false)];
  }).sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : (a[0] < b[0] ? -1 : 1)))
    .map(([n, v]) => `${n}=${v}`).join('&');
}

// Canonical header value: trimmed, inner runs of blanks as one space.
function headerValue(req, name) {
  return String(req.headers[name] || '').trim().replace(/\s+/g, ' ');
}

// "AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/s3/aws4_request, SignedHeaders=a;b,
// Signature=HEX"
const AUTH_RE = new RegExp('^AWS4-HMAC-SHA256 Credential=([^/,\\s]+)/(\\d{8})/([^/,\\s]+)' +
  '/s3/aws4_request,\\s*SignedHeaders=([a-z0-9;-]+),\\s*Signature=([0-9a-f]{64})$');

// null when the request is properly signed, else [status, code, message].
function checkSignature(req, body) {
  const auth = req.headers.authorization || '';
  const m = AUTH_RE.exec(auth);
  if (!m) return [403, 'AccessDenied', 'missing or malformed AWS4-HMAC-SHA256 authorization'];
  const [, accessKey, date, region, signedList, signature] = m;
  if (accessKey !== ACCESS_KEY) {
    return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist.'];
  }
  const amzDate = req.headers['x-amz-date'] || '';
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (!amzDate.startsWith(date)) {
    return [403, 'AccessDenied', 'x-amz-date does not match the scope'];
  }
  if (!payloadHash) return [400, 'InvalidRequest', 'Missing x-amz-content-sha256'];
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256hex(body)) {
    return [400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 does not match'];
  }
  const signed = signedList.split(';');
  for (const h of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signed.includes(h)) return [403, 'AccessDenied', `header ${h} is not signed`];
  }
  for (const h of Object.keys(req.headers)) {
    if (h.startsWith('x-amz-') && !signed.includes(h)) {
      return [403, 'AccessDenied', `header ${h} is not signed`];
    }
  }
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const canonical = [
    req.method,
    uriEncode(decodeURIComponent(rawPath), true),
    canonicalQuery(q < 0 ? '' : req.url.slice(q + 1)),
    signed.map((h) => `${h}:${headerValue(req, h)}\n`).join(''),
    signedList,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  let key = hmac('AWS4' + SECRET_KEY, date);
  key = hmac(key, region);
  key = hmac(key, 's3');
  key = hmac(key, 'aws4_request');
  const want = hmac(key, toSign).toString('hex');
  if (want !== signature) {
    process.stderr.write(`s3rver front: signature mismatch; canonical request:\n${canonical}\n`);
    return [403, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.'];
  }
  return null;
}

function sendError(res, status, code, message) {
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(xml);
}

const faults = new Map();

function injectedFault(req) {
  const m = /__fail(\d{3})x(\d+)__/.exec(req.url);
  if (!m) return 0;
  const id = `${req.method} ${req.url}`;
  const seen = (faults.get(id) || 0) + 1;
  faults.set(id, seen);
  return seen <= Number(m[2]) ? Number(m[1]) : 0;
}

async function main() {
  const backend = await new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dataDir,
    configureBuckets: [{ name: bucket, configs: [] }],
  }).run();

  const front = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const bad = checkSignature(req, body);
      const fault = bad ? 0 : injectedFault(req);
      process.stderr.write(`s3rver front: ${req.method} ${req.url} ` +
        `${bad ? bad[0] + ' ' + bad[1] : fault || 'ok'}\n`);
      if (bad) return sendError(res, bad[0], bad[1], bad[2]);
      if (fault) return sendError(res, fault, 'InjectedFault', 'injected by the test server');
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      delete headers.expect;
      const up = http.request({
        host: backend.address, port: backend.port, method: req.method, path: req.url, headers,
      }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', (e) => sendError(res, 502, 'BadGateway', e.message));
      up.end(body);
    });
  });
  front.listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${front.address().port}\n`);
  });
}

main().catch((e) => {
  process.stderr.write(`s3rver front: ${e.stack || e}\n`);
  process.exit(1);
});
