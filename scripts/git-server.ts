// A smart-HTTP git server for the local stack: `git http-backend` behind a small Node HTTP server.
// It serves bare repositories from --root, on loopback only. A repository created with credentials
// requires HTTP basic auth for every request, so tests can exercise private repos and refusals.
//
//   POST /api/repos {"name":"team/app","username":"u","password":"p"}   creates <root>/team/app.git
//   GET|POST /<name>.git/...                                             the git smart-HTTP protocol
//   GET /healthz
import { spawn, execFileSync } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const AUTH_FILE = 'sluice-basic-auth';
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

interface Options {
  port: number;
  host: string;
  root: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { port: 18080, host: '127.0.0.1', root: path.resolve('git-repos') };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--port') options.port = Number(value);
    else if (flag === '--host') options.host = value;
    else if (flag === '--root') options.root = path.resolve(value);
    else throw new Error(`unknown flag ${flag}`);
  }
  return options;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function repoDir(root: string, name: string): string {
  const bare = name.endsWith('.git') ? name : `${name}.git`;
  return path.join(root, bare);
}

function createRepo(root: string, body: { name?: string; username?: string; password?: string }): string {
  const name = (body.name ?? '').replace(/\.git$/, '');
  if (!NAME_PATTERN.test(name)) throw new HttpError(400, `invalid repository name ${JSON.stringify(body.name)}`);
  const dir = repoDir(root, name);
  if (existsSync(dir)) throw new HttpError(409, `repository ${name} already exists`);
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir]);
  execFileSync('git', ['-C', dir, 'config', 'http.receivepack', 'true']);
  if (body.username !== undefined || body.password !== undefined) {
    // Only a digest of user:password is stored.
    writeFileSync(path.join(dir, AUTH_FILE), sha256(`${body.username ?? ''}:${body.password ?? ''}`).toString('hex'));
  }
  return name;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function authorised(dir: string, header: string | undefined): boolean {
  const authFile = path.join(dir, AUTH_FILE);
  if (!existsSync(authFile)) return true;
  if (!header?.startsWith('Basic ')) return false;
  const given = sha256(Buffer.from(header.slice(6), 'base64').toString('utf8'));
  const expected = Buffer.from(readFileSync(authFile, 'utf8').trim(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(new HttpError(413, 'body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        reject(new HttpError(400, 'body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

// Runs git http-backend as a CGI program and relays its response.
function serveGit(root: string, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const match = /^\/(.+?\.git)(\/.*)$/.exec(url.pathname);
  if (!match || match[1].split('/').includes('..')) throw new HttpError(404, 'not a repository path');
  const dir = path.join(root, match[1]);
  if (!existsSync(dir)) throw new HttpError(404, `no repository ${match[1]}`);
  if (!authorised(dir, req.headers.authorization)) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="sluice-git"', 'Content-Type': 'text/plain' });
    res.end('authentication required\n');
    return;
  }
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${match[1]}${match[2]}`,
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_USER: 'git',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    },
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === 'status') status = parseInt(value, 10);
      else res.setHeader(key, value);
    }
    res.writeHead(status);
    headersSent = true;
    res.write(head.subarray(end + 4));
  });
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  child.on('close', (code) => {
    if (!headersSent) res.writeHead(code === 0 ? 200 : 500);
    res.end();
  });
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  mkdirSync(options.root, { recursive: true });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = async (): Promise<void> => {
      if (url.pathname === '/healthz') {
        res.end('ok\n');
      } else if (url.pathname === '/api/repos' && req.method === 'POST') {
        const name = createRepo(options.root, await readJson(req));
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ name, url: `http://${options.host}:${options.port}/${name}.git` }));
      } else {
        serveGit(options.root, req, res, url);
      }
    };
    handle().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  server.listen(options.port, options.host, () => {
    process.stdout.write(`git server on http://${options.host}:${options.port}, repos in ${options.root}\n`);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
