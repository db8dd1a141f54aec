/**
 * The quick start works as the README says: `npm start` runs examples/minimal on embedded
 * defaults, prints a development token and a curl line, and that curl line returns the user.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');

describe('examples/minimal (npm start)', function () {
  this.timeout(60_000);
  let child: ChildProcess;
  let output = '';

  before(async () => {
    const env = { ...process.env, PORT: '0', JWT_VERIFY_KEY: '', REDIS_URL: '', LOG_COLOR: 'false' };
    child = spawn(process.execPath, ['--import', 'tsx', 'examples/minimal/server.ts'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((done, fail) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/^curl .*\/me$/m.test(output)) done();
      });
      child.once('exit', (code) => fail(new Error(`example exited with ${code}: ${output}`)));
    });
  });

  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  function printedCurl(): { url: string; authorization: string } {
    const line = output.split('\n').find((l) => l.startsWith('curl '));
    assert.ok(line, 'a curl line is printed');
    const match = /-H "Authorization: (Bearer [^"]+)" (http:\/\/127\.0\.0\.1:\d+\/me)$/.exec(line);
    assert.ok(match, `the curl line has a bearer header and a loopback URL: ${line}`);
    return { authorization: match[1]!, url: match[2]! };
  }

  it('the printed curl line returns the development user', async () => {
    const { url, authorization } = printedCurl();
    const res = await fetch(url, { headers: { authorization } });
    assert.equal(res.status, 200);
    const user = (await res.json()) as { id: string; email: string; role: string };
    assert.equal(user.id, '00000000-0000-4000-8000-000000000001');
    assert.equal(user.email, 'dev@example.com');
    assert.ok(res.headers.get('x-request-id'), 'request context echoes a request id');
    assert.ok(res.headers.get('x-ratelimit-limit'), 'rate limit headers are sent');
  });

  it('refuses the same route without the token, with a {"detail"} body and WWW-Authenticate', async () => {
    const { url } = printedCurl();
    const res = await fetch(url);
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { detail: 'Authorization header is missing' });
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  });

  it('the development user is not an admin', async () => {
    const { url, authorization } = printedCurl();
    const res = await fetch(url.replace(/\/me$/, '/admin'), { headers: { authorization } });
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { detail: 'Admin access required' });
  });

  it('stops cleanly on SIGTERM (exit code 0)', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });
});
